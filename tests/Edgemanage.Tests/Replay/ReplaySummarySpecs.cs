using Edgemanage.Actors.Edges;
using Edgemanage.Actors.Networks;
using Edgemanage.Actors.Replay;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;
using Edgemanage.Contracts.Probing;
using Xunit;

namespace Edgemanage.Tests.Replay;

/// <summary>The summary's arithmetic, by table, and the engine's figures on small hand-made timelines.</summary>
public sealed class ReplaySummarySpecs
{
    public static TheoryData<double[], double?> Medians => new()
    {
        { [], null },
        { [5], 5 },
        { [3, 1, 2], 2 },
        { [4, 1, 3, 2], 2.5 },
    };

    [Theory]
    [MemberData(nameof(Medians))]
    public void Median(double[] values, double? expected) => Assert.Equal(expected, ReplaySummary.Median(values));

    public static TheoryData<string, (long, bool)[], long, long, long> BadTimes => new()
    {
        { "no samples: never bad", [], 0, 100, 0 },
        { "bad before the interval and all through it", [(-5, true)], 0, 100, 100 },
        { "good before, bad from 40", [(-5, false), (40, true)], 0, 100, 60 },
        { "bad from 10 to 30", [(10, true), (30, false)], 0, 100, 20 },
        { "a sample at the start counts from the start", [(0, true), (50, false)], 0, 100, 50 },
        { "a sample at the end does not count", [(-1, false), (100, true)], 0, 100, 0 },
        { "only the newest before the interval speaks", [(-10, true), (-5, false), (60, true), (70, true)], 0, 100, 40 },
    };

    [Theory]
    [MemberData(nameof(BadTimes))]
    public void Bad_time_within_an_interval(string name, (long, bool)[] series, long from, long to, long expected) =>
        Assert.True(expected == ReplaySummary.BadMs(series, from, to), name);

    private static ReplaySample S(string edge, long atSeconds, double seconds, bool ok = true) =>
        new(edge, "local", new Sample(atSeconds * 1000, (float)(ok ? seconds : 10), ok ? ProbeOutcome.Ok : ProbeOutcome.Refused, 0));

    private static ReplaySettings Settings(int edgeCount = 1, int? maxFreq = null, double? keepUnder = null) => new(
        new JudgeSettings(1.0, 10, 300), new DecisionPolicy(edgeCount, 1, new RotationBudget(maxFreq, TimeSpan.FromSeconds(600)), keepUnder),
        HistoryLength: 100, new QuorumSettings(QuorumSpec.Majority, TimeSpan.FromSeconds(300), 1));

    [Fact]
    public void A_failing_edge_is_removed_at_the_next_decision_and_the_figures_say_so()
    {
        // a is fast until it fails at 25 s; b is slower but fine. Decisions every 10 s from 10 s.
        var samples = new List<ReplaySample>();
        for (long t = 0; t <= 50; t += 5)
        {
            samples.Add(S("a", t, 0.1, ok: t < 25));
            samples.Add(S("b", t, 0.5));
        }
        var timeline = new ReplayTimeline(["a", "b"], samples, [], new long[] { 10, 20, 30, 40, 50 }.Select(t => new ReplayTick(t * 1000)).ToArray(),
            NetworkState.Empty, []);
        var r = ReplayEngine.Run(timeline, Settings());
        Assert.Equal(["a"], r.Decisions[0].Live);
        Assert.Equal(["b"], r.Decisions[2].Live);
        var s = r.Summary;
        Assert.Equal(5, s.Decisions);
        Assert.Equal(2, s.DnsChanges);          // none → a, a → b
        Assert.Equal(1, s.Substitutions);       // a out, b in: mandatory (a failed)
        Assert.Equal(0, s.DiscretionarySubstitutions);
        Assert.Null(s.RecordedDnsChanges);
        var episode = Assert.Single(r.Episodes);
        Assert.Equal(("a", 25_000L, 30_000L), (episode.Edge, episode.FirstFailureUnixMs, episode.RemovedAtUnixMs));
        Assert.Equal(5, s.MedianFailureToRemovalSeconds);
        // published edge-time 10..50: a bad from 25 to 30 (5 s of 40)
        Assert.Equal(5.0 / 40, s.BadPublishedShare);
    }

