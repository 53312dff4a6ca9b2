using Edgemanage.Actors.Networks;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;
using Xunit;

namespace Edgemanage.Tests.Networks;

/// <summary>
/// Voting between vantages, scenario by scenario (the list), plus the quorum arithmetic and its parser.
/// </summary>
public sealed class QuorumSpecs
{
    private const long Now = 1_700_000_000_000;
    private static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(5);
    private static readonly string[] Ten = Enumerable.Range(1, 10).Select(i => $"e{i:00}").ToArray();

    private static QuorumSettings Settings(QuorumSpec? quorum = null, int minVantages = 1, double broken = 0.5) =>
        new(quorum ?? QuorumSpec.Majority, StaleAfter, minVantages, broken);

    private static VantageObservation O(string edge, string vantage, EdgeHealth health, double? avg = 0.3, double? last = 0.3, long ageMs = 0) =>
        new(edge, vantage, health, avg, last, Now - ageMs);

    /// <summary>One vantage's view of every edge: pass_threshold except the ones named failing.</summary>
    private static IEnumerable<VantageObservation> View(string vantage, IEnumerable<string> edges, params string[] failing) =>
        edges.Select(e => O(e, vantage, failing.Contains(e) ? EdgeHealth.Fail : EdgeHealth.PassThreshold,
            failing.Contains(e) ? 10.0 : 0.3, failing.Contains(e) ? 10.0 : 0.3));

    private static QuorumResult Combine(IEnumerable<VantageObservation> obs, IReadOnlyList<string>? edges = null, QuorumSettings? settings = null) =>
        Quorum.Combine(obs.ToList(), edges ?? Ten, settings ?? Settings(), Now);

    private static CombinedVerdict V(QuorumResult r, string edge) => r.Edges.Single(e => e.Edge == edge);

    private static VantageState S(QuorumResult r, string vantage) => r.Vantages.Single(v => v.Vantage == vantage);

    // ---- the scenarios ----

    [Fact]
    public void An_edge_refusing_from_one_vantage_of_three_does_not_fail()
    {
        var r = Combine(View("a", Ten, "e01").Concat(View("b", Ten)).Concat(View("c", Ten)));
        var e = V(r, "e01");
        Assert.Equal(EdgeHealth.PassThreshold, e.Health);
        Assert.Equal((3, 1), (e.Voters, e.FailVotes));
        Assert.False(r.Frozen);
        Assert.All(r.Vantages, v => Assert.Equal(VantageStatus.Voting, v.Status));
        Assert.Contains(r.Notes, n => n.StartsWith("warning: 1 edge(s) fail from some vantages") && n.Contains("e01"));
    }

    [Fact]
    public void An_edge_refusing_from_two_vantages_of_three_fails()
    {
        var r = Combine(View("a", Ten, "e01").Concat(View("b", Ten, "e01")).Concat(View("c", Ten)));
        var e = V(r, "e01");
        Assert.Equal(EdgeHealth.Fail, e.Health);
        Assert.Equal((3, 2), (e.Voters, e.FailVotes));
        Assert.All(r.Edges.Where(x => x.Edge != "e01"), x => Assert.Equal(EdgeHealth.PassThreshold, x.Health));
    }

    [Fact]
    public void The_matrix_shows_an_edge_unreachable_from_one_region_only()
    {
        var r = Combine(View("eu", Ten).Concat(View("asia", Ten, "e03")).Concat(View("us", Ten)));
        Assert.Equal(["asia", "eu", "us"], r.Vantages.Select(v => v.Vantage));
        Assert.Equal(
            [new VoteCell(0, EdgeHealth.Fail, VoteUse.Counted), new VoteCell(1, EdgeHealth.PassThreshold, VoteUse.Counted),
             new VoteCell(2, EdgeHealth.PassThreshold, VoteUse.Counted)],
            V(r, "e03").Votes);
        var unreachableFrom = V(r, "e03").Votes.Where(c => c.Health == EdgeHealth.Fail).Select(c => r.Vantages[c.Vantage].Vantage);
        Assert.Equal(["asia"], unreachableFrom);
    }

