using Edgemanage.Actors.Networks;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;
using FsCheck;
using FsCheck.Xunit;

namespace Edgemanage.Tests.Networks;

/// <summary>A generated selection input, printed readably when a property fails.</summary>
public sealed record SelectionCase(SelectionInput Input, int ShuffleSeed)
{
    public override string ToString() =>
        $"Required={Input.Required} MinEdges={Input.MinEdges} Budget={Input.DiscretionaryBudget} "
        + $"Previous=[{string.Join(",", Input.PreviousLive)}] Edges=[{string.Join("; ", Input.Edges.Select(e => $"{e.Edge} {e.Health.Name()} {e.Average} {e.LastSeconds} {e.Mode.Name()}"))}]";
}

public static class SelectionArbitraries
{
    // Few distinct figures on purpose, so that ties (which must be broken by name) are common.
    private static readonly double?[] Figures = [null, 0.1, 0.2, 0.2, 0.5, 1.0, 3.0, 10.0];

    private sealed record Slot(bool Listed, bool WasLive, EdgeHealth Health, double? Average, double? Last, EdgeMode Mode);

    private static readonly Gen<EdgeMode> Modes = Gen.Frequency(
        Tuple.Create(8, Gen.Constant(EdgeMode.Available)),
        Tuple.Create(1, Gen.Constant(EdgeMode.Force)),
        Tuple.Create(1, Gen.Constant(EdgeMode.BlindForce)),
        Tuple.Create(1, Gen.Constant(EdgeMode.Unavailable)));

    private static readonly Gen<Slot> Slots =
        from listed in Gen.Frequency(Tuple.Create(9, Gen.Constant(true)), Tuple.Create(1, Gen.Constant(false)))
        from wasLive in Gen.Frequency(Tuple.Create(1, Gen.Constant(true)), Tuple.Create(2, Gen.Constant(false)))
        from health in Gen.Elements(Enum.GetValues<EdgeHealth>())
        from avg in Gen.Elements(Figures)
        from last in Gen.Elements(Figures)
        from mode in Modes
        select new Slot(listed, wasLive, health, avg, last, mode);

    public static readonly Gen<SelectionCase> Cases =
        from n in Gen.Choose(1, 30)
        from slots in Gen.ArrayOf(n, Slots)
        from required in Gen.Choose(1, 8)
        from minEdges in Gen.Choose(1, required)
        from budget in Gen.Frequency(
            Tuple.Create(1, Gen.Constant(int.MaxValue)),
            Tuple.Create(3, Gen.Choose(0, 3)))
        from seed in Gen.Choose(0, int.MaxValue)
        select Build(slots, required, minEdges, budget, seed);

    private static SelectionCase Build(Slot[] slots, int required, int minEdges, int budget, int seed)
    {
        // Names of mixed length and case so that ordinal order differs from numeric and culture order.
        string Name(int i) => i % 3 == 0 ? $"E{i}" : i % 3 == 1 ? $"e{i}" : $"10.0.0.{i}";
        var edges = slots.Select((s, i) => (s, i)).Where(p => p.s.Listed)
            .Select(p => new SelectionCandidate(Name(p.i), p.s.Health, p.s.Average, p.s.Last, p.s.Mode)).ToList();
        var previous = slots.Select((s, i) => (s, i)).Where(p => p.s.WasLive).Select(p => Name(p.i)).ToList();
        return new SelectionCase(new SelectionInput(edges, previous, required, minEdges, budget), seed);
    }

    public static Arbitrary<SelectionCase> SelectionCase() => Arb.From(Cases);
}

/// <summary>Invariants of the selector over random networks of up to 30 edges (rule 9 of the brief).</summary>
[Properties(Arbitrary = new[] { typeof(SelectionArbitraries) }, MaxTest = 400)]
public sealed class SelectorProperties
{
    private static bool Usable(EdgeHealth h) => h <= EdgeHealth.Pass;