    [Fact]
    public void A_recorded_decision_that_the_replay_does_not_reproduce_is_reported_with_both_reasons()
    {
        var samples = new[] { S("a", 0, 0.1), S("b", 0, 0.2) };
        var recorded = new DecisionRecord("n", 10_000, 1, [], ["b"], true, false,
            [new EdgeDecision("b", EdgeHealth.PassThreshold, 0.2, 0.2, EdgeMode.Available, true, DecisionReason.Filled, "filled: rank 1 of 2 usable")],
            [], []);
        var r = ReplayEngine.Run(new ReplayTimeline(["a", "b"], samples, [], [new ReplayTick(10_000, recorded)], NetworkState.Empty, []), Settings());
        var d = Assert.Single(r.Decisions);
        Assert.True(d.Differs);
        Assert.Equal(1, r.Summary.Differing);
        Assert.Contains(d.Why, w => w.StartsWith("a: replayed in (Filled", StringComparison.Ordinal));
        Assert.Contains(d.Why, w => w.StartsWith("b: replayed out", StringComparison.Ordinal) && w.Contains("recorded in (Filled: filled: rank 1"));
    }

    [Fact]
    public void A_mode_change_and_the_rotation_budget_are_replayed()
    {
        // edge_count 1, dnschange_maxfreq 0: b becomes faster than a at 15 s, but a stays (budget 0), until a is made unavailable.
        var samples = new List<ReplaySample>();
        for (long t = 0; t <= 40; t += 5)
        {
            samples.Add(S("a", t, t < 15 ? 0.1 : 1.5));
            samples.Add(S("b", t, t < 15 ? 1.5 : 0.1));
        }
        var timeline = new ReplayTimeline(["a", "b"], samples, [new ReplayModeChange(32_000, "a", EdgeMode.Unavailable)],
            new long[] { 10, 20, 30, 40 }.Select(t => new ReplayTick(t * 1000)).ToArray(), NetworkState.Empty, []);
        var r = ReplayEngine.Run(timeline, Settings(maxFreq: 0));
        Assert.Equal(["a", "a", "a", "b"], r.Decisions.Select(d => string.Join(" ", d.Live)));
        Assert.Equal(2, r.Summary.BudgetExhausted);

        // --from / --to count only the decisions inside
        var ranged = ReplayEngine.Run(timeline, Settings(maxFreq: 0) with { FromUnixMs = 20_000, ToUnixMs = 30_000 });
        Assert.Equal(2, ranged.Summary.Decisions);
    }
}

/// <summary>Several vantages in a trace: the quorum combines them, and too few voting freezes DNS.</summary>
public sealed class ReplayQuorumSpecs
{
    private static ReplaySample S(string edge, string vantage, long atSeconds, bool ok) =>
        new(edge, vantage, new Sample(atSeconds * 1000, ok ? 0.1f : 10f, ok ? ProbeOutcome.Ok : ProbeOutcome.Refused, 0));

    private static ReplaySettings Settings(int minVantages) => new(
        new JudgeSettings(1.0, 10, 300), new DecisionPolicy(1, 1, new RotationBudget(null, TimeSpan.FromSeconds(600))),
        HistoryLength: 100, new QuorumSettings(QuorumSpec.Majority, TimeSpan.FromSeconds(30), minVantages));

    [Fact]
    public void One_vantage_failing_an_edge_is_outvoted_and_a_silent_vantage_can_freeze_dns()
    {
        // a fails from eu only (1 of 3: no majority), so a stays; then at 100 s only us still reports (the others are stale).
        var samples = new List<ReplaySample>();
        foreach (var v in new[] { "eu", "us", "asia" })
        {
            samples.Add(S("a", v, 0, ok: true));
            samples.Add(S("b", v, 0, ok: true));
            samples.Add(S("a", v, 10, ok: v != "eu"));
            samples.Add(S("b", v, 10, ok: true));
        }
        samples.Add(S("a", "us", 90, ok: false));
        samples.Add(S("b", "us", 90, ok: true));
        var ticks = new[] { new ReplayTick(5_000), new ReplayTick(15_000), new ReplayTick(100_000) };
        var timeline = new ReplayTimeline(["a", "b"], samples, [], ticks, NetworkState.Empty, []);

        var r = ReplayEngine.Run(timeline, Settings(minVantages: 1));
        Assert.Equal(["a", "a", "b"], r.Decisions.Select(d => string.Join(" ", d.Live)));

        var frozen = ReplayEngine.Run(timeline, Settings(minVantages: 2));
        Assert.True(frozen.Decisions[2].Frozen);
        Assert.Equal(["a"], frozen.Decisions[2].Live);
        Assert.Equal(1, frozen.Summary.Frozen);
    }
}
