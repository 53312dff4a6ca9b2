using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Edgemanage.Node.Configuration;

/// <summary>
/// Typed, position-aware access to one YAML mapping. Every getter reports its own problems and
/// returns null when the value is absent or unusable, so the caller can read all keys in one pass
/// and decide afterwards whether a settings object can be built.
/// </summary>
internal sealed class MappingReader
{
    private readonly YamlMappingNode _node;
    private readonly string _prefix;
    private readonly ProblemSink _sink;
    private readonly Dictionary<string, (Mark Position, Mark KeyPosition)> _positions;
    private readonly Dictionary<string, (YamlScalarNode Key, YamlNode Value)> _entries = new(StringComparer.Ordinal);

    public MappingReader(YamlMappingNode node, string prefix, ProblemSink sink,
        Dictionary<string, (Mark Position, Mark KeyPosition)> positions)
    {
        (_node, _prefix, _sink, _positions) = (node, prefix, sink, positions);
        foreach (var (key, value) in node.Children)
        {
            if (key is YamlScalarNode s && s.Value is not null)
                _entries[s.Value] = (s, value);
            else
                sink.Error(key.Start, $"keys of '{DisplayName}' must be plain strings");
        }
    }

    private string DisplayName => _prefix.Length == 0 ? "the top level" : _prefix;
    public Mark Start => _node.Start;
    public ProblemSink Sink => _sink;

    public string Full(string key) => _prefix.Length == 0 ? key : $"{_prefix}.{key}";

    public bool Has(string key) => _entries.ContainsKey(key);

    public IEnumerable<(string Key, YamlScalarNode KeyNode, YamlNode Value)> Entries =>
        _entries.Select(e => (e.Key, e.Value.Key, e.Value.Value));

