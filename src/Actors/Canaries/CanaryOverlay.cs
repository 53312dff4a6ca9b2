using Edgemanage.Contracts.Canaries;
using Edgemanage.Contracts.Edges;

namespace Edgemanage.Actors.Canaries;

/// <summary>
/// The canary rules of original-edgemanage.md §4.6 and §6.3, with two fixes: a canary is used whenever it is
/// judged usable (any pass tier — the original used it only when judged exactly <c>pass</c>, so a fast canary
/// was never published: its issue #26), and the live edge it replaces is chosen by a stable hash of the zone and
/// the live set instead of <c>random.randrange</c>, so it stays the same while the live set does not change and
/// zones do not churn from one round to the next.
/// </summary>
public static class CanaryOverlay
{
    public static bool IsUsable(EdgeHealth health) =>
        health is EdgeHealth.PassThreshold or EdgeHealth.PassWindow or EdgeHealth.PassAverage or EdgeHealth.Pass;

    /// <summary>
    /// Judges every configured canary. With <paramref name="killer"/> set (canary_killer), when at least that many
    /// canaries fail, every canary of the network is disabled: they usually share one server, so many failing
    /// means none should be trusted (the original's issue #28).
    /// </summary>
    public static IReadOnlyList<CanaryVerdict> Judge(
        IReadOnlyDictionary<string, string> canaries, IReadOnlyDictionary<string, EdgeHealth> healthByIp, int? killer)
    {
        var health = canaries.ToDictionary(c => c.Key, c => healthByIp.GetValueOrDefault(c.Value, EdgeHealth.Untested), StringComparer.Ordinal);
        // Each distinct IP counts once: two zones sharing a canary are one failing server, not two.
        var failing = canaries.Values.Distinct(StringComparer.Ordinal).Count(ip => healthByIp.GetValueOrDefault(ip, EdgeHealth.Untested) == EdgeHealth.Fail);
        var killed = killer is { } k && failing >= k;
        return canaries.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c =>
        {
            var h = health[c.Key];
            if (killed)
                return new CanaryVerdict(c.Key, c.Value, h, false, $"canary_killer: {failing} canaries failing (limit {killer}); all canaries disabled");
            return IsUsable(h)
                ? new CanaryVerdict(c.Key, c.Value, h, true, $"canary {c.Value} is {h.Name()}")
                : new CanaryVerdict(c.Key, c.Value, h, false, $"canary {c.Value} is {h.Name()}, not published");
        }).ToArray();
    }

    /// <summary>
    /// The addresses one zone publishes: the sorted live set, with one member replaced by the canary, which is
    /// appended last as the original does. Nothing changes when the canary is already live or the set is empty.
    /// </summary>
    public static IReadOnlyList<string> Apply(IReadOnlyList<string> sortedLive, string zone, string? canaryIp)
    {
        if (canaryIp is null || sortedLive.Count == 0 || sortedLive.Contains(canaryIp, StringComparer.Ordinal)) return sortedLive;
        var replaced = ReplacedIndex(sortedLive, zone);
        var result = new List<string>(sortedLive.Count);
        for (var i = 0; i < sortedLive.Count; i++)
            if (i != replaced) result.Add(sortedLive[i]);
        result.Add(canaryIp);
        return result;
    }

    /// <summary>FNV-1a over the zone and the live set: stable across processes and runs, unlike string.GetHashCode.</summary>
    public static int ReplacedIndex(IReadOnlyList<string> sortedLive, string zone)
    {
        var hash = 2166136261u;
        void Mix(string s)
        {
            foreach (var ch in s)
            {
                hash ^= ch;
                hash *= 16777619u;
            }
            hash ^= 0xFF; // separator, so ("ab","c") and ("a","bc") differ
            hash *= 16777619u;
        }
        Mix(zone);
        foreach (var edge in sortedLive) Mix(edge);
        return (int)(hash % (uint)sortedLive.Count);
    }
}
