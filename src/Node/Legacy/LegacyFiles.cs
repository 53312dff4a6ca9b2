using System.Globalization;
using System.Text.Json;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Probing;

namespace Edgemanage.Node.Legacy;

public enum LegacySeverity
{
    Warning,
    Error,
}

/// <summary>Something in a legacy file that could not be used as it was. Errors make import-legacy exit 3.</summary>
public sealed record LegacyProblem(string File, LegacySeverity Severity, string Message, long? Line = null, long? Column = null)
{
    public bool IsError => Severity == LegacySeverity.Error;

    public override string ToString()
    {
        var where = Line is { } l ? $"{File}:{l}:{Column ?? 0}" : File;
        return $"{where}: {(IsError ? "error" : "warning")}: {Message}";
    }
}

/// <summary>
/// What one <c>&lt;edge&gt;.edgestore</c> of the original holds that is worth keeping (original-edgemanage.md §5.2).
/// <see cref="Mode"/> is null when the file could not be read at all (missing, empty, not JSON): then there is
/// nothing to import for this edge, not even the default mode.
/// </summary>
public sealed record LegacyEdgeStore(
    string Edge,
    string File,
    IReadOnlyList<Sample> Samples,
    EdgeMode? Mode,
    string Comment,
    long ModeChangedAtUnixMs,
    IReadOnlyList<string> IgnoredKeys,
    IReadOnlyList<LegacyProblem> Problems)
{
    public bool HasErrors => Problems.Any(p => p.IsError);
}

/// <summary>What the original's per-network statefile holds that is worth keeping (original-edgemanage.md §5.1).</summary>
/// <param name="LastLive">Null when the file could not be read at all, or had no usable last_live.</param>
/// <param name="RotationListUnixSeconds">The times of past live-set changes.</param>
public sealed record LegacyStateFile(
    string File,
    IReadOnlyList<string>? LastLive,
    IReadOnlyList<double> RotationListUnixSeconds,
    IReadOnlyList<string> IgnoredKeys,
    IReadOnlyList<LegacyProblem> Problems)
{
    public bool HasErrors => Problems.Any(p => p.IsError);
}

/// <summary>
/// Pure readers of the original edgemanage's state files, as Python 2's <c>json.dump</c> wrote them: sample keys
/// like "1795702611.52" (<c>str(time.time())</c>, 12 significant digits), trailing spaces after commas, a
/// <c>null</c> state_entry_time. A missing key takes the original's default with a warning (the original logged
/// "Edgefile X lacks K, assuming V"); a wrong type or a bad entry is an error naming the key, and only that key or
/// entry is dropped; invalid JSON is an error with its line and column, and nothing of that file is used.
/// </summary>
public static class LegacyFiles
{
    /// <summary>The original's FETCH_TIMEOUT: a failed fetch was stored as the int 10.</summary>
    public const double OriginalFailureValue = 10;

    private static readonly JsonDocumentOptions JsonOptions = new() { MaxDepth = 16 };

    /// <summary>Keys of an .edgestore that are recomputed or were never used; ignored (J4 in docs/differences.md).</summary>
    public static readonly IReadOnlySet<string> IgnoredEdgeKeys = new HashSet<string>(StringComparer.Ordinal)
        { "health", "state", "historical_average", "rotation_history" };

    /// <summary>Keys of a statefile that have no counterpart here (the journal holds zone and canary state).</summary>
    public static readonly IReadOnlySet<string> IgnoredStateKeys = new HashSet<string>(StringComparer.Ordinal)
        { "last_run", "verification_failures", "verification_failues", "zone_mtimes", "active_canaries" };

    /// <summary>
    /// The file's JSON object, or null with the reason added to <paramref name="problems"/>: a missing or empty file is
    /// a warning (the original started afresh), invalid JSON or anything but an object an error.
    /// </summary>
    private static JsonDocument? OpenObject(string path, string? text, string missing, string empty, List<LegacyProblem> problems)
    {
        if (text is null || text.Trim().Length == 0)
        {
            problems.Add(new(path, LegacySeverity.Warning, text is null ? missing : empty));
            return null;
        }
        if (Parse(path, text, problems) is not { } root) return null;
        if (root.RootElement.ValueKind == JsonValueKind.Object) return root;
        problems.Add(new(path, LegacySeverity.Error, $"expected a JSON object, got {Kind(root.RootElement)}; nothing imported"));
        root.Dispose();
        return null;
    }