    /// <summary>The value node, or null when the key is absent or null-valued (reported if required).</summary>
    public YamlNode? Node(string key, bool required, string expected)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            if (required) _sink.Error(_node.Start, $"missing required key '{Full(key)}'");
            return null;
        }
        _positions[Full(key)] = (entry.Value.Start, entry.Key.Start);
        if (YamlValues.IsNull(entry.Value))
        {
            if (required) _sink.Error(entry.Value.Start, $"{Full(key)} must be {expected}, got null");
            return null;
        }
        return entry.Value;
    }

    private YamlScalarNode? Scalar(string key, bool required, string expected)
    {
        var node = Node(key, required, expected);
        if (node is null or YamlScalarNode) return (YamlScalarNode?)node;
        _sink.Error(node.Start, $"{Full(key)} must be {expected}, got {YamlValues.Describe(node)}");
        return null;
    }

    public string? String(string key, bool required)
    {
        var s = Scalar(key, required, "a string");
        if (s is null) return null;
        if (string.IsNullOrWhiteSpace(s.Value))
        {
            _sink.Error(s.Start, $"{Full(key)} must not be empty");
            return null;
        }
        return s.Value;
    }

    /// <summary>One of a fixed set of words (case-insensitive), returned in lower case.</summary>
    public string? Choice(string key, bool required, params string[] allowed)
    {
        var text = String(key, required);
        if (text is null) return null;
        var lower = text.ToLowerInvariant();
        if (allowed.Contains(lower)) return lower;
        _sink.Error(_entries[key].Value.Start, $"{Full(key)} must be one of {string.Join(", ", allowed)}, got '{text}'");
        return null;
    }

    public string? Path(string key, bool required, string baseDir)
    {
        var text = String(key, required);
        return text is null ? null : System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDir, text));
    }

    /// <summary>An integer in [min, max]: every integer key names its bounds, so none can overflow where it is used.</summary>
    public long? Integer(string key, bool required, long min, long max)
    {
        var s = Scalar(key, required, "an integer");
        return s is null ? null : IntegerValue(s, Full(key), min, max);
    }

    public long? IntegerValue(YamlScalarNode s, string name, long min, long max)
    {
        if (!YamlValues.TryLong(s.Value ?? "", out var v))
        {
            _sink.Error(s.Start, $"{name} must be an integer, got '{s.Value}'{YamlValues.SyntaxHint(s.Value)}");
            return null;
        }
        if (v < min || v > max)
        {
            _sink.Error(s.Start, $"{name} must be {RangeText(min, max)}, got {v}");
            return null;
        }
        return v;
    }

    private static string RangeText(long min, long max) => (min, max) switch
    {
        (long.MinValue, long.MaxValue) => "an integer",
        (_, long.MaxValue) => $"at least {min}",
        (long.MinValue, _) => $"at most {max}",
        _ => $"between {min} and {max}",
    };

    /// <summary>
    /// A number strictly greater than <paramref name="greaterThan"/> and at most <paramref name="max"/>: every number
    /// key names its upper bound, so none can overflow where it is used (a TimeSpan of 1e300 seconds, say).
    /// </summary>
    public double? Number(string key, bool required, double max, double greaterThan = 0)
    {
        var s = Scalar(key, required, "a number");
        if (s is null) return null;
        if (!YamlValues.TryDouble(s.Value ?? "", out var v))
        {
            _sink.Error(s.Start, $"{Full(key)} must be a number, got '{s.Value}'{YamlValues.SyntaxHint(s.Value)}");
            return null;
        }
        if (v <= greaterThan)
        {
            _sink.Error(s.Start, $"{Full(key)} must be a number greater than {greaterThan}, got {s.Value}");
            return null;
        }
        if (v > max)
        {
            _sink.Error(s.Start, $"{Full(key)} must be at most {max.ToString(System.Globalization.CultureInfo.InvariantCulture)}, got {s.Value}");
            return null;
        }
        return v;
    }

    public bool? Bool(string key, bool required)
    {
        var s = Scalar(key, required, "a boolean (true/false/yes/no)");
        if (s is null) return null;
        if (YamlValues.TryBool(s, out var v)) return v;
        _sink.Error(s.Start, $"{Full(key)} must be a boolean (true/false/yes/no), got '{s.Value}'");
        return null;
    }

    /// <summary>A list of non-empty strings, each with its node (for per-entry messages).</summary>
    public List<YamlScalarNode>? StringList(string key, bool required)
    {
        var node = Node(key, required, "a list of strings");
        if (node is null) return null;
        if (node is not YamlSequenceNode seq)
        {
            _sink.Error(node.Start, $"{Full(key)} must be a list of strings, got {YamlValues.Describe(node)}");
            return null;
        }
        var items = new List<YamlScalarNode>();
        var ok = true;
        foreach (var item in seq.Children)
        {
            if (item is YamlScalarNode s && !YamlValues.IsNull(s) && !string.IsNullOrWhiteSpace(s.Value))
                items.Add(s);
            else
            {
                _sink.Error(item.Start, $"each entry of {Full(key)} must be a non-empty string, got {YamlValues.Describe(item)}");
                ok = false;
            }
        }
        return ok ? items : null;
    }

    public MappingReader? Mapping(string key, bool required)
    {
        var node = Node(key, required, "a mapping");
        if (node is null) return null;
        if (node is YamlMappingNode m) return new MappingReader(m, Full(key), _sink, _positions);
        _sink.Error(node.Start, $"{Full(key)} must be a mapping, got {YamlValues.Describe(node)}");
        return null;
    }

    /// <summary>Unknown keys are warnings, not errors: a newer or older config should still load.</summary>
    public void WarnUnknownKeys(IReadOnlyCollection<string> known)
    {
        foreach (var (key, keyNode, _) in Entries)
        {
            if (known.Contains(key)) continue;
            var hint = KeySuggester.Suggest(key, known);
            _sink.Warning(keyNode.Start, $"unknown key '{Full(key)}' is ignored" +
                (hint is null ? "" : $"; did you mean '{Full(hint)}'?"));
        }
    }
}
