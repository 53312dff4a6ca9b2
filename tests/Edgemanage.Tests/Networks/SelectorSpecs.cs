using Edgemanage.Actors.Networks;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;
using Xunit;

namespace Edgemanage.Tests.Networks;

/// <summary>
/// The live-set decision, rule by rule (original-edgemanage.md §4.3-§4.7 and the fixes listed in
/// docs/differences.md), plus the original's scenarios that still hold.
/// </summary>
public sealed class SelectorSpecs
{
    private const int Unlimited = int.MaxValue;

    private static SelectionCandidate E(string name, EdgeHealth health, double? avg = null, double? last = null, EdgeMode mode = EdgeMode.Available) =>
        new(name, health, avg, last, mode);

    private static SelectionCandidate PT(string n, double avg, EdgeMode mode = EdgeMode.Available) => E(n, EdgeHealth.PassThreshold, avg, avg, mode);
    private static SelectionCandidate PW(string n, double avg) => E(n, EdgeHealth.PassWindow, avg, 1.5);
    private static SelectionCandidate PA(string n, double avg, EdgeMode mode = EdgeMode.Available) => E(n, EdgeHealth.PassAverage, avg, 1.5, mode);
    private static SelectionCandidate P(string n, double avg) => E(n, EdgeHealth.Pass, avg, 2.5);
    private static SelectionCandidate F(string n, double avg = 10, EdgeMode mode = EdgeMode.Available) => E(n, EdgeHealth.Fail, avg, 10, mode);
    private static SelectionCandidate U(string n, EdgeMode mode = EdgeMode.Available) => E(n, EdgeHealth.Untested, null, null, mode);

    private static SelectionResult Select(SelectionCandidate[] edges, string[] previous, int required, int minEdges = 1, int budget = Unlimited) =>
        Selector.Select(new SelectionInput(edges, previous, required, minEdges, budget));

    private static EdgeDecision D(SelectionResult r, string edge) => r.Edges.Single(d => d.Edge == edge);

    private static void LiveIs(SelectionResult r, params string[] expected) => Assert.Equal(expected, r.Live);

    // ---- rule 1: usable tiers; fail, untested and unavailable ----

    [Fact]
    public void Tier_beats_average_in_the_order_pass_threshold_pass_window_pass_average_pass()
    {
        var edges = new[] { P("p", 0.01), PA("pa", 0.05), PW("pw", 0.1), PT("pt", 0.9) };
        LiveIs(Select(edges, [], 1), "pt");
        LiveIs(Select(edges, [], 2), "pt", "pw");
        LiveIs(Select(edges, [], 3), "pa", "pt", "pw");
        LiveIs(Select(edges, [], 4), "p", "pa", "pt", "pw");
    }

    [Fact]
    public void Fail_and_untested_are_not_usable_and_are_never_filled()
    {
        var r = Select([PT("a", 0.2), F("b", 0.1), U("c")], [], 3);
        LiveIs(r, "a");
        Assert.True(r.Publish);
        Assert.True(r.Degraded);
        Assert.Equal(DecisionReason.Failing, D(r, "b").Reason);
        Assert.Equal(DecisionReason.Untested, D(r, "c").Reason);
    }

    [Fact]
    public void Unavailable_is_never_selected_even_when_previously_live_and_fastest()
    {
        var r = Select([PT("a", 0.1, EdgeMode.Unavailable), PT("b", 0.3), PA("c", 0.5)], ["a", "b"], 2);
        LiveIs(r, "b", "c");
        var a = D(r, "a");
        Assert.Equal(DecisionReason.Unavailable, a.Reason);
        Assert.False(a.Live);
        Assert.Contains(r.Notes, n => n.Contains("a was live but is now unavailable"));
        // Losing an unavailable edge is mandatory: the budget does not apply.
        Assert.Equal([new Substitution("a", "c", false)], r.Substitutions);
    }

    // ---- rule 2: forced edges ----

