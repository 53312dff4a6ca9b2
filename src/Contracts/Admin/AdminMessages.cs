using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;
using Edgemanage.Contracts.Zones;

namespace Edgemanage.Contracts.Admin;

/// <summary>
/// What <c>edgemanage ctl</c> asks a node's <c>/user/admin</c> actor, over Akka.Remote. Every request is answered
/// with its reply record or an <see cref="AdminReplies.AdminError"/>; nothing is ever left unanswered.
/// </summary>
public static class AdminRequests
{
    /// <summary>A request that changes something: it must carry the node's admin secret.</summary>
    public interface IMutating
    {
        string Secret { get; }
    }

    public sealed record GetClusterStatus : IEdgemanageMessage
    {
        public static readonly GetClusterStatus Instance = new();
    }

    /// <summary>Ask <paramref name="Address"/> (akka.tcp://system@host:port, or host:port of this cluster) to leave gracefully.</summary>
    public sealed record LeaveCluster(string Address, string Secret) : IEdgemanageMessage, IMutating;

    /// <summary>Mark <paramref name="Address"/> as down (it is removed without a handover).</summary>
    public sealed record DownNode(string Address, string Secret) : IEdgemanageMessage, IMutating;

    /// <summary>Down every member this node sees as unreachable.</summary>
    public sealed record DownUnreachable(string Secret) : IEdgemanageMessage, IMutating;

    /// <summary>The actor paths of this node, <paramref name="Depth"/> levels below the root (0 = unlimited).</summary>
    public sealed record GetActorHierarchy(int Depth) : IEdgemanageMessage;

    public sealed record ListNetworks : IEdgemanageMessage
    {
        public static readonly ListNetworks Instance = new();
    }

    public sealed record ShowNetwork(string Network) : IEdgemanageMessage;

    /// <summary>One edge: this node's history summary, every vantage's report the decider holds, its decision and votes.</summary>
    public sealed record ShowEdge(string Network, string Edge) : IEdgemanageMessage;

    public sealed record ShowZones(string Network) : IEdgemanageMessage;

    /// <summary>Every edge's report from this node's vantage (what the Nagios checks read while a node serves).</summary>
    public sealed record GetReports(string Network) : IEdgemanageMessage;

    /// <summary>edge_conf through a serving node; <paramref name="ExpiresAtUnixMs"/> makes the mode revert to available then.</summary>
    public sealed record SetMode(string Network, string Edge, EdgeMode Mode, string Comment, long? ExpiresAtUnixMs, string Secret)
        : IEdgemanageMessage, IMutating;
}

public static class AdminReplies
{
    public enum AdminErrorKind : byte
    {
        /// <summary>The command was understood but failed on the node.</summary>
        Failed = 0,
        /// <summary>Wrong or missing admin secret.</summary>
        Denied = 1,
        /// <summary>No such network, edge or member.</summary>
        NotFound = 2,
        /// <summary>The request does not make sense here (bad address, not a cluster, a bad argument).</summary>
        Invalid = 3,
        /// <summary>Part of the node did not answer in time.</summary>
        Unavailable = 4,
    }

    public sealed record AdminError(AdminErrorKind Kind, string Message) : IEdgemanageMessage;

    /// <summary>A change was made (or requested, for cluster membership): says what.</summary>
    public sealed record AdminAck(string Message) : IEdgemanageMessage;

    public sealed record ClusterMember(string Address, string Status, IReadOnlyList<string> Roles, bool Reachable, bool Leader, bool Self);

    /// <summary>Which member decides <paramref name="Network"/>: the node where cluster sharding placed its NetworkActor; null = none (yet).</summary>
    public sealed record NetworkDecider(string Network, string? Address);

