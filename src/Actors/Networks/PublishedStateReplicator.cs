using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using Edgemanage.Contracts.Networks;
using Edgemanage.Contracts.Zones;
using static Edgemanage.Contracts.Admin.AdminReplies;
using static Edgemanage.Contracts.Admin.AdminRequests;

namespace Edgemanage.Actors.Networks;

/// <summary>
/// Where a network's newest published state lives in a cluster: an LWW register per network in Akka.DistributedData,
/// replicated to every member. The decider writes it after each publish (<see cref="PublishedStateReplicator"/>); a
/// starting decider reads it (<see cref="NetworkActor"/>) and starts from it when it is newer than its own journal.
/// </summary>
public static class PublishedStateReplica
{
    /// <summary>A majority write or read waits at most this long; a decision never waits for it.</summary>
    public static readonly TimeSpan MajorityTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The longest a starting decider waits for the replicated state before it starts from its own journal.</summary>
    public static readonly TimeSpan ReadBound = TimeSpan.FromSeconds(3);

    public static LWWRegisterKey<PublishedNetworkState> KeyFor(string network) => new("edgemanage-published-" + network);

    /// <summary>
    /// Starts this member's Distributed Data replicator. Every member must run one, deciders or not: the extension
    /// starts lazily, and a write to a majority counts only members whose replicator answers.
    /// </summary>
    public static void StartReplicator(ActorSystem system) => _ = DistributedData.Get(system).Replicator;

    /// <summary>Only a cluster member replicates: a node of its own keeps its journal and live list as the truth.</summary>
    public static bool InCluster(ActorSystem system) =>
        ((ExtendedActorSystem)system).Provider is Akka.Cluster.ClusterActorRefProvider;

    /// <summary>
    /// The register's clock is the decision time (never behind the register's, so a write always lands): the newest
    /// decision wins a concurrent write, whichever node made it, not the write that happened to arrive last.
    /// </summary>
    public static long Clock(long current, PublishedNetworkState value) => Math.Max(current + 1, value.DecidedAtUnixMs);
}

/// <summary>
/// A cluster decider's child that replicates the network's published state after each decision: it takes the
/// decision from its NetworkActor and the zone record from the zone writer (asked after the publish step, so it holds
/// what was just written), and writes the register with WriteMajority. Deciding never waits for it: a write that
/// times out is logged (it is kept locally and gossiped later) and written again with the next decision.
/// </summary>
public sealed class PublishedStateReplicator : ReceiveActor
{
    /// <summary>A decision was published (or kept): replicate it with the zone writer's record.</summary>
    public sealed record Decided(long AtUnixMs, IReadOnlyList<string> Live, IReadOnlyList<long> SubstitutionTimesUnixMs)
        : INoSerializationVerificationNeeded;

    private readonly string _network;
    private readonly IActorRef _zoneWriter;
    private readonly IActorRef _replicator;
    private readonly Cluster _cluster;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private Decided? _decided;
    /// <summary>What the register holds from this node (its substance, not its time): an unchanged decision is not
    /// written again. Cleared when a write is not confirmed, so the next decision writes it again.</summary>
    private string? _replicated;
    private string? _inFlight;
    private bool _warned;

    public PublishedStateReplicator(string network, IActorRef zoneWriter)
    {
        _network = network;
        _zoneWriter = zoneWriter;
        _cluster = Cluster.Get(Context.System);
        _replicator = DistributedData.Get(Context.System).Replicator;
        Receive<Decided>(d =>
        {
            _decided = d;
            _zoneWriter.Tell(new ShowZones(network));
        });
        Receive<ZonesStatus>(Replicate);
        Receive<UpdateSuccess>(_ =>
        {
            _replicated = _inFlight;
            if (_warned) _log.Info("Network {0}: the published state is replicated to a majority again", _network);
            _warned = false;
        });
        Receive<UpdateTimeout>(_ => Failed($"no majority confirmed it within {PublishedStateReplica.MajorityTimeout.TotalSeconds:0.#}s"));
        Receive<IUpdateFailure>(f => Failed(f.ToString() ?? "failed"));
    }

    public static Props Props(string network, IActorRef zoneWriter) =>
        Akka.Actor.Props.Create(() => new PublishedStateReplicator(network, zoneWriter));

    private void Replicate(ZonesStatus zones)
    {
        if (_decided is not { } d) return;
        var state = new PublishedNetworkState(_network, d.AtUnixMs, d.Live, zones.Serial,
            zones.Zones.OrderBy(z => z.Zone, StringComparer.Ordinal).ToArray(), d.SubstitutionTimesUnixMs, _cluster.SelfAddress.ToString());
        var substance = Substance(state);
        if (substance == _replicated || substance == _inFlight) return;
        _inFlight = substance;
        var self = _cluster.SelfUniqueAddress;
        _replicator.Tell(Dsl.Update(PublishedStateReplica.KeyFor(_network), new LWWRegister<PublishedNetworkState>(self, state, PublishedStateReplica.Clock(0, state)),
            new WriteMajority(PublishedStateReplica.MajorityTimeout),
            register => register.WithValue(self, state, PublishedStateReplica.Clock)));
    }

    private void Failed(string why)
    {
        _inFlight = null;
        _replicated = null;
        // Once per outage: a partitioned decider would say it every decision.
        if (!_warned) _log.Warning("Network {0}: replicating the published state to a majority failed ({1}); it stays on this node " +
                                   "and is written again with the next decision", _network, why);
        _warned = true;
    }

    /// <summary>Everything but the decision time: a decision that changes nothing of this is not written again.</summary>
    private static string Substance(PublishedNetworkState s) =>
        string.Join("|", string.Join(" ", s.Live), s.Serial, string.Join(" ", s.SubstitutionTimesUnixMs),
            string.Join(" ", s.Zones.Select(z => $"{z.Zone}:{z.Serial}:{z.ContentHash}:{z.FileHash}")));
}
