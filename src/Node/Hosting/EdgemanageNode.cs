using Akka.Actor;
using Akka.Hosting;
using Edgemanage.Actors.Edges;
using Edgemanage.Actors.Logging;
using Edgemanage.Actors.Networks;
using Edgemanage.Actors.Zones;
using Edgemanage.Actors.Persistence;
using Edgemanage.Actors.Probing;
using Edgemanage.Contracts;
using Edgemanage.Contracts.Config;
using Edgemanage.Contracts.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Edgemanage.Node.Hosting;

/// <summary>
/// What a node needs to decide and publish a network, beyond probing its edges. Without zone settings the
/// NetworkActor only recovers its decisions (for <c>why</c> and <c>query</c>) and can publish nothing.
/// </summary>
public sealed record PublishPlan(NetworkActorSettings Network, ZoneWriterSettings? Zones, HostResolver? Resolver, ServeOptions? Serve = null)
{
    public static PublishPlan ReadOnly(string network) => new(
        new NetworkActorSettings(network, 1, 1, new RotationBudget(null, TimeSpan.FromMinutes(10)), [], new Dictionary<string, string>(), null, int.MaxValue),
        null, null);
}

/// <summary>One network a node hosts: its edges from this vantage, how they are probed, its journal and what it publishes.</summary>
public sealed record HostedNetwork(string Network, EdgemanageSettings Settings, IReadOnlyList<string> Edges, IProber Prober, JournalTarget Journal,
    PublishPlan? Publish);

/// <summary>
/// A network's actors in a node: <paramref name="Edges"/> is its <see cref="NetworkEdgesSupervisor"/> (the same reference
/// for the node's life, reloads included); <paramref name="Decider"/> its NetworkActor (in a cluster, the local forwarder
/// to the sharded decider, wherever it runs), when
/// the node was started with a publish plan.
/// </summary>
public sealed record NetworkActors(string Network, IActorRef Edges, IActorRef? Decider);

