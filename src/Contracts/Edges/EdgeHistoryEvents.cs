namespace Edgemanage.Contracts.Edges;

/// <summary>Persisted by an EdgeHistoryGroup: every sample its edges took in one round (or batch window).</summary>
public sealed record HistoryRoundRecorded(long AtUnixMs, IReadOnlyList<EdgeSample> Samples) : IEdgemanageMessage;

/// <summary>
/// Persisted by an EdgeHistoryGroup when an operator changes an edge's mode (edge_conf). With
/// <paramref name="ExpiresAtUnixMs"/> the mode reverts to available at that time (<c>edge mode --for</c>).
/// Written as "h.mode2"; journals written before expiry existed hold "h.mode" (no expiry), still read.
/// </summary>
public sealed record EdgeModeChanged(string Edge, EdgeMode Mode, string Comment, long AtUnixMs, long? ExpiresAtUnixMs = null) : IEdgemanageMessage;

/// <summary>
/// The bounded history and mode of one edge, as held in a group snapshot. Written as "h.edge2" (with the mode's
/// expiry); "h.edge" (without) is still read.
/// </summary>
public sealed record EdgeHistorySnapshot(
    string Edge, EdgeMode Mode, string Comment, long ModeChangedAtUnixMs, IReadOnlyList<Sample> Samples,
    long? ModeExpiresAtUnixMs = null) : IEdgemanageMessage;

/// <summary>
/// A group's snapshot: every edge it holds. Events up to its sequence number are then deleted. Written as
/// "h.snap2"; "h.snap" (edges without a mode expiry) is still read.
/// </summary>
public sealed record HistoryGroupSnapshot(IReadOnlyList<EdgeHistorySnapshot> Edges) : IEdgemanageMessage;