    [Fact]
    public void A_vantage_seeing_everything_fail_while_the_others_do_not_is_broken_and_abstains()
    {
        var r = Combine(View("a", Ten, Ten).Concat(View("b", Ten)).Concat(View("c", Ten)));
        Assert.Equal(VantageStatus.Broken, S(r, "a").Status);
        Assert.Equal((10, 10), (S(r, "a").Observed, S(r, "a").Failing));
        Assert.Equal(VantageStatus.Voting, S(r, "b").Status);
        Assert.All(r.Edges, e =>
        {
            Assert.Equal(EdgeHealth.PassThreshold, e.Health);
            Assert.Equal((2, 0), (e.Voters, e.FailVotes));
            Assert.Equal(new VoteCell(0, EdgeHealth.Fail, VoteUse.Abstained), e.Votes[0]);
            Assert.Equal(0.3, e.Average); // the broken vantage's timeouts do not enter the medians either
        });
        Assert.False(r.Frozen);
        Assert.Contains(r.Notes, n => n.StartsWith("warning: vantage a is broken"));
    }

    [Fact]
    public void A_broken_vantages_successful_fetches_still_vote()
    {
        // a reaches only e10; what it did reach, it reached.
        var a = View("a", Ten, Ten.Take(9).ToArray()).Select(o => o.Edge == "e10" ? o with { Health = EdgeHealth.Pass } : o);
        var r = Combine(a.Concat(View("b", Ten)).Concat(View("c", Ten)));
        Assert.Equal(VantageStatus.Broken, S(r, "a").Status);
        Assert.Equal((3, 0), (V(r, "e10").Voters, V(r, "e10").FailVotes));
        Assert.Equal(new VoteCell(0, EdgeHealth.Pass, VoteUse.Counted), V(r, "e10").Votes[0]);
        Assert.Equal((2, 0), (V(r, "e01").Voters, V(r, "e01").FailVotes));
    }

    [Fact]
    public void A_newcomer_that_tips_others_into_broken_cannot_make_an_edge_fail()
    {
        // a and b see 8 of 10 failing, c only e10: nobody is broken (the lower median is 0.8), and e10 passes
        // (1 fail vote of 3, quorum 1/2 needs 2). d then reports e10 healthy: the lower median drops to 0.1 and a
        // and b become broken. Had their successful fetches of e10 been dropped too, e10 would be left with c's
        // fail and d's pass, 1 of 2, and fail: more healthy evidence would have failed an edge.
        var eight = Ten.Take(8).ToArray();
        var before = View("a", Ten, eight).Concat(View("b", Ten, eight)).Concat(View("c", Ten, "e10")).ToList();
        var settings = Settings(QuorumSpec.Share(1, 2));
        var r0 = Combine(before, settings: settings);
        Assert.All(r0.Vantages, v => Assert.Equal(VantageStatus.Voting, v.Status));
        Assert.Equal(EdgeHealth.PassThreshold, V(r0, "e10").Health);

        var r1 = Combine(before.Append(O("e10", "d", EdgeHealth.PassThreshold)), settings: settings);
        Assert.Equal([VantageStatus.Broken, VantageStatus.Broken], r1.Vantages.Take(2).Select(v => v.Status));
        Assert.Equal((EdgeHealth.PassThreshold, 4, 1), (V(r1, "e10").Health, V(r1, "e10").Voters, V(r1, "e10").FailVotes));
    }

    [Fact]
    public void A_broken_vantage_does_not_churn_dns()
    {
        var r = Combine(View("a", Ten, Ten).Concat(View("b", Ten)).Concat(View("c", Ten)));
        var candidates = r.Edges.Select(e => e.ToCandidate(EdgeMode.Available)).ToList();
        var s = Selector.Select(new SelectionInput(candidates, ["e01", "e02"], 2, 1, int.MaxValue));
        Assert.Equal(["e01", "e02"], s.Live);
        Assert.False(s.Changed);
    }