/// <summary>
/// One Edgemanage ActorSystem: an Akka.NET host with our serializer, persistence and logging, and the networks it
/// hosts. <c>run</c>, <c>query</c>, <c>why</c>, <c>edge mode</c> and <c>import-legacy</c> host one network on the
/// default journal plugin (<see cref="StartAsync"/>); <c>serve</c>, clustered or not, hosts every network it serves,
/// each on its own journal plugin (<see cref="StartServingAsync"/>).
/// </summary>
public sealed class EdgemanageNode : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly OperatorLog _log;
    private readonly bool _probes;

    private EdgemanageNode(IHost host, ActorSystem system, IReadOnlyList<NetworkActors> networks, OperatorLog log, bool probes)
    {
        _host = host;
        _log = log;
        _probes = probes;
        System = system;
        Networks = networks.ToDictionary(n => n.Network, StringComparer.Ordinal);
        NetworkEdges = networks[0].Edges;
        Network = networks[0].Decider;
    }

    /// <summary>hocon/edgemanage.conf, embedded so the executable works from any directory.</summary>
    private static readonly Lazy<string> EmbeddedHocon = new(() =>
    {
        using var stream = typeof(EdgemanageNode).Assembly.GetManifestResourceStream("edgemanage.conf")
            ?? throw new InvalidOperationException("the embedded hocon/edgemanage.conf is missing from this build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    public ActorSystem System { get; }

    /// <summary>Every network this node hosts, by name.</summary>
    public IReadOnlyDictionary<string, NetworkActors> Networks { get; }

    /// <summary>The edges of the node's (first) network; see <see cref="NetworkActors.Edges"/>.</summary>
    public IActorRef NetworkEdges { get; }

    /// <summary>The NetworkActor (selection, canaries, zones) of the node's (first) network, when started with a publish plan.</summary>
    public IActorRef? Network { get; }

    /// <summary>
    /// serve, on reload: the network's edges supervisor stops the current edges (their last batches persisted) and
    /// starts a new set with <paramref name="edges"/>; history groups recover from the journal, so edges that stay keep
    /// their history. The edges' reference does not change.
    /// </summary>
    public Task<NetworkEdgesSupervisor.EdgesReplaced> ReplaceEdgesAsync(string network, IReadOnlyList<string> edges, TimeSpan probeInterval,
        TimeSpan batchWindow, IActorRef observer) =>
        Networks[network].Edges.Ask<NetworkEdgesSupervisor.EdgesReplaced>(
            new NetworkEdgesSupervisor.ReplaceEdges(_probes ? edges : [], new Contracts.Edges.EdgeCommands.StartContinuous(probeInterval, batchWindow, observer)),
            NetworkEdgesSupervisor.StopOldEdgesWithin + TimeSpan.FromSeconds(30));

    /// <summary>One network on the system's default journal plugin (every command but serve).</summary>
    /// <param name="log">Where the system's log lines go; null: warnings and errors to stderr.</param>
    /// <param name="cluster">
    /// Membership only (<see cref="ClusterSetup.ConfigureMembership"/>): a cluster member whose network's NetworkActor,
    /// if any, runs here, for specs that place deciders themselves. serve's cluster nodes use
    /// <see cref="StartServingAsync"/>, where sharding places the deciders.
    /// </param>
    public static async Task<EdgemanageNode> StartAsync(
        EdgemanageSettings settings, string network, IReadOnlyList<string> edges, IProber prober, JournalTarget journal,
        TimeProvider? time = null, CancellationToken cancellationToken = default, PublishPlan? publish = null,
        ClusterSettings? cluster = null, OperatorLog? log = null)
    {
        time ??= TimeProvider.System;
        log ??= OperatorLog.WarningsToStderr();
        var host = BuildHost(cluster?.SystemName ?? "edgemanage", log, builder =>
        {
            builder.WithEdgemanagePersistence(journal);
            if (cluster is not null) ClusterSetup.ConfigureMembership(builder, cluster, [network]);
        }, callerOwnsSignals: true);
        await host.StartAsync(cancellationToken);
        var system = host.Services.GetRequiredService<ActorSystem>();
        JournalHealth.Get(system).SetLocation(network, LocationOf(journal));
        WarmUpScheduler(system);
        var actors = StartNetwork(system, new HostedNetwork(network, settings, edges, prober, journal, publish), time, decide: true);
        return new EdgemanageNode(host, system, [actors], log, probes: true);
    }

    /// <summary>
    /// serve: one ActorSystem for every network of the process. Each network has its own journal plugin (its own
    /// SQLite file, checked and locked by the caller before this) and its own edges supervisor; a network's persistent
    /// actors find their plugin through <see cref="NetworkJournalsSetup"/>. Without a cluster each network's
    /// NetworkActor runs here. With <paramref name="cluster"/> the system is a cluster member
    /// (<see cref="ClusterSetup"/>): its edges probe every network when it is a vantage, and each network's decider
    /// is a sharding entity placed on one of the decider nodes, reached through a local forwarder
    /// (<see cref="NetworkActors.Decider"/>).
    /// </summary>
    public static async Task<EdgemanageNode> StartServingAsync(IReadOnlyList<HostedNetwork> networks, OperatorLog log, TimeProvider? time = null,
        CancellationToken cancellationToken = default, ClusterSettings? cluster = null)
    {
        if (networks.Count == 0) throw new ArgumentException("serve hosts at least one network", nameof(networks));
        var clock = time ?? TimeProvider.System;
        var plugins = networks.ToDictionary(n => n.Network, n => PersistencePlugins.ForNetwork(n.Network), StringComparer.Ordinal);
        var host = BuildHost(cluster?.SystemName ?? "edgemanage", log, builder =>
        {
            foreach (var n in networks) builder.WithEdgemanagePersistence(n.Journal, n.Network);
            builder.AddSetup(new NetworkJournalsSetup(plugins));
            if (cluster is not null) ClusterSetup.Configure(builder, cluster, networks.Select(n => n.Network).ToList(), DeciderProps(networks, clock));
        });
        await host.StartAsync(cancellationToken);
        var system = host.Services.GetRequiredService<ActorSystem>();
        foreach (var n in networks) JournalHealth.Get(system).SetLocation(n.Network, LocationOf(n.Journal));
        WarmUpScheduler(system);
        if (cluster is null)
            return new EdgemanageNode(host, system, networks.Select(n => StartNetwork(system, n, clock, decide: true)).ToList(), log, probes: true);

        // In a cluster only vantages probe; a decider-only node keeps an empty set of edges.
        var probes = cluster.Has(ClusterSettings.VantageRole);
        try
        {
            var forwarders = await ClusterSetup.StartForwardersAsync(system, host.Services.GetRequiredService<ActorRegistry>(),
                networks.Select(n => n.Network).ToList(), cancellationToken);
            var actors = networks.Select(n => StartNetwork(system, probes ? n : n with { Edges = [] }, clock, decide: false)
                with { Decider = forwarders[n.Network] }).ToList();
            return new EdgemanageNode(host, system, actors, log, probes);
        }
        catch (Exception e) when (e is not OperationCanceledException && ClusterSetup.JoinRefusal(system) is { } refusal)
        {
            // A seed of another cluster can answer while this node is still starting its actors: the refusal stops
            // the system under them ("Cannot create child while terminating", seen on a loaded CI machine). The
            // refusal is what the operator must read, not that error.
            host.Dispose();
            throw new ClusterJoinRefusedException(refusal);
        }
    }

    /// <summary>Each network's NetworkActor, as a decider node hosts it when sharding places the network there.</summary>
    private static Dictionary<string, Props> DeciderProps(IReadOnlyList<HostedNetwork> networks, TimeProvider time) =>
        networks.Where(n => n.Publish is not null).ToDictionary(n => n.Network, n =>
            NetworkActor.Props(n.Publish!.Network, ActorRefs.Nobody, n.Publish.Zones, n.Publish.Resolver ?? new HostResolver(), time, n.Publish.Serve),
            StringComparer.Ordinal);

    /// <param name="callerOwnsSignals">
    /// The one-shot commands: Ctrl-C and SIGTERM reach them through their cancellation token (Program.cs), and they
    /// stop the node themselves. The generic host's console lifetime would stop the ActorSystem on its own at a
    /// signal, beside that, and costs a cron round its signal handlers and lifetime log lines at start and stop.
    /// </param>
    private static IHost BuildHost(string systemName, OperatorLog operatorLog, Action<AkkaConfigurationBuilder> configure,
        bool callerOwnsSignals = false)
    {
        var akkaLevel = operatorLog.Minimum switch
        {
            OperatorLogLevel.Debug => Akka.Event.LogLevel.DebugLevel,
            OperatorLogLevel.Info => Akka.Event.LogLevel.InfoLevel,
            OperatorLogLevel.Warning => Akka.Event.LogLevel.WarningLevel,
            _ => Akka.Event.LogLevel.ErrorLevel,
        };
        return new HostBuilder()
            .ConfigureServices(services =>
            {
                if (callerOwnsSignals) services.AddSingleton<IHostLifetime, CallerOwnsSignals>();
            })
            .ConfigureServices(services => services.AddAkka(systemName, builder =>
            {
                builder.ConfigureLoggers(loggers =>
                {
                    loggers.LogLevel = akkaLevel;
                    loggers.ClearLoggers();
                    loggers.AddLogger<OperatorLogAkkaLogger>();
                });
                builder.AddHocon(EmbeddedHocon.Value, HoconAddMode.Prepend);
                builder.AddStartup((system, _) => OperatorLogAkkaLogger.Own(system, operatorLog));
                // Strict: anything persisted or sent remotely that is not ours fails loudly instead of falling back to JSON of CLR types.
                builder.WithStrictSerialization();
                builder.WithCustomSerializer("edgemanage", [typeof(IEdgemanageMessage)], system => new EdgemanageSerializer(system));
                configure(builder);
            }))
            .Build();
    }

    /// <summary>No console lifetime: see <see cref="BuildHost"/>.</summary>
    private sealed class CallerOwnsSignals : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static string LocationOf(JournalTarget journal) => journal.Provider == PersistenceProvider.Sqlite
        ? new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(journal.ConnectionString).DataSource
        : "the postgresql journal";

    /// <summary>
    /// Akka 1.5.73/74 starts its timer thread with a blocking Task.Wait; touching it once here, before hundreds of
    /// recovering actors schedule timeouts from pool threads, avoids random 10 s stalls (persistence-recovery.md TL;DR 2).
    /// </summary>
    private static void WarmUpScheduler(ActorSystem system) => system.Scheduler.Advanced.ScheduleOnce(TimeSpan.FromMilliseconds(1), () => { });

    /// <summary>A network's edges supervisor and, with a publish plan and <paramref name="decide"/>, its NetworkActor.</summary>
    private static NetworkActors StartNetwork(ActorSystem system, HostedNetwork hosted, TimeProvider time, bool decide)
    {
        var (network, settings, edges, prober, _, publish) = hosted;
        var judge = new JudgeSettings(settings.GoodEnough, settings.Probe.TimeoutSeconds, settings.PassWindowSeconds, settings.JudgeMedianWindowSeconds);
        var edgeSettings = new NetworkEdgesSettings(network, settings.Vantage, edges, settings.HistoryLength,
            settings.SnapshotEvery, judge, RoundBudgetFor(settings, edges.Count));
        var escaped = Uri.EscapeDataString(network);
        var networkEdges = system.ActorOf(NetworkEdgesSupervisor.Props(edgeSettings, prober, time), $"edges-{escaped}");
        IActorRef? networkActor = null;
        if (decide && publish is not null)
            networkActor = system.ActorOf(NetworkActor.Props(publish.Network, publish.Serve is null ? networkEdges : ActorRefs.Nobody,
                publish.Zones, publish.Resolver ?? new HostResolver(), time, publish.Serve), $"network-{escaped}");
        return new NetworkActors(network, networkEdges, networkActor);
    }

    /// <summary>How long a cron round over <paramref name="probed"/> edges and canaries may take: from its work, see <see cref="Actors.Edges.RoundBudget"/>.</summary>
    public static RoundBudget RoundBudgetFor(EdgemanageSettings settings, int probed) =>
        Actors.Edges.RoundBudget.For(probed, settings.Probe.Concurrency, settings.Probe.StartRate, TimeSpan.FromSeconds(settings.Probe.TimeoutSeconds));

    /// <summary>
    /// How long stopping the ActorSystem may take (10 s, as always for a cron run). serve sets less: a journal that
    /// hangs (a full or locked SQLite file) must not keep a node from exiting on SIGTERM; what was not written by then
    /// is what a crash would lose, and the next start re-decides.
    /// </summary>
    public TimeSpan StopWithin { get; set; } = TimeSpan.FromSeconds(10);

    public async ValueTask DisposeAsync()
    {
        // Once our logger is stopped during shutdown, Akka re-attaches its stdout logger at the current level, so a
        // shutdown INFO line ("CoordinatedShutdown invoked…") could land on stdout, and cron would mail it. Nothing
        // below warning is worth saying while stopping, unless the operator asked for debug output.
        if (System.EventStream.LogLevel == Akka.Event.LogLevel.InfoLevel)
            System.EventStream.SetLogLevel(Akka.Event.LogLevel.WarningLevel);
        using var cts = new CancellationTokenSource(StopWithin);
        var stopping = _host.StopAsync(cts.Token);
        // StopAsync honours the token only between its steps; a step stuck in the journal is not waited for.
        if (await Task.WhenAny(stopping, Task.Delay(StopWithin)) != stopping)
        {
            _log.Warning($"the actor system did not stop within {StopWithin.TotalSeconds:0}s (a journal write hangs?); exiting without it");
            return;
        }
        _host.Dispose();
    }
}

/// <summary>serve: this node's join was refused (a seed belongs to another cluster); the message says why.</summary>
public sealed class ClusterJoinRefusedException(string refusal) : Exception(refusal);
