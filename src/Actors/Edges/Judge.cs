using Edgemanage.Contracts.Edges;

namespace Edgemanage.Actors.Edges;

/// <summary>Thresholds for judging an edge: goodenough, the failure sentinel and the pass_window length.</summary>
/// <param name="MedianWindowSeconds">judge_median_window (opt-in; null = off, the original's rule): the first two
/// rules look at the median of the samples taken in the last this-many seconds instead of the single latest one,
/// so one slow or failed probe among several good ones in serve does not flip the edge (see docs/replay.md).</param>
public sealed record JudgeSettings(double GoodEnoughSeconds, double TimeoutSeconds, double WindowSeconds, double? MedianWindowSeconds = null);

/// <summary>
/// Judges one edge from its history, exactly as the original's check_threshold (original-edgemanage.md §4.2)
/// except that the 300 s window works (the original compared string keys with floats, so pass_window could
/// never happen). First match wins:
/// <list type="number">
/// <item>latest probe ok and faster than goodenough (strict &lt;) → pass_threshold</item>
/// <item>latest probe failed, or took exactly the timeout value → fail</item>
/// <item>samples inside the window whose mean is under goodenough → pass_window</item>
/// <item>mean of all stored samples under goodenough → pass_average</item>
/// <item>otherwise → pass</item>
/// </list>
/// Failures count as the timeout value in every mean, so a few failures push an edge to the back.
/// </summary>
public static class Judge
{
    public static EdgeVerdict Evaluate(ReadOnlySpan<Sample> oldestFirst, JudgeSettings settings, long nowUnixMs)
    {
        if (oldestFirst.IsEmpty)
            return new EdgeVerdict(EdgeHealth.Untested, null, null, null, 0);

        var last = oldestFirst[^1];
        var windowStart = nowUnixMs - (long)(settings.WindowSeconds * 1000);
        double sum = 0, windowSum = 0;
        var windowCount = 0;
        foreach (var s in oldestFirst)
        {
            sum += s.Seconds;
            if (s.AtUnixMs >= windowStart && s.AtUnixMs <= nowUnixMs)
            {
                windowSum += s.Seconds;
                windowCount++;
            }
        }

        var average = sum / oldestFirst.Length;
        double? windowAverage = windowCount > 0 ? windowSum / windowCount : null;
        var judged = settings.MedianWindowSeconds is { } medianWindow ? MedianSample(oldestFirst, medianWindow, nowUnixMs) ?? last : last;
        var health = Classify(judged, average, windowAverage, settings);
        return new EdgeVerdict(health, last, average, windowAverage, oldestFirst.Length);
    }

    /// <summary>
    /// The median sample (by seconds; a failure sorts after every ok sample, whatever seconds it stored) of
    /// those taken in (now - window, now]; null when there is none. On an even count the worse of the two middle ones,
    /// as the quorum's tie rule: half the window failing is not hidden. The latest sample always takes part, even when
    /// its probe started before the window (a slow probe), so a window shorter than probe_interval is the old rule.
    /// </summary>
    public static Sample? MedianSample(ReadOnlySpan<Sample> oldestFirst, double windowSeconds, long nowUnixMs)
    {
        if (oldestFirst.IsEmpty) return null;
        var windowStart = nowUnixMs - (long)(windowSeconds * 1000);
        var inWindow = new List<Sample>();
        for (var i = 0; i < oldestFirst.Length - 1; i++)
            if (oldestFirst[i].AtUnixMs > windowStart && oldestFirst[i].AtUnixMs <= nowUnixMs) inWindow.Add(oldestFirst[i]);
        inWindow.Add(oldestFirst[^1]);
        // Failures last (a refused connection stores a short time but is worse than any answer); then seconds, then time.
        inWindow.Sort((a, b) =>
        {
            var byOk = b.IsOk.CompareTo(a.IsOk);
            if (byOk != 0) return byOk;
            var bySeconds = a.Seconds.CompareTo(b.Seconds);
            return bySeconds != 0 ? bySeconds : a.AtUnixMs.CompareTo(b.AtUnixMs);
        });
        return inWindow[inWindow.Count / 2];
    }

    public static EdgeHealth Classify(Sample last, double average, double? windowAverage, JudgeSettings settings)
    {
        var ge = settings.GoodEnoughSeconds;
        if (last.IsOk && last.Seconds < ge) return EdgeHealth.PassThreshold;
        // Compare as float: samples are stored as float, so a stored timeout of 10 must equal the setting 10.
        if (!last.IsOk || last.Seconds == (float)settings.TimeoutSeconds) return EdgeHealth.Fail;
        if (windowAverage is { } w && w < ge) return EdgeHealth.PassWindow;
        if (average < ge) return EdgeHealth.PassAverage;
        return EdgeHealth.Pass;
    }
}
