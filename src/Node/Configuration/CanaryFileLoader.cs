using Edgemanage.Actors.Inputs;
using YamlDotNet.RepresentationModel;

namespace Edgemanage.Node.Configuration;

public sealed record CanaryFileResult(
    IReadOnlyDictionary<string, string> Canaries, IReadOnlyList<ConfigProblem> Errors, IReadOnlyList<ConfigProblem> Warnings)
{
    public bool Ok => Errors.Count == 0;
}

/// <summary>
/// Reads a canary file: a YAML mapping zone → IP literal. The file is optional, as in the
/// original. Unlike the original (yaml.load, the unsafe loader) only plain data is accepted, and
/// zone names are checked too, because they become file names under named_dir.
/// Bad entries are reported and left out; the good ones are still returned.
/// </summary>
public static class CanaryFileLoader
{
    public static CanaryFileResult Load(string path)
    {
        // The file is optional: absent means no canaries. Present, it must be a regular file of sane size.
        if (InputFile.IsMissing(path))
            return new CanaryFileResult(new Dictionary<string, string>(), [], []);
        string text;
        try
        {
            text = InputFile.ReadText(path, "canary file");
        }
        catch (InputFileException e)
        {
            return new CanaryFileResult(new Dictionary<string, string>(), [new ConfigProblem(path, 0, 0, e.Message)], []);
        }
        return Parse(text, path);
    }

    public static CanaryFileResult Parse(string text, string path)
    {
        var sink = new ProblemSink(path);
        var canaries = new Dictionary<string, string>(StringComparer.Ordinal);
        var root = YamlSource.Parse(text, sink, emptyIsError: false);
        if (root is not null and not YamlMappingNode)
            sink.Error(root.Start, $"a canary file must be a mapping of zone names to IP addresses, got {YamlValues.Describe(root)}");

        var pairs = (root as YamlMappingNode)?.Children.ToList() ?? [];
        foreach (var (key, value) in pairs)
        {
            if (key is not YamlScalarNode { Value: { } zone } || YamlValues.IsNull(key))
            {
                sink.Error(key.Start, "canary zone names must be plain strings");
                continue;
            }
            var ok = true;
            if (NameRules.CheckHostName(zone, allowUnderscore: true) is { } zoneIssue)
            {
                sink.Error((int)key.Start.Line, (int)key.Start.Column + zoneIssue.Index, $"invalid canary zone: {zoneIssue.Message}");
                ok = false;
            }
            if (value is not YamlScalarNode { Value: { } ip } || YamlValues.IsNull(value))
            {
                sink.Error(value.Start, $"canary for '{zone}' must be an IP address, got {YamlValues.Describe(value)}");
                continue;
            }
            if (NameRules.CheckIpLiteral(ip) is { } ipIssue)
            {
                sink.Error(value.Start, $"canary for '{zone}': {ipIssue.Message}");
                continue;
            }
            if (ok) canaries[zone] = ip;
        }
        return new CanaryFileResult(canaries, sink.Errors, sink.Warnings);
    }
}