    [Fact]
    public void Original_S6_force_precedence_blindforce_failing_live_unavailable_excluded()
    {
        // S6: a force edge at 0.5 s beats an available one at 0.4 s; blindforce puts a failing edge live;
        // an unavailable edge at 0.1 s is excluded.
        var edges = new[]
        {
            PT("force", 0.5, EdgeMode.Force), PT("avail", 0.4), F("blind", mode: EdgeMode.BlindForce),
            PT("unavail", 0.1, EdgeMode.Unavailable), PT("other", 0.45),
        };
        var r = Select(edges, [], 3);
        LiveIs(r, "avail", "blind", "force");
        Assert.Equal(DecisionReason.Forced, D(r, "force").Reason);
        Assert.Equal(DecisionReason.BlindForced, D(r, "blind").Reason);
        Assert.Contains("not usable", D(r, "blind").Detail);
        Assert.Equal(DecisionReason.Filled, D(r, "avail").Reason);
        Assert.Equal(DecisionReason.Unavailable, D(r, "unavail").Reason);
        Assert.Equal(DecisionReason.NotNeeded, D(r, "other").Reason);

        LiveIs(Select(edges, [], 2), "blind", "force");
    }

    [Fact]
    public void Force_does_not_override_a_failing_or_untested_judgement()
    {
        var r = Select([F("ff", mode: EdgeMode.Force), U("fu", EdgeMode.Force), PA("a", 0.5), P("b", 2)], [], 2);
        LiveIs(r, "a", "b");
        Assert.Equal(DecisionReason.ForcedButFailing, D(r, "ff").Reason);
        Assert.Equal(DecisionReason.ForcedButFailing, D(r, "fu").Reason);
    }

    [Fact]
    public void A_failing_force_edge_that_was_live_may_stay_by_the_fallback_like_any_failing_edge()
    {
        // Judgement call: force never lifts a failing edge above a usable one, but it is not worse than an
        // available failing edge either, so the fallback can keep it when nothing better is left.
        var r = Select([F("ff", mode: EdgeMode.Force), PT("a", 0.2)], ["a", "ff"], 2);
        LiveIs(r, "a", "ff");
        Assert.Equal(DecisionReason.KeptForLackOfBetter, D(r, "ff").Reason);
        Assert.False(r.Changed);
    }

    [Fact]
    public void More_forced_than_edge_count_uses_the_best_forced_and_says_so()
    {
        var edges = new[]
        {
            F("c", 0.1, EdgeMode.BlindForce), PT("a", 0.3, EdgeMode.Force), PA("b", 0.2, EdgeMode.BlindForce), PT("z", 0.01),
        };
        var r = Select(edges, [], 2);
        LiveIs(r, "a", "b");
        Assert.True(r.Publish);
        Assert.False(r.Degraded);
        Assert.Equal(DecisionReason.ForcedOverflow, D(r, "c").Reason);
        Assert.Contains("error: 3 edges are forced but edge_count is 2; using the best 2: a, b", r.Notes);
        Assert.Equal(DecisionReason.NotNeeded, D(r, "z").Reason);
    }

    [Fact]
    public void Forced_overflow_ties_are_broken_by_average_then_name()
    {
        var edges = new[] { PT("d", 0.2, EdgeMode.Force), PT("c", 0.2, EdgeMode.Force), PT("b", 0.3, EdgeMode.BlindForce), PT("a", 0.4, EdgeMode.Force) };
        LiveIs(Select(edges, [], 2), "c", "d");
        LiveIs(Select(edges.Reverse().ToArray(), [], 2), "c", "d");
    }

    // ---- rule 3: keep rule ----

