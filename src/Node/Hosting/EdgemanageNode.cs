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

/// <summary>
/// One Edgemanage process: an Akka.NET host with our serializer, persistence and logging, and the edges of
/// one network from this vantage. Used by <c>run</c> (one round, then exit) and <c>query</c> (recover only).
/// </summary>
public sealed class EdgemanageNode : IAsyncDisposable
{
    private readonly IHost _host;

    private EdgemanageNode(IHost host, ActorSystem system, IActorRef networkEdges, IActorRef? network)
    {
        _host = host;
        System = system;
        NetworkEdges = networkEdges;
        Network = network;
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
    public IActorRef NetworkEdges { get; private set; }

    private NetworkEdgesSettings? _edgeSettings;
    private IProber? _prober;
    private TimeProvider _time = TimeProvider.System;
    private int _edgeGeneration;
    private bool _probes = true;

    /// <summary>
    /// serve, on reload: stops the current edges (their last batches persisted) and starts a new set with
    /// <paramref name="edges"/>; history groups recover from the journal, so edges that stay keep their history.
    /// </summary>
    public async Task<IActorRef> ReplaceEdgesAsync(IReadOnlyList<string> edges, TimeSpan probeInterval, TimeSpan batchWindow, IActorRef observer)
    {
        await NetworkEdges.Ask<Contracts.Edges.EdgeReplies.ContinuousStopped>(Contracts.Edges.EdgeCommands.StopContinuous.Instance, TimeSpan.FromSeconds(30));
        await NetworkEdges.GracefulStop(TimeSpan.FromSeconds(30));
        var settings = _edgeSettings! with { Edges = _probes ? edges : [] };
        _edgeSettings = settings;
        NetworkEdges = System.ActorOf(NetworkEdgesActor.Props(settings, _prober!, _time),
            $"edges-{Uri.EscapeDataString(settings.Network)}-{++_edgeGeneration}");
        NetworkEdges.Tell(new Contracts.Edges.EdgeCommands.StartContinuous(probeInterval, batchWindow, observer));
        return NetworkEdges;
    }

    /// <summary>The NetworkActor (selection, canaries, zones), when the node was started with a publish plan.</summary>
    public IActorRef? Network { get; }

    public static async Task<EdgemanageNode> StartAsync(
        EdgemanageSettings settings, string network, IReadOnlyList<string> edges, IProber prober, JournalTarget journal,
        TimeProvider? time = null, CancellationToken cancellationToken = default, PublishPlan? publish = null,
        ClusterSettings? cluster = null)
    {
        time ??= TimeProvider.System;
        var clock = time;
        var operatorLog = OperatorLog.Current;
        var akkaLevel = operatorLog.Minimum switch
        {
            OperatorLogLevel.Debug => Akka.Event.LogLevel.DebugLevel,
            OperatorLogLevel.Info => Akka.Event.LogLevel.InfoLevel,
            OperatorLogLevel.Warning => Akka.Event.LogLevel.WarningLevel,
            _ => Akka.Event.LogLevel.ErrorLevel,
        };
        var host = new HostBuilder()
            .ConfigureServices(services => services.AddAkka(cluster?.SystemName ?? "edgemanage", builder =>
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
                builder.WithEdgemanagePersistence(journal);
                if (cluster is not null) ClusterSetup.Configure(builder, cluster, network, publish, clock);
            }))
            .Build();
        await host.StartAsync(cancellationToken);
        var system = host.Services.GetRequiredService<ActorSystem>();
        JournalHealth.Get(system).Location = journal.Provider == PersistenceProvider.Sqlite
            ? new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(journal.ConnectionString).DataSource
            : "the postgresql journal";

        // Akka 1.5.73/74 starts its timer thread with a blocking Task.Wait; touching it once here, before
        // hundreds of recovering actors schedule timeouts from pool threads, avoids random 10 s stalls
        // (persistence-recovery.md TL;DR 2).
        system.Scheduler.Advanced.ScheduleOnce(TimeSpan.FromMilliseconds(1), () => { });

        var judge = new JudgeSettings(settings.GoodEnough, settings.Probe.TimeoutSeconds, settings.PassWindowSeconds);
        var networkSettings = new NetworkEdgesSettings(network, settings.Vantage, edges, settings.HistoryLength,
            settings.SnapshotEvery, judge, RoundBudgetFor(settings, edges.Count));
        // In a cluster only vantages probe; a decider-only node keeps an empty set of edges.
        var probes = cluster is null || cluster.Has(ClusterSettings.VantageRole);
        var networkEdges = system.ActorOf(NetworkEdgesActor.Props(probes ? networkSettings : networkSettings with { Edges = [] }, prober, time),
            $"edges-{Uri.EscapeDataString(network)}");
        IActorRef? networkActor = null;
        if (cluster is not null)
        {
            networkActor = await ClusterSetup.NetworkProxyAsync(host.Services, cancellationToken);
        }
        else if (publish is not null)
        {
            var escaped = Uri.EscapeDataString(network);
            networkActor = system.ActorOf(NetworkActor.Props(publish.Network, publish.Serve is null ? networkEdges : ActorRefs.Nobody,
                publish.Zones, publish.Resolver ?? new HostResolver(), time, publish.Serve), $"network-{escaped}");
        }
        return new EdgemanageNode(host, system, networkEdges, networkActor)
        {
            _edgeSettings = probes ? networkSettings : networkSettings with { Edges = [] },
            _prober = prober,
            _time = time,
            _probes = probes,
        };
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
            OperatorLog.Current.Warning($"the actor system did not stop within {StopWithin.TotalSeconds:0}s (a journal write hangs?); exiting without it");
            return;
        }
        _host.Dispose();
    }
}