    [Fact]
    public void When_every_vantage_sees_everything_fail_everything_fails_and_nobody_is_broken()
    {
        var r = Combine(View("a", Ten, Ten).Concat(View("b", Ten, Ten)).Concat(View("c", Ten, Ten)));
        Assert.All(r.Vantages, v => Assert.Equal(VantageStatus.Voting, v.Status));
        Assert.All(r.Edges, e => Assert.Equal((EdgeHealth.Fail, 3, 3), (e.Health, e.Voters, e.FailVotes)));
    }

    [Fact]
    public void When_most_vantages_see_most_edges_fail_nobody_is_broken()
    {
        var most = Ten.Take(8).ToArray();
        var obs = new[] { "a", "b", "c" }.SelectMany(v => View(v, Ten, most)).Concat(View("d", Ten)).Concat(View("e", Ten));
        var r = Combine(obs);
        Assert.All(r.Vantages, v => Assert.Equal(VantageStatus.Voting, v.Status));
        Assert.Equal(EdgeHealth.Fail, V(r, "e01").Health);
    }

    [Fact]
    public void Two_of_five_vantages_seeing_most_edges_fail_are_both_broken()
    {
        var most = Ten.Take(8).ToArray();
        var obs = new[] { "a", "b" }.SelectMany(v => View(v, Ten, most)).Concat(new[] { "c", "d", "e" }.SelectMany(v => View(v, Ten)));
        var r = Combine(obs);
        Assert.Equal([VantageStatus.Broken, VantageStatus.Broken, VantageStatus.Voting, VantageStatus.Voting, VantageStatus.Voting],
            r.Vantages.Select(v => v.Status));
        Assert.All(r.Edges, e => Assert.Equal(EdgeHealth.PassThreshold, e.Health));
    }

    [Fact]
    public void With_two_vantages_the_one_seeing_everything_fail_is_broken_and_min_vantages_two_freezes()
    {
        var r = Combine(View("a", Ten, Ten).Concat(View("b", Ten)), settings: Settings(minVantages: 2));
        Assert.Equal(VantageStatus.Broken, S(r, "a").Status);
        Assert.True(r.Frozen);
        Assert.Contains("a broken", r.FrozenReason);
    }

    [Fact]
    public void A_vantage_seeing_a_little_more_of_a_real_uneven_outage_keeps_voting()
    {
        // 5 of 10 failing from a, 4 of 10 from b and c: not "clearly higher", so a is not broken.
        var r = Combine(View("a", Ten, Ten.Take(5).ToArray()).Concat(View("b", Ten, Ten.Take(4).ToArray()))
            .Concat(View("c", Ten, Ten.Take(4).ToArray())));
        Assert.All(r.Vantages, v => Assert.Equal(VantageStatus.Voting, v.Status));
        Assert.Equal(EdgeHealth.PassThreshold, V(r, "e05").Health); // 1 of 3
        Assert.Equal(EdgeHealth.Fail, V(r, "e04").Health);
    }

    [Theory]
    // share, median share, threshold, broken
    [InlineData(1.0, 0.0, 0.5, true)]
    [InlineData(0.5, 0.25, 0.5, true)]   // exactly at the threshold and exactly twice the median
    [InlineData(0.5, 0.26, 0.5, false)]  // not clearly higher
    [InlineData(0.49, 0.0, 0.5, false)]  // below the threshold
    [InlineData(1.0, 0.5, 0.5, false)]   // the typical vantage sees half failing too: a real outage
    [InlineData(0.8, 0.3, 0.8, true)]
    [InlineData(0.6, 0.2, 0.8, false)]
    public void The_broken_rule(double share, double median, double threshold, bool broken) =>
        Assert.Equal(broken, Quorum.IsBroken(share, median, threshold));