    /// <param name="text">The file's content; null when the file does not exist.</param>
    /// <param name="timeoutSeconds">The probe timeout: a stored value this large (or the original's 10) was a failure.</param>
    public static LegacyEdgeStore ParseEdgeStore(string path, string edge, string? text, double timeoutSeconds)
    {
        var problems = new List<LegacyProblem>();
        LegacyEdgeStore Nothing() => new(edge, path, [], null, "", -1, [], problems);

        if (OpenObject(path, text, $"no health file for {edge}: a previously untracked edge, nothing to import",
                $"empty file: the original treats {edge} as a previously untracked edge; nothing to import", problems) is not { } root)
            return Nothing();
        using (root)
        {
            var obj = root.RootElement;
            var ignored = obj.EnumerateObject().Select(p => p.Name)
                .Where(k => k is not ("fetch_times" or "mode" or "comment" or "state_entry_time")).Distinct().ToArray();

            var samples = new SortedDictionary<long, Sample>();
            if (Get(path, obj, "fetch_times", "{}", problems) is { } times)
            {
                if (times.ValueKind != JsonValueKind.Object)
                    problems.Add(new(path, LegacySeverity.Error, $"fetch_times must be an object of time: seconds, got {Kind(times)}; no samples imported"));
                else
                    foreach (var entry in times.EnumerateObject())
                    {
                        if (!double.TryParse(entry.Name, NumberStyles.Float, CultureInfo.InvariantCulture, out var at) || !double.IsFinite(at) || at <= 0)
                        {
                            problems.Add(new(path, LegacySeverity.Error, $"fetch_times: key \"{entry.Name}\" is not a time (seconds since the epoch); entry skipped"));
                            continue;
                        }
                        if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetDouble(out var seconds) || !double.IsFinite(seconds) || seconds < 0)
                        {
                            problems.Add(new(path, LegacySeverity.Error,
                                $"fetch_times[\"{entry.Name}\"]: expected seconds (a number), got {Kind(entry.Value)}; entry skipped"));
                            continue;
                        }
                        var ms = (long)Math.Round(at * 1000);
                        var failed = seconds == OriginalFailureValue || seconds >= timeoutSeconds;
                        // A failure keeps the value the original stored (its timeout), so averages stay as they were.
                        samples[ms] = new Sample(ms, (float)seconds, failed ? ProbeOutcome.Timeout : ProbeOutcome.Ok, 0);
                    }
            }

            var mode = EdgeMode.Available;
            if (Get(path, obj, "mode", "available", problems) is { } modeValue)
            {
                if (modeValue.ValueKind == JsonValueKind.String && EdgeValueNames.TryParseMode(modeValue.GetString()!, out var parsed)
                    && parsed.Name() == modeValue.GetString())
                    mode = parsed;
                else
                {
                    problems.Add(new(path, LegacySeverity.Error,
                        $"mode must be one of available, force, blindforce, unavailable, got {Describe(modeValue)}; mode not imported"));
                    return new LegacyEdgeStore(edge, path, samples.Values.ToArray(), null, "", -1, ignored, problems);
                }
            }

            var comment = "";
            if (Get(path, obj, "comment", "\"\"", problems) is { } commentValue)
            {
                if (commentValue.ValueKind == JsonValueKind.String) comment = commentValue.GetString()!;
                else if (commentValue.ValueKind != JsonValueKind.Null)
                    problems.Add(new(path, LegacySeverity.Error, $"comment must be a string, got {Kind(commentValue)}; imported without a comment"));
            }

            long changedAt = -1;
            if (Get(path, obj, "state_entry_time", "null", problems) is { } entryValue)
            {
                if (entryValue.ValueKind == JsonValueKind.Number && entryValue.TryGetDouble(out var t) && double.IsFinite(t) && t > 0)
                    changedAt = (long)Math.Round(t * 1000);
                else if (entryValue.ValueKind != JsonValueKind.Null)
                    problems.Add(new(path, LegacySeverity.Error,
                        $"state_entry_time must be a time (seconds since the epoch) or null, got {Describe(entryValue)}; the mode's change time is unknown"));
            }
            return new LegacyEdgeStore(edge, path, samples.Values.ToArray(), mode, comment, changedAt, ignored, problems);
        }
    }

    /// <param name="text">The file's content; null when the file does not exist.</param>
    public static LegacyStateFile ParseStateFile(string path, string? text)
    {
        var problems = new List<LegacyProblem>();
        LegacyStateFile Nothing() => new(path, null, [], [], problems);
        if (OpenObject(path, text, "no statefile: no live set or substitution times to import",
                "empty statefile: no live set or substitution times to import", problems) is not { } root)
            return Nothing();
        using (root)
        {
            var obj = root.RootElement;
            var ignored = obj.EnumerateObject().Select(p => p.Name).Where(k => k is not ("last_live" or "rotation_list")).Distinct().ToArray();

            List<string>? live = null;
            if (Get(path, obj, "last_live", "[]", problems) is { } liveValue)
            {
                if (liveValue.ValueKind != JsonValueKind.Array)
                    problems.Add(new(path, LegacySeverity.Error, $"last_live must be a list of edges, got {Kind(liveValue)}; no live set imported"));
                else
                {
                    live = [];
                    var i = 0;
                    foreach (var item in liveValue.EnumerateArray())
                    {
                        if (item.ValueKind == JsonValueKind.String && item.GetString()!.Trim().Length > 0) live.Add(item.GetString()!.Trim());
                        else problems.Add(new(path, LegacySeverity.Error, $"last_live[{i}]: expected an edge name, got {Describe(item)}; skipped"));
                        i++;
                    }
                }
            }

            var rotations = new List<double>();
            if (Get(path, obj, "rotation_list", "[]", problems) is { } rotationValue)
            {
                if (rotationValue.ValueKind != JsonValueKind.Array)
                    problems.Add(new(path, LegacySeverity.Error, $"rotation_list must be a list of times, got {Kind(rotationValue)}; no substitution times imported"));
                else
                {
                    var i = 0;
                    foreach (var item in rotationValue.EnumerateArray())
                    {
                        if (item.ValueKind == JsonValueKind.Number && item.TryGetDouble(out var t) && double.IsFinite(t) && t > 0) rotations.Add(t);
                        else problems.Add(new(path, LegacySeverity.Error, $"rotation_list[{i}]: expected a time (seconds since the epoch), got {Describe(item)}; skipped"));
                        i++;
                    }
                }
            }
            return new LegacyStateFile(path, live?.Distinct(StringComparer.Ordinal).ToArray(), rotations, ignored, problems);
        }
    }

    private static JsonDocument? Parse(string path, string text, List<LegacyProblem> problems)
    {
        try
        {
            return JsonDocument.Parse(text, JsonOptions);
        }
        catch (JsonException e)
        {
            // System.Text.Json counts lines and bytes from 0.
            var message = e.Message;
            // Its message repeats the position, 0-based ("LineNumber: 2 | BytePositionInLine: 30."): keep only the reason.
            foreach (var marker in new[] { " LineNumber:", " Path:" })
                if (message.IndexOf(marker, StringComparison.Ordinal) is var at and > 0) message = message[..at];
            var cut = message.Trim();
            problems.Add(new(path, LegacySeverity.Error, $"not valid JSON: {cut.TrimEnd('.')}; nothing in this file was imported",
                (e.LineNumber ?? 0) + 1, (e.BytePositionInLine ?? 0) + 1));
            return null;
        }
    }

    private static JsonElement? Get(string path, JsonElement obj, string key, string assumed, List<LegacyProblem> problems)
    {
        if (obj.TryGetProperty(key, out var value)) return value;
        problems.Add(new(path, LegacySeverity.Warning, $"lacks {key}, assuming {assumed}"));
        return null;
    }

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => $"\"{e.GetString()}\"",
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null => e.GetRawText(),
        _ => Kind(e),
    };
}
