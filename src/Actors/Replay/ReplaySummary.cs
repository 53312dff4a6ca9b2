using Edgemanage.Contracts.Networks;

namespace Edgemanage.Actors.Replay;

/// <summary>
/// What a replay adds up to (docs/replay.md defines each figure).
/// </summary>
/// <param name="Decisions">Decisions replayed in the range.</param>
/// <param name="Differing">Of those, how many published another set than the recorded one (0 without a record).</param>
/// <param name="HealthDiffering">Edge judgements (edge × decision) that differ from the recorded ones.</param>
/// <param name="DnsChanges">Replayed decisions whose live set differs from the one before it.</param>
/// <param name="RecordedDnsChanges">The same, counted on the recorded decisions (null for a trace without records).</param>
/// <param name="Substitutions">Swaps made (one edge out, another in).</param>
/// <param name="DiscretionarySubstitutions">Of those, the ones dnschange_maxfreq counts (the outgoing edge was still usable).</param>
/// <param name="BudgetExhausted">Decisions in which dnschange_maxfreq deferred a substitution.</param>
/// <param name="Frozen">Decisions not taken because too few vantages voted.</param>
/// <param name="BadPublishedShare">Share of published edge-time (edge × seconds between decisions) during which the
/// edge's newest probe had failed or taken goodenough or longer; null when nothing was published.</param>
/// <param name="Removed">Failure episodes that ended with the edge's removal.</param>
/// <param name="MedianFailureToRemovalSeconds">Median of those episodes' first failure → removal.</param>
/// <param name="MaxFailureToRemovalSeconds">Longest of them.</param>
/// <param name="Recovered">Episodes in which the edge answered again before it was removed.</param>
/// <param name="HeldByGuard">Decisions the guard held (every edge failing from every vantage, or the edge list shrunk).</param>
/// <param name="StillFailingAtEnd">Episodes still open at the last decision: the edge failing and still published.</param>
public sealed record ReplaySummary(
    int Decisions,
    int Differing,
    int HealthDiffering,
    int DnsChanges,
    int? RecordedDnsChanges,
    int Substitutions,
    int DiscretionarySubstitutions,
    int BudgetExhausted,
    int Frozen,
    double? BadPublishedShare,
    int Removed,
    double? MedianFailureToRemovalSeconds,
    double? MaxFailureToRemovalSeconds,
    int Recovered,
    int StillFailingAtEnd,
    int HeldByGuard = 0)
{
    /// <param name="all">Every replayed decision, in time order (the time share needs each one's successor).</param>
    /// <param name="inRange">The decisions counted.</param>
    /// <param name="samples">Every sample, sorted by time.</param>
    public static ReplaySummary Of(IReadOnlyList<ReplayedDecision> all, IReadOnlyList<ReplayedDecision> inRange,
        IReadOnlyList<ReplaySample> samples, IReadOnlyList<FailureEpisode> episodes, double goodEnoughSeconds)
    {
        var removed = episodes.Where(e => e.Seconds is not null).Select(e => e.Seconds!.Value).ToList();
        var withRecords = inRange.Where(d => d.Recorded is not null).ToList();
        return new ReplaySummary(
            inRange.Count,
            inRange.Count(d => d.Differs),
            inRange.Sum(d => d.HealthDiffers.Count),
            inRange.Count(d => d.Changed),
            withRecords.Count == 0 ? null : withRecords.Count(d => !d.Recorded!.Live.ToHashSet(StringComparer.Ordinal).SetEquals(d.Recorded.PreviousLive)),
            inRange.Sum(d => d.Selection is { Publish: true } s ? s.Substitutions.Count(x => x.Out is not null && x.In is not null) : 0),
            inRange.Sum(d => d.Selection is { Publish: true } s ? s.Substitutions.Count(x => x.Out is not null && x.In is not null && x.Discretionary) : 0),
            inRange.Count(d => d.Selection?.Edges.Any(e => e.Reason == DecisionReason.Deferred) == true),
            inRange.Count(d => d.Frozen),
            BadShare(all, inRange, samples, goodEnoughSeconds),
            removed.Count,
            Median(removed),
            removed.Count == 0 ? null : removed.Max(),
            episodes.Count(e => e.Recovered),
            episodes.Count(e => e.RemovedAtUnixMs is null && !e.Recovered),
            inRange.Count(d => d.HeldByGuard));
    }

    /// <summary>The median; the mean of the two middle values on an even count; null for none.</summary>
    public static double? Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return null;
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>
    /// Bad published edge-time over published edge-time. Each counted decision's live set is published from its time
    /// until the next decision (the last one: until the last sample); within that, an edge is bad from a probe that
    /// failed or took goodenough or longer until its next probe (any vantage's: the newest one speaks).
    /// </summary>
    public static double? BadShare(IReadOnlyList<ReplayedDecision> all, IReadOnlyList<ReplayedDecision> inRange,
        IReadOnlyList<ReplaySample> samples, double goodEnoughSeconds)
    {
        var byEdge = samples.GroupBy(s => s.Edge, StringComparer.Ordinal).ToDictionary(g => g.Key,
            g => g.Select(s => (At: s.Sample.AtUnixMs, Bad: !s.Sample.IsOk || s.Sample.Seconds >= goodEnoughSeconds)).ToArray(), StringComparer.Ordinal);
        var counted = inRange.ToHashSet();
        var end = samples.Count == 0 ? long.MinValue : samples[^1].Sample.AtUnixMs;
        double bad = 0, total = 0;
        for (var i = 0; i < all.Count; i++)
        {
            if (!counted.Contains(all[i])) continue;
            var from = all[i].AtUnixMs;
            var to = i + 1 < all.Count ? all[i + 1].AtUnixMs : Math.Max(from, end);
            if (to <= from) continue;
            foreach (var edge in all[i].Live)
            {
                total += to - from;
                if (byEdge.TryGetValue(edge, out var series)) bad += BadMs(series, from, to);
            }
        }
        return total == 0 ? null : bad / total;
    }

    /// <summary>How long within [from, to) the series (sorted by time) was bad; before its first sample it is not.</summary>
    public static long BadMs(IReadOnlyList<(long At, bool Bad)> series, long from, long to)
    {
        // The state at `from`: the newest sample at or before it.
        var lo = 0;
        var hi = series.Count;
        while (lo < hi)
        {
            var m = (lo + hi) / 2;
            if (series[m].At <= from) lo = m + 1; else hi = m;
        }
        var bad = lo > 0 && series[lo - 1].Bad;
        long total = 0;
        var since = from;
        for (var i = lo; i < series.Count && series[i].At < to; i++)
        {
            if (bad) total += series[i].At - since;
            since = series[i].At;
            bad = series[i].Bad;
        }
        if (bad) total += to - since;
        return total;
    }
}
