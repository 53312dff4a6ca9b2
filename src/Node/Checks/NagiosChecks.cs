using System.Globalization;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Probing;

namespace Edgemanage.Node.Checks;

/// <summary>The Nagios plugin states; the value is the plugin's exit code.</summary>
public enum NagiosStatus
{
    Ok = 0,
    Warning = 1,
    Critical = 2,
    Unknown = 3,
}

/// <summary>
/// One plugin result: printed as the single status line <c>LABEL STATUS message | perfdata</c> (the Nagios
/// plugin API), with the exit code <see cref="ExitCode"/>.
/// </summary>
public sealed record CheckResult(string Label, NagiosStatus Status, string Message, string? Perfdata = null)
{
    public int ExitCode => (int)Status;

    public string Line => Perfdata is null
        ? $"{Label} {NagiosChecks.Word(Status)} {Message}"
        : $"{Label} {NagiosChecks.Word(Status)} {Message} | {Perfdata}";

    public override string ToString() => Line;
}

/// <summary>Alert levels: the value is WARNING from <see cref="Warning"/> on and CRITICAL from <see cref="Critical"/> on.</summary>
public sealed record Thresholds(double Warning, double Critical);

/// <summary>What the latency check knows of one edge: its last sample (null when never probed) and whether it is live.</summary>
public sealed record LatencyInput(string Edge, Sample? Last, bool Live);

/// <summary>What the integrity check knows of one edge or canary: the outcome of its last sample (null when never probed).</summary>
public sealed record IntegrityInput(string Edge, ProbeOutcome? LastOutcome);

/// <summary>
/// The three checks of the original's <c>nagios/</c> folder (original-edgemanage.md §7), as pure functions from
/// what was read to a status line. The original's bugs are fixed (docs/differences.md N1–N7): thresholds are
/// honoured, the slowest edge is the one named, no data is UNKNOWN rather than a crash, and perfdata is numeric.
/// </summary>
public static class NagiosChecks
{
    public const string RotationLabel = "EDGE_ROTATE";
    public const string IntegrityLabel = "EDGE_TESTMATCH";
    public const string LatencyLabel = "ACTIVE_EDGE_LATENCY";

    public static readonly Thresholds RotationDefaults = new(4, 8);
    public static readonly Thresholds IntegrityDefaults = new(1, 1);
    public static readonly Thresholds LatencyDefaults = new(2.0, 4.0);

    /// <summary>At most this many edges are named in a message; the rest are counted.</summary>
    public const int MaxNamed = 10;

    public static string Word(NagiosStatus s) => s switch
    {
        NagiosStatus.Ok => "OK",
        NagiosStatus.Warning => "WARNING",
        NagiosStatus.Critical => "CRITICAL",
        _ => "UNKNOWN",
    };

    /// <summary>CRITICAL from the critical level on, else WARNING from the warning level on, else OK (the original's comparisons).</summary>
    public static NagiosStatus Classify(double value, Thresholds t) =>
        value >= t.Critical ? NagiosStatus.Critical : value >= t.Warning ? NagiosStatus.Warning : NagiosStatus.Ok;

    /// <summary>
    /// Parses -w / --critical. Returns null and a reason when a value is not a number (a whole number when
    /// <paramref name="whole"/>), negative, or when the warning level is above the critical one (WARNING could never
    /// be reached: the original's latency defaults had exactly that bug).
    /// </summary>
    public static Thresholds? ParseThresholds(string? warning, string? critical, Thresholds defaults, bool whole, out string? error)
    {
        error = null;
        double w = defaults.Warning, c = defaults.Critical;
        if (warning is not null && !TryParse(warning, whole, out w))
        {
            error = $"-w/--warning must be {(whole ? "a whole number" : "a number")} >= 0, got '{warning}'";
            return null;
        }
        if (critical is not null && !TryParse(critical, whole, out c))
        {
            error = $"--critical/-C must be {(whole ? "a whole number" : "a number")} >= 0, got '{critical}'";
            return null;
        }
        if (w > c)
        {
            error = $"the warning level ({Num(w)}) is above the critical level ({Num(c)}), so WARNING could never be reached";
            return null;
        }
        return new Thresholds(w, c);
    }