    private static Dictionary<string, SelectionCandidate> ByName(SelectionInput i) => i.Edges.ToDictionary(e => e.Edge, StringComparer.Ordinal);

    [Property]
    public Property Live_is_sorted_distinct_and_drawn_from_the_input(SelectionCase c)
    {
        var r = Selector.Select(c.Input);
        var known = c.Input.Edges.Select(e => e.Edge).Concat(c.Input.PreviousLive).ToHashSet(StringComparer.Ordinal);
        return (r.Live.SequenceEqual(r.Live.Distinct().Order(StringComparer.Ordinal)) && r.Live.All(known.Contains)).ToProperty();
    }

    [Property]
    public Property Published_sets_hold_one_to_required_edges_and_unpublished_ones_are_the_previous_set(SelectionCase c)
    {
        var r = Selector.Select(c.Input);
        var previous = c.Input.PreviousLive.Distinct().Order(StringComparer.Ordinal);
        return (r.Publish
                ? r.Live.Count >= 1 && r.Live.Count >= c.Input.MinEdges && r.Live.Count <= c.Input.Required
                : r.Live.SequenceEqual(previous) && !r.Changed && r.Substitutions.Count == 0).ToProperty();
    }

    [Property]
    public Property No_unavailable_edge_is_published(SelectionCase c)
    {
        var r = Selector.Select(c.Input);
        var byName = ByName(c.Input);
        return (!r.Publish || r.Live.All(e => byName[e].Mode != EdgeMode.Unavailable)).ToProperty();
    }

    [Property]
    public Property Every_blindforce_edge_is_published_when_forced_edges_fit(SelectionCase c)
    {
        var r = Selector.Select(c.Input);
        var forced = c.Input.Edges.Count(e => e.Mode == EdgeMode.BlindForce || (e.Mode == EdgeMode.Force && Usable(e.Health)));
        var blind = c.Input.Edges.Where(e => e.Mode == EdgeMode.BlindForce).Select(e => e.Edge);
        return (!r.Publish || forced > c.Input.Required || blind.All(r.Live.Contains)).ToProperty();
    }

    [Property]
    public Property A_left_out_usable_available_edge_means_no_failing_or_untested_edge_is_live_unless_blindforced(SelectionCase c)
    {
        var r = Selector.Select(c.Input);
        var byName = ByName(c.Input);
        var usableLeftOut = c.Input.Edges.Any(e => Usable(e.Health) && e.Mode == EdgeMode.Available && !r.Live.Contains(e.Edge));
        return (!r.Publish || !usableLeftOut
                || r.Live.All(e => Usable(byName[e].Health) || byName[e].Mode == EdgeMode.BlindForce)).ToProperty();
    }

    [Property]
    public Property The_result_does_not_depend_on_input_order(SelectionCase c)
    {
        var rng = new System.Random(c.ShuffleSeed);
        var shuffled = c.Input with
        {
            Edges = c.Input.Edges.OrderBy(_ => rng.Next()).ToList(),
            PreviousLive = c.Input.PreviousLive.OrderBy(_ => rng.Next()).ToList(),
        };
        var a = Selector.Select(c.Input);
        var b = Selector.Select(shuffled);
        return (a.Live.SequenceEqual(b.Live) && a.Publish == b.Publish && a.Changed == b.Changed && a.Degraded == b.Degraded
                && a.Edges.SequenceEqual(b.Edges) && a.Substitutions.SequenceEqual(b.Substitutions)
                && a.DiscretionaryUsed == b.DiscretionaryUsed && a.Notes.SequenceEqual(b.Notes)).ToProperty();
    }

    [Property]
    public Property The_budget_is_respected_and_counted_from_the_substitutions(SelectionCase c)
    {
        var r = Selector.Select(c.Input);
        return (r.DiscretionaryUsed <= c.Input.DiscretionaryBudget
                && r.DiscretionaryUsed == r.Substitutions.Count(s => s.Discretionary)).ToProperty();
    }

