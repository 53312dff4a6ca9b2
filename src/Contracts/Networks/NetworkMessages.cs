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

    /// <summary>serve: the zone includes were re-read (SIGHUP); use these from the next decision on.</summary>
    public sealed record UpdateZones(IReadOnlyList<ZoneSource> Zones) : IEdgemanageMessage;

    /// <summary>serve: the edge lists or the canary file changed (SIGHUP); decide over these from now on.</summary>
    public sealed record UpdateNetwork(IReadOnlyList<string> Edges, IReadOnlyDictionary<string, string> Canaries, IReadOnlyList<ZoneSource> Zones)
        : IEdgemanageMessage;
}

public static class NetworkReplies
{
    public sealed record RoundDecided(
        DecisionRecord Decision,
        IReadOnlyList<EdgeReport> Reports,
        IReadOnlyList<string> ProbeFailures,
        IReadOnlyList<CanaryVerdict> Canaries,
        ZoneReplies.ZonesPublished Zones);

    public sealed record LastDecision(string Network, DecisionRecord? Decision);

    /// <summary>serve: fewer than min_vantages vote, so DNS was left alone (published on the event stream).</summary>
    public sealed record Frozen(string Network, string Reason, long AtUnixMs);
}
