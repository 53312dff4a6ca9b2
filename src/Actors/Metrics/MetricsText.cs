using System.Globalization;
using System.Text;

namespace Edgemanage.Actors.Metrics;

public enum MetricType
{
    Counter,
    Gauge,
}

/// <summary>
/// Collects samples grouped by metric family and writes them in the Prometheus text exposition format 0.0.4:
/// one <c># HELP</c> and one <c># TYPE</c> line per family, then its samples, families in the order first seen.
/// Several sources (one ActorSystem per network) can add to one instance; samples of the same family are merged,
/// and a second sample with the same name and labels is dropped, so the output is always a valid exposition.
/// Not thread-safe: one instance per scrape.
/// </summary>
public sealed class MetricsText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private sealed class Family(string name, MetricType type, string help)
    {
        public string Name { get; } = name;
        public MetricType Type { get; } = type;
        public string Help { get; } = help;
        public List<(string Labels, double Value)> Samples { get; } = [];
        public HashSet<string> Seen { get; } = new(StringComparer.Ordinal);
    }

    private readonly Dictionary<string, Family> _families = new(StringComparer.Ordinal);
    private readonly List<Family> _order = [];

    public void Counter(string name, string help, double value, params (string Name, string Value)[] labels) =>
        Add(name, MetricType.Counter, help, value, labels);

    public void Gauge(string name, string help, double value, params (string Name, string Value)[] labels) =>
        Add(name, MetricType.Gauge, help, value, labels);

    /// <summary>Declares a family without samples yet (so its HELP and TYPE appear even when it has none).</summary>
    public void Declare(string name, MetricType type, string help) => FamilyFor(name, type, help);

    public void Add(string name, MetricType type, string help, double value, params (string Name, string Value)[] labels)
    {
        var family = FamilyFor(name, type, help);
        var rendered = RenderLabels(labels);
        if (family.Seen.Add(rendered)) family.Samples.Add((rendered, value));
    }

    /// <summary>Adds every family and sample of <paramref name="other"/> (collected separately, e.g. concurrently).</summary>
    public void Merge(MetricsText other)
    {
        foreach (var f in other._order)
        {
            var family = FamilyFor(f.Name, f.Type, f.Help);
            foreach (var sample in f.Samples)
                if (family.Seen.Add(sample.Labels)) family.Samples.Add(sample);
        }
    }

    /// <summary>True when a sample of <paramref name="name"/> with exactly these labels was added.</summary>
    public bool Has(string name, params (string Name, string Value)[] labels) =>
        _families.TryGetValue(name, out var f) && f.Seen.Contains(RenderLabels(labels));

    private Family FamilyFor(string name, MetricType type, string help)
    {
        if (_families.TryGetValue(name, out var family))
        {
            if (family.Type != type)
                throw new ArgumentException($"metric {name} is already a {family.Type}, not a {type}", nameof(type));
            return family;
        }
        if (!IsValidMetricName(name)) throw new ArgumentException($"'{name}' is not a valid metric name", nameof(name));
        family = new Family(name, type, help);
        _families.Add(name, family);
        _order.Add(family);
        return family;
    }

    /// <summary>
    /// Reused for every sample's labels: a textfile of 5000 edges renders about 40 000 label sets, and a new builder
    /// growing to each one's length was most of what the collection allocated (and the GC it caused).
    /// </summary>
    private readonly StringBuilder _labelText = new(256);

    private string RenderLabels((string Name, string Value)[] labels)
    {
        if (labels.Length == 0) return "";
        var sb = _labelText.Clear().Append('{');
        for (var i = 0; i < labels.Length; i++)
        {
            var (name, value) = labels[i];
            if (!IsValidLabelName(name)) throw new ArgumentException($"'{name}' is not a valid label name", nameof(labels));
            if (i > 0) sb.Append(',');
            sb.Append(name).Append("=\"");
            AppendEscapedLabelValue(sb, value);
            sb.Append('"');
        }
        return sb.Append('}').ToString();
    }

    /// <summary>
    /// Writes the exposition piece by piece: a cron run's textfile has about ten samples per edge (over a megabyte at
    /// a thousand edges), and building it as one string first cost a round tens of milliseconds in copies and GC.
    /// </summary>
    public void WriteTo(TextWriter writer)
    {
        var help = new StringBuilder();
        Span<char> number = stackalloc char[32];
        foreach (var f in _order)
        {
            help.Clear();
            AppendEscapedHelp(help, f.Help);
            writer.Write("# HELP ");
            writer.Write(f.Name);
            writer.Write(' ');
            writer.Write(help);
            writer.Write("\n# TYPE ");
            writer.Write(f.Name);
            writer.Write(f.Type == MetricType.Counter ? " counter\n" : " gauge\n");
            foreach (var (labels, value) in f.Samples)
            {
                writer.Write(f.Name);
                writer.Write(labels);
                writer.Write(' ');
                // The common case (a finite value) without a string per sample; the same text as FormatValue.
                if (double.IsFinite(value) && value.TryFormat(number, out var written, "R", CultureInfo.InvariantCulture))
                    writer.Write(number[..written]);
                else
                    writer.Write(FormatValue(value));
                writer.Write('\n');
            }
        }
    }

    /// <summary>The exposition as UTF-8 bytes on <paramref name="stream"/>, through a buffer (the stream is left open).</summary>
    public void WriteTo(Stream stream)
    {
        using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
        WriteTo(writer);
    }

    public override string ToString()
    {
        using var w = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        WriteTo(w);
        return w.ToString();
    }

    /// <summary>Go's float formatting as Prometheus reads it: NaN, +Inf, -Inf, else the shortest round-trip form.</summary>
    public static string FormatValue(double value) =>
        double.IsNaN(value) ? "NaN"
        : double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Label values escape backslash, double quote and line feed.</summary>
    public static string EscapeLabelValue(string value)
    {
        var sb = new StringBuilder(value.Length + 2);
        AppendEscapedLabelValue(sb, value);
        return sb.ToString();
    }

    private static void AppendEscapedLabelValue(StringBuilder sb, string value)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '"': sb.Append("\\\""); break;
                case '\n': sb.Append("\\n"); break;
                default: sb.Append(c); break;
            }
        }
    }

    /// <summary>HELP text escapes backslash and line feed (quotes stay as they are).</summary>
    private static void AppendEscapedHelp(StringBuilder sb, string help)
    {
        foreach (var c in help)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                default: sb.Append(c); break;
            }
        }
    }

    /// <summary>[a-zA-Z_:][a-zA-Z0-9_:]*</summary>
    public static bool IsValidMetricName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] is '_' or ':') && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':');

    /// <summary>[a-zA-Z_][a-zA-Z0-9_]*, and not starting with the reserved <c>__</c>.</summary>
    public static bool IsValidLabelName(string name)
    {
        if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_') || name.StartsWith("__", StringComparison.Ordinal)) return false;
        // A loop, not LINQ: checked for every label of every sample (an enumerator each, 150 000 for 5000 edges).
        foreach (var c in name)
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_')) return false;
        return true;
    }
}
