using Akka.Actor;
using Edgemanage.Actors.Logging;
using Edgemanage.Actors.Networks;
using Edgemanage.Actors.Persistence;
using Edgemanage.Actors.Probing;
using Edgemanage.Contracts.Config;
using Edgemanage.Node.Admin;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Configuration;
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
/// re-reads the edge lists, the canary file and the zone includes (a broken one is reported and the last good
/// version kept); SIGTERM or Ctrl-C stops probing, persists what is buffered and exits 0.
/// </summary>
public static class ServeCommand
{
    public const string Usage = """
        usage: edgemanage serve [-A DNET]... [-c FILE] [-v]
                                [--cluster] [--host HOST] [--port N] [--seed HOST:PORT]... [--roles vantage,decider]
                                [--vantage NAME] [--source-address IP] [--admin HOST:PORT|off]
                                [--metrics-listen HOST:PORT|off] [--new-journal]
          --new-journal sets an existing journal aside (renamed, never deleted) and starts a new one; needed when the
          journal is damaged, or missing or empty while the network has clearly run here before.
          --metrics-listen overrides metrics.listen (default 127.0.0.1:9469): where GET /metrics is served.
          The cluster options override the config's cluster: section (--cluster alone: a cluster with its defaults).
          --admin overrides admin.host/admin.port, where 'edgemanage ctl' reaches this node (port 0: any free port).
        """;

    private static readonly Opt[] Options =
    [
        new("dnet", "-A", "--dnet", true, Repeatable: true),
        new("config", "-c", "--config", true),
        new("verbose", "-v", "--verbose", false),
        new("cluster", null, "--cluster", false),
        new("host", null, "--host", true),
        new("port", null, "--port", true),
        new("seed", null, "--seed", true, Repeatable: true),
        new("roles", null, "--roles", true),
        new("vantage", null, "--vantage", true),
        new("source-address", null, "--source-address", true),
        new("admin", null, "--admin", true),
        new("metrics-listen", null, "--metrics-listen", true),
        new("new-journal", null, JournalGate.NewJournalFlag, false),
    ];

