using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Edgemanage.Actors.Admin;
using Edgemanage.Actors.Membership;
using Edgemanage.Actors.Networks;
using Edgemanage.Contracts.Config;
using static Edgemanage.Contracts.Networks.NetworkCommands;

namespace Edgemanage.Node.Hosting;

/// <summary>The registry key of the node's shard region of network deciders (a proxy on a node without the decider role).</summary>
public sealed class NetworkDeciderRegion;

/// <summary>
/// The vantage cluster (akka-style.md §2b, §2d): remoting on the configured address, Akka.Cluster with the node's
/// roles, and every network's decider — its NetworkActor, with the zone writer as a child — as a cluster-sharding
/// entity. Entity id = shard id = the network's name, so each network is a shard of its own and the coordinator
/// spreads the networks over the members with the <c>decider</c> role (least-shard allocation, rebalanced when a
/// decider joins; hocon/edgemanage.conf). A node without the role runs a proxy of the region.
/// <para>
/// Membership (<see cref="ConfigureMembership"/>): every node is given every seed. Akka is not handed the seeds at
/// start: <see cref="ClusterJoinActor"/> first asks them for their cluster identity (system name and networks), refuses
/// to join another cluster, and only then joins through Akka's seed-node process, in which only the first seed may
/// start a cluster, and only when no other seed answers: a restarted node rejoins the running cluster.
/// Failure detection and the split-brain resolver (keep-majority) are tuned in hocon/edgemanage.conf for a crash
/// failover well under 20 s (docs/architecture.md, "The cluster").
/// </para>
/// </summary>
public static class ClusterSetup
{
    /// <summary>The shard region's name (its actors live under /system/sharding/network-decider).</summary>
    public const string RegionName = "network-decider";

    /// <summary>
    /// Membership and the deciders' shard region. <paramref name="deciders"/> holds, per network this node serves,
    /// the Props of its NetworkActor (built from this node's own config; every node has the same); a decider node
    /// hosts entities from them, another node only proxies.
    /// </summary>
    public static void Configure(AkkaConfigurationBuilder builder, ClusterSettings cluster, IReadOnlyList<string> networks,
        IReadOnlyDictionary<string, Props> deciders)
    {
        ConfigureMembership(builder, cluster, networks);
        var extractor = new NetworkDeciderExtractor();
        if (cluster.Has(ClusterSettings.DeciderRole))
        {
            var known = deciders.Keys.ToArray();
            builder.WithShardRegion<NetworkDeciderRegion>(RegionName,
                network => deciders.TryGetValue(network, out var props) ? DeciderEntity.Props(network, props) : DeciderEntity.Unknown(network, known),
                extractor, ShardOptionsFor());
        }
        else
        {
            builder.WithShardRegionProxy<NetworkDeciderRegion>(RegionName, ClusterSettings.DeciderRole, extractor);
        }
    }

    /// <summary>
    /// The deciders' region: on decider nodes only; shard locations kept in Distributed Data (nothing to persist,
    /// no journal of its own); entities not remembered (every node wakes every network's decider, see
    /// <see cref="DeciderForwarder"/>); never passivated (Akka 1.5 stops an entity idle for 120 s by default, which a
    /// decider between observations must not be); handed off with <see cref="HandOver"/>, so a leaving node or a
    /// rebalance lets the decision in flight finish (zones written, decision recorded) before the network moves.
    /// </summary>
    private static ShardOptions ShardOptionsFor() => new()
    {
        Role = ClusterSettings.DeciderRole,
        StateStoreMode = StateStoreMode.DData,
        RememberEntities = false,
        ShouldPassivateIdleEntities = false,
        HandOffStopMessage = HandOver.Instance,
    };

    /// <summary>
    /// Remoting, the cluster with this node's roles, and the identity-checked join (no deciders): what every node of
    /// one cluster shares. The identity is the system name and the whole set of networks served. The specs start
    /// bare nodes with it.
    /// </summary>
    public static void ConfigureMembership(AkkaConfigurationBuilder builder, ClusterSettings cluster, IReadOnlyList<string> networks)
    {
        builder.WithRemoting(cluster.Host, cluster.Port);
        // No SeedNodes here: Akka would join at once; ClusterJoinActor hands them over once the identity is checked.
        builder.WithClustering(new ClusterOptions { Roles = cluster.Roles.ToArray() });
        var identity = ClusterIdentity.Of(cluster.SystemName, networks);
        var self = $"{cluster.Host}:{cluster.Port}";
        builder.WithActors((system, _) => system.ActorOf(ClusterJoinActor.Props(identity, self, cluster.SeedNodes.ToArray()), ClusterJoinActor.Name));
        // Every member replicates the deciders' published states (takeovers start from them), deciders or not.
        builder.WithActors((system, _) => PublishedStateReplica.StartReplicator(system));
    }

    /// <summary>Why this cluster configuration cannot run (no seeds), or null.</summary>
    public static string? Problem(ClusterSettings cluster) => ClusterIdentity.SeedProblem(cluster.SeedNodes, $"{cluster.Host}:{cluster.Port}");

    /// <summary>The refusal that stopped this node's ActorSystem, when its join was refused; null otherwise.</summary>
    public static string? JoinRefusal(ActorSystem system) =>
        (CoordinatedShutdown.Get(system).ShutdownReason as JoinRefusedReason)?.Message;

