using Edgemanage.Contracts.Config;

namespace Edgemanage.Node.Configuration;

public sealed record ConfigLoadResult
{
    /// <summary>The settings, or null when there is at least one error.</summary>
    public EdgemanageSettings? Settings { get; init; }
    public IReadOnlyList<ConfigProblem> Errors { get; init; } = [];
    public IReadOnlyList<ConfigProblem> Warnings { get; init; } = [];
    public bool Ok => Errors.Count == 0 && Settings is not null;

    /// <summary>The file the configuration came from (as given, for messages).</summary>
    public string SourcePath { get; init; } = "";

    internal IReadOnlyDictionary<string, (int Line, int Column)> Positions { get; init; } =
        new Dictionary<string, (int, int)>();

    /// <summary>
    /// Where a dotted key's value is in the file (for later checks such as "testobject.local does
    /// not exist"); (0, 0) when the key was not present.
    /// </summary>
    public (int Line, int Column) Locate(string dottedKey) =>
        Positions.TryGetValue(dottedKey, out var p) ? p : (0, 0);
}
