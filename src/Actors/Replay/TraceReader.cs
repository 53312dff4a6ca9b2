using System.Globalization;
using System.Text.Json;
using Edgemanage.Actors.Networks;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Probing;

namespace Edgemanage.Actors.Replay;

/// <summary>A trace line that cannot be read: names the file and line (exit 2).</summary>
public sealed class TraceException(string file, int line, string message) : Exception($"{file}:{line}: error: {message}")
{
    public string File { get; } = file;
    public int Line { get; } = line;
}

/// <summary>A trace's sample before the probe timeout is known (a failure without seconds counts as the timeout).</summary>
public sealed record TraceSample(long AtUnixMs, string Edge, string Vantage, double? Seconds, ProbeOutcome Outcome, short Status);

/// <summary>A <c>settings</c> line's key, as <c>--set KEY=VALUE</c> would give it (applied before the command line's).</summary>
public sealed record TraceSetting(string Key, string Value, int Line);

/// <summary>What a JSON-lines trace says (docs/replay.md, "Trace format").</summary>
public sealed record TraceData(
    IReadOnlyList<string>? Edges,
    IReadOnlyList<string> InitialLive,
    IReadOnlyDictionary<string, string> Canaries,
    IReadOnlyList<TraceSample> Samples,
    IReadOnlyList<ReplayModeChange> Modes,
    IReadOnlyList<long> DecisionTimes,
    double? DecisionEverySeconds,
    IReadOnlyList<TraceSetting> Settings)
{
    /// <summary>
    /// The timeline: edges as listed (else in order of first appearance), failures without seconds as
    /// <paramref name="timeoutSeconds"/> (what a probe records), and the decision ticks: the listed ones, plus with
    /// <c>every</c> one per interval from the first sample's time plus the interval up to the last sample.
    /// </summary>
    public ReplayTimeline ToTimeline(double timeoutSeconds)
    {
        var edges = Edges ?? Samples.Select(s => s.Edge).Where(e => !Canaries.Values.Contains(e, StringComparer.Ordinal)).Distinct(StringComparer.Ordinal).ToArray();
        var samples = Samples.Select(s => new ReplaySample(s.Edge, s.Vantage,
            new Sample(s.AtUnixMs, (float)(s.Seconds ?? timeoutSeconds), s.Outcome, s.Status))).ToArray();
        var ticks = DecisionTimes.ToList();
        if (DecisionEverySeconds is { } every && Samples.Count > 0)
        {
            var step = (long)Math.Round(every * 1000);
            var first = Samples.Min(s => s.AtUnixMs);
            var last = Samples.Max(s => s.AtUnixMs);
            for (var t = first + step; t <= last; t += step) ticks.Add(t);
        }
        var start = InitialLive.Count > 0 ? NetworkState.Empty.Inherit(InitialLive.OrderBy(e => e, StringComparer.Ordinal).ToArray()) : NetworkState.Empty;
        return new ReplayTimeline(edges, samples, Modes, ticks.Distinct().Order().Select(t => new ReplayTick(t)).ToArray(), start,
            [$"trace: {samples.Length} samples of {edges.Count} edges, {ticks.Distinct().Count()} decisions"], Canaries);
    }
}

/// <summary>
/// Reads a JSON-lines trace: one object per line; blank lines and lines starting with <c>#</c> are skipped. Every
/// problem names the file and line. Pure apart from the reader it is given.
/// </summary>
public static class TraceReader
{
    private static readonly IReadOnlyDictionary<string, ProbeOutcome> Outcomes =
        Enum.GetValues<ProbeOutcome>().ToDictionary(o => o.Name(), o => o, StringComparer.OrdinalIgnoreCase);

    private static readonly IReadOnlyDictionary<string, EdgeMode> Modes =
        Enum.GetValues<EdgeMode>().ToDictionary(m => m.Name(), m => m, StringComparer.OrdinalIgnoreCase);

