using System.Globalization;
using System.Text;

namespace Edgemanage.Tests.Metrics;

public sealed record PromSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public bool Matches(params (string Name, string Value)[] labels) =>
        labels.All(l => Labels.TryGetValue(l.Name, out var v) && v == l.Value);
}

/// <summary>
/// A strict little parser of the Prometheus text format 0.0.4, for the specs: it fails on anything a scraper would
/// reject or that is suspicious (a second HELP or TYPE of a family, a family split in two, a sample without TYPE, a
/// duplicate series, a bad escape), so a spec that parses an exposition also checks that it is well formed.
/// </summary>
public sealed class PromText
{
    public Dictionary<string, string> Types { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> Helps { get; } = new(StringComparer.Ordinal);
    public List<PromSample> Samples { get; } = [];

    public static PromText Parse(string text)
    {
        var result = new PromText();
        if (text.Length > 0 && !text.EndsWith('\n')) throw new FormatException("the exposition does not end with a line feed");
        var finished = new HashSet<string>(StringComparer.Ordinal);
        string? current = null;
        var series = new HashSet<string>(StringComparer.Ordinal);
        var lineNo = 0;
        foreach (var line in text.Split('\n')[..^1])
        {
            lineNo++;
            if (line.Length == 0) continue;
            string family;
            if (line.StartsWith("# HELP ", StringComparison.Ordinal) || line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var rest = line[7..];
                var space = rest.IndexOf(' ');
                family = space < 0 ? rest : rest[..space];
                var value = space < 0 ? "" : rest[(space + 1)..];
                CheckName(family, lineNo);
                Enter(family);
                if (line[2] == 'H')
                {
                    if (!result.Helps.TryAdd(family, UnescapeHelp(value, lineNo))) throw new FormatException($"line {lineNo}: second HELP of {family}");
                }
                else
                {
                    if (value is not ("counter" or "gauge" or "untyped" or "summary" or "histogram")) throw new FormatException($"line {lineNo}: type '{value}'");
                    if (result.Samples.Any(s => s.Name == family)) throw new FormatException($"line {lineNo}: TYPE of {family} after its samples");
                    if (!result.Types.TryAdd(family, value)) throw new FormatException($"line {lineNo}: second TYPE of {family}");
                }
                continue;
            }
            if (line.StartsWith('#')) continue;

            var i = 0;
            while (i < line.Length && (char.IsAsciiLetterOrDigit(line[i]) || line[i] is '_' or ':')) i++;
            var name = line[..i];
            CheckName(name, lineNo);
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            if (i < line.Length && line[i] == '{')
            {
                i++;
                while (line[i] != '}')
                {
                    var start = i;
                    while (char.IsAsciiLetterOrDigit(line[i]) || line[i] == '_') i++;
                    var label = line[start..i];
                    if (label.Length == 0 || char.IsAsciiDigit(label[0])) throw new FormatException($"line {lineNo}: bad label name");
                    if (line[i] != '=' || line[i + 1] != '"') throw new FormatException($"line {lineNo}: expected =\" after {label}");
                    i += 2;
                    var sb = new StringBuilder();
                    while (line[i] != '"')
                    {
                        if (line[i] == '\\')
                        {
                            i++;
                            sb.Append(line[i] switch
                            {
                                '\\' => '\\',
                                '"' => '"',
                                'n' => '\n',
                                _ => throw new FormatException($"line {lineNo}: bad escape \\{line[i]}"),
                            });
                        }
                        else sb.Append(line[i]);
                        i++;
                    }
                    i++;
                    if (!labels.TryAdd(label, sb.ToString())) throw new FormatException($"line {lineNo}: label {label} twice");
                    if (line[i] == ',') i++;
                    else if (line[i] != '}') throw new FormatException($"line {lineNo}: expected , or }}");
                }
                i++;
            }
            if (i >= line.Length || line[i] != ' ') throw new FormatException($"line {lineNo}: expected a space before the value");
            var parts = line[(i + 1)..].Split(' ');
            if (parts.Length is < 1 or > 2) throw new FormatException($"line {lineNo}: value and timestamp expected");
            var number = parts[0] switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                var v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            family = name;
            Enter(family);
            if (!result.Types.ContainsKey(family)) throw new FormatException($"line {lineNo}: sample of {family} without TYPE");
            var key = name + "{" + string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")) + "}";
            if (!series.Add(key)) throw new FormatException($"line {lineNo}: duplicate series {key}");
            result.Samples.Add(new PromSample(name, labels, number));
        }
        return result;

        void Enter(string family)
        {
            if (family == current) return;
            if (current is not null) finished.Add(current);
            if (finished.Contains(family)) throw new FormatException($"line {lineNo}: family {family} split in two");
            current = family;
        }
    }

    private static void CheckName(string name, int lineNo)
    {
        if (name.Length == 0 || char.IsAsciiDigit(name[0]) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':'))
            throw new FormatException($"line {lineNo}: bad metric name '{name}'");
    }

    private static string UnescapeHelp(string help, int lineNo)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < help.Length; i++)
        {
            if (help[i] != '\\') { sb.Append(help[i]); continue; }
            i++;
            sb.Append(help[i] switch { '\\' => '\\', 'n' => '\n', _ => throw new FormatException($"line {lineNo}: bad HELP escape") });
        }
        return sb.ToString();
    }

    public IEnumerable<PromSample> All(string name, params (string Name, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && s.Matches(labels));

    /// <summary>The value of the one sample that matches; null when none does.</summary>
    public double? Value(string name, params (string Name, string Value)[] labels) =>
        All(name, labels).ToArray() switch
        {
            [] => null,
            [var one] => one.Value,
            var many => throw new InvalidOperationException($"{many.Length} samples of {name} match"),
        };

    public double Sum(string name, params (string Name, string Value)[] labels) => All(name, labels).Sum(s => s.Value);
}
