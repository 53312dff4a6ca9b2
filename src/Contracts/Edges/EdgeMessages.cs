namespace Edgemanage.Contracts.Edges;

/// <summary>Commands and queries that reach the edges of one network through its history groups.</summary>
public static class EdgeCommands
{
    /// <summary>Probe every edge once and persist the samples as one event per group (cron round).</summary>
    public sealed record RunRound(long RoundId, bool Persist) : IEdgemanageMessage;

    /// <summary>Set an operator mode (edge_conf); persisted through the edge's history group.</summary>
    public sealed record SetEdgeMode(string Network, string Edge, EdgeMode Mode, string Comment) : IEdgemanageMessage;

    /// <summary>Ask for every edge's current report, without probing.</summary>
    public sealed record GetEdgeReports(string Network) : IEdgemanageMessage;
}

public static class EdgeReplies
{
    public sealed record RoundCompleted(long RoundId, IReadOnlyList<EdgeReport> Edges, IReadOnlyList<string> Failures) : IEdgemanageMessage;

    public sealed record EdgeModeSet(string Network, string Edge, EdgeMode Mode, string Comment) : IEdgemanageMessage;

    public sealed record EdgeModeRejected(string Network, string Edge, string Reason) : IEdgemanageMessage;

    public sealed record EdgeReports(string Network, IReadOnlyList<EdgeReport> Edges) : IEdgemanageMessage;
}