    [Property]
    public Property With_no_budget_a_full_usable_previous_set_is_kept(SelectionCase c)
    {
        // Make every previously live edge listed, usable and available, the previous set exactly edge_count,
        // and force nothing: then every possible substitution is discretionary and none is allowed.
        var listed = c.Input.Edges.Select(e => e.Edge).ToHashSet(StringComparer.Ordinal);
        var previous = c.Input.PreviousLive.Where(listed.Contains).Distinct().ToList();
        if (previous.Count == 0) return true.ToProperty();
        var wasLive = previous.ToHashSet(StringComparer.Ordinal);
        var edges = c.Input.Edges.Select(e => e with
        {
            Mode = e.Mode is EdgeMode.Force or EdgeMode.BlindForce || wasLive.Contains(e.Edge) ? EdgeMode.Available : e.Mode,
            Health = wasLive.Contains(e.Edge) && !Usable(e.Health) ? EdgeHealth.Pass : e.Health,
        }).ToList();
        var input = new SelectionInput(edges, previous, previous.Count, 1, 0);
        var r = Selector.Select(input);
        return (r.Publish && !r.Changed && r.DiscretionaryUsed == 0
                && r.Live.SequenceEqual(previous.Order(StringComparer.Ordinal))).ToProperty();
    }

    [Property]
    public Property Substitutions_account_for_exactly_the_edges_that_left_and_came(SelectionCase c)
    {
        var r = Selector.Select(c.Input);
        var previous = c.Input.PreviousLive.ToHashSet(StringComparer.Ordinal);
        var live = r.Live.ToHashSet(StringComparer.Ordinal);
        var outs = r.Substitutions.Where(s => s.Out is not null).Select(s => s.Out!).Order(StringComparer.Ordinal);
        var ins = r.Substitutions.Where(s => s.In is not null).Select(s => s.In!).Order(StringComparer.Ordinal);
        return (outs.SequenceEqual(previous.Where(e => !live.Contains(e)).Order(StringComparer.Ordinal))
                && ins.SequenceEqual(live.Where(e => !previous.Contains(e)).Order(StringComparer.Ordinal))
                && r.Changed == !live.SetEquals(previous)
                && r.Degraded == (!r.Publish || r.Live.Count < c.Input.Required
                                  || r.Edges.Any(e => e.Live && e.Reason == DecisionReason.KeptForLackOfBetter))).ToProperty();
    }

    [Property]
    public Property One_decision_per_edge_sorted_and_agreeing_with_live(SelectionCase c)
    {
        var r = Selector.Select(c.Input);
        var names = c.Input.Edges.Select(e => e.Edge).Concat(c.Input.PreviousLive).Distinct().Order(StringComparer.Ordinal);
        var liveReasons = new[]
        {
            DecisionReason.KeptHealthy, DecisionReason.Forced, DecisionReason.BlindForced, DecisionReason.Filled,
            DecisionReason.Deferred, DecisionReason.KeptForLackOfBetter,
        };
        return (r.Edges.Select(d => d.Edge).SequenceEqual(names)
                && r.Edges.Where(d => d.Live).Select(d => d.Edge).SequenceEqual(r.Live)
                && r.Edges.All(d => d.Detail.Length > 0)
                // When published, a live edge always has a live reason and a non-live edge never does.
                && (!r.Publish || r.Edges.All(d => d.Live == liveReasons.Contains(d.Reason)))).ToProperty();
    }

    [Property]
    public Property A_second_identical_round_changes_nothing(SelectionCase c)
    {
        // The decision is a fixed point: fed its own result, with the same judgements, it keeps it.
        var unlimited = c.Input with { DiscretionaryBudget = int.MaxValue };
        var first = Selector.Select(unlimited);
        var second = Selector.Select(unlimited with { PreviousLive = first.Live });
        return (!second.Changed && second.Live.SequenceEqual(first.Live)).ToProperty();
    }
}
