using Edgemanage.Contracts.Canaries;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Zones;

namespace Edgemanage.Contracts.Networks;

/// <summary>
/// Commands to a NetworkActor. Local to one process for now (the cron round); they get codecs when the
/// vantage cluster sends them between nodes.
/// </summary>
public static class NetworkCommands
{
    /// <summary>Probe every edge once, decide the live set, publish the zones; reply <see cref="NetworkReplies.RoundDecided"/>.</summary>
    public sealed record DecideRound(long RoundId, bool DryRun, bool ForceUpdate, IReadOnlyList<ZoneSource> Zones);

    /// <summary>Reply <see cref="NetworkReplies.LastDecision"/> with the last persisted decision (for <c>why</c>, <c>query</c>).</summary>
    public sealed record GetLastDecision(string Network);

    /// <summary>
    /// Reply <see cref="NetworkReplies.NetworkStatus"/>: the live set, the last decision, the throttle budget and
    /// whether DNS is frozen (ctl net show, the Nagios checks, metrics). Answered in every state, even mid-round.
    /// </summary>
    public sealed record GetNetworkStatus(string Network) : IEdgemanageMessage;

    /// <summary>
    /// serve: reply <see cref="EdgeReplies.EdgeReports"/> with the newest report of <paramref name="Edge"/> from every
    /// vantage that observed it (what the network's decider votes on).
    /// </summary>
    public sealed record GetEdgeObservations(string Network, string Edge) : IEdgemanageMessage;

    /// <summary>
    /// import-legacy: record the original's last live set (statefile <c>last_live</c>) and its substitution times
    /// (<c>rotation_list</c>, in ms) as this network's decision, but only when no decision is recorded yet. Every
    /// live edge gets the reason <see cref="DecisionReason.Imported"/> and the record carries <paramref name="Note"/>.
    /// Reply <see cref="NetworkReplies.DecisionImported"/>; with <paramref name="DryRun"/> nothing is persisted.
    /// </summary>
    public sealed record ImportDecision(string Network, IReadOnlyList<string> Live, IReadOnlyList<long> SubstitutionTimesUnixMs, string Note, bool DryRun)
        : IEdgemanageMessage;

    /// <summary>serve: the zone includes were re-read (SIGHUP); use these from the next decision on.</summary>
    public sealed record UpdateZones(IReadOnlyList<ZoneSource> Zones) : IEdgemanageMessage;

    /// <summary>serve: the edge lists or the canary file changed (SIGHUP); decide over these from now on.</summary>
    public sealed record UpdateNetwork(IReadOnlyList<string> Edges, IReadOnlyDictionary<string, string> Canaries, IReadOnlyList<ZoneSource> Zones)
        : IEdgemanageMessage;

    /// <summary>
    /// serve, stopping: make no more decisions, and reply <see cref="NetworkReplies.DecidingStopped"/> once a round in
    /// flight has both published its zones and persisted its decision. Without it a node stopped between the zone
    /// write and the persist restarts believing in the previous live set while DNS already serves the new one.
    /// Local to the node that serves the network (a cluster decider hands over instead).
    /// </summary>
    public sealed record StopDeciding(string Network);

    /// <summary>
    /// The sharded decider's hand-off message: when a network's shard moves to another decider (a graceful leave, a
    /// rebalance), the NetworkActor first finishes a round in flight (zones written, decision persisted) and then
    /// stops, so the next decider never starts from state that lags behind the zones.
    /// </summary>
    public sealed record HandOver
    {
        public static readonly HandOver Instance = new();
    }
}

public static class NetworkReplies
{
    /// <param name="HeldReason">The guard held this round (nothing published, the decision not recorded): why, with what to do.</param>
    public sealed record RoundDecided(
        DecisionRecord Decision,
        IReadOnlyList<EdgeReport> Reports,
        IReadOnlyList<string> ProbeFailures,
        IReadOnlyList<CanaryVerdict> Canaries,
        ZoneReplies.ZonesPublished Zones,
        string? HeldReason = null);

    public sealed record LastDecision(string Network, DecisionRecord? Decision);

    /// <summary>The answer to <see cref="NetworkCommands.StopDeciding"/>: nothing is in flight, and nothing more will be decided.</summary>
    public sealed record DecidingStopped(string Network, DecisionRecord? LastDecision);

    /// <summary>
    /// The answer to <see cref="NetworkCommands.ImportDecision"/>: <paramref name="Recorded"/> is false when the journal
    /// already held a decision (<paramref name="Existing"/>), which is never overwritten.
    /// </summary>
    public sealed record DecisionImported(string Network, bool Recorded, DecisionRecord? Existing) : IEdgemanageMessage;

    /// <param name="Live">The live set DNS carries now (the last decision's, or the inherited live list).</param>
    /// <param name="SubstitutionTimesUnixMs">Substitutions inside the current dnschange_window.</param>
    /// <param name="BudgetMax">dnschange_maxfreq; null when unlimited.</param>
    /// <param name="BudgetRemaining">Discretionary substitutions still allowed now; int.MaxValue when unlimited.</param>
    /// <param name="FrozenReason">serve: why DNS is frozen (too few vantages vote); null when it is not.</param>
    /// <param name="Serving">True in serve (continuous decisions), false for a cron round's or a reader's actor.</param>
    /// <param name="GuardHolding">The guard's causes while it holds DNS (comma-separated metric labels); its message is then
    /// in <paramref name="FrozenReason"/>, so everything that shows a freeze shows the hold too.</param>
    /// <param name="JournalProblem">serve: why the network's journal does not take writes now (the node goes on from memory); null while it does.</param>
    public sealed record NetworkStatus(
        string Network,
        long AtUnixMs,
        IReadOnlyList<string> Live,
        DecisionRecord? LastDecision,
        IReadOnlyList<long> SubstitutionTimesUnixMs,
        int? BudgetMax,
        int BudgetRemaining,
        long BudgetWindowMs,
        string? FrozenReason,
        bool Serving,
        int Observations,
        string? JournalProblem = null,
        string? PublishProblem = null,
        string? GuardHolding = null) : IEdgemanageMessage;

    /// <summary>serve: fewer than min_vantages vote, so DNS was left alone (published on the event stream).</summary>
    public sealed record Frozen(string Network, string Reason, long AtUnixMs);
}