    [Fact]
    public void A_vantage_failing_fewer_edges_than_the_minimum_is_left_to_the_quorum()
    {
        // Two failing edges of two from a, none from b, c and d: a passes the share test but not the count, so with
        // quorum 1 its votes fail both edges, as the operator asked.
        var two = new[] { "e01", "e02" };
        var obs = View("a", two, two).Concat(new[] { "b", "c", "d" }.SelectMany(v => View(v, two)));
        var r = Combine(obs, two, Settings(QuorumSpec.AtLeast(1)));
        Assert.Equal(VantageStatus.Voting, S(r, "a").Status);
        Assert.All(r.Edges, e => Assert.Equal(EdgeHealth.Fail, e.Health));
        var strict = Combine(obs, two, Settings(QuorumSpec.AtLeast(1)) with { BrokenVantageMinFailing = 2 });
        Assert.Equal(VantageStatus.Broken, S(strict, "a").Status);
        Assert.All(strict.Edges, e => Assert.Equal(EdgeHealth.PassThreshold, e.Health));
    }

    [Fact]
    public void A_single_vantage_is_never_broken()
    {
        var r = Combine(View("a", Ten, Ten));
        Assert.Equal(VantageStatus.Voting, S(r, "a").Status);
        Assert.All(r.Edges, e => Assert.Equal(EdgeHealth.Fail, e.Health));
    }

    [Fact]
    public void A_stale_vantage_is_excluded()
    {
        // Counted, a's old fail would make e01 fail 2 of 3; stale, it is 1 of 2 and majority of 2 is 2.
        var stale = View("a", Ten, "e01").Select(o => o with { AtUnixMs = Now - (long)StaleAfter.TotalMilliseconds - 1 });
        var r = Combine(stale.Concat(View("b", Ten, "e01")).Concat(View("c", Ten)));
        Assert.Equal(VantageStatus.Stale, S(r, "a").Status);
        Assert.Equal((0, 0), (S(r, "a").Observed, S(r, "a").Failing));
        Assert.Equal((EdgeHealth.PassThreshold, 2, 1), (V(r, "e01").Health, V(r, "e01").Voters, V(r, "e01").FailVotes));
        Assert.Equal(VoteUse.Stale, V(r, "e01").Votes[0].Use);
        Assert.Contains(r.Notes, n => n.StartsWith("warning: vantage a is stale"));
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(300_000, false)] // exactly vote_stale_after old: still fresh
    [InlineData(300_001, true)]
    [InlineData(-60_000, false)] // from a vantage whose clock is ahead: fresh
    public void Staleness_is_strictly_older_than_vote_stale_after(long ageMs, bool stale)
    {
        var r = Combine([O("e01", "a", EdgeHealth.Pass, ageMs: ageMs)], ["e01"]);
        Assert.Equal(stale ? EdgeHealth.Untested : EdgeHealth.Pass, V(r, "e01").Health);
        Assert.Equal(stale ? VantageStatus.Stale : VantageStatus.Voting, S(r, "a").Status);
        Assert.Equal(stale, r.Frozen);
    }

    [Fact]
    public void Only_the_stale_observations_of_a_voting_vantage_are_dropped()
    {
        var r = Combine([O("e01", "a", EdgeHealth.Fail, ageMs: 400_000), O("e02", "a", EdgeHealth.Pass)], ["e01", "e02"]);
        Assert.Equal(VantageStatus.Voting, S(r, "a").Status);
        Assert.Equal(EdgeHealth.Untested, V(r, "e01").Health);
        Assert.Equal([new VoteCell(0, EdgeHealth.Fail, VoteUse.Stale)], V(r, "e01").Votes);
        Assert.Equal(EdgeHealth.Pass, V(r, "e02").Health);
    }

    [Fact]
    public void Fewer_voting_vantages_than_min_vantages_freezes_dns_loudly()
    {
        var stale = View("c", Ten).Select(o => o with { AtUnixMs = Now - 600_000 });
        var r = Combine(View("a", Ten, Ten).Concat(View("b", Ten)).Concat(stale), settings: Settings(minVantages: 2));
        // a is broken, c is stale: only b votes.
        Assert.True(r.Frozen);
        Assert.Equal("only 1 of 3 vantages vote (min_vantages is 2); a broken, c stale; DNS is frozen", r.FrozenReason);
        Assert.Equal($"error: {r.FrozenReason}", r.Notes[0]);
        // The verdicts are still there to be shown.
        Assert.All(r.Edges, e => Assert.Equal(EdgeHealth.PassThreshold, e.Health));
    }