    /// <param name="Clustered">False for a node of its own (serve without a cluster): Members then lists just itself.</param>
    /// <param name="Deciders">One per served network: the member that decides it (the oldest Up member with the decider role).</param>
    public sealed record ClusterStatus(string SelfAddress, string AdminAddress, bool Clustered, IReadOnlyList<ClusterMember> Members,
        IReadOnlyList<string> Networks, IReadOnlyList<NetworkDecider> Deciders) : IEdgemanageMessage;

    public sealed record ActorHierarchy(IReadOnlyList<string> Paths) : IEdgemanageMessage;

    /// <summary>One served network in <c>net list</c>.</summary>
    /// <param name="Decider">The cluster member that decides the network (null: not clustered, or no member can decide it now).</param>
    public sealed record NetworkSummary(string Network, int Live, int Required, long? LastDecisionAtUnixMs, bool Degraded, string? FrozenReason,
        int BudgetRemaining, int Edges, string? Decider = null);

    public sealed record NetworkList(string Node, IReadOnlyList<NetworkSummary> Networks) : IEdgemanageMessage;

    /// <param name="Reports">This edge as every vantage reported it to the decider, and this node's own report.</param>
    /// <param name="Decision">The edge's line in the last decision, if it has one.</param>
    /// <param name="Votes">The edge's votes in the last decision (serve with vantages), one per vantage in <paramref name="Vantages"/>.</param>
    public sealed record EdgeDetail(
        string Network,
        string Edge,
        IReadOnlyList<EdgeReport> Reports,
        EdgeDecision? Decision,
        long? DecidedAtUnixMs,
        bool Live,
        IReadOnlyList<VantageState> Vantages,
        IReadOnlyList<VoteCell> Votes,
        IReadOnlyList<Substitution> Substitutions) : IEdgemanageMessage;

    /// <param name="Serial">The highest serial ever written.</param>
    /// <param name="LastWriteAtUnixMs">When zones were last written (persisted); null when never.</param>
    /// <param name="LastPublishAtUnixMs">When the last publish step ran on this node (in memory); null when none since start.</param>
    /// <param name="LastOutcomes">Per zone, what the last publish step did (check failures carry the checker's message).</param>
    /// <param name="LastHooks">The commands the last publish step ran, with exit codes.</param>
    public sealed record ZonesStatus(
        string Network,
        uint Serial,
        long? LastWriteAtUnixMs,
        IReadOnlyList<PublishedZone> Zones,
        IReadOnlyList<string>? LiveList,
        long? LastPublishAtUnixMs,
        IReadOnlyList<ZoneOutcome> LastOutcomes,
        IReadOnlyList<CommandOutcome> LastHooks) : IEdgemanageMessage;
}

/// <summary>
/// Asked of every seed's <c>/user/cluster-identity</c> before a node joins (over Akka.Remote: the asker is not a member
/// yet), so a node configured for another cluster is refused with a clear error instead of joining it silently.
/// </summary>
public static class ClusterIdentityMessages
{
    /// <param name="Identity">The asker's cluster identity (system name and networks).</param>
    /// <param name="From">The asker's address, for the answering node's log.</param>
    public sealed record WhichCluster(string Identity, string From) : IEdgemanageMessage;

    /// <param name="Identity">The answering node's cluster identity.</param>
    /// <param name="From">The answering node's address (host:port).</param>
    public sealed record ThisCluster(string Identity, string From) : IEdgemanageMessage;
}

/// <summary>
/// Local to one process: tells the admin actor what this node serves. Sent once, when a network starts: its edges are
/// its edges supervisor, whose reference a reload does not change. Never crosses the network: it holds an ActorSystem.
/// </summary>
public sealed record NetworkServed(string Network, Akka.Actor.ActorSystem System, Akka.Actor.IActorRef NetworkActor, Akka.Actor.IActorRef Edges)
    : Akka.Actor.INoSerializationVerificationNeeded;

/// <summary>Local: the network stopped being served by this process.</summary>
public sealed record NetworkUnserved(string Network) : Akka.Actor.INoSerializationVerificationNeeded;
