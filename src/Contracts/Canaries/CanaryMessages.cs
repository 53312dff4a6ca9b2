using Edgemanage.Contracts.Edges;

namespace Edgemanage.Contracts.Canaries;

/// <summary>How one zone's canary was judged this round, and whether the zone may publish it.</summary>
public sealed record CanaryVerdict(string Zone, string Ip, EdgeHealth Health, bool Usable, string Detail);

public static class CanaryCommands
{
    /// <summary>The network chose its live set: overlay this zone's canary on it (NetworkActor → CanaryActor).</summary>
    public sealed record OverlayLiveSet(long RoundId, IReadOnlyList<string> SortedLive, CanaryVerdict Verdict);
}

public static class CanaryReplies
{
    /// <summary>The addresses the zone publishes, in order (CanaryActor → NetworkActor).</summary>
    public sealed record ZoneAddresses(long RoundId, string Zone, IReadOnlyList<string> Addresses, string? CanaryUsed, string? Replaced);
}