    [Fact]
    public void Enough_voting_vantages_do_not_freeze()
    {
        var r = Combine(View("a", Ten).Concat(View("b", Ten)), settings: Settings(minVantages: 2));
        Assert.False(r.Frozen);
        Assert.Null(r.FrozenReason);
        Assert.DoesNotContain(r.Notes, n => n.StartsWith("error"));
    }

    [Fact]
    public void No_observation_at_all_freezes()
    {
        var r = Combine([]);
        Assert.True(r.Frozen);
        Assert.Empty(r.Vantages);
        Assert.All(r.Edges, e => Assert.Equal((EdgeHealth.Untested, 0, 0, 0), (e.Health, e.Voters, e.FailVotes, e.Votes.Count)));
    }

    [Theory]
    // quorum, fail votes of 4 voters, fails
    [InlineData("majority", 2, false)]
    [InlineData("majority", 3, true)]
    [InlineData("1", 1, true)]
    [InlineData("2", 1, false)]
    [InlineData("2", 2, true)]
    [InlineData("0.5", 2, true)]
    [InlineData("0.5", 1, false)]
    [InlineData("2/3", 2, false)] // ceil(8/3) = 3
    [InlineData("2/3", 3, true)]
    [InlineData("1.0", 3, false)]
    [InlineData("1/1", 4, true)]
    public void Quorum_count_and_fraction_variants(string quorum, int failVotes, bool fails)
    {
        Assert.True(QuorumSpec.TryParse(quorum, out var spec, out _));
        var vantages = new[] { "a", "b", "c", "d" };
        var obs = vantages.Select((v, i) => O("e01", v, i < failVotes ? EdgeHealth.Fail : EdgeHealth.Pass));
        var r = Combine(obs, ["e01"], Settings(spec));
        Assert.Equal(fails ? EdgeHealth.Fail : EdgeHealth.Pass, V(r, "e01").Health);
        Assert.Equal((4, failVotes), (V(r, "e01").Voters, V(r, "e01").FailVotes));
    }

    [Fact]
    public void A_count_larger_than_the_voters_needs_all_of_them()
    {
        // quorum 3 but only two vantages can judge the edge: both must say fail.
        var spec = QuorumSpec.AtLeast(3);
        Assert.Equal(EdgeHealth.Fail, V(Combine([O("e01", "a", EdgeHealth.Fail), O("e01", "b", EdgeHealth.Fail)], ["e01"], Settings(spec)), "e01").Health);
        Assert.Equal(EdgeHealth.Pass, V(Combine([O("e01", "a", EdgeHealth.Fail), O("e01", "b", EdgeHealth.Pass)], ["e01"], Settings(spec)), "e01").Health);
    }

    [Theory]
    [InlineData("majority", 0, 1)]
    [InlineData("majority", 1, 1)]
    [InlineData("majority", 2, 2)]
    [InlineData("majority", 3, 2)]
    [InlineData("majority", 4, 3)]
    [InlineData("majority", 5, 3)]
    [InlineData("2", 0, 1)]
    [InlineData("2", 1, 1)]
    [InlineData("2", 2, 2)]
    [InlineData("2", 7, 2)]
    [InlineData("2/3", 1, 1)]
    [InlineData("2/3", 3, 2)]
    [InlineData("2/3", 4, 3)]
    [InlineData("2/3", 6, 4)]
    [InlineData("0.66", 3, 2)]
    [InlineData("0.5", 4, 2)]
    [InlineData("0.5", 5, 3)]
    [InlineData("0.01", 3, 1)]
    [InlineData("1.0", 3, 3)]
    [InlineData("1.0", 0, 1)]
    public void Required_fail_votes(string quorum, int voters, int required)
    {
        Assert.True(QuorumSpec.TryParse(quorum, out var spec, out _));
        Assert.Equal(required, spec.Required(voters));
    }

