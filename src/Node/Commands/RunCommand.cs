using Akka.Actor;
using Edgemanage.Actors.Logging;
using Edgemanage.Actors.Persistence;
using Edgemanage.Actors.Probing;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Hosting;
using Edgemanage.Node.Output;
using Edgemanage.Actors.Commands;
using Edgemanage.Actors.Networks;
using Edgemanage.Actors.Zones;
using Edgemanage.Contracts.Config;
using Edgemanage.Contracts.Zones;
using static Edgemanage.Contracts.Networks.NetworkCommands;
using static Edgemanage.Contracts.Networks.NetworkReplies;
using Opt = Edgemanage.Node.Cli.CommandLine.Option;

namespace Edgemanage.Node.Commands;

/// <summary>
/// <c>edgemanage run -A DNET [-c FILE] [-n] [-v] [--force-update]</c>: the cron replacement. One round: every
/// edge and canary is probed once and recorded, the live set is decided and the zones published; the exit code
/// says whether all of it worked (0), or the round was degraded (3: fewer than edge_count edges, or a zone
/// could not be published).
/// </summary>
public static class RunCommand
{
    internal static readonly Opt[] Options =
    [
        new("dnet", "-A", "--dnet", true),
        new("config", "-c", "--config", true),
        new("dry-run", "-n", "--dry-run", false),
        new("verbose", "-v", "--verbose", false),
        // Accepted for drop-in compatibility with edge_manage; see docs/differences.md.
        new("force", null, "--force", false),
        new("force-update", null, "--force-update", false),
        new("daemonise", null, "--daemonise", false),
        // Start a new journal deliberately: the old one (damaged, or not this network's) is renamed aside, never deleted.
        new("new-journal", null, JournalGate.NewJournalFlag, false),
        // The edge list lost more than max_edge_list_shrink since the last decision, and that is intended (the guard).
        new("accept-shrink", null, "--accept-shrink", false),
    ];

    public static async Task<int> ExecuteAsync(CommandLine cl, TextWriter output, TextWriter error, CancellationToken ct = default)
    {
        cl.NoPositionals("run");
        if (cl.Flag("daemonise"))
            throw new UsageException("run: --daemonise is replaced by 'edgemanage serve' (a long-running node)");
        var network = cl.Required("run", "dnet", "-A DNET");
        var context = NetworkContext.Load(cl.Value("config") ?? NetworkContext.DefaultConfigPath, network, error);
        if (context is null) return ExitCodes.UsageOrConfig;
        if (cl.Flag("dry-run") && cl.Flag("new-journal")) throw new UsageException($"run: {JournalGate.NewJournalFlag} starts a journal, -n writes nothing; choose one");
        return await RunRoundAsync(context, new RunOptions(cl.Flag("dry-run"), cl.Flag("verbose"), cl.Flag("force-update"), NewJournal: cl.Flag("new-journal"),
            AcceptShrink: cl.Flag("accept-shrink")),
            output, error, ct);
    }

    /// <param name="ShowDecision">Print the decision table even without -v (the demo does).</param>
    /// <param name="NewJournal">--new-journal: set an existing journal aside and start a new one.</param>
    /// <param name="AcceptShrink">--accept-shrink: publish even though the edge list shrank past max_edge_list_shrink.</param>
    public sealed record RunOptions(bool DryRun, bool Verbose, bool ForceUpdate = false, bool ShowDecision = false, bool NewJournal = false,
        bool AcceptShrink = false);

