using Edgemanage.Actors.Edges;
using Edgemanage.Actors.Networks;
using Edgemanage.Actors.Replay;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;
using Edgemanage.Contracts.Probing;
using Xunit;

namespace Edgemanage.Tests.Replay;

/// <summary>Replay shows what the guard (DecisionGuard) would have held, and lets go when the NetworkActor would.</summary>
public sealed class ReplayGuardSpecs
{
    private static ReplaySample S(string edge, long atSeconds, bool ok) =>
        new(edge, "local", new Sample(atSeconds * 1000, ok ? 0.2f : 10f, ok ? ProbeOutcome.Ok : ProbeOutcome.Refused, 0));

    private static ReplaySettings Settings(double maxShrink = DecisionGuard.DefaultMaxShrink) => new(
        new JudgeSettings(1.0, 10, 300), new DecisionPolicy(1, 1, new RotationBudget(null, TimeSpan.FromSeconds(600)), null),
        HistoryLength: 100, new QuorumSettings(QuorumSpec.Majority, TimeSpan.FromSeconds(300), 1), MaxEdgeListShrink: maxShrink);

    [Fact]
    public void Every_edge_failing_at_once_is_held_and_the_first_answer_lets_go()
    {
        // a and b answer until 20 s, both refuse at 25 and 30 s, and answer again from 35 s. Decisions every 10 s.
        var samples = new List<ReplaySample>();
        for (long t = 0; t <= 50; t += 5)
        {
            var ok = t is < 25 or >= 35;
            samples.Add(S("a", t, ok));
            samples.Add(S("b", t, ok));
        }
        var ticks = new long[] { 10, 20, 30, 40, 50 }.Select(t => new ReplayTick(t * 1000)).ToArray();
        var r = ReplayEngine.Run(new ReplayTimeline(["a", "b"], samples, [], ticks, NetworkState.Empty, []), Settings());

        var held = Assert.Single(r.Decisions, d => d.HeldByGuard);
        Assert.Equal(30_000, held.AtUnixMs);
        Assert.Equal(held.PreviousLive, held.Live);
        Assert.False(held.Published);
        Assert.Contains(held.Why, w => w.Contains("every one of the 2 edges failed from every vantage", StringComparison.Ordinal));
        Assert.False(held.Frozen);
        Assert.Equal(1, r.Summary.HeldByGuard);
        Assert.All(r.Decisions.Where(d => d.AtUnixMs > 30_000), d => Assert.True(d.Published));
    }

    [Theory]
    [InlineData(0.5, true)]
    [InlineData(1.0, false)]
    public void A_list_shrunk_past_the_limit_since_the_last_decision_is_held(double maxShrink, bool held)
    {
        // The last decision before the replay was made on ten edges; the list now has three.
        var ten = Enumerable.Range(1, 10).Select(i => $"e{i}").ToArray();
        var last = new DecisionRecord("n", 0, 1, [], ["e1"], true, false,
            ten.Select(e => new EdgeDecision(e, EdgeHealth.PassThreshold, 0.2, 0.2, EdgeMode.Available, e == "e1", DecisionReason.KeptHealthy, "")).ToArray(),
            [], []);
        var start = NetworkState.Empty.Apply(new DecisionRecorded(last, []));
        var samples = new[] { "e1", "e2", "e3" }.SelectMany(e => new[] { S(e, 5, true), S(e, 15, true) }).ToList();
        var ticks = new[] { new ReplayTick(10_000), new ReplayTick(20_000) };

        var r = ReplayEngine.Run(new ReplayTimeline(["e1", "e2", "e3"], samples, [], ticks, start, []), Settings(maxShrink));

        // Held on every decision (the baseline stays that of the last decision taken), never let through by itself.
        Assert.Equal(held ? 2 : 0, r.Summary.HeldByGuard);
        if (held) Assert.All(r.Decisions, d => Assert.Contains(d.Why, w => w.Contains("shrank from 10 to 3", StringComparison.Ordinal)));
    }
}
