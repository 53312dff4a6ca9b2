using System.Text;

namespace Edgemanage.Actors.Edges;

/// <summary>
/// Which EdgeHistoryGroup persists an edge. The rule must never change for stored data, so it is a fixed
/// hash (FNV-1a over the lower-cased UTF-8 name) modulo a fixed bucket count. 32 buckets keep every group
/// under the measured 250-edge sweet spot up to about 7000 edges per network (persistence-recovery.md §5)
/// while small networks simply have fewer, smaller groups.
/// </summary>
public static class HistoryGroups
{
    public const int BucketCount = 32;
    public const int MeasuredGroupLimit = 250;

    public static int GroupOf(string edge)
    {
        uint hash = 2166136261;
        foreach (var b in Encoding.UTF8.GetBytes(edge.ToLowerInvariant()))
        {
            hash ^= b;
            hash *= 16777619;
        }
        return (int)(hash % BucketCount);
    }

    public static string PersistenceId(string network, string vantage, int group) => $"hist-{network}-{vantage}-{group}";

    /// <summary>Edges by group, keeping the edge-list order inside each group.</summary>
    public static IReadOnlyDictionary<int, IReadOnlyList<string>> Partition(IEnumerable<string> edges) =>
        edges.GroupBy(GroupOf).ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.ToList());
}
