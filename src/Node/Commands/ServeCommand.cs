using Akka.Actor;
using Edgemanage.Actors.Logging;
using Edgemanage.Actors.Networks;
using Edgemanage.Actors.Persistence;
using Edgemanage.Actors.Probing;
using Edgemanage.Contracts.Config;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Hosting;
using Edgemanage.Node.Output;
using static Edgemanage.Contracts.Edges.EdgeCommands;
using static Edgemanage.Contracts.Edges.EdgeReplies;
using static Edgemanage.Contracts.Networks.NetworkCommands;
using static Edgemanage.Contracts.Networks.NetworkReplies;
using Opt = Edgemanage.Node.Cli.CommandLine.Option;

namespace Edgemanage.Node.Commands;

/// <summary>Signals a long-running node reacts to; Program.cs maps SIGHUP here (tests call it directly).</summary>
public static class ServeSignals
{
    public static event Action? ReloadRequested;

    public static void RequestReload() => ReloadRequested?.Invoke();
}

/// <summary>
/// <c>edgemanage serve -A DNET [-c FILE] [-v]</c>: the long-running node, one network, one vantage (the cluster
/// of vantages comes next). Every edge probes on its own every <c>probe_interval</c> (with jitter); each history
/// group persists its batch window's samples as one event; the NetworkActor decides every
/// <c>decision_interval</c>, and at once when a live edge fails; zones are written only when they change. The
/// network lock is held for the node's life, so a cron <c>run</c> of the same network is refused. SIGHUP
/// re-reads the zone includes; SIGTERM or Ctrl-C stops probing, persists what is buffered and exits 0.
/// </summary>
public static class ServeCommand
{
    public const string Usage = "usage: edgemanage serve -A DNET [-c FILE] [-v]";

    private static readonly Opt[] Options =
    [
        new("dnet", "-A", "--dnet", true),
        new("config", "-c", "--config", true),
        new("verbose", "-v", "--verbose", false),
    ];

