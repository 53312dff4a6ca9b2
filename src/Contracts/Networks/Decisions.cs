using Edgemanage.Contracts.Edges;

namespace Edgemanage.Contracts.Networks;

/// <summary>
/// Why an edge is, or is not, in the live set after a decision. Stored as a byte in the journal: append only,
/// never renumber.
/// </summary>
public enum DecisionReason : byte
{
    /// <summary>Live before and still pass_threshold: kept (original §4.4). serve: also live before and not judged
    /// by any vantage since the decider started (health untested).</summary>
    KeptHealthy = 0,
    /// <summary>Mode force and not failing: selected ahead of the fill.</summary>
    Forced = 1,
    /// <summary>Mode blindforce: selected whatever its health.</summary>
    BlindForced = 2,
    /// <summary>Chosen by the fill: best tier, then lowest average, then name.</summary>
    Filled = 3,
    /// <summary>Would have been replaced, but dnschange_maxfreq allowed no more discretionary substitutions.</summary>
    Deferred = 4,
    /// <summary>Failing or untested, kept from the previous live set because too few usable edges remain.</summary>
    KeptForLackOfBetter = 5,
    /// <summary>Usable, but the live set was already full of kept, forced or better edges.</summary>
    NotNeeded = 6,
    /// <summary>Judged fail: never chosen while a usable edge is left out.</summary>
    Failing = 7,
    /// <summary>Never probed successfully or at all yet.</summary>
    Untested = 8,
    /// <summary>Operator mode unavailable.</summary>
    Unavailable = 9,
    /// <summary>Mode force or blindforce, but more edges are forced than edge_count: a better forced edge won.</summary>
    ForcedOverflow = 10,
    /// <summary>Mode force, but failing: force does not override fail (blindforce does).</summary>
    ForcedButFailing = 11,
    /// <summary>Was live, but is no longer in the edge list.</summary>
    NotInEdgeList = 12,
    /// <summary>Replaced: was live, usable, not pass_threshold, and a better edge took its place.</summary>
    Replaced = 13,
    /// <summary>A canary: never a candidate for the network's live set.</summary>
    Canary = 14,
    /// <summary>Live in the original edgemanage's statefile (<c>last_live</c>), imported by <c>import-legacy</c>.</summary>
    Imported = 15,
}

/// <summary>The selection's view of one edge: what it was judged, what it was decided, and why.</summary>
public sealed record EdgeDecision(
    string Edge,
    EdgeHealth Health,
    double? Average,
    double? LastSeconds,
    EdgeMode Mode,
    bool Live,
    DecisionReason Reason,
    string Detail);

/// <summary>
/// One change of the live set. <see cref="Out"/> or <see cref="In"/> is null when the set grew or shrank.
/// Discretionary substitutions (the outgoing edge was still usable) are the ones dnschange_maxfreq limits.
/// </summary>
public sealed record Substitution(string? Out, string? In, bool Discretionary);

/// <summary>
/// Everything one decision of a network concluded, persisted as it is so that <c>edgemanage why</c> and
/// <c>run -v</c> can show it. <see cref="Live"/> is sorted by name and is exactly what was published; when
/// nothing could be published it equals <see cref="PreviousLive"/> and <see cref="Published"/> is false.
/// </summary>
public sealed record DecisionRecord(
    string Network,
    long AtUnixMs,
    int Required,
    IReadOnlyList<string> PreviousLive,
    IReadOnlyList<string> Live,
    bool Published,
    bool Degraded,
    IReadOnlyList<EdgeDecision> Edges,
    IReadOnlyList<Substitution> Substitutions,
    IReadOnlyList<string> Notes,
    VoteMatrix? Votes = null) : IEdgemanageMessage;

/// <summary>
/// The edge × vantage view behind a decision made from several vantages: which vantage said what about which edge,
/// and whether its vote counted — so "unreachable from region Y only" can be read back with <c>why</c>.
/// </summary>
public sealed record VoteMatrix(IReadOnlyList<VantageState> Vantages, IReadOnlyList<EdgeVotes> Edges);

/// <summary>One edge's row of the matrix; each cell's Vantage indexes <see cref="VoteMatrix.Vantages"/>.</summary>
public sealed record EdgeVotes(string Edge, IReadOnlyList<VoteCell> Cells);

/// <summary>Persisted by a NetworkActor once per round (or decision in serve).</summary>
public sealed record DecisionRecorded(DecisionRecord Decision, IReadOnlyList<long> SubstitutionTimesUnixMs) : IEdgemanageMessage;

/// <summary>
/// cron: the guard (max_edge_list_shrink, or every edge failing at once) held this round's decision, so nothing was
/// published. Persisted instead of a decision, so the next round still compares with the list the last real decision
/// was made from (a held shrink stays held until accepted), while <c>check rotation</c> and <c>ctl</c>, which read the
/// journal, can say why DNS has not moved. The next recorded decision clears it.
/// </summary>
/// <param name="Causes">The guard's causes as metric labels, comma-separated (edge_list_shrink, all_edges_failing).</param>
public sealed record DecisionHeld(string Network, long AtUnixMs, string Reason, string Causes) : IEdgemanageMessage;

/// <summary>A NetworkActor's snapshot: the last decision and the substitution times still inside the window.</summary>
public sealed record NetworkSnapshot(DecisionRecord? LastDecision, IReadOnlyList<long> SubstitutionTimesUnixMs) : IEdgemanageMessage;

/// <summary>
/// A cluster decider's newest published state of one network, replicated to every node (Akka.DistributedData, an
/// LWW register per network) after each publish, so that whichever node decides next starts from it instead of
/// from its own journal's older copy (docs/architecture.md, "Takeovers").
/// </summary>
/// <param name="DecidedAtUnixMs">When the decision that published this was taken (compared with a journal's last
/// decision and the live list's write time: the newest wins).</param>
/// <param name="Live">The live set the zones carry.</param>
/// <param name="Serial">The highest SOA serial the decider's zone writer has used: a new decider's serial floor.</param>
/// <param name="Zones">Every zone as recorded by the decider's zone writer (serial, inputs' hash, check key and the
/// SHA-256 of the bytes written), so a new decider compares the disk with what was really written last.</param>
/// <param name="SubstitutionTimesUnixMs">The substitutions dnschange_maxfreq counts, so the budget moves along.</param>
/// <param name="Decider">The cluster address of the node that published it.</param>
public sealed record PublishedNetworkState(
    string Network,
    long DecidedAtUnixMs,
    IReadOnlyList<string> Live,
    uint Serial,
    IReadOnlyList<Zones.PublishedZone> Zones,
    IReadOnlyList<long> SubstitutionTimesUnixMs,
    string Decider) : IEdgemanageMessage;
