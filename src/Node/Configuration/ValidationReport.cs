using Edgemanage.Contracts.Config;

namespace Edgemanage.Node.Configuration;

/// <summary>What was found for one network.</summary>
public sealed record NetworkSummary(string Network, int EdgesListed, int EdgeCount, int Zones, int Canaries);

/// <summary>The outcome of <c>edgemanage validate</c>.</summary>
public sealed record ValidationReport
{
    public IReadOnlyList<ConfigProblem> Errors { get; init; } = [];
    public IReadOnlyList<ConfigProblem> Warnings { get; init; } = [];
    /// <summary>The effective edge_count (after dnet_edge_count) of every network checked.</summary>
    public IReadOnlyDictionary<string, int> EdgeCounts { get; init; } = new Dictionary<string, int>();
    public IReadOnlyList<NetworkSummary> Networks { get; init; } = [];
    /// <summary>The loaded settings, or null when the config itself had errors.</summary>
    public EdgemanageSettings? Settings { get; init; }
    public bool Ok => Errors.Count == 0;

    /// <summary>Problems one per line (errors first), a line per network, then "N errors, M warnings".</summary>
    public void WriteSummary(TextWriter output)
    {
        foreach (var problem in Errors.Concat(Warnings))
            output.WriteLine(problem.ToString());
        foreach (var n in Networks)
            output.WriteLine($"network {n.Network}: {Plural(n.EdgesListed, "edge")} listed, edge_count {n.EdgeCount}, " +
                             $"{Plural(n.Zones, "zone")}, {Plural(n.Canaries, "canary", "canaries")}");
        output.WriteLine($"{Plural(Errors.Count, "error")}, {Plural(Warnings.Count, "warning")}");
    }

    private static string Plural(int n, string one, string? many = null) => $"{n} {(n == 1 ? one : many ?? one + "s")}";
}