    /// <summary>
    /// Per network, a plain local reference to its decider wherever sharding placed it (<see cref="DeciderForwarder"/>),
    /// and the poller that keeps <see cref="DeciderPlacement"/> current. Call once the host has started.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, IActorRef>> StartForwardersAsync(ActorSystem system, ActorRegistry registry,
        IReadOnlyList<string> networks, CancellationToken ct)
    {
        var region = await registry.GetAsync<NetworkDeciderRegion>(ct);
        system.ActorOf(DeciderPlacementPoller.Props(region, networks), "decider-placement");
        return networks.ToDictionary(n => n, n => system.ActorOf(DeciderForwarder.Props(n, region), $"decider-{Uri.EscapeDataString(n)}"),
            StringComparer.Ordinal);
    }
}

/// <summary>Entity id = shard id = the network's name: each network is its own shard, placed on its own.</summary>
public sealed class NetworkDeciderExtractor : IMessageExtractor
{
    public string? EntityId(object message) => message switch
    {
        ShardingEnvelope e => e.EntityId,
        ShardRegion.StartEntity s => s.EntityId,
        _ => null,
    };

    public object? EntityMessage(object message) => message is ShardingEnvelope e ? e.Message : message;

    public string? ShardId(object message) => EntityId(message);

    public string ShardId(string entityId, object? messageHint = null) => entityId;
}

/// <summary>
/// <c>/user/decider-{network}</c>: what the rest of the node holds for a network's decider (NetworkActors.Decider,
/// ctl, /metrics, the edges' observer, reloads): a plain local reference that wraps each message in Akka's
/// <see cref="ShardingEnvelope"/> (serialized by Akka's sharding serializer, the message inside by ours) and forwards
/// it to the region, the sender preserved. It also wakes the network's decider every second
/// (<see cref="ShardRegion.StartEntity"/>, free when it runs): entities start on their
/// first message, so without it a network would have no decider between the cluster forming (or a crashed or
/// departed decider's shard being freed) and its first observation.
/// </summary>
public sealed class DeciderForwarder : ReceiveActor, IWithTimers
{
    public static readonly TimeSpan WakeEvery = TimeSpan.FromSeconds(1);

    private sealed record Wake
    {
        public static readonly Wake Instance = new();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public DeciderForwarder(string network, IActorRef region)
    {
        // No sender: the shard's acknowledgement is of no use here.
        Receive<Wake>(_ => region.Tell(new ShardRegion.StartEntity(network), ActorRefs.NoSender));
        ReceiveAny(m => region.Forward(new ShardingEnvelope(network, m)));
    }

    protected override void PreStart()
    {
        Self.Tell(Wake.Instance);
        Timers.StartPeriodicTimer("wake", Wake.Instance, WakeEvery);
    }

    public static Props Props(string network, IActorRef region) => Akka.Actor.Props.Create(() => new DeciderForwarder(network, region));
}

/// <summary>
/// <c>/user/decider-placement</c>: asks the region every second where each network's shard is
/// (<see cref="GetClusterShardingStats"/>: the coordinator asks every region) and keeps the answer in
/// <see cref="DeciderPlacement"/> for ctl and /metrics. An answer that does not come keeps the last one for a few
/// rounds (a coordinator moving), then none is shown rather than a stale one.
/// </summary>
public sealed class DeciderPlacementPoller : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(1);
    private const int KeepUnansweredRounds = 3;

    private sealed record Poll
    {
        public static readonly Poll Instance = new();
    }

    public ITimerScheduler Timers { get; set; } = null!;
    private int _unanswered;
    private bool _asking;

    public DeciderPlacementPoller(IActorRef region, IReadOnlyList<string> networks)
    {
        var placement = DeciderPlacement.Get(Context.System);
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        var served = networks.ToHashSet(StringComparer.Ordinal);
        Receive<Poll>(_ =>
        {
            if (_asking && ++_unanswered > KeepUnansweredRounds) placement.Update(new Dictionary<string, Address>());
            _asking = true;
            region.Ask<ClusterShardingStats>(new GetClusterShardingStats(Every), Every + TimeSpan.FromMilliseconds(500))
                .PipeTo(Self, failure: e => new Status.Failure(e));
        });
        Receive<ClusterShardingStats>(stats =>
        {
            _asking = false;
            _unanswered = 0;
            placement.Update(DecidersFrom(stats, served, cluster));
        });
        Receive<Status.Failure>(_ => { });
    }

    /// <summary>Each network → the member whose region hosts its shard.</summary>
    public static Dictionary<string, Address> DecidersFrom(ClusterShardingStats stats, IReadOnlySet<string> networks, Akka.Cluster.Cluster cluster)
    {
        var deciders = new Dictionary<string, Address>(StringComparer.Ordinal);
        foreach (var (address, region) in stats.Regions)
        {
            // A region the coordinator answers for itself may be named by its local address (no host): that is the
            // coordinator's node, the oldest decider.
            var member = address.HasGlobalScope ? address : CoordinatorNode(cluster) ?? address;
            foreach (var shard in region.Stats.Keys.Where(networks.Contains)) deciders[shard] = member;
        }
        return deciders;
    }

    private static Address? CoordinatorNode(Akka.Cluster.Cluster cluster) =>
        cluster.State.Members.Where(m => m.Status == Akka.Cluster.MemberStatus.Up && m.HasRole(ClusterSettings.DeciderRole))
            .Aggregate((Akka.Cluster.Member?)null, (oldest, m) => oldest is null || m.IsOlderThan(oldest) ? m : oldest)?.Address;

    protected override void PreStart() => Timers.StartPeriodicTimer("poll", Poll.Instance, TimeSpan.Zero, Every);

    public static Props Props(IActorRef region, IReadOnlyList<string> networks) =>
        Akka.Actor.Props.Create(() => new DeciderPlacementPoller(region, networks));
}
