using Edgemanage.Contracts.Config;

namespace Edgemanage.Node.Configuration;

/// <summary>The edges of one network: the edge list followed by the optional extra edge list.</summary>
public static class NetworkEdges
{
    /// <summary>
    /// The most edges one network may list (edge list and extra edge list together, duplicates counted once).
    /// Measured (docs/reliability.md, "Scale of input"): at 20 000 refusing edges a cron round gives every edge its
    /// sample in well under a minute with bounded memory on a 2-core machine; far beyond it, recovery, rounds and
    /// the journal grow with no operational reason (split such a pool into several networks). validate, run and
    /// serve all read edge lists here, so all three refuse the same lists.
    /// </summary>
    public const int MaxEdgesPerNetwork = 20_000;

    /// <remarks>
    /// The original required the extra list file to exist (2.2.0); a missing one is only a
    /// warning here, since an absent file and an empty one mean the same thing.
    /// </remarks>
    public static EdgeListResult Load(EdgemanageSettings settings, string dnet)
    {
        var paths = settings.ForNetwork(dnet);
        var main = EdgeListLoader.Load(paths.EdgeList);
        if (paths.ExtraEdgeList is null) return WithinLimit(main, dnet);

        var errors = main.Errors.ToList();
        var warnings = main.Warnings.ToList();
        var entries = main.Entries.ToList();
        if (!File.Exists(paths.ExtraEdgeList))
        {
            warnings.Add(new ConfigProblem(paths.ExtraEdgeList, 0, 0,
                $"extra edge list file '{paths.ExtraEdgeList}' does not exist; using the main edge list only",
                ProblemSeverity.Warning));
        }
        else
        {
            var extra = EdgeListLoader.Load(paths.ExtraEdgeList);
            errors.AddRange(extra.Errors);
            warnings.AddRange(extra.Warnings);
            var seen = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
            foreach (var entry in extra.Entries)
            {
                if (seen.TryGetValue(entry.Name, out var first))
                {
                    warnings.Add(new ConfigProblem(entry.File, entry.Line, 1,
                        $"edge '{entry.Name}' is already listed at {first.File}:{first.Line}; this entry is ignored",
                        ProblemSeverity.Warning));
                    continue;
                }
                seen[entry.Name] = entry;
                entries.Add(entry);
            }
        }
        return WithinLimit(new EdgeListResult(entries.Select(e => e.Name).ToList(), errors, warnings) { Entries = entries }, dnet);
    }

    /// <summary>
    /// Refuses a network over <see cref="MaxEdgesPerNetwork"/> edges, with the error at the first edge past the limit
    /// (its file and line), naming the count and the limit.
    /// </summary>
    public static EdgeListResult WithinLimit(EdgeListResult edges, string dnet, int limit = MaxEdgesPerNetwork)
    {
        if (edges.Entries.Count <= limit) return edges;
        var first = edges.Entries[limit];
        var files = string.Join(" and ", edges.Entries.Select(e => e.File).Distinct(StringComparer.Ordinal));
        var error = new ConfigProblem(first.File, first.Line, 1,
            $"network '{dnet}' lists {edges.Entries.Count} edges ({files}), more than the limit of {limit} edges per network " +
            $"(edge {limit + 1} is '{first.Name}' here); split the pool into several networks");
        return edges with { Errors = [.. edges.Errors, error] };
    }
}
