namespace Edgemanage.Contracts.Edges;

/// <summary>Persisted by an EdgeHistoryGroup: every sample its edges took in one round (or batch window).</summary>
public sealed record HistoryRoundRecorded(long AtUnixMs, IReadOnlyList<EdgeSample> Samples) : IEdgemanageMessage;

/// <summary>Persisted by an EdgeHistoryGroup when an operator changes an edge's mode (edge_conf).</summary>
public sealed record EdgeModeChanged(string Edge, EdgeMode Mode, string Comment, long AtUnixMs) : IEdgemanageMessage;

/// <summary>The bounded history and mode of one edge, as held in a group snapshot.</summary>
public sealed record EdgeHistorySnapshot(
    string Edge, EdgeMode Mode, string Comment, long ModeChangedAtUnixMs, IReadOnlyList<Sample> Samples) : IEdgemanageMessage;

/// <summary>A group's snapshot: every edge it holds. Events up to its sequence number are then deleted.</summary>
public sealed record HistoryGroupSnapshot(IReadOnlyList<EdgeHistorySnapshot> Edges) : IEdgemanageMessage;