    public static async Task<int> ExecuteAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken ct = default)
    {
        var cl = CommandLine.Parse("serve", args, Options);
        cl.NoPositionals("serve");
        var network = cl.Required("serve", "dnet", "-A DNET");
        var context = NetworkContext.Load(cl.Value("config") ?? NetworkContext.DefaultConfigPath, network, error);
        if (context is null) return ExitCodes.UsageOrConfig;
        var settings = context.Settings;
        using var log = NetworkContext.OpenLog(settings, cl.Flag("verbose"));
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
                error.WriteLine($"{settings.SourcePath}: error: cannot read testobject.local '{settings.TestObject.Local}': {e.Message}");
                return ExitCodes.UsageOrConfig;
            }
            var inputs = PublishInputs.Load(context, error);
            if (inputs is null) return ExitCodes.UsageOrConfig;
            foreach (var p in inputs.Problems) error.WriteLine(p);

            if (!NetworkLock.TryAcquire(context.Paths.NetworkLock, $"edgemanage serve -A {network}", out var networkLock, out var holder))
            {
                error.WriteLine($"edgemanage: network {network} is locked by {holder} ({context.Paths.NetworkLock}); not serving");
                return ExitCodes.Locked;
            }
            using (networkLock)
            {
                var journal = JournalTarget.For(settings.Persistence, context.Paths.Journal);
                using var prober = new ConcurrencyLimitedProber(new HttpProber(settings.TestObject, settings.Probe, expectedMd5),
                    settings.Probe.Concurrency, settings.Probe.StartRate);
                var probed = context.Edges.Concat(inputs.Canaries.Values).Distinct(StringComparer.Ordinal).ToArray();
                var zones = inputs.ReadZones(context);
                foreach (var p in zones.Problems) error.WriteLine(p);
                var plan = RunCommand.PlanFor(context, inputs) with
                {
                    Serve = new ServeOptions(TimeSpan.FromSeconds(settings.DecisionIntervalSeconds), zones.Zones, QuorumFor(settings)),
                };
                await using var node = await EdgemanageNode.StartAsync(settings, network, probed, prober, journal,
                    cancellationToken: ct, publish: plan);

                var printer = node.System.ActorOf(Props.Create(() => new DecisionPrinter(output)), "decision-printer");
                node.System.EventStream.Subscribe(printer, typeof(RoundDecided));
                node.System.EventStream.Subscribe(printer, typeof(Frozen));
                node.NetworkEdges.Tell(new StartContinuous(TimeSpan.FromSeconds(settings.ProbeIntervalSeconds),
                    TimeSpan.FromSeconds(settings.HistoryBatchWindowSeconds), node.Network));
                output.WriteLine($"serving {network}: {probed.Length} edges probed every {settings.ProbeIntervalSeconds:0.###}s, " +
                                 $"decisions every {settings.DecisionIntervalSeconds:0.###}s; SIGHUP re-reads zone includes, SIGTERM stops");
                log.Info($"Serving {network}: {probed.Length} edges, probe_interval {settings.ProbeIntervalSeconds}s, decision_interval {settings.DecisionIntervalSeconds}s");

                void Reload()
                {
                    var fresh = inputs.ReadZones(context);
                    foreach (var p in fresh.Problems) error.WriteLine(p);
                    node.Network!.Tell(new UpdateZones(fresh.Zones));
                    log.Info($"Reloaded the zone includes of {network}: {fresh.Zones.Count} zones");
                    output.WriteLine($"reloaded zone includes: {fresh.Zones.Count} zones");
                }
                ServeSignals.ReloadRequested += Reload;
                try
                {
                    await Task.Delay(Timeout.Infinite, ct);
                }
                catch (OperationCanceledException)
                {
                    // SIGTERM / Ctrl-C: the normal way to stop a node.
                }
                finally
                {
                    ServeSignals.ReloadRequested -= Reload;
                }

                var stopped = await node.NetworkEdges.Ask<ContinuousStopped>(StopContinuous.Instance, TimeSpan.FromSeconds(30));
                log.Info($"Stopped serving {network}: probing stopped and the last batches of {stopped.Groups} history groups persisted");
                output.WriteLine($"stopped: the last samples of {stopped.Groups} history groups persisted");
                return ExitCodes.Ok;
            }
        }
        finally
        {
            OperatorLog.Current = previousLog;
        }
    }

    /// <summary>
    /// The vote's settings. An observation is stale after three probe intervals plus a probe timeout by default:
    /// one missed probe is normal, three in a row means the vantage lost touch.
    /// </summary>
    public static QuorumSettings QuorumFor(EdgemanageSettings settings)
    {
        if (!Contracts.Networks.QuorumSpec.TryParse(settings.Quorum, out var spec, out var error))
            throw new UsageException($"quorum: {error}"); // the config loader already rejects this; kept for callers that build settings in code
        var stale = settings.VoteStaleAfterSeconds ?? 3 * settings.ProbeIntervalSeconds + settings.Probe.TimeoutSeconds;
        return new QuorumSettings(spec, TimeSpan.FromSeconds(stale), settings.MinVantages);
    }

    /// <summary>Prints each decision that changed something or is degraded (the node's stdout is its journal for humans).</summary>
    private sealed class DecisionPrinter : ReceiveActor
    {
        public DecisionPrinter(TextWriter output)
        {
            Receive<Frozen>(f =>
            {
                output.WriteLine($"[{DecisionFormat.Time(f.AtUnixMs)}] {f.Network}: DNS FROZEN: {f.Reason}");
                output.Flush();
            });
            Receive<RoundDecided>(d =>
            {
                var changed = !d.Decision.PreviousLive.SequenceEqual(d.Decision.Live, StringComparer.Ordinal) || d.Zones.AnyChanged;
                if (!changed && !d.Decision.Degraded) return;
                output.Write($"[{DecisionFormat.Time(d.Decision.AtUnixMs)}] ");
                DecisionFormat.WriteSummary(output, d.Decision, d.Zones);
                output.Flush();
            });
        }
    }
}
