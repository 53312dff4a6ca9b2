using Edgemanage.Actors.Networks;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;
using FsCheck;
using FsCheck.Xunit;
using Xunit;

namespace Edgemanage.Tests.Networks;

/// <summary>The pure guard (issue 13): when a decision is held, and what it says.</summary>
public sealed class DecisionGuardSpecs
{
    [Theory]
    //          baseline current  max   accept failing  held causes
    [InlineData(40, 12, 0.5, false, 0, "edge_list_shrink")]        // lost 70% > 50%
    [InlineData(40, 20, 0.5, false, 0, null)]                      // lost exactly 50%: not more than allowed
    [InlineData(40, 19, 0.5, false, 0, "edge_list_shrink")]        // 52.5%
    [InlineData(40, 12, 0.5, true, 0, null)]                       // --accept-shrink
    [InlineData(40, 12, 1.0, false, 0, null)]                      // off
    [InlineData(40, 39, 0.0, false, 0, "edge_list_shrink")]        // 0: any shrink holds
    [InlineData(12, 40, 0.5, false, 0, null)]                      // grew
    [InlineData(null, 1, 0.5, false, 0, null)]                     // no baseline (first run, imported decision)
    [InlineData(40, 40, 0.5, false, 40, "all_edges_failing")]      // every edge failed everywhere
    [InlineData(40, 40, 0.5, false, 39, null)]                     // one edge answers
    [InlineData(40, 12, 0.5, true, 12, "all_edges_failing")]       // accepting the shrink does not accept an outage
    [InlineData(40, 12, 0.5, false, 12, "edge_list_shrink,all_edges_failing")]
    [InlineData(40, 0, 1.0, false, 0, null)]                       // an empty list fails nothing
    public void Holds_exactly_when_a_condition_applies(int? baseline, int current, double max, bool accept, int failing, string? causes)
    {
        var verdict = DecisionGuard.Judge(new GuardInput(baseline, current, max, accept, failing));
        Assert.Equal(causes is not null, verdict.Holding);
        Assert.Equal(causes, verdict.Labels);
    }

    [Fact]
    public void A_shrink_names_the_numbers_and_what_to_do()
    {
        var verdict = DecisionGuard.Judge(new GuardInput(40, 12, 0.5, false, 0));
        Assert.Equal("edge list shrank from 40 to 12 edges (70% > max_edge_list_shrink 50%): DNS held; rerun with --accept-shrink if intended",
            verdict.Message);
        Assert.Contains("restart serve", verdict.MessageWith("restart serve with --accept-shrink"));
    }

    [Fact]
    public void Every_edge_failing_holds_nothing_while_DNS_serves_no_edge()
    {
        // Nothing is published yet: the decision itself publishes nothing and says why edge by edge.
        Assert.False(DecisionGuard.Judge(new GuardInput(null, 3, 0.5, false, 3, DnsServesEdges: false)).Holding);
        Assert.True(DecisionGuard.Judge(new GuardInput(null, 3, 0.5, false, 3, DnsServesEdges: true)).Holding);
    }

    [Fact]
    public void Every_edge_failing_says_it_is_more_likely_our_network()
    {
        var verdict = DecisionGuard.Judge(new GuardInput(3, 3, 0.5, false, 3));
        Assert.Equal("every one of the 3 edges failed from every vantage at once (more likely our own network than the edges): DNS held; " +
                     "probing goes on, and DNS is published again once an edge answers", verdict.Message);
    }

    [Fact]
    public void The_baseline_is_the_listed_edges_of_the_last_decision_and_an_imported_one_gives_none()
    {
        EdgeDecision Row(string edge, DecisionReason reason) => new(edge, EdgeHealth.PassThreshold, 0.1, 0.1, EdgeMode.Available, false, reason, "");
        DecisionRecord Record(params EdgeDecision[] rows) => new("net", 1, 2, [], [], true, false, rows, [], []);
        Assert.Null(DecisionGuard.BaselineOf(null));
        Assert.Equal(2, DecisionGuard.BaselineOf(Record(Row("a", DecisionReason.Filled), Row("b", DecisionReason.NotNeeded),
            Row("gone", DecisionReason.NotInEdgeList))));
        Assert.Null(DecisionGuard.BaselineOf(Record(Row("a", DecisionReason.Imported), Row("b", DecisionReason.Imported))));
    }

    [Fact]
    public void An_edge_fails_everywhere_only_when_every_vantage_saw_it_fail()
    {
        EdgeReport Report(string edge, string vantage, bool ok) => new("net", edge, vantage, EdgeMode.Available, "", 0,
            new EdgeVerdict(ok ? EdgeHealth.PassThreshold : EdgeHealth.Fail,
                new Sample(1, ok ? 0.1f : 10f, ok ? Contracts.Probing.ProbeOutcome.Ok : Contracts.Probing.ProbeOutcome.Refused, 0), null, null, 1), null);
        var reports = new Dictionary<string, EdgeReport[]>
        {
            ["a"] = [Report("a", "eu", false), Report("a", "us", false)],
            ["b"] = [Report("b", "eu", false), Report("b", "us", true)],
            ["c"] = [],
        };
        Assert.Equal(1, DecisionGuard.FailingEverywhere(["a", "b", "c"], e => reports[e]));
    }

    [Property(MaxTest = 500)]
    public bool Accepting_never_holds_for_a_shrink(PositiveInt baseline, NonNegativeInt current, NonNegativeInt permille) =>
        DecisionGuard.Judge(new GuardInput(baseline.Get, current.Get, Math.Min(permille.Get, 1000) / 1000.0, true, 0))
            .Holds.All(h => h.Cause != GuardCause.Shrink);

    [Property(MaxTest = 500)]
    public bool A_list_that_did_not_shrink_never_holds_for_a_shrink(PositiveInt baseline, NonNegativeInt growth, NonNegativeInt permille) =>
        !DecisionGuard.Judge(new GuardInput(baseline.Get, baseline.Get + growth.Get, Math.Min(permille.Get, 1000) / 1000.0, false, 0)).Holding;

    [Property(MaxTest = 500)]
    public bool A_shrink_holds_exactly_when_the_fraction_lost_exceeds_the_limit(PositiveInt baseline, NonNegativeInt lost, NonNegativeInt permille)
    {
        var b = baseline.Get;
        var current = Math.Max(0, b - lost.Get);
        var max = Math.Min(permille.Get, 1000) / 1000.0;
        var expected = max < 1 && (b - current) / (double)b > max;
        return DecisionGuard.Judge(new GuardInput(b, current, max, false, 0)).Holding == expected;
    }

    [Property(MaxTest = 500)]
    public bool Every_edge_failing_holds_whatever_else_is_true(PositiveInt current, NonNegativeInt baseline, bool accept, NonNegativeInt permille) =>
        DecisionGuard.Judge(new GuardInput(baseline.Get, current.Get, Math.Min(permille.Get, 1000) / 1000.0, accept, current.Get))
            .Holds.Any(h => h.Cause == GuardCause.AllFailing);

    [Property(MaxTest = 500)]
    public bool A_held_verdict_always_says_DNS_held(PositiveInt baseline, NonNegativeInt current, NonNegativeInt failing)
    {
        var verdict = DecisionGuard.Judge(new GuardInput(baseline.Get, current.Get, 0.5, false, failing.Get));
        return !verdict.Holding || (verdict.Message!.Contains("DNS held", StringComparison.Ordinal) && verdict.Labels is not null);
    }
}