    /// <summary>The config's cluster section with the command line's overrides; null = a node of its own.</summary>
    private static (EdgemanageSettings Settings, ClusterSettings? Cluster) ApplyOverrides(EdgemanageSettings settings, CommandLine cl)
    {
        if (cl.Value("vantage") is { } vantage)
        {
            if (!vantage.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
                throw new UsageException($"serve: --vantage must be letters, digits, '_', '.' or '-', got '{vantage}'");
            settings = settings with { Vantage = vantage };
        }
        if (cl.Value("source-address") is { } source)
        {
            if (!System.Net.IPAddress.TryParse(source, out _)) throw new UsageException($"serve: --source-address must be an IP address, got '{source}'");
            settings = settings with { Probe = settings.Probe with { SourceAddress = source } };
        }
        var cluster = settings.Cluster;
        var wanted = cl.Flag("cluster") || cl.Value("host") is not null || cl.Value("port") is not null || cl.Values("seed").Count > 0 || cl.Value("roles") is not null;
        if (wanted) cluster ??= new ClusterSettings();
        if (cluster is null) return (settings, null);
        if (cl.Value("host") is { } host) cluster = cluster with { Host = host };
        if (cl.Value("port") is not null) cluster = cluster with { Port = cl.Int("serve", "port", "--port", 0, 0, 65535) };
        if (cl.Values("seed") is { Count: > 0 } seeds)
        {
            foreach (var seed in seeds.Where(s => !Configuration.ConfigSections.IsHostPort(s)))
                throw new UsageException($"serve: --seed must be host:port, got '{seed}'");
            cluster = cluster with { SeedNodes = seeds.ToList() };
        }
        if (cl.Value("roles") is { } roleList)
        {
            var roles = roleList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();
            if (roles.Count == 0 || roles.Any(r => r is not (ClusterSettings.VantageRole or ClusterSettings.DeciderRole)))
                throw new UsageException($"serve: --roles must list vantage and/or decider, got '{roleList}'");
            cluster = cluster with { Roles = roles };
        }
        return (settings, cluster);
    }

    public static async Task<int> ExecuteAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken ct = default)
    {
        var cl = CommandLine.Parse("serve", args, Options);
        cl.NoPositionals("serve");
        var configPath = cl.Value("config") ?? NetworkContext.DefaultConfigPath;
        var networks = cl.Values("dnet").Distinct(StringComparer.Ordinal).ToList();
        if (networks.Count == 0)
        {
            // No -A: every network that has an edge list.
            var config = ConfigLoader.Load(configPath);
            if (config.Settings is not { } loaded)
            {
                foreach (var e in config.Errors) error.WriteLine(e);
                return ExitCodes.UsageOrConfig;
            }
            networks = Directory.Exists(loaded.EdgeListDir)
                ? Directory.GetFiles(loaded.EdgeListDir).Select(Path.GetFileName).OfType<string>()
                    .Where(n => !n.StartsWith('.') && NameRules.CheckNetworkName(n) is null).Order(StringComparer.Ordinal).ToList()
                : [];
            if (networks.Count == 0)
                throw new UsageException($"serve: no -A DNET given and edgelist_dir '{loaded.EdgeListDir}' holds no edge list");
        }
        var contexts = new List<NetworkContext>();
        foreach (var network in networks)
        {
            if (NetworkContext.Load(configPath, network, error) is not { } context) return ExitCodes.UsageOrConfig;
            contexts.Add(context);
        }
        var (firstSettings, cluster) = ApplyOverrides(contexts[0].Settings, cl);
        if (cluster is not null && contexts.Count > 1)
            throw new UsageException($"serve: a cluster node serves one network; start one node per network (got {string.Join(", ", networks)})");
        if (cluster is not null && ClusterSetup.Problem(cluster) is { } clusterProblem) throw new UsageException($"serve: {clusterProblem}");
        // Akka.Remote would share a taken port with the other process (SO_REUSEPORT) and split the cluster's traffic.
        if (cluster is not null && PortProbe.InUse(cluster.Host, cluster.Port) is { } busy)
        {
            error.WriteLine($"edgemanage: serve: cluster port: {busy}; give each node on this machine its own --port (cluster.port)");
            return ExitCodes.Error;
        }
        var metricsListen = MetricsEndpoint.ListenFor(firstSettings.Metrics, cl.Value("metrics-listen"));

        using var log = NetworkContext.OpenLog(firstSettings, cl.Flag("verbose"));
        var previousLog = OperatorLog.Current;
        OperatorLog.Current = log;
        await using var admin = StartAdmin(firstSettings, cl, log, output, error);
        try
        {
            // Metrics: one /metrics endpoint for every network of this process; failing to bind only warns.
            await using var metrics = metricsListen is null ? null : MetricsEndpoint.TryStart(metricsListen, output, error, log);

            // One ActorSystem per network, each with its own journal and lock, as a cron run of it would have.
            using var stopAll = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var serving = contexts.Select(c => ServeNetworkAsync(c with { Settings = ApplyOverrides(c.Settings, cl).Settings }, cluster, admin, log,
                output, error, stopAll.Token, metrics, cl.Flag("new-journal"))).ToList();
            var first = await Task.WhenAny(serving);
            var stoppedByOperator = ct.IsCancellationRequested;
            // A network that ends before the operator stopped the node could not start: stop the others too, and
            // exit with its code (config, lock) rather than pretend the node ran.
            stopAll.Cancel();
            var codes = await Task.WhenAll(serving);
            if (stoppedByOperator) return codes.Max();
            // Ok from a network that ended on its own means it stopped normally (its node left the cluster).
            return first.Result != ExitCodes.Ok ? first.Result : codes.FirstOrDefault(c => c != ExitCodes.Ok, ExitCodes.Ok);
        }
        finally
        {
            OperatorLog.Current = previousLog;
        }
    }