    [Fact]
    public void Original_old_list_still_healthy_means_no_change_even_if_faster_edges_exist()
    {
        var r = Select([PT("a", 0.8), PT("b", 0.9), PT("c", 0.01), PT("d", 0.02)], ["a", "b"], 2);
        LiveIs(r, "a", "b");
        Assert.False(r.Changed);
        Assert.Empty(r.Substitutions);
        Assert.Equal(DecisionReason.KeptHealthy, D(r, "a").Reason);
        Assert.Equal(DecisionReason.NotNeeded, D(r, "c").Reason);
        Assert.Equal("pass_threshold, avg 0.010 s, last 0.010 s; set full; rank 1 of 4 usable", D(r, "c").Detail);
    }

    [Fact]
    public void Edge_count_lowered_keeps_the_fastest_previously_live_edges()
    {
        var r = Select([PT("a", 0.3), PT("b", 0.1), PT("c", 0.2)], ["a", "b", "c"], 2);
        LiveIs(r, "b", "c");
        Assert.Equal(DecisionReason.Replaced, D(r, "a").Reason);
        Assert.Contains("dropped", D(r, "a").Detail);
        // A shrink is not a substitution: nothing comes in, so the budget is not touched.
        Assert.Equal([new Substitution("a", null, false)], r.Substitutions);
        Assert.Equal(0, r.DiscretionaryUsed);
    }

    [Fact]
    public void Forced_plus_kept_filling_the_set_changes_nothing_else()
    {
        var r = Select([PT("a", 0.5), PT("b", 0.6), PA("f", 0.7, EdgeMode.Force), PT("x", 0.01)], ["a", "b", "f"], 3);
        LiveIs(r, "a", "b", "f");
        Assert.False(r.Changed);
        Assert.Equal(DecisionReason.Forced, D(r, "f").Reason);
    }

    [Fact]
    public void A_previously_live_force_edge_is_forced_not_kept()
    {
        var r = Select([PT("f", 0.5, EdgeMode.Force), PT("a", 0.1)], ["f"], 1);
        LiveIs(r, "f");
        Assert.Equal(DecisionReason.Forced, D(r, "f").Reason);
    }

    // ---- rule 4: fill order ----

    [Fact]
    public void Original_staggered_two_pass_threshold_then_the_two_best_pass_by_average()
    {
        var r = Select([PT("a", 0.5), PT("b", 0.6), P("c", 2.0), P("d", 1.5), P("e", 3.0), F("f", 0.1)], [], 4);
        LiveIs(r, "a", "b", "c", "d");
        Assert.Equal(DecisionReason.NotNeeded, D(r, "e").Reason);
        Assert.Equal("pass, avg 3.000 s, last 2.500 s; set full; rank 5 of 5 usable", D(r, "e").Detail);
    }

    [Fact]
    public void Ties_are_broken_by_name_never_by_input_order()
    {
        var edges = new[] { PT("b", 0.3), PT("c", 0.3), PT("a", 0.3) };
        LiveIs(Select(edges, [], 2), "a", "b");
        LiveIs(Select(edges.Reverse().ToArray(), [], 2), "a", "b");
        // Ordinal, not culture: upper case sorts before lower case.
        LiveIs(Select([PT("b", 0.3), PT("B", 0.3)], [], 1), "B");
    }

    [Fact]
    public void Latest_probe_breaks_an_average_tie_and_a_missing_average_sorts_last()
    {
        LiveIs(Select([E("a", EdgeHealth.Pass, 2, 3), E("b", EdgeHealth.Pass, 2, 2.5)], [], 1), "b");
        LiveIs(Select([E("a", EdgeHealth.PassWindow, null, 1), E("b", EdgeHealth.PassWindow, 5, 1)], [], 1), "b");
    }

    // ---- rule 5: dnschange_maxfreq ----

    [Fact]
    public void Original_pass_average_live_edge_is_replaced_by_a_pass_threshold_edge_discretionary_and_counted()
    {
        var r = Select([PT("a", 0.2), PA("b", 0.4), PT("127.0.0.9", 0.3)], ["a", "b"], 2);
        LiveIs(r, "127.0.0.9", "a");
        Assert.True(r.Changed);
        Assert.Equal([new Substitution("b", "127.0.0.9", true)], r.Substitutions);
        Assert.Equal(1, r.DiscretionaryUsed);
        var b = D(r, "b");
        Assert.Equal(DecisionReason.Replaced, b.Reason);
        Assert.Equal("pass_average, avg 0.400 s, last 1.500 s; replaced by 127.0.0.9 (pass_threshold)", b.Detail);
    }