    [Fact]
    public void Latency_figures_are_the_median_across_the_voters()
    {
        var odd = Combine([O("e01", "a", EdgeHealth.Pass, 0.1, 1.0), O("e01", "b", EdgeHealth.Pass, 0.9, 2.0), O("e01", "c", EdgeHealth.Pass, 0.2, 9.0)], ["e01"]);
        Assert.Equal((0.2, 2.0), (V(odd, "e01").Average, V(odd, "e01").LastSeconds));
        var even = Combine([O("e01", "a", EdgeHealth.Pass, 0.1, 1.0), O("e01", "b", EdgeHealth.Pass, 0.9, null), O("e01", "c", EdgeHealth.Pass, 0.2, 3.0), O("e01", "d", EdgeHealth.Pass, 0.4, null)], ["e01"]);
        Assert.Equal(0.3, V(even, "e01").Average!.Value, 12);
        Assert.Equal(2.0, V(even, "e01").LastSeconds); // nulls are left out, then the mean of 1.0 and 3.0
        var none = Combine([O("e01", "a", EdgeHealth.Pass, null, null)], ["e01"]);
        Assert.Equal((null, null), (V(none, "e01").Average, V(none, "e01").LastSeconds));
    }

    [Fact]
    public void A_failing_voters_figures_count_in_the_median()
    {
        var r = Combine([O("e01", "a", EdgeHealth.Fail, 10, 10), O("e01", "b", EdgeHealth.Pass, 0.5, 0.5), O("e01", "c", EdgeHealth.PassThreshold, 0.2, 0.2)], ["e01"]);
        // Not failing (1 of 3); the tier is the worse of pass_threshold and pass on the tie, the figures the median of all three.
        Assert.Equal((EdgeHealth.Pass, 0.5), (V(r, "e01").Health, V(r, "e01").Average));
    }

    [Theory]
    // tiers of the voters (F = fail), expected
    [InlineData("PT PW P", EdgeHealth.PassWindow)]
    [InlineData("PT P", EdgeHealth.Pass)]             // a tie goes to the worse tier
    [InlineData("PT PT PA P", EdgeHealth.PassAverage)]
    [InlineData("F PT PA", EdgeHealth.PassAverage)]   // the failing voter's tier is not part of the median
    [InlineData("F PT", EdgeHealth.PassThreshold)]    // 1 of 2 is short of a majority
    [InlineData("F F PT", EdgeHealth.Fail)]
    [InlineData("PA", EdgeHealth.PassAverage)]
    public void The_tier_is_the_median_of_the_non_failing_voters(string tiers, EdgeHealth expected)
    {
        var map = new Dictionary<string, EdgeHealth>
        {
            ["PT"] = EdgeHealth.PassThreshold, ["PW"] = EdgeHealth.PassWindow, ["PA"] = EdgeHealth.PassAverage,
            ["P"] = EdgeHealth.Pass, ["F"] = EdgeHealth.Fail,
        };
        var obs = tiers.Split(' ').Select((t, i) => O("e01", $"v{i}", map[t]));
        Assert.Equal(expected, V(Combine(obs, ["e01"]), "e01").Health);
    }

    [Fact]
    public void Untested_observations_do_not_vote()
    {
        var r = Combine([O("e01", "a", EdgeHealth.Untested, null, null), O("e01", "b", EdgeHealth.Fail), O("e01", "c", EdgeHealth.Pass)], ["e01"]);
        Assert.Equal((EdgeHealth.Pass, 2, 1), (V(r, "e01").Health, V(r, "e01").Voters, V(r, "e01").FailVotes));
        Assert.Equal(VoteUse.NoJudgement, V(r, "e01").Votes[0].Use);
        Assert.Equal(VantageStatus.Silent, S(r, "a").Status);
    }

    [Fact]
    public void An_edge_nobody_observed_is_untested()
    {
        var r = Combine(View("a", ["e01"]), ["e01", "e02"]);
        Assert.Equal((EdgeHealth.Untested, 0, 0, null as double?), (V(r, "e02").Health, V(r, "e02").Voters, V(r, "e02").FailVotes, V(r, "e02").Average));
        Assert.Empty(V(r, "e02").Votes);
    }