    /// <summary>
    /// The ctl endpoint of this process (admin: section, --admin). A node that cannot open it still serves DNS: ctl
    /// is how operators look, not what keeps the zones right, so a taken port is a warning, not a failure.
    /// </summary>
    private static AdminEndpoint? StartAdmin(EdgemanageSettings settings, CommandLine cl, OperatorLog log, TextWriter output, TextWriter error)
    {
        var admin = settings.Admin;
        if (cl.Value("admin") is { } text)
        {
            if (text == "off") admin = admin with { Enabled = false };
            else if (AdminRemoting.ParseHostPort(text, allowAnyPort: true) is { } hp)
            {
                if (AdminSettings.IsWildcard(hp.Host))
                    throw new UsageException($"serve: --admin must name one address of this node that ctl will use, not '{hp.Host}'");
                admin = admin with { Enabled = true, Host = hp.Host, Port = hp.Port };
            }
            else throw new UsageException($"serve: --admin must be host:port or off, got '{text}'");
        }
        if (!admin.Enabled) return null;
        try
        {
            var endpoint = AdminEndpoint.Start(admin, AdminSecret.LoadOrCreate(settings with { Admin = admin }));
            var tls = admin.TlsCertificate is { } certificate ? $"TLS with {certificate}" : null;
            output.WriteLine($"ctl endpoint on {endpoint.Address} ({(tls is null ? "" : tls + "; ")}edgemanage ctl --node {endpoint.Address} ...)");
            log.Info($"ctl endpoint on {endpoint.Address}{(tls is null ? "" : $" ({tls})")}");
            return endpoint;
        }
        catch (Exception e)
        {
            var message = $"no ctl endpoint on {admin.Host}:{admin.Port}: {e.GetBaseException().Message}; serving without it";
            error.WriteLine($"edgemanage: warning: {message}");
            log.Warning(message);
            return null;
        }
    }