    [Fact]
    public void With_no_budget_left_the_discretionary_substitution_is_deferred()
    {
        var r = Select([PT("a", 0.2), PA("b", 0.4), PT("c", 0.3)], ["a", "b"], 2, budget: 0);
        LiveIs(r, "a", "b");
        Assert.False(r.Changed);
        Assert.Empty(r.Substitutions);
        Assert.Equal(0, r.DiscretionaryUsed);
        Assert.Equal(DecisionReason.Deferred, D(r, "b").Reason);
        Assert.Contains("would be replaced by c", D(r, "b").Detail);
        Assert.Contains("dnschange_maxfreq allows only 0 more", D(r, "b").Detail);
        Assert.Equal(DecisionReason.NotNeeded, D(r, "c").Reason);
        Assert.Contains("deferred", D(r, "c").Detail);
        Assert.Contains(r.Notes, n => n.Contains("dnschange_maxfreq") && n.Contains("keeping b instead of c"));
    }

    [Fact]
    public void Over_budget_the_best_leaving_edges_stay_and_the_worst_newcomers_wait()
    {
        var r = Select([PA("a", 0.5), PA("b", 0.9), PT("c", 0.1), PT("d", 0.2)], ["a", "b"], 2, budget: 1);
        LiveIs(r, "a", "c");
        Assert.Equal(1, r.DiscretionaryUsed);
        Assert.Equal([new Substitution("b", "c", true)], r.Substitutions);
        Assert.Equal(DecisionReason.Deferred, D(r, "a").Reason);
        Assert.Equal(DecisionReason.NotNeeded, D(r, "d").Reason);
        Assert.Equal(DecisionReason.Replaced, D(r, "b").Reason);
    }

    [Fact]
    public void Mandatory_replacements_of_failing_or_unlisted_edges_are_never_deferred()
    {
        var r = Select([F("a"), PT("b", 0.2), PT("c", 0.3), PA("d", 0.4)], ["a", "b", "gone"], 3, budget: 0);
        LiveIs(r, "b", "c", "d");
        Assert.Equal(
            [new Substitution("a", "c", false), new Substitution("gone", "d", false)],
            r.Substitutions);
        Assert.Equal(0, r.DiscretionaryUsed);
        Assert.Equal(DecisionReason.NotInEdgeList, D(r, "gone").Reason);
        Assert.False(D(r, "gone").Live);
        Assert.Contains(r.Notes, n => n.Contains("gone was live but is no longer in the edge list"));
    }

    [Fact]
    public void A_usable_edge_displaced_by_a_forced_edge_is_mandatory()
    {
        // Ideal: f (forced) and c (best fill) replace a and b. One loss is f's doing (mandatory); the other,
        // a for c, is discretionary and deferred: the better of a and b stays.
        var r = Select([PA("a", 0.4), PA("b", 0.6), PT("c", 0.1), P("f", 3), PT("g", 0.2)], ["a", "b"], 2, budget: 0);
        LiveIs(r, "a", "b"); // sanity: nothing forced, nothing changes with no budget

        var forced = Select([PA("a", 0.4), PA("b", 0.6), PT("c", 0.1), E("f", EdgeHealth.Pass, 3, 3, EdgeMode.Force)], ["a", "b"], 2, budget: 0);
        LiveIs(forced, "a", "f");
        Assert.Equal([new Substitution("b", "f", false)], forced.Substitutions);
        Assert.Equal(0, forced.DiscretionaryUsed);
        Assert.Equal(DecisionReason.Deferred, D(forced, "a").Reason);
        Assert.Equal(DecisionReason.Replaced, D(forced, "b").Reason);
        Assert.Contains("replaced by f (pass)", D(forced, "b").Detail);
    }