    [Theory]
    [InlineData(EdgeHealth.PassThreshold)]
    [InlineData(EdgeHealth.PassWindow)]
    [InlineData(EdgeHealth.PassAverage)]
    [InlineData(EdgeHealth.Pass)]
    [InlineData(EdgeHealth.Fail)]
    public void A_single_vantage_passes_its_own_verdict_through_like_the_cron_round(EdgeHealth health)
    {
        var r = Combine([O("e01", "local", health, 0.42, 0.77)], ["e01"]);
        Assert.Equal((health, 0.42, 0.77, 1), (V(r, "e01").Health, V(r, "e01").Average, V(r, "e01").LastSeconds, V(r, "e01").Voters));
        Assert.False(r.Frozen);
        Assert.Empty(r.Notes);
    }

    [Fact]
    public void The_newest_observation_per_edge_and_vantage_wins_whatever_the_order()
    {
        var old = O("e01", "a", EdgeHealth.Fail, ageMs: 1000);
        var fresh = O("e01", "a", EdgeHealth.Pass);
        Assert.Equal(EdgeHealth.Pass, V(Combine([old, fresh], ["e01"]), "e01").Health);
        Assert.Equal(EdgeHealth.Pass, V(Combine([fresh, old], ["e01"]), "e01").Health);
        // Equally new: a fixed, pessimistic choice.
        Assert.True(Quorum.Supersedes(O("e01", "a", EdgeHealth.Fail), O("e01", "a", EdgeHealth.Pass)));
        Assert.False(Quorum.Supersedes(O("e01", "a", EdgeHealth.Pass), O("e01", "a", EdgeHealth.Fail)));
    }

    [Fact]
    public void Output_follows_the_edge_list_and_vantage_names_in_ordinal_order()
    {
        var edges = new[] { "z", "a", "M" };
        var obs = new[] { "b", "B", "a" }.SelectMany(v => View(v, edges));
        var r = Combine(obs, edges);
        Assert.Equal(edges, r.Edges.Select(e => e.Edge));
        Assert.Equal(["B", "a", "b"], r.Vantages.Select(v => v.Vantage));
        Assert.All(r.Edges, e => Assert.Equal([0, 1, 2], e.Votes.Select(c => c.Vantage)));
    }