    public static TraceData Read(TextReader reader, string file)
    {
        IReadOnlyList<string>? edges = null;
        IReadOnlyList<string> live = [];
        var canaries = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new List<TraceSample>();
        var modes = new List<ReplayModeChange>();
        var ticks = new List<long>();
        double? every = null;
        var settings = new List<TraceSetting>();
        var lineNo = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNo++;
            var text = line.Trim();
            if (text.Length == 0 || text[0] == '#') continue;
            JsonElement o;
            try
            {
                using var doc = JsonDocument.Parse(text);
                o = doc.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new TraceException(file, lineNo, $"not a JSON object: {e.Message}");
            }
            if (o.ValueKind != JsonValueKind.Object) throw new TraceException(file, lineNo, "not a JSON object");
            var type = o.TryGetProperty("type", out var ty) ? Str(ty, "type") : "sample";
            switch (type)
            {
                case "sample":
                {
                    var outcomeName = o.TryGetProperty("outcome", out var oc) ? Str(oc, "outcome") : "ok";
                    if (!Outcomes.TryGetValue(outcomeName, out var outcome))
                        throw Bad($"outcome '{outcomeName}' is not one of {string.Join(", ", Outcomes.Keys)}");
                    double? seconds = o.TryGetProperty("seconds", out var se) ? Num(se, "seconds") : null;
                    if (seconds is null && outcome == ProbeOutcome.Ok) throw Bad("an ok sample needs \"seconds\"");
                    if (seconds is < 0) throw Bad($"seconds must not be negative, got {seconds}");
                    var status = o.TryGetProperty("status", out var st) ? (short)Math.Clamp(Num(st, "status"), 0, 999) : (short)(outcome == ProbeOutcome.Ok ? 200 : 0);
                    samples.Add(new TraceSample(Time(o), Need(o, "edge"), o.TryGetProperty("vantage", out var v) ? Str(v, "vantage") : "local",
                        seconds, outcome, status));
                    break;
                }
                case "mode":
                {
                    var name = Need(o, "mode");
                    if (!Modes.TryGetValue(name, out var mode)) throw Bad($"mode '{name}' is not one of {string.Join(", ", Modes.Keys)}");
                    long? until = o.TryGetProperty("until", out var u) ? TimeOf(u, "until") : null;
                    modes.Add(new ReplayModeChange(Time(o), Need(o, "edge"), mode, until));
                    break;
                }
                case "decision":
                    ticks.Add(Time(o));
                    break;
                case "decisions":
                {
                    if (!o.TryGetProperty("every", out var ev)) throw Bad("a decisions line needs \"every\" (seconds)");
                    var s = Num(ev, "every");
                    if (s is < 1 or > 86400) throw Bad($"every must be between 1 and 86400 seconds, got {s}");
                    every = s;
                    break;
                }
                case "network":
                    if (o.TryGetProperty("edges", out var es)) edges = Strings(es, "edges");
                    if (o.TryGetProperty("live", out var lv)) live = Strings(lv, "live");
                    if (o.TryGetProperty("canaries", out var cs))
                    {
                        if (cs.ValueKind != JsonValueKind.Object) throw Bad("canaries must be an object {\"zone\": \"ip\"}");
                        foreach (var p in cs.EnumerateObject()) canaries[p.Name] = Str(p.Value, $"canaries.{p.Name}");
                    }
                    break;
                case "settings":
                    foreach (var p in o.EnumerateObject().Where(p => p.Name != "type"))
                        settings.Add(new TraceSetting(p.Name, p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText(), lineNo));
                    break;
                default:
                    throw Bad($"type '{type}' is not one of sample, mode, decision, decisions, network, settings");
            }
        }
        if (edges is not null && edges.Distinct(StringComparer.Ordinal).Count() != edges.Count)
            throw new TraceException(file, lineNo, "the network line lists an edge twice");
        return new TraceData(edges, live, canaries, samples, modes, ticks, every, settings);

        TraceException Bad(string message) => new(file, lineNo, message);
        string Str(JsonElement e, string name) =>
            e.ValueKind == JsonValueKind.String && e.GetString() is { Length: > 0 } s ? s : throw Bad($"{name} must be a non-empty string");
        double Num(JsonElement e, string name) =>
            e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out var d) && double.IsFinite(d) ? d : throw Bad($"{name} must be a number");
        string Need(JsonElement obj, string name) =>
            obj.TryGetProperty(name, out var e) ? Str(e, name)
                : throw Bad($"a {(obj.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : "sample")} line needs \"{name}\"");
        IReadOnlyList<string> Strings(JsonElement e, string name) =>
            e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().Select(x => Str(x, name)).ToArray() : throw Bad($"{name} must be an array of strings");
        long Time(JsonElement obj) => obj.TryGetProperty("t", out var t) ? TimeOf(t, "t") : throw Bad("the line needs \"t\" (unix seconds or an ISO 8601 time)");
        long TimeOf(JsonElement t, string name)
        {
            if (t.ValueKind == JsonValueKind.Number && t.TryGetDouble(out var secs) && double.IsFinite(secs) && secs is >= 0 and < 1e11)
                return (long)Math.Round(secs * 1000);
            if (t.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(t.GetString(), CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
                return at.ToUnixTimeMilliseconds();
            throw Bad($"{name} must be unix seconds or an ISO 8601 time, got {t.GetRawText()}");
        }
    }
}