    // ---- rule 6: too few usable edges ----

    [Fact]
    public void Failing_previously_live_edges_give_way_to_usable_ones()
    {
        var r = Select([F("a"), F("b"), PT("c", 0.2), P("d", 4)], ["a", "b"], 2);
        LiveIs(r, "c", "d");
        Assert.Equal(DecisionReason.Failing, D(r, "a").Reason);
    }

    [Fact]
    public void Original_S3_everything_fails_with_a_full_previous_set_keeps_it_published()
    {
        var r = Select([F("a"), U("b"), F("c", 9), F("d")], ["a", "b", "c"], 3);
        LiveIs(r, "a", "b", "c");
        Assert.True(r.Publish);
        Assert.False(r.Changed);
        Assert.True(r.Degraded); // DNS still points somewhere, but at failing edges: the round says so
        Assert.All(r.Live, e => Assert.Equal(DecisionReason.KeptForLackOfBetter, D(r, e).Reason));
        Assert.Equal(DecisionReason.Failing, D(r, "d").Reason);
        Assert.Contains(r.Notes, n => n.StartsWith("warning: only 0 usable edge(s) for edge_count 3"));
    }

    [Fact]
    public void Original_S3b_and_T3_the_fallback_never_exceeds_edge_count_and_stored_live_is_what_is_published()
    {
        // The original made {1,2,5} ∪ {1,2,3,4} = 5 edges, published nothing, stored the 5, and on the next
        // round kept {1,2,3,5} while the zones still said {1,2,3,4} (T3).
        var first = Select([PT("1", 0.1), PT("2", 0.2), F("3", 8), F("4", 9), PT("5", 0.3)], ["1", "2", "3", "4"], 4);
        LiveIs(first, "1", "2", "3", "5");
        Assert.True(first.Publish);
        Assert.Equal(DecisionReason.KeptForLackOfBetter, D(first, "3").Reason);
        Assert.Equal(DecisionReason.Failing, D(first, "4").Reason);

        var second = Select([PT("1", 0.1), PT("2", 0.2), PT("3", 0.3), F("4"), PT("5", 0.3)], first.Live.ToArray(), 4);
        LiveIs(second, "1", "2", "3", "5");
        Assert.False(second.Changed);
        Assert.True(second.Publish);
    }

    [Fact]
    public void Between_min_edges_and_edge_count_the_set_is_published_degraded()
    {
        var r = Select([PT("a", 0.2), P("b", 3), F("c")], [], 4, minEdges: 2);
        LiveIs(r, "a", "b");
        Assert.True(r.Publish);
        Assert.True(r.Degraded);
        Assert.True(r.Changed);
        Assert.Equal([new Substitution(null, "a", false), new Substitution(null, "b", false)], r.Substitutions);
        Assert.Contains(r.Notes, n => n.StartsWith("warning: only 2 of edge_count 4"));
    }

    [Fact]
    public void Original_S4_fresh_start_below_min_edges_publishes_nothing_and_stores_nothing()
    {
        var r = Select([PT("a", 0.2), F("b"), U("c")], [], 3, minEdges: 2);
        Assert.False(r.Publish);
        Assert.True(r.Degraded);
        Assert.Empty(r.Live);
        Assert.False(r.Changed);
        Assert.Empty(r.Substitutions);
        var a = D(r, "a");
        Assert.False(a.Live);
        Assert.Equal(DecisionReason.Filled, a.Reason);
        Assert.Contains("nothing was published", a.Detail);
        Assert.Contains(r.Notes, n => n.StartsWith("error: only 1 edge(s) can be selected, fewer than min_edges 2"));
    }

