namespace Edgemanage.Contracts.Edges;

/// <summary>Commands and queries that reach the edges of one network through its history groups.</summary>
public static class EdgeCommands
{
    /// <summary>Probe every edge once and persist the samples as one event per group (cron round).</summary>
    public sealed record RunRound(long RoundId, bool Persist) : IEdgemanageMessage;

    /// <summary>
    /// Set an operator mode (edge_conf); persisted through the edge's history group. With
    /// <paramref name="ExpiresAtUnixMs"/>, the mode reverts to available at that time (<c>--for DURATION</c>).
    /// </summary>
    public sealed record SetEdgeMode(string Network, string Edge, EdgeMode Mode, string Comment, long? ExpiresAtUnixMs = null) : IEdgemanageMessage;

    /// <summary>
    /// import-legacy: adds an edge's history from the original's .edgestore file. Samples at or before the newest
    /// stored one are skipped, so importing twice adds nothing; the mode is taken only when it differs from the
    /// stored one and was changed after it. Persisted as one HistoryRoundRecorded and at most one EdgeModeChanged.
    /// With <paramref name="DryRun"/> nothing is persisted; the reply says what would have been.
    /// </summary>
    /// <param name="Mode">Null when the file said nothing usable about the mode.</param>
    public sealed record ImportEdgeHistory(
        string Network, string Edge, IReadOnlyList<Sample> Samples, EdgeMode? Mode, string Comment, long ModeChangedAtUnixMs, bool DryRun)
        : IEdgemanageMessage;

    /// <summary>Ask for every edge's current report, without probing.</summary>
    public sealed record GetEdgeReports(string Network) : IEdgemanageMessage;

    /// <summary>
    /// serve: every edge probes on its own, every <paramref name="ProbeInterval"/> with jitter; each history group
    /// persists what arrived in each <paramref name="BatchWindow"/> as one event, and sends the reports to
    /// <paramref name="Observer"/> as <see cref="EdgeReplies.Observed"/> as soon as their probes end, gathered for at
    /// most <paramref name="ObservationWindow"/> (<see cref="DefaultObservationWindow"/> when null). Local to the node.
    /// </summary>
    public sealed record StartContinuous(TimeSpan ProbeInterval, TimeSpan BatchWindow, Akka.Actor.IActorRef Observer,
        TimeSpan? ObservationWindow = null)
    {
        /// <summary>
        /// Long enough to send one message for the many edges of a group whose probes end together (a node start, a
        /// common outage), short enough to add nothing a DNS decision would notice.
        /// </summary>
        public static readonly TimeSpan DefaultObservationWindow = TimeSpan.FromMilliseconds(100);
    }

    /// <summary>
    /// serve: another vantage saw <paramref name="Edge"/>, which is live, fail; probe it now instead of at its next
    /// turn, so the quorum can form within one probe time. Sent by the network's decider to the history group that
    /// reported the edge from this vantage (possibly across the cluster); the edge probes at most once per probe
    /// interval for it, and its result is observed at once.
    /// </summary>
    public sealed record ConfirmEdge(string Network, string Edge) : IEdgemanageMessage;

    /// <summary>serve is stopping: stop probing, persist what is buffered, reply <see cref="EdgeReplies.ContinuousStopped"/>.</summary>
    public sealed record StopContinuous
    {
        public static readonly StopContinuous Instance = new();
    }
}

public static class EdgeReplies
{
    public sealed record RoundCompleted(long RoundId, IReadOnlyList<EdgeReport> Edges, IReadOnlyList<string> Failures) : IEdgemanageMessage;

    public sealed record EdgeModeSet(string Network, string Edge, EdgeMode Mode, string Comment, long? ExpiresAtUnixMs = null) : IEdgemanageMessage;

    /// <summary>What an <see cref="EdgeCommands.ImportEdgeHistory"/> added (or, in a dry run, would add).</summary>
    public sealed record EdgeHistoryImported(string Network, string Edge, int NewSamples, int SkippedSamples, bool ModeImported, string Note)
        : IEdgemanageMessage;

    public sealed record EdgeModeRejected(string Network, string Edge, string Reason) : IEdgemanageMessage;

    public sealed record EdgeReports(string Network, IReadOnlyList<EdgeReport> Edges) : IEdgemanageMessage;

    /// <summary>
    /// Fresh reports from one history group (serve): every edge whose probe ended within the group's observation window,
    /// its newest report each. Sent when the probes end, independent of when their samples are persisted.
    /// </summary>
    public sealed record Observed(IReadOnlyList<EdgeReport> Reports) : IEdgemanageMessage;

    public sealed record ContinuousStopped(int Groups);
}
