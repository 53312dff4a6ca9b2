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

/// <summary>
/// <c>edgemanage serve [-A DNET]... [-c FILE] [-v]</c>: the long-running node. Without a cluster, one ActorSystem hosts
/// every network the process serves, each with its own journal and lock; so does a cluster node, whose networks are
/// decided wherever cluster sharding places them among the decider nodes. Every edge probes on its own every <c>probe_interval</c> (with jitter); each history
/// group persists its batch window's samples as one event; the NetworkActor decides every
/// <c>decision_interval</c>, and at once when a live edge fails; zones are written only when they change. The
/// network lock is held for the node's life, so a cron <c>run</c> of the same network is refused. SIGHUP (or
/// <see cref="ServeControl.RequestReload"/>) re-reads the edge lists, the canary file and the zone includes (a broken one is reported and the last good
/// version kept); SIGTERM or Ctrl-C stops probing, persists what is buffered and exits 0.
/// </summary>
public static class ServeCommand
{
    internal static readonly Opt[] Options =
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
        new("accept-shrink", null, "--accept-shrink", false),
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

    /// <summary>serve run from another command's body (demo --serve), with a command line of its own.</summary>
    public static Task<int> ExecuteAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, ServeControl control,
        CancellationToken ct = default) =>
        ExecuteAsync(CommandTree.Bind(["serve", .. args]), output, error, control, ct);

    public static async Task<int> ExecuteAsync(CommandLine cl, TextWriter output, TextWriter error, ServeControl control,
        CancellationToken ct = default)
    {
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
            networks = NameRules.NetworksIn(loaded.EdgeListDir);
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
        if (cluster is not null && ClusterSetup.Problem(cluster) is { } clusterProblem) throw new UsageException($"serve: {clusterProblem}");
        // Akka.Remote would share a taken port with the other process (SO_REUSEPORT) and split the cluster's traffic.
        if (cluster is not null && PortProbe.InUse(cluster.Host, cluster.Port) is { } busy)
        {
            error.WriteLine($"edgemanage: serve: cluster port: {busy}; give each node on this machine its own --port (cluster.port)");
            return ExitCodes.Error;
        }
        var metricsListen = MetricsEndpoint.ListenFor(firstSettings.Metrics, cl.Value("metrics-listen"));

        using var log = NetworkContext.OpenLog(firstSettings, cl.Flag("verbose"));
        await using var admin = StartAdmin(firstSettings, cl, log, output, error);
        // Metrics and the status page (/): one endpoint for every network of this process; failing to bind only warns.
        await using var metrics = metricsListen is null ? null : MetricsEndpoint.TryStart(metricsListen, output, error, log, new StatusPages.StatusEndpoint());

        // Every network's start-up checks (inputs, lock, journal gate) come before the ActorSystem starts: a network
        // that cannot start makes the node exit with its code (config, lock, journal) rather than serve the others.
        var prepared = new List<PreparedNetwork>();
        try
        {
            foreach (var context in contexts)
            {
                var (code, network) = Prepare(context with { Settings = ApplyOverrides(context.Settings, cl).Settings }, admin,
                    cl.Flag("new-journal"), output, error, cl.Flag("accept-shrink"));
                if (network is null) return code;
                prepared.Add(network);
            }
            return await ServeNetworksAsync(prepared, cluster, admin, metrics, control, log, output, error, ct);
        }
        finally
        {
            foreach (var network in prepared) network.Dispose();
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
            var endpoint = AdminEndpoint.Start(admin, AdminSecret.LoadOrCreate(settings with { Admin = admin }), log);
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

    /// <summary>A network that passed its start-up checks: it holds the network's lock and its prober until disposed.</summary>
    private sealed class PreparedNetwork(NetworkContext context, PublishInputs inputs, NetworkLock networkLock, ConcurrencyLimitedProber prober,
        string[] probed, PublishPlan plan) : IDisposable
    {
        public NetworkContext Context => context;
        public PublishInputs Inputs => inputs;
        public string Network => context.Paths.Network;
        public EdgemanageSettings Settings => context.Settings;
        public int Probed => probed.Length;

        public HostedNetwork Hosted { get; } =
            new(context.Paths.Network, context.Settings, probed, prober, JournalTarget.For(context.Settings.Persistence, context.Paths.Journal), plan);

        public void Dispose()
        {
            prober.Dispose();
            networkLock.Dispose();
        }
    }

    /// <summary>
    /// A network's start-up checks, before any ActorSystem: the test object, the inputs, room to write, the network's
    /// lock and the journal gate. The code is the exit code when it cannot be served (the network is then null).
    /// </summary>
    private static (int Code, PreparedNetwork? Network) Prepare(NetworkContext context, AdminEndpoint? admin, bool newJournal,
        TextWriter output, TextWriter error, bool acceptShrink = false)
    {
        var network = context.Paths.Network;
        var settings = context.Settings;
        if (context.HashTestObject(error) is not { } expectedMd5) return (ExitCodes.UsageOrConfig, null);
        var inputs = PublishInputs.Load(context, error);
        if (inputs is null) return (ExitCodes.UsageOrConfig, null);
        foreach (var p in inputs.Problems) error.WriteLine(p);

        // The holder line names the ctl endpoint: that is how 'edge mode' finds the node to go through.
        var purpose = $"edgemanage serve -A {network}" + (admin is null ? "" : $", {NetworkLock.AdminMarker}{admin.Address}");
        // The journal gate (see run): a damaged, missing-but-expected or full journal never reaches an ActorSystem,
        // so such a node never starts (exit 1 within seconds) rather than hang in recovery and ignore SIGTERM.
        var evidence = JournalGate.PriorRunEvidence(context);
        if (JournalGate.CheckSpace(context, error) is { } full) return (full, null);
        NetworkLock networkLock;
        try
        {
            if (!NetworkLock.TryAcquire(context.Paths.NetworkLock, purpose, out var acquired, out var holder))
            {
                error.WriteLine($"edgemanage: network {network} is locked by {holder} ({context.Paths.NetworkLock}); not serving");
                return (ExitCodes.Locked, null);
            }
            networkLock = acquired!;
        }
        catch (NetworkLockException e)
        {
            error.WriteLine($"edgemanage: {e.Message}; not serving {network}");
            return (ExitCodes.Error, null);
        }
        try
        {
            if (JournalGate.Check(context, JournalGate.Access.Write, newJournal, evidence, output, error, "serve", networkLock) is { } refused)
            {
                networkLock.Dispose();
                return (refused, null);
            }
            var zones = inputs.ReadZones(context);
            foreach (var p in zones.Problems) error.WriteLine(p);
            var plan = RunCommand.PlanFor(context, inputs, acceptShrink) with
            {
                Serve = new ServeOptions(TimeSpan.FromSeconds(settings.DecisionIntervalSeconds), zones.Zones, QuorumFor(settings),
                    ProbeTimeout: TimeSpan.FromSeconds(settings.Probe.TimeoutSeconds),
                    StartHoldMargin: ServeOptions.HoldMarginFor(TimeSpan.FromSeconds(settings.DecisionIntervalSeconds))),
            };
            return (ExitCodes.Ok, new PreparedNetwork(context, inputs, networkLock, context.CreateProber(expectedMd5),
                context.ProbedAddresses(inputs.Canaries), plan));
        }
        catch
        {
            networkLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// serve: one ActorSystem for every network, each served on its own until the node stops; with a cluster, the
    /// system is a member and each network's decider runs on the decider node sharding places it on.
    /// </summary>
    private static async Task<int> ServeNetworksAsync(IReadOnlyList<PreparedNetwork> networks, ClusterSettings? cluster, AdminEndpoint? admin,
        MetricsEndpoint? metrics, ServeControl control, OperatorLog log, TextWriter output, TextWriter error, CancellationToken ct)
    {
        var served = string.Join(", ", networks.Select(n => n.Network));
        EdgemanageNode started;
        try
        {
            started = await EdgemanageNode.StartServingAsync(networks.Select(n => n.Hosted).ToList(), log, cancellationToken: ct, cluster: cluster);
        }
        catch (ClusterJoinRefusedException refused)
        {
            SayRefused(refused.Message);
            return ExitCodes.UsageOrConfig;
        }
        await using var node = started;
        // SIGTERM ends the node within seconds whatever the journal does (see FinishDecidingAsync and ServeNetworkAsync).
        node.StopWithin = TimeSpan.FromSeconds(cluster is null ? 3 : 10);
        StartPrinters(node.System, output, error);
        if (cluster is not null) SayWhenJoined(node.System, output, log);
        var serving = networks.Select(n => ServeNetworkAsync(node, n, cluster, admin, metrics, control, log, output, error, ct)).ToList();
        // Every network now holds its lock and probes, behind the ctl and metrics listeners: tell systemd (Type=notify).
        SystemdNotify.Ready($"serving {served}");
        using var stopping = ct.Register(() => SystemdNotify.Stopping());
        int code;
        try
        {
            code = (await Task.WhenAll(serving)).Max();
        }
        // As in StartServingAsync: a refusal that stops the system while a network is still starting is the news.
        catch (Exception e) when (e is not OperationCanceledException && ClusterSetup.JoinRefusal(node.System) is not null)
        {
            code = ExitCodes.UsageOrConfig;
        }
        if (ClusterSetup.JoinRefusal(node.System) is { } refusal) SayRefused(refusal);
        return code;

        void SayRefused(string why)
        {
            log.Error($"{served}: {why}");
            error.WriteLine($"edgemanage: serve: {served}: {why}");
        }
    }

    /// <summary>
    /// A cluster node says when it is up in the cluster, and with whom: after a restart, that is the line that shows
    /// it rejoined the running cluster rather than waiting for its seeds or forming one of its own.
    /// </summary>
    private static void SayWhenJoined(ActorSystem system, TextWriter output, OperatorLog log)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        cluster.RegisterOnMemberUp(() =>
        {
            var up = cluster.State.Members.Where(m => m.Status == Akka.Cluster.MemberStatus.Up).Select(m => $"{m.Address.Host}:{m.Address.Port}").Order();
            var message = $"joined the cluster as {cluster.SelfAddress.Host}:{cluster.SelfAddress.Port}; members up: {string.Join(" ", up)}";
            log.Info(message);
            output.WriteLine(message);
            output.Flush();
        });
    }

    /// <summary>serve's stdout and stderr lines from the node's event stream: decisions, freezes, journal outages.</summary>
    private static void StartPrinters(ActorSystem system, TextWriter output, TextWriter error)
    {
        var printer = system.ActorOf(DecisionPrinter.Props(output), "decision-printer");
        system.EventStream.Subscribe(printer, typeof(RoundDecided));
        system.EventStream.Subscribe(printer, typeof(Frozen));
        // A cluster node says when it starts or stops deciding a network (a takeover, a hand-over, a rebalance).
        system.EventStream.Subscribe(printer, typeof(DeciderEntity.DecidingHere));
        system.EventStream.Subscribe(printer, typeof(DeciderEntity.NoLongerDecidingHere));
        var journalPrinter = system.ActorOf(JournalPrinter.Props(error), "journal-printer");
        system.EventStream.Subscribe(journalPrinter, typeof(Actors.Persistence.JournalNotWritable));
        system.EventStream.Subscribe(journalPrinter, typeof(Actors.Persistence.JournalWritableAgain));
    }

    /// <summary>
    /// One network of a running node, from its first probe until the node stops: the ctl endpoint and /metrics are
    /// told of it once, reloads go to its edges supervisor and NetworkActor, and a stop persists its last batches.
    /// </summary>
    private static async Task<int> ServeNetworkAsync(EdgemanageNode node, PreparedNetwork prepared, ClusterSettings? cluster, AdminEndpoint? admin,
        MetricsEndpoint? metrics, ServeControl control, OperatorLog log, TextWriter output, TextWriter error, CancellationToken ct)
    {
        var (context, inputs, network, settings) = (prepared.Context, prepared.Inputs, prepared.Network, prepared.Settings);
        var actors = node.Networks[network];
        var decider = actors.Decider!;
        using var metricsRegistration = metrics?.Register(NodeMetrics.SourceFor(node, network, settings));
        using var statusRegistration = metrics?.Status?.Register(new StatusPages.StatusSource(network, node.System, decider, actors.Edges));
        admin?.Serve(network, node.System, decider, actors.Edges);
        actors.Edges.Tell(new StartContinuous(TimeSpan.FromSeconds(settings.ProbeIntervalSeconds),
            TimeSpan.FromSeconds(settings.HistoryBatchWindowSeconds), decider));
        var where = cluster is null ? "a node of its own"
            : $"cluster node {Akka.Cluster.Cluster.Get(node.System).SelfAddress} ({string.Join(",", cluster.Roles)}), vantage {settings.Vantage}";
        output.WriteLine($"serving {network} as {where}: {prepared.Probed} edges probed every {settings.ProbeIntervalSeconds:0.###}s, " +
                         $"decisions every {settings.DecisionIntervalSeconds:0.###}s; SIGHUP re-reads edge lists, canaries and zone includes, SIGTERM stops");
        output.Flush();
        log.Info($"Serving {network}: {prepared.Probed} edges, probe_interval {settings.ProbeIntervalSeconds}s, decision_interval {settings.DecisionIntervalSeconds}s");

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
                    // The edges supervisor swaps its edges behind the same reference: ctl and /metrics need not be told.
                    var probedNow = (context with { Edges = edges }).ProbedAddresses(canaries);
                    await node.ReplaceEdgesAsync(network, probedNow, TimeSpan.FromSeconds(settings.ProbeIntervalSeconds),
                        TimeSpan.FromSeconds(settings.HistoryBatchWindowSeconds), decider);
                    decider.Tell(new UpdateNetwork(edges, canaries, fresh.Zones));
                    lastEdges = edges;
                    lastCanaries = canaries;
                }
                else
                {
                    decider.Tell(new UpdateZones(fresh.Zones));
                }
                Report($"reloaded {network}: {edges.Count} edges, {canaries.Count} canaries, {fresh.Zones.Count} zones");
            }
            catch (Exception e)
            {
                Report($"{network}: reload failed, still running on the previous inputs: {e.GetType().Name}: {e.Message}");
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
        using (control.OnReload(() => _ = ReloadAsync()))
        {
            // SIGTERM / Ctrl-C is the normal way to stop; a node that left the cluster (ctl cluster leave, or downed)
            // has a terminated ActorSystem and stops too, instead of idling with nothing running.
            await Task.WhenAny(Task.Delay(Timeout.Infinite, ct), node.System.WhenTerminated);
        }

        admin?.Unserve(network);
        if (node.System.WhenTerminated.IsCompleted)
        {
            // Said once for the node (by ServeNetworksAsync), not once per network.
            if (ClusterSetup.JoinRefusal(node.System) is not null) return ExitCodes.UsageOrConfig;
            Report(cluster is null ? $"{network}: the actor system stopped; stopped" : $"{network}: this node left the cluster; stopped");
            return ExitCodes.Ok;
        }
        if (cluster is null) await FinishDecidingAsync(decider, network, log, error);
        try
        {
            // Each group answers once its last batch is written, or at once from memory when the journal does not
            // take writes (at most a write timeout later): SIGTERM ends the node within seconds whatever the journal does.
            var stopped = await actors.Edges.Ask<ContinuousStopped>(StopContinuous.Instance, StopProbingWithin(settings));
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
    /// settled from memory after at most the journal's write timeout, and a group waits at most StopWriteWait more for
    /// writes a failing journal deferred: the wait is bounded whatever the journal does.
    /// </summary>
    private static TimeSpan StopProbingWithin(EdgemanageSettings settings) =>
        TimeSpan.FromSeconds(Math.Min(settings.Probe.TimeoutSeconds, 30)) + Actors.Persistence.JournalChannelOptions.Default.WriteTimeout
        + Actors.Edges.EdgeHistoryGroup.StopWriteWait + TimeSpan.FromSeconds(1);

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