    private static async Task<int> ServeNetworkAsync(NetworkContext context, ClusterSettings? cluster, AdminEndpoint? admin, OperatorLog log,
        TextWriter output, TextWriter error, CancellationToken ct, MetricsEndpoint? metrics = null, bool newJournal = false)
    {
        var network = context.Paths.Network;
        var settings = context.Settings;
        if (context.HashTestObject(error) is not { } expectedMd5) return ExitCodes.UsageOrConfig;
        var inputs = PublishInputs.Load(context, error);
        if (inputs is null) return ExitCodes.UsageOrConfig;
        foreach (var p in inputs.Problems) error.WriteLine(p);

        // The holder line names the ctl endpoint: that is how 'edge mode' finds the node to go through.
        var purpose = $"edgemanage serve -A {network}" + (admin is null ? "" : $", {NetworkLock.AdminMarker}{admin.Address}");
        // The journal gate (see run): a damaged, missing-but-expected or full journal never reaches an ActorSystem,
        // so such a node never starts (exit 1 within seconds) rather than hang in recovery and ignore SIGTERM.
        var evidence = JournalGate.PriorRunEvidence(context);
        if (JournalGate.CheckSpace(context, error) is { } full) return full;
        NetworkLock? networkLock;
        string holder;
        try
        {
            if (!NetworkLock.TryAcquire(context.Paths.NetworkLock, purpose, out networkLock, out holder))
            {
                error.WriteLine($"edgemanage: network {network} is locked by {holder} ({context.Paths.NetworkLock}); not serving");
                return ExitCodes.Locked;
            }
        }
        catch (NetworkLockException e)
        {
            error.WriteLine($"edgemanage: {e.Message}; not serving {network}");
            return ExitCodes.Error;
        }
        using (networkLock)
        {
            if (JournalGate.Check(context, JournalGate.Access.Write, newJournal, evidence, output, error, "serve", networkLock) is { } refused) return refused;
            var journal = JournalTarget.For(settings.Persistence, context.Paths.Journal);
            using var prober = context.CreateProber(expectedMd5);
            var probed = context.ProbedAddresses(inputs.Canaries);
            var zones = inputs.ReadZones(context);
            foreach (var p in zones.Problems) error.WriteLine(p);
            var plan = RunCommand.PlanFor(context, inputs) with
            {
                Serve = new ServeOptions(TimeSpan.FromSeconds(settings.DecisionIntervalSeconds), zones.Zones, QuorumFor(settings)),
            };
            await using var node = await EdgemanageNode.StartAsync(settings, network, probed, prober, journal,
                cancellationToken: ct, publish: plan, cluster: cluster);
            // SIGTERM ends the node within seconds whatever the journal does (see FinishDecidingAsync and below).
            node.StopWithin = TimeSpan.FromSeconds(3);
            using var metricsRegistration = metrics?.Register(NodeMetrics.SourceFor(node, network, settings));

            admin?.Serve(network, node.System, node.Network!, node.NetworkEdges);
            var printer = node.System.ActorOf(DecisionPrinter.Props(output), "decision-printer");
            node.System.EventStream.Subscribe(printer, typeof(RoundDecided));
            node.System.EventStream.Subscribe(printer, typeof(Frozen));
            var journalPrinter = node.System.ActorOf(JournalPrinter.Props(error), "journal-printer");
            node.System.EventStream.Subscribe(journalPrinter, typeof(Actors.Persistence.JournalNotWritable));
            node.System.EventStream.Subscribe(journalPrinter, typeof(Actors.Persistence.JournalWritableAgain));
            node.NetworkEdges.Tell(new StartContinuous(TimeSpan.FromSeconds(settings.ProbeIntervalSeconds),
                TimeSpan.FromSeconds(settings.HistoryBatchWindowSeconds), node.Network!));
            var where = cluster is null ? "a node of its own"
                : $"cluster node {Akka.Cluster.Cluster.Get(node.System).SelfAddress} ({string.Join(",", cluster.Roles)}), vantage {settings.Vantage}";
            output.WriteLine($"serving {network} as {where}: {probed.Length} edges probed every {settings.ProbeIntervalSeconds:0.###}s, " +
                             $"decisions every {settings.DecisionIntervalSeconds:0.###}s; SIGHUP re-reads edge lists, canaries and zone includes, SIGTERM stops");
            output.Flush();
            log.Info($"Serving {network}: {probed.Length} edges, probe_interval {settings.ProbeIntervalSeconds}s, decision_interval {settings.DecisionIntervalSeconds}s");

            // SIGHUP: re-read edge lists, canary file and zone includes. A broken file is reported and skipped; the
            // node keeps running on the last good version of it.
            var lastEdges = context.Edges;
            var lastCanaries = inputs.Canaries;
            var reloading = new SemaphoreSlim(1, 1);
            async Task ReloadAsync()
            {
                await reloading.WaitAsync();
                try
                {
                    var edges = lastEdges;
                    var reread = NetworkEdges.Load(settings, network);
                    foreach (var p in reread.Warnings) error.WriteLine(p);
                    if (reread.Ok) edges = reread.Edges;
                    else
                    {
                        foreach (var p in reread.Errors) error.WriteLine(p);
                        Report($"the edge lists of {network} have errors; keeping the last good version ({lastEdges.Count} edges)");
                    }
                    var canaries = lastCanaries;
                    if (context.Paths.CanaryFile is { } canaryFile)
                    {
                        var loaded = CanaryFileLoader.Load(canaryFile);
                        foreach (var p in loaded.Errors.Concat(loaded.Warnings)) error.WriteLine(p);
                        if (loaded.Ok) canaries = loaded.Canaries;
                        else Report($"canary file {canaryFile} has errors; keeping the last good version ({lastCanaries.Count} canaries)");
                    }
                    var fresh = (inputs with { Canaries = canaries, CanaryHold = null }).ReadZones(context);
                    foreach (var p in fresh.Problems) error.WriteLine(p);

                    var changed = !edges.SequenceEqual(lastEdges, StringComparer.Ordinal) || !SameCanaries(canaries, lastCanaries);
                    if (changed)
                    {
                        var probedNow = (context with { Edges = edges }).ProbedAddresses(canaries);
                        await node.ReplaceEdgesAsync(probedNow, TimeSpan.FromSeconds(settings.ProbeIntervalSeconds),
                            TimeSpan.FromSeconds(settings.HistoryBatchWindowSeconds), node.Network!);
                        admin?.Serve(network, node.System, node.Network!, node.NetworkEdges);
                        node.Network!.Tell(new UpdateNetwork(edges, canaries, fresh.Zones));
                        lastEdges = edges;
                        lastCanaries = canaries;
                    }
                    else
                    {
                        node.Network!.Tell(new UpdateZones(fresh.Zones));
                    }
                    Report($"reloaded: {edges.Count} edges, {canaries.Count} canaries, {fresh.Zones.Count} zones");
                }
                catch (Exception e)
                {
                    Report($"reload failed, still running on the previous inputs: {e.GetType().Name}: {e.Message}");
                }
                finally
                {
                    reloading.Release();
                }
            }
            void Report(string message)
            {
                log.Info(message);
                output.WriteLine(message);
                output.Flush();
            }
            void Reload() => _ = ReloadAsync();
            ServeSignals.ReloadRequested += Reload;
            try
            {
                // SIGTERM / Ctrl-C is the normal way to stop; a node that left the cluster (ctl cluster leave, or downed)
                // has a terminated ActorSystem and stops too, instead of idling with nothing running.
                await Task.WhenAny(Task.Delay(Timeout.Infinite, ct), node.System.WhenTerminated);
            }
            finally
            {
                ServeSignals.ReloadRequested -= Reload;
            }

            admin?.Unserve(network);
            if (node.System.WhenTerminated.IsCompleted)
            {
                if (ClusterSetup.JoinRefusal(node.System) is { } refusal)
                {
                    log.Error($"{network}: {refusal}");
                    error.WriteLine($"edgemanage: serve: {network}: {refusal}");
                    return ExitCodes.UsageOrConfig;
                }
                Report($"{network}: this node left the cluster; stopped");
                return ExitCodes.Ok;
            }
            if (cluster is null) await FinishDecidingAsync(node.Network!, network, log, error);
            try
            {
                // Each group answers once its last batch is written, or at once from memory when the journal does not
                // take writes (at most a write timeout later): SIGTERM ends the node within seconds whatever the journal does.
                var stopped = await node.NetworkEdges.Ask<ContinuousStopped>(StopContinuous.Instance, StopProbingWithin(settings));
                var unwritable = Actors.Persistence.JournalHealth.Get(node.System).ProblemOf(network);
                log.Info($"Stopped serving {network}: probing stopped and the last batches of {stopped.Groups} history groups " +
                         (unwritable is null ? "persisted" : $"NOT persisted (journal not writable: {unwritable})"));
                output.WriteLine($"stopped {network}: the last samples of {stopped.Groups} history groups " + (unwritable is null ? "persisted" : "kept in memory only (journal not writable)"));
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
            {
                var message = $"{network}: probing did not stop within {StopProbingWithin(settings).TotalSeconds:0}s; stopping without the last samples";
                log.Warning(message);
                error.WriteLine($"edgemanage: {message}");
            }
            return ExitCodes.Ok;
        }
    }

    /// <summary>
    /// Lets a round in flight finish (zones written, decision persisted) before the node stops, so the journal never
    /// lags behind the zones on disk. A round stuck longer than a zone check and hooks may take is abandoned with a
    /// warning: the next start re-decides and rewrites the zones if they differ.
    /// </summary>
    private static async Task FinishDecidingAsync(IActorRef networkActor, string network, OperatorLog log, TextWriter error)
    {
        try
        {
            await networkActor.Ask<DecidingStopped>(new StopDeciding(network), TimeSpan.FromSeconds(60));
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            var message = $"{network}: the decision in flight did not finish within 60s; stopping without it (the next start decides again)";
            log.Warning(message);
            error.WriteLine($"edgemanage: {message}");
        }
    }

    /// <summary>
    /// Edges finish their probe in flight (at most probe_timeout) before their group writes its last batch, which is
    /// settled from memory after at most the journal's write timeout: the wait is bounded whatever the journal does.
    /// </summary>
    private static TimeSpan StopProbingWithin(EdgemanageSettings settings) =>
        TimeSpan.FromSeconds(Math.Min(settings.Probe.TimeoutSeconds, 30)) + Actors.Persistence.JournalChannelOptions.Default.WriteTimeout + TimeSpan.FromSeconds(1);

    private static bool SameCanaries(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

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
}
