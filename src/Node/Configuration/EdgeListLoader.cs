using Edgemanage.Actors.Inputs;

namespace Edgemanage.Node.Configuration;

/// <summary>One edge and where it was listed.</summary>
public sealed record EdgeListEntry(string Name, string File, int Line);

public sealed record EdgeListResult(
    IReadOnlyList<string> Edges, IReadOnlyList<ConfigProblem> Errors, IReadOnlyList<ConfigProblem> Warnings)
{
    public IReadOnlyList<EdgeListEntry> Entries { get; init; } = [];
    public bool Ok => Errors.Count == 0;
}

/// <summary>
/// Reads an edge list in the original's format: one edge per line, blank lines skipped, '#'
/// comments, surrounding whitespace stripped, duplicates collapsed keeping the first.
///
/// Deliberate difference: a comment is recognised after leading whitespace. The original only
/// tested the raw line, so "  # old-edge" became an edge literally named "# old-edge", which
/// could never be probed successfully; here such a line is a comment.
/// </summary>
public static class EdgeListLoader
{
    public static EdgeListResult Load(string path)
    {
        string text;
        try
        {
            text = InputFile.ReadText(path, "edge list file");
        }
        catch (InputFileException) when (InputFile.IsMissing(path))
        {
            return Failed(path, Directory.Exists(Path.GetDirectoryName(path))
                ? $"edge list file '{path}' does not exist"
                : $"edge list file '{path}' does not exist (its directory is missing)");
        }
        catch (InputFileException e)
        {
            return Failed(path, e.Message);
        }
        return Parse(text, path);
    }

    public static EdgeListResult Parse(string text, string path)
    {
        var sink = new ProblemSink(path);
        var entries = new List<EdgeListEntry>();
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var raw = lines[i].TrimEnd('\r');
            var edge = raw.Trim();
            if (edge.Length == 0 || edge.StartsWith('#')) continue;
            var line = i + 1;
            var indent = raw.Length - raw.TrimStart().Length;
            if (NameRules.CheckEdge(edge) is { } issue)
            {
                sink.Error(line, indent + issue.Index + 1, $"invalid edge: {issue.Message}");
                continue;
            }
            if (firstLine.TryGetValue(edge, out var first))
            {
                sink.Warning(line, indent + 1, $"duplicate edge '{edge}' (first listed at line {first}) is ignored");
                continue;
            }
            firstLine[edge] = line;
            entries.Add(new EdgeListEntry(edge, path, line));
        }
        return new EdgeListResult(entries.Select(e => e.Name).ToList(), sink.Errors, sink.Warnings) { Entries = entries };
    }

    private static EdgeListResult Failed(string path, string message) =>
        new([], [new ConfigProblem(path, 0, 0, message)], []);
}