    [Fact]
    public void Below_min_edges_the_previous_set_stays_as_published_even_if_unlisted()
    {
        var r = Select([PT("n", 0.2), PT("x", 0.1, EdgeMode.Unavailable)], ["x", "y", "z"], 3, minEdges: 2);
        Assert.False(r.Publish);
        LiveIs(r, "x", "y", "z");
        Assert.False(r.Changed);
        Assert.Empty(r.Substitutions);
        Assert.Equal(0, r.DiscretionaryUsed);
        Assert.True(D(r, "y").Live);
        Assert.Equal(DecisionReason.NotInEdgeList, D(r, "y").Reason);
        Assert.Equal(DecisionReason.Unavailable, D(r, "x").Reason);
        Assert.True(D(r, "x").Live);
        Assert.False(D(r, "n").Live);
        Assert.Contains("warning: y was live but is no longer in the edge list; still published until a set can be published", r.Notes);
        Assert.Contains("warning: x was live but is now unavailable; still published until a set can be published", r.Notes);
    }

    [Fact]
    public void An_empty_set_is_never_published()
    {
        var r = Select([F("a"), U("b"), PT("c", 0.1, EdgeMode.Unavailable)], [], 1, minEdges: 1);
        Assert.False(r.Publish);
        Assert.Empty(r.Live);
        Assert.True(r.Degraded);
    }

    [Fact]
    public void Min_edges_out_of_range_is_clamped_and_edge_count_below_one_is_rejected()
    {
        Assert.True(Select([PT("a", 0.1)], [], 2, minEdges: 0).Publish);
        Assert.False(Select([PT("a", 0.1)], [], 2, minEdges: 5).Publish);
        Assert.Throws<ArgumentOutOfRangeException>(() => Select([PT("a", 0.1)], [], 0));
        Assert.Throws<ArgumentException>(() => Select([PT("a", 0.1), PA("a", 0.2)], [], 1));
    }

    // ---- rule 7: substitutions ----

    [Fact]
    public void Substitutions_pair_losses_and_gains_in_ordinal_order()
    {
        var r = Select([F("b"), F("a"), PT("d", 0.1), PT("c", 0.2)], ["b", "a"], 2);
        Assert.Equal([new Substitution("a", "c", false), new Substitution("b", "d", false)], r.Substitutions);

        var grown = Select([PT("a", 0.1), PT("b", 0.2)], ["a"], 2);
        Assert.Equal([new Substitution(null, "b", false)], grown.Substitutions);
        Assert.True(grown.Changed);
    }

    [Fact]
    public void Discretionary_pairs_come_first_then_mandatory_ones()
    {
        var r = Select([PA("a", 0.5), F("b"), PT("c", 0.1), PT("d", 0.2)], ["a", "b"], 2);
        LiveIs(r, "c", "d");
        Assert.Equal([new Substitution("a", "c", true), new Substitution("b", "d", false)], r.Substitutions);
        Assert.Equal(1, r.DiscretionaryUsed);
    }

    // ---- rule 8: decisions ----

    [Fact]
    public void Every_listed_and_previously_live_edge_gets_one_decision_sorted_by_name()
    {
        var r = Select([P("c", 2), PT("a", 0.1), F("b"), U("e", EdgeMode.Available)], ["gone", "a"], 2);
        Assert.Equal(["a", "b", "c", "e", "gone"], r.Edges.Select(d => d.Edge));
        Assert.Equal(
            [DecisionReason.KeptHealthy, DecisionReason.Failing, DecisionReason.Filled, DecisionReason.Untested, DecisionReason.NotInEdgeList],
            r.Edges.Select(d => d.Reason));
        Assert.Equal(r.Live, r.Edges.Where(d => d.Live).Select(d => d.Edge));
        Assert.Equal("fail, avg 10.000 s, last 10.000 s; latest probe failed", D(r, "b").Detail);
        Assert.Equal("untested; no probe result yet", D(r, "e").Detail);
        Assert.Equal("pass, avg 2.000 s, last 2.500 s; filled: rank 2 of 2 usable", D(r, "c").Detail);
    }
}