    private static bool TryParse(string s, bool whole, out double value)
    {
        value = 0;
        if (whole)
        {
            if (!long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < 0) return false;
            value = n;
            return true;
        }
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value) && value >= 0;
    }

    public static CheckResult Unknown(string label, string message) => new(label, NagiosStatus.Unknown, message);

    /// <summary>
    /// Any check of a serving node whose journal takes no writes is CRITICAL, whatever it measured: the node decides
    /// from memory, and a restart now would lose what it has not recorded. The check's own message and perfdata follow.
    /// </summary>
    public static CheckResult WithJournalProblem(CheckResult result, string? journalProblem) => journalProblem is null
        ? result
        : result with { Status = NagiosStatus.Critical, Message = $"JOURNAL NOT WRITABLE: {journalProblem}; {result.Message}" };

    /// <summary>
    /// A zone the last step could not publish (its UPDATE refused or timed out, its file not written): DNS does not
    /// carry the decision there, which is worth a warning whatever else the check found.
    /// </summary>
    public static CheckResult WithPublishProblem(CheckResult result, string? publishProblem) => publishProblem is null
        ? result
        : result with
        {
            Status = result.Status is NagiosStatus.Critical ? NagiosStatus.Critical : NagiosStatus.Warning,
            Message = $"NOT PUBLISHED: {publishProblem}; {result.Message}",
        };

    /// <summary>
    /// EDGE_ROTATE: how many substitutions (live-set changes) happened in the last <paramref name="windowSeconds"/>.
    /// Only what is inside dnschange_window (<paramref name="keptSeconds"/>) is kept, so a longer window sees no
    /// further back, and the message says so.
    /// </summary>
    /// <param name="hasDecision">False when the network never decided: there is nothing to count yet.</param>
    /// <param name="substitutionTimesUnixMs">The substitutions still inside dnschange_window.</param>
    /// <param name="budgetMax">dnschange_maxfreq, when set: the message shows what is left of it.</param>
    /// <param name="budgetRemaining">Discretionary substitutions still allowed.</param>
    public static CheckResult Rotation(string network, bool hasDecision, IReadOnlyList<long> substitutionTimesUnixMs, long nowUnixMs,
        double windowSeconds, double keptSeconds, Thresholds t, int? budgetMax = null, int budgetRemaining = int.MaxValue, string noun = "substitution")
    {
        if (!hasDecision) return Unknown(RotationLabel, $"no decision recorded yet for {network}: nothing to count");
        var window = Math.Min(windowSeconds, keptSeconds);
        var from = nowUnixMs - (long)(window * 1000);
        var n = substitutionTimesUnixMs.Count(at => at > from && at <= nowUnixMs);
        var message = $"{n} {(n == 1 ? noun : noun + "s")} in the last {Num(window)} s";
        if (windowSeconds > keptSeconds)
            message += $" (asked for {Num(windowSeconds)} s, but only dnschange_window = {Num(keptSeconds)} s is kept)";
        if (budgetMax is { } max)
            message += $"; dnschange_maxfreq {max} per {Num(keptSeconds)} s, {budgetRemaining} left";
        return new CheckResult(RotationLabel, Classify(n, t), message, $"frequency={n};{Num(t.Warning)};{Num(t.Critical)};0");
    }

    /// <summary>
    /// EDGE_TESTMATCH: edges and canaries whose last probe returned a body that does not match the test object.
    /// Perfdata stays numeric; the names are in the message.
    /// </summary>
    public static CheckResult Integrity(string network, IReadOnlyList<IntegrityInput> edges, Thresholds t)
    {
        var probed = edges.Where(e => e.LastOutcome is not null).ToList();
        if (probed.Count == 0)
            return Unknown(IntegrityLabel, edges.Count == 0 ? $"{network} has no edges" : $"no edge of {network} has been probed yet");
        var bad = probed.Where(e => e.LastOutcome == ProbeOutcome.ChecksumMismatch).Select(e => e.Edge)
            .Order(StringComparer.Ordinal).ToList();
        var never = edges.Count - probed.Count;
        var tail = never > 0 ? $" ({never} never probed)" : "";
        var message = bad.Count == 0
            ? $"All {probed.Count} probed edges returned the test object{tail}"
            : $"Verification failures on {bad.Count} of {probed.Count} edges: {Names(bad)}{tail}";
        return new CheckResult(IntegrityLabel, Classify(bad.Count, t), message, $"notok={bad.Count};{Num(t.Warning)};{Num(t.Critical)};0");
    }

    /// <summary>
    /// EDGE_TESTMATCH from the original's statefile (<c>verification_failures</c>: the edges that mismatched in its
    /// last run). It does not say how many were probed.
    /// </summary>
    public static CheckResult IntegrityFromNames(IReadOnlyList<string> failures, Thresholds t)
    {
        var bad = failures.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var message = bad.Count == 0 ? "No verification failures in the last run" : $"Verification failures on {bad.Count} {(bad.Count == 1 ? "edge" : "edges")}: {Names(bad)}";
        return new CheckResult(IntegrityLabel, Classify(bad.Count, t), message, $"notok={bad.Count};{Num(t.Warning)};{Num(t.Critical)};0");
    }

    /// <summary>
    /// ACTIVE_EDGE_LATENCY: the last fetch time of the slowest live edge (every edge with <paramref name="all"/>).
    /// A failed last probe counts as the timeout (its stored value) and is named as a failure.
    /// </summary>
    /// <param name="hasLiveSet">False when no live set was ever recorded (only matters without <paramref name="all"/>).</param>
    public static CheckResult Latency(string network, IReadOnlyList<LatencyInput> edges, bool all, bool hasLiveSet, double timeoutSeconds, Thresholds t)
    {
        if (!all && !hasLiveSet) return Unknown(LatencyLabel, $"no live set recorded yet for {network} (-a checks every edge)");
        var considered = edges.Where(e => all || e.Live).ToList();
        var sampled = considered.Where(e => e.Last is not null).ToList();
        if (sampled.Count == 0)
            return Unknown(LatencyLabel, considered.Count == 0
                ? $"{network} has no {(all ? "" : "live ")}edges"
                : $"no {(all ? "" : "live ")}edge of {network} has been probed yet");
        // The slowest; a failure counts as the timeout whatever was stored; ties go to a failure, then to the name.
        var worst = sampled
            .Select(e => (e.Edge, Sample: e.Last!.Value, Seconds: e.Last!.Value.IsOk ? e.Last!.Value.Seconds : Math.Max(e.Last!.Value.Seconds, timeoutSeconds)))
            .OrderByDescending(x => x.Seconds).ThenBy(x => x.Sample.IsOk).ThenBy(x => x.Edge, StringComparer.Ordinal)
            .First();
        var which = all ? "edge" : "active edge";
        var failed = sampled.Count(e => !e.Last!.Value.IsOk);
        var message = worst.Sample.IsOk
            ? $"Slowest {which} {worst.Edge} responded in {Seconds(worst.Seconds)}"
            : $"Slowest {which} {worst.Edge} failed its last probe ({worst.Sample.Outcome.Name()}), counted as {Seconds(worst.Seconds)}";
        if (failed > 1 || (failed == 1 && worst.Sample.IsOk))
            message += $"; {failed} of {sampled.Count} failed their last probe";
        // Millisecond precision, as the message: a probe's timing is not more exact than that, and graphs and the
        // README's example read "0.061s" rather than "0.059528s".
        var value = Math.Round(worst.Seconds, 3, MidpointRounding.AwayFromZero).ToString("0.###", CultureInfo.InvariantCulture);
        return new CheckResult(LatencyLabel, Classify(worst.Seconds, t), message,
            $"slowestactive={value}s;{Num(t.Warning)};{Num(t.Critical)};0");
    }

    private static string Names(IReadOnlyList<string> names) =>
        names.Count <= MaxNamed ? string.Join(", ", names) : string.Join(", ", names.Take(MaxNamed)) + $" and {names.Count - MaxNamed} more";

    private static string Seconds(double s) => s.ToString("0.000", CultureInfo.InvariantCulture) + " s";

    public static string Num(double v) => v.ToString("0.######", CultureInfo.InvariantCulture);
}