    [Fact]
    public void Unlisted_edges_are_ignored_but_make_their_vantage_known()
    {
        var r = Combine([O("gone", "a", EdgeHealth.Fail), O("e01", "b", EdgeHealth.Pass)], ["e01"]);
        Assert.Equal(["e01"], r.Edges.Select(e => e.Edge));
        Assert.Equal(VantageStatus.Silent, S(r, "a").Status);
        Assert.Equal((EdgeHealth.Pass, 1), (V(r, "e01").Health, V(r, "e01").Voters));
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentException>(() => Combine([], ["e01", "e01"]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Combine([], settings: Settings(minVantages: 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Combine([], settings: Settings(broken: 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Combine([], settings: Settings(broken: 1.5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Combine([], settings: Settings() with { BrokenVantageMinFailing = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Combine([], settings: Settings() with { StaleAfter = TimeSpan.Zero }));
        Assert.Throws<ArgumentOutOfRangeException>(() => QuorumSpec.AtLeast(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => QuorumSpec.Share(3, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => QuorumSpec.Majority.Required(-1));
    }

    // ---- the config value ----

    [Theory]
    [InlineData("majority", QuorumKind.Majority, 0, 0, 0, "majority")]
    [InlineData(" Majority ", QuorumKind.Majority, 0, 0, 0, "majority")]
    [InlineData("1", QuorumKind.Count, 1, 0, 0, "1")]
    [InlineData("3", QuorumKind.Count, 3, 0, 0, "3")]
    [InlineData("0.66", QuorumKind.Fraction, 0, 33, 50, "0.66")]
    [InlineData(".5", QuorumKind.Fraction, 0, 1, 2, "0.5")]
    [InlineData("1.0", QuorumKind.Fraction, 0, 1, 1, "1.0")]
    [InlineData("2/3", QuorumKind.Fraction, 0, 2, 3, "2/3")]
    [InlineData("4 / 6", QuorumKind.Fraction, 0, 2, 3, "2/3")]
    [InlineData("3/4", QuorumKind.Fraction, 0, 3, 4, "0.75")]
    [InlineData("1/1", QuorumKind.Fraction, 0, 1, 1, "1.0")]
    [InlineData("0.333333333", QuorumKind.Fraction, 0, 333333333, 1_000_000_000, "0.333333333")]
    public void Parses_the_quorum_setting(string text, QuorumKind kind, int count, int numerator, int denominator, string shown)
    {
        Assert.True(QuorumSpec.TryParse(text, out var spec, out var error), error);
        Assert.Null(error);
        Assert.Equal((kind, count, numerator, denominator), (spec.Kind, spec.Count, spec.Numerator, spec.Denominator));
        Assert.Equal(shown, spec.ToString());
        Assert.True(QuorumSpec.TryParse(spec.ToString(), out var again, out _));
        Assert.Equal(spec, again);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("0", "at least 1")]
    [InlineData("-1", "not understood")]
    [InlineData("+2", "not understood")]
    [InlineData("0.0", "more than 0")]
    [InlineData("0/3", "more than 0")]
    [InlineData("1.5", "more than 1")]
    [InlineData("3/2", "more than 1")]
    [InlineData("2/0", "divides by zero")]
    [InlineData("1.", "not understood")]
    [InlineData("0,5", "not understood")]
    [InlineData("1e3", "not understood")]
    [InlineData("50%", "not understood")]
    [InlineData("half", "not understood")]
    [InlineData("1/2/3", "not a ratio")]
    [InlineData("0.1234567891", "not understood")]
    [InlineData("99999999999", "too large")]
    public void Refuses_bad_quorum_settings_with_a_reason(string text, string reason)
    {
        Assert.False(QuorumSpec.TryParse(text, out _, out var error));
        Assert.NotNull(error);
        Assert.Contains(reason, error);
    }

    [Fact]
    public void Specs_compare_by_value()
    {
        Assert.Equal(QuorumSpec.Share(2, 4), QuorumSpec.Share(1, 2));
        Assert.Equal(QuorumSpec.AtLeast(2), QuorumSpec.AtLeast(2));
        Assert.NotEqual(QuorumSpec.AtLeast(1), QuorumSpec.Share(1, 1));
        Assert.Same(QuorumSpec.Majority, QuorumSpec.Majority);
    }
}

public sealed class QuorumNoteSpecs
{
    [Theory]
    [InlineData("first tick: everything is new", "", "warning: vantage a is broken: sees 5 of 5", "warning: vantage a is broken: sees 5 of 5")]
    [InlineData("the same situation, other counts: said already", "warning: vantage a is broken: sees 5 of 5", "warning: vantage a is broken: sees 4 of 5", "")]
    [InlineData("a stale vantage's age grows every tick: said once", "warning: vantage b is stale: newest 31s ago", "warning: vantage b is stale: newest 32s ago", "")]
    [InlineData("a new broken vantage is news", "warning: vantage a is broken: x", "warning: vantage a is broken: x|warning: vantage b is broken: y", "warning: vantage b is broken: y")]
    [InlineData("a vantage going from stale to broken is news", "warning: vantage b is stale: x", "warning: vantage b is broken: y", "warning: vantage b is broken: y")]
    [InlineData("a split vote over other edges is news",
        "warning: 1 edge(s) fail from some vantages but short of the quorum (majority): 127.0.0.2",
        "warning: 2 edge(s) fail from some vantages but short of the quorum (majority): 127.0.0.2, 127.0.0.3",
        "warning: 2 edge(s) fail from some vantages but short of the quorum (majority): 127.0.0.2, 127.0.0.3")]
    [InlineData("back after a tick without it: said again", "", "warning: vantage a is broken: x", "warning: vantage a is broken: x")]
    public void Says_each_warning_once_per_change(string why, string previous, string current, string said)
    {
        static string[] Split(string s) => s.Length == 0 ? [] : s.Split('|');
        Assert.True(Split(said).SequenceEqual(Edgemanage.Actors.Networks.Quorum.NewNotes(Split(previous), Split(current))), why);
    }
}
