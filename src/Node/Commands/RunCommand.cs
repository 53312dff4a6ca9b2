using Akka.Actor;
using Edgemanage.Actors.Logging;
using Edgemanage.Actors.Persistence;
using Edgemanage.Actors.Probing;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Hosting;
using Edgemanage.Node.Output;
using static Edgemanage.Contracts.Edges.EdgeCommands;
using static Edgemanage.Contracts.Edges.EdgeReplies;
using Opt = Edgemanage.Node.Cli.CommandLine.Option;

namespace Edgemanage.Node.Commands;

/// <summary>
/// <c>edgemanage run -A DNET [-c FILE] [-n] [-v]</c>: the cron replacement. For now one round: every edge is
/// probed once, the samples are persisted (not with -n), and a table of the edges is printed.
/// </summary>
public static class RunCommand
{
    public const string Usage = "usage: edgemanage run -A DNET [-c FILE] [-n] [-v] [--force] [--force-update]";

    private static readonly Opt[] Options =
    [
        new("dnet", "-A", "--dnet", true),
        new("config", "-c", "--config", true),
        new("dry-run", "-n", "--dry-run", false),
        new("verbose", "-v", "--verbose", false),
        // Accepted for drop-in compatibility with edge_manage; see docs/differences.md.
        new("force", null, "--force", false),
        new("force-update", null, "--force-update", false),
        new("daemonise", null, "--daemonise", false),
    ];

    public static async Task<int> ExecuteAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken ct = default)
    {
        var cl = CommandLine.Parse("run", args, Options);
        cl.NoPositionals("run");
        if (cl.Flag("daemonise"))
            throw new UsageException("run: --daemonise is replaced by 'edgemanage serve' (a long-running node)");
        var network = cl.Required("run", "dnet", "-A DNET");
        var context = NetworkContext.Load(cl.Value("config") ?? NetworkContext.DefaultConfigPath, network, error);
        if (context is null) return ExitCodes.UsageOrConfig;
        return await RunRoundAsync(context, dryRun: cl.Flag("dry-run"), verbose: cl.Flag("verbose"), output, error, ct);
    }

    public static async Task<int> RunRoundAsync(NetworkContext context, bool dryRun, bool verbose, TextWriter output, TextWriter error,
        CancellationToken ct = default)
    {
        var settings = context.Settings;
        using var log = NetworkContext.OpenLog(settings, verbose);
        var previousLog = OperatorLog.Current;
        OperatorLog.Current = log;
        try
        {
            byte[] expectedMd5;
            try
            {
                expectedMd5 = HttpProber.HashFile(settings.TestObject.Local);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                var (line, col) = context.Config.Locate("testobject.local");
                error.WriteLine($"{settings.SourcePath}:{line}:{col}: error: cannot read testobject.local '{settings.TestObject.Local}': {e.Message}");
                return ExitCodes.UsageOrConfig;
            }
            log.Info($"Local test object {settings.TestObject.Local} has MD5 {Convert.ToHexStringLower(expectedMd5)}");

            if (!NetworkLock.TryAcquire(context.Paths.NetworkLock, $"edgemanage run -A {context.Paths.Network}", out var networkLock, out var holder))
            {
                error.WriteLine($"edgemanage: network {context.Paths.Network} is locked by {holder} ({context.Paths.NetworkLock}); not running");
                return ExitCodes.Locked;
            }
            using (networkLock)
            {
                var journal = JournalTarget.For(settings.Persistence, context.Paths.Journal);
                using var prober = new ConcurrencyLimitedProber(new HttpProber(settings.TestObject, settings.Probe, expectedMd5),
                    settings.Probe.Concurrency, settings.Probe.StartRate);
                var clock = System.Diagnostics.Stopwatch.StartNew();
                await using var node = await EdgemanageNode.StartAsync(settings, context.Paths.Network, context.Edges, prober, journal, cancellationToken: ct);
                var started = clock.Elapsed;
                var timeout = EdgemanageNode.RoundDeadline(settings) + TimeSpan.FromSeconds(30);
                var round = await node.NetworkEdges.Ask<RoundCompleted>(new RunRound(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Persist: !dryRun), timeout, ct);
                log.Debug($"Timing: host started in {started.TotalSeconds:F3}s, recovery and round took {(clock.Elapsed - started).TotalSeconds:F3}s");
                if (log.IsEnabled(OperatorLogLevel.Debug))
                {
                    var gc = GC.GetGCMemoryInfo();
                    using var me = System.Diagnostics.Process.GetCurrentProcess();
                    log.Debug($"Memory: managed heap {gc.HeapSizeBytes >> 20} MB, committed {gc.TotalCommittedBytes >> 20} MB, " +
                              $"allocated so far {GC.GetTotalAllocatedBytes() >> 20} MB, peak RSS {me.PeakWorkingSet64 >> 20} MB, {me.Threads.Count} threads ({ThreadPool.ThreadCount} in the pool)");
                }
                foreach (var failure in round.Failures)
                {
                    log.Warning(failure);
                    error.WriteLine($"edgemanage: warning: {failure}");
                }
                EdgeReportFormat.WriteRoundTable(output, round.Edges);
                var summary = dryRun
                    ? $"dry run: {round.Edges.Count} edges probed, nothing persisted"
                    : $"{round.Edges.Count} edges probed and recorded in {DescribeJournal(journal)}";
                output.WriteLine(summary);
                log.Info($"Round for {context.Paths.Network}: {summary}");
                return ExitCodes.Ok;
            }
        }
        finally
        {
            OperatorLog.Current = previousLog;
        }
    }

    public static string DescribeJournal(JournalTarget journal) =>
        journal.Provider == Contracts.Config.PersistenceProvider.Sqlite
            ? new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(journal.ConnectionString).DataSource
            : "PostgreSQL";
}
