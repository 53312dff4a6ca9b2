using Edgemanage.Actors.Edges;
using Edgemanage.Actors.Replay;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Probing;
using FsCheck;
using FsCheck.Xunit;

namespace Edgemanage.Tests.Replay;

/// <summary>Invariants of judge_median_window and of the summary's time arithmetic over random inputs.</summary>
[Properties(MaxTest = 300)]
public sealed class PolicyProperties
{
    [Property]
    public Property A_median_window_holding_only_the_latest_sample_is_the_plain_rule(PositiveInt[] gaps, bool[] oks, byte[] tenths)
    {
        // Samples at increasing times; the window (1 ms) holds only the latest one.
        const long now = 1_800_000_000_000;
        var samples = new List<Sample>();
        var t = now;
        for (var i = Math.Min(gaps.Length, Math.Min(oks.Length, tenths.Length)) - 1; i >= 0; i--)
        {
            samples.Insert(0, new Sample(t, oks[i] ? tenths[i] / 10f : 10f, oks[i] ? ProbeOutcome.Ok : ProbeOutcome.Timeout, 0));
            t -= gaps[i].Get * 1000L;
        }
        var plain = new JudgeSettings(1.0, 10, 300);
        return (Judge.Evaluate(samples.ToArray(), plain, now) == Judge.Evaluate(samples.ToArray(), plain with { MedianWindowSeconds = 0.001 }, now)).ToProperty();
    }

    [Property]
    public Property Bad_time_adds_up_over_split_intervals_and_stays_within_them(PositiveInt[] gaps, bool[] bads, PositiveInt a, PositiveInt b, PositiveInt c)
    {
        var series = new List<(long, bool)>();
        long at = 0;
        for (var i = 0; i < Math.Min(gaps.Length, bads.Length); i++) series.Add((at += gaps[i].Get, bads[i]));
        var cuts = new[] { (long)a.Get, b.Get, c.Get }.Order().ToArray();
        var whole = ReplaySummary.BadMs(series, cuts[0], cuts[2]);
        return (whole == ReplaySummary.BadMs(series, cuts[0], cuts[1]) + ReplaySummary.BadMs(series, cuts[1], cuts[2])
                && whole >= 0 && whole <= cuts[2] - cuts[0]).ToProperty();
    }
}

/// <summary>keep_margin over random selections: it only adds keeps.</summary>
[Properties(Arbitrary = new[] { typeof(Edgemanage.Tests.Networks.SelectionArbitraries) }, MaxTest = 300)]
public sealed class KeepMarginProperties
{
    [Property]
    public Property Keep_margin_only_adds_keeps_it_never_drops_an_edge_the_plain_keep_rule_kept(Edgemanage.Tests.Networks.SelectionCase c, byte margin)
    {
        var plain = Edgemanage.Actors.Networks.Selector.Select(c.Input);
        var with = Edgemanage.Actors.Networks.Selector.Select(c.Input with { KeepUnderSeconds = margin / 10.0 });
        var keptPlainly = plain.Edges.Where(d => d.Live && d.Reason == Edgemanage.Contracts.Networks.DecisionReason.KeptHealthy && d.Health == EdgeHealth.PassThreshold)
            .Select(d => d.Edge);
        var usable = c.Input.Edges.Where(e => e.Health <= EdgeHealth.Pass).Select(e => e.Edge).ToHashSet(StringComparer.Ordinal);
        var liveWith = with.Live.ToHashSet(StringComparer.Ordinal);
        return (keptPlainly.All(liveWith.Contains)
                // a margin never publishes an edge that is not usable unless the plain rule did too (blindforce, fallback)
                && with.Live.Where(e => !usable.Contains(e)).All(plain.Live.Contains))
            .Label($"plain {string.Join(",", plain.Live)}; with margin {string.Join(",", with.Live)}");
    }
}
