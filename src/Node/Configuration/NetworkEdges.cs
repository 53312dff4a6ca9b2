using Edgemanage.Contracts.Config;

namespace Edgemanage.Node.Configuration;

/// <summary>The edges of one network: the edge list followed by the optional extra edge list.</summary>
public static class NetworkEdges
{
    /// <remarks>
    /// The original required the extra list file to exist (2.2.0); a missing one is only a
    /// warning here, since an absent file and an empty one mean the same thing.
    /// </remarks>
    public static EdgeListResult Load(EdgemanageSettings settings, string dnet)
    {
        var paths = settings.ForNetwork(dnet);
        var main = EdgeListLoader.Load(paths.EdgeList);
        if (paths.ExtraEdgeList is null) return main;

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
        return new EdgeListResult(entries.Select(e => e.Name).ToList(), errors, warnings) { Entries = entries };
    }
}