    public static async Task<int> RunRoundAsync(NetworkContext context, RunOptions options, TextWriter output, TextWriter error,
        CancellationToken ct = default)
    {
        var settings = context.Settings;
        var network = context.Paths.Network;
        using var log = NetworkContext.OpenLog(settings, options.Verbose);
        var timing = new RoundTiming();
        if (context.HashTestObject(error) is not { } expectedMd5) return ExitCodes.UsageOrConfig;
        log.Info($"Local test object {settings.TestObject.Local} has MD5 {Convert.ToHexStringLower(expectedMd5)}");

        var inputs = PublishInputs.Load(context, error);
        if (inputs is null) return ExitCodes.UsageOrConfig;
        ReportProblems(inputs.Problems, log, error);
        timing.Mark("inputs read");

        // The journal gate, before the lock (whose file is one of the signs of an earlier run) and before any
        // ActorSystem: room to write, then the journal itself, under the lock so no writer changes it meanwhile.
        var evidence = JournalGate.PriorRunEvidence(context);
        if (!options.DryRun && JournalGate.CheckSpace(context, error) is { } full) return full;
        if (!NetworkLock.TryAcquire(context.Paths.NetworkLock, $"edgemanage run -A {network}", out var networkLock, out var holder))
        {
            error.WriteLine($"edgemanage: network {network} is locked by {holder} ({context.Paths.NetworkLock}); not running");
            return ExitCodes.Locked;
        }
        using (networkLock)
        {
            if (JournalGate.Check(context, options.DryRun ? JournalGate.Access.Read : JournalGate.Access.Write, options.NewJournal, evidence,
                    output, error, "run", out var condition) is { } refused)
                return refused;
            timing.Mark("journal gate");

            var beforeHooks = new List<CommandOutcome>();
            if (!options.DryRun)
                foreach (var line in settings.Commands.RunBefore)
                {
                    beforeHooks.Add(await CommandRunner.RunAsync("run_before", line, CommandTimeout(settings), ct));
                    ReportHook(beforeHooks[^1], log, error);
                }

            // A dry run writes nothing: with no journal of the network yet, it runs on a throwaway one instead of
            // creating it; with one, it opens it read-only.
            using var scratchJournal = options.DryRun && settings.Persistence.Provider == PersistenceProvider.Sqlite
                && JournalGate.SqlitePathOf(context) is not null && condition?.Condition != Actors.Persistence.JournalCondition.Healthy
                ? new ScratchFile(Path.Combine(Path.GetTempPath(), $"edgemanage-dry-run-{Environment.ProcessId}-{Guid.NewGuid():N}.db"))
                : null;
            var journal = JournalTarget.For(settings.Persistence, scratchJournal?.Path ?? context.Paths.Journal);
            if (options.DryRun && scratchJournal is null && journal.SqlitePath is not null) journal = journal.ForReading();
            using var prober = context.CreateProber(expectedMd5);
            var probed = context.ProbedAddresses(inputs.Canaries);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var zoneSet = Task.Run(() => inputs.ReadZones(context), ct);
            await using var node = await EdgemanageNode.StartAsync(settings, network, probed, prober, journal,
                cancellationToken: ct, publish: PlanFor(context, inputs, options.AcceptShrink), log: log);
            // The journal exists now: from here on, its absence would be a loss the gate must report.
            if (!options.DryRun && JournalGate.SqlitePathOf(context) is { } journalPath) networkLock!.MarkJournalWriter(journalPath);
            Actors.Metrics.EdgemanageMetrics.Get(node.System).RecordHooks(network, beforeHooks);
            var started = clock.Elapsed;
            timing.Mark("host started");
            var zones = await zoneSet;
            ReportProblems(zones.Problems, log, error);
            var timeout = EdgemanageNode.RoundBudgetFor(settings, probed.Length).Deadline + TimeSpan.FromSeconds(30) + 4 * CommandTimeout(settings);
            var round = await node.Network!.Ask<RoundDecided>(
                new DecideRound(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), options.DryRun, options.ForceUpdate, zones.Zones), timeout, ct);
            timing.Mark("recovered, probed, decided and published");
            log.Debug($"Timing: host started in {started.TotalSeconds:F3}s, recovery, round and publishing took {(clock.Elapsed - started).TotalSeconds:F3}s");
            if (log.IsEnabled(OperatorLogLevel.Debug))
            {
                var gc = GC.GetGCMemoryInfo();
                using var me = System.Diagnostics.Process.GetCurrentProcess();
                log.Debug($"Memory: managed heap {gc.HeapSizeBytes >> 20} MB, committed {gc.TotalCommittedBytes >> 20} MB, " +
                          $"allocated so far {GC.GetTotalAllocatedBytes() >> 20} MB, peak RSS {me.PeakWorkingSet64 >> 20} MB, {me.Threads.Count} threads ({ThreadPool.ThreadCount} in the pool)");
            }
            foreach (var failure in round.ProbeFailures)
            {
                log.Warning(failure);
                error.WriteLine($"edgemanage: warning: {failure}");
            }
            var code = Report(round, context, journal, options, output, error, log);
            timing.Mark("reported");
            if (!options.DryRun) await WriteMetricsTextfileAsync(node, context, error, log, ct);
            timing.Mark("metrics written");
            if (log.IsEnabled(OperatorLogLevel.Debug)) log.Debug($"Timing: {timing}");
            return code;
        }
    }

    /// <summary>The round's metrics for node_exporter's textfile collector; a failure to write them is a warning only.</summary>
    private static async Task WriteMetricsTextfileAsync(EdgemanageNode node, NetworkContext context, TextWriter error, OperatorLog log,
        CancellationToken ct)
    {
        try
        {
            if (await MetricsTextfile.WriteAsync(node, context.Settings, context.Paths.Network, ct) is { } path)
                log.Debug($"Metrics written to {path}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Warning($"Writing the metrics textfile failed: {e.Message}");
            error.WriteLine($"edgemanage: warning: writing the metrics textfile failed: {e.Message}");
        }
    }

    /// <summary>
    /// Where a round's wall time goes, for <c>run -v</c> (docs/benchmarks.md): seconds since the process started at each
    /// step. The process start is the kernel's, so runtime start-up and configuration loading count too.
    /// </summary>
    private sealed class RoundTiming
    {
        private readonly DateTime _processStart = ProcessStart();
        private readonly List<(string Step, TimeSpan At)> _marks = [];

        public RoundTiming() => Mark("command started");

        public void Mark(string step) => _marks.Add((step, DateTime.Now - _processStart));

        private static DateTime ProcessStart()
        {
            using var me = System.Diagnostics.Process.GetCurrentProcess();
            return me.StartTime;
        }

        public override string ToString() => string.Join(", ", _marks.Select((m, i) =>
            System.FormattableString.Invariant($"{m.Step} +{m.At.TotalSeconds:F3}s ({(i == 0 ? m.At : m.At - _marks[i - 1].At).TotalSeconds:F3}s)")));
    }

    /// <summary>A SQLite file (and its -wal / -shm companions) deleted when the run ends.</summary>
    private sealed class ScratchFile(string path) : IDisposable
    {
        public string Path { get; } = path;

        public void Dispose()
        {
            foreach (var f in new[] { Path, Path + "-wal", Path + "-shm" })
                try { File.Delete(f); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static TimeSpan CommandTimeout(EdgemanageSettings settings) => TimeSpan.FromSeconds(settings.CommandTimeoutSeconds);

    internal static PublishPlan PlanFor(NetworkContext context, PublishInputs inputs, bool acceptShrink = false)
    {
        var s = context.Settings;
        var network = context.Paths.Network;
        var required = s.EdgeCountFor(network);
        // The fault suite's kill -9 at a chosen step of publishing (docs/reliability.md); unset, it does nothing.
        var crash = Actors.Faults.CrashPoints.FromEnvironment();
        var networkSettings = new NetworkActorSettings(network, required, Math.Min(s.MinEdges, required),
            new RotationBudget(s.DnsChangeMaxFreq, TimeSpan.FromSeconds(s.DnsChangeWindowSeconds)),
            context.Edges, inputs.Canaries, s.CanaryKiller, s.SnapshotEvery, context.Paths.LiveList, crash,
            MaxEdgeListShrink: s.MaxEdgeListShrink, AcceptShrink: acceptShrink, KeepUnderSeconds: s.KeepUnderSeconds);
        var zoneSettings = new ZoneWriterSettings(network, s.NamedDir, context.Paths.LiveList, s.Dns, inputs.Template, inputs.Checker,
            s.Commands, CommandTimeout(s), s.SnapshotEvery, crash, DnsUpdateTargetOf(s));
        return new PublishPlan(networkSettings, zoneSettings, new HostResolver());
    }

    /// <summary>
    /// publish: dns-update: the key is read again here (config loading checked it) and each decider gets its own
    /// identity for the claim marker: host, process and a random part, so two deciders never look alike.
    /// </summary>
    private static DnsUpdateTarget? DnsUpdateTargetOf(EdgemanageSettings s) =>
        s.DnsUpdate is { } update
            ? new DnsUpdateTarget(update, Actors.Zones.Dynamic.TsigKeyFile.Read(update.KeyFile),
                $"{Environment.MachineName}:{Environment.ProcessId}:{Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3)).ToLowerInvariant()}")
            : null;

    private static void ReportProblems(IEnumerable<Configuration.ConfigProblem> problems, OperatorLog log, TextWriter error)
    {
        foreach (var problem in problems)
        {
            error.WriteLine(problem);
            if (problem.IsError) log.Error(problem.ToString()); else log.Warning(problem.ToString());
        }
    }

    private static void ReportHook(CommandOutcome outcome, OperatorLog log, TextWriter error)
    {
        if (outcome.Succeeded) return;
        var why = outcome.StartError ?? (outcome.TimedOut ? "timed out and was killed" : $"exited {outcome.ExitCode}");
        var message = $"{outcome.Hook} '{outcome.CommandLine}' {why}: {ZonePublisher.FirstLines(outcome.Stderr)}";
        log.Error(message);
        error.WriteLine($"edgemanage: warning: {message}");
    }

    /// <summary>
    /// Prints what the round did and picks the exit code. Quiet when nothing changed and all is well, so a cron
    /// line mails only when DNS changed or something needs a look; -v always prints the whole decision.
    /// </summary>
    private static int Report(RoundDecided round, NetworkContext context, JournalTarget journal, RunOptions options,
        TextWriter output, TextWriter error, OperatorLog log)
    {
        var decision = round.Decision;
        var zones = round.Zones;
        if (round.HeldReason is { } held)
        {
            // The guard held DNS: say so loudly, on stderr (cron mails it) and in the log, and exit degraded.
            var line = $"{decision.Network}: {held}";
            log.Error(line);
            error.WriteLine($"edgemanage: {line}");
            if (options.Verbose || options.ShowDecision) DecisionFormat.WriteDecision(output, decision, round.Reports, round.Canaries);
            log.Info($"Round for {decision.Network}: held by the guard; live stays {string.Join(' ', decision.Live)}; " +
                     (options.DryRun ? "dry run" : $"{round.Reports.Count} edges probed and recorded in {DescribeJournal(journal)}"));
            return ExitCodes.Degraded;
        }
        foreach (var note in decision.Notes)
        {
            log.Warning(note);
            error.WriteLine($"edgemanage: {note}");
        }
        foreach (var problem in zones.Problems) error.WriteLine($"edgemanage: warning: {problem}");
        foreach (var z in zones.Zones.Where(z => z.Action is ZoneAction.Held or ZoneAction.CheckFailed or ZoneAction.Failed))
        {
            log.Error($"Zone {z.Zone} not published: {z.Detail}");
            error.WriteLine($"edgemanage: zone {z.Zone} not published: {z.Detail}");
        }
        var hookFailed = false;
        foreach (var hook in zones.Hooks.Where(h => !h.Succeeded))
        {
            ReportHook(hook, log, error);
            hookFailed |= hook.Hook == "run_after_changes";
        }

        var changed = !decision.PreviousLive.SequenceEqual(decision.Live, StringComparer.Ordinal) || zones.AnyChanged;
        if (options.Verbose || options.ShowDecision) DecisionFormat.WriteDecision(output, decision, round.Reports, round.Canaries);
        if (options.Verbose || options.ShowDecision || options.DryRun || changed || decision.Degraded || hookFailed)
            DecisionFormat.WriteSummary(output, decision, zones);
        if (options.DryRun)
        {
            foreach (var z in zones.Zones.Where(z => z.Diff is not null)) output.Write(z.Diff);
            output.WriteLine($"dry run: {round.Reports.Count} edges probed; nothing was persisted, written or run");
        }
        log.Info($"Round for {decision.Network}: live {string.Join(' ', decision.Live)}; " +
                 (options.DryRun ? "dry run" : $"{round.Reports.Count} edges probed and recorded in {DescribeJournal(journal)}"));

        return decision.Degraded || hookFailed ? ExitCodes.Degraded : ExitCodes.Ok;
    }

    public static string DescribeJournal(JournalTarget journal) =>
        journal.Provider == Contracts.Config.PersistenceProvider.Sqlite
            ? new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(journal.ConnectionString).DataSource
            : "PostgreSQL";
}
