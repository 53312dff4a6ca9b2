using System.Globalization;
using Edgemanage.Actors.Networks;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;
using FsCheck;
using FsCheck.Xunit;

namespace Edgemanage.Tests.Networks;

/// <summary>A generated combination, printed readably when a property fails.</summary>
public sealed record QuorumCase(IReadOnlyList<VantageObservation> Observations, IReadOnlyList<string> Edges, QuorumSettings Settings, int ShuffleSeed)
{
    public const long Now = 1_700_000_000_000;

    public QuorumResult Combine() => Quorum.Combine(Observations, Edges, Settings, Now);

    public override string ToString() =>
        $"Quorum={Settings.Quorum} MinVantages={Settings.MinVantages} BrokenShare={Settings.BrokenVantageShare} "
        + $"BrokenMin={Settings.BrokenVantageMinFailing} Edges=[{string.Join(",", Edges)}] Obs=[{string.Join("; ", Observations.Select(o => $"{o.Edge}@{o.Vantage} {o.Health.Name()} {o.Average} {o.LastSeconds} age={Now - o.AtUnixMs}"))}]";
}

public static class QuorumArbitraries
{
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(5);

    // Few distinct figures, so that ties are common; ages around the staleness boundary and from the future.
    private static readonly double?[] Figures = [null, 0.1, 0.2, 0.2, 0.5, 1.0, 10.0];
    private static readonly long[] FreshAges = [0, 0, 1_000, 60_000, 300_000, -5_000];
    private static readonly long[] StaleAges = [300_001, 600_000];

    private enum Kind { Normal, FailsMost, Stale, Patchy }

    private static readonly Gen<Kind> Kinds = Gen.Frequency(
        Tuple.Create(6, Gen.Constant(Kind.Normal)),
        Tuple.Create(2, Gen.Constant(Kind.FailsMost)),
        Tuple.Create(1, Gen.Constant(Kind.Stale)),
        Tuple.Create(2, Gen.Constant(Kind.Patchy)));

    private static Gen<EdgeHealth> Health(Kind kind) => kind == Kind.FailsMost
        ? Gen.Frequency(Tuple.Create(5, Gen.Constant(EdgeHealth.Fail)), Tuple.Create(1, Gen.Elements(Enum.GetValues<EdgeHealth>())))
        : Gen.Frequency(Tuple.Create(1, Gen.Constant(EdgeHealth.Fail)), Tuple.Create(4, Gen.Elements(Enum.GetValues<EdgeHealth>())));

    private static Gen<long> Age(Kind kind) => kind switch
    {
        Kind.Stale => Gen.Elements(StaleAges),
        Kind.Patchy => Gen.Elements(FreshAges.Concat(StaleAges).ToArray()),
        _ => Gen.Elements(FreshAges),
    };

    private static Gen<VantageObservation?> Cell(string edge, string vantage, Kind kind) =>
        from present in Gen.Frequency(Tuple.Create(5, Gen.Constant(true)), Tuple.Create(1, Gen.Constant(false)))
        from health in Health(kind)
        from avg in Gen.Elements(Figures)
        from last in Gen.Elements(Figures)
        from age in Age(kind)
        select present ? new VantageObservation(edge, vantage, health, avg, last, QuorumCase.Now - age) : null;

    private static Gen<List<VantageObservation>> VantageView(string vantage, IReadOnlyList<string> edges) =>
        from kind in Kinds
        from cells in Gen.Sequence(edges.Select(e => Cell(e, vantage, kind)))
        // An older duplicate now and then, and an edge that is not listed: both must be ignored.
        from extra in Gen.Frequency(Tuple.Create(4, Gen.Constant(0)), Tuple.Create(1, Gen.Constant(1)), Tuple.Create(1, Gen.Constant(2)))
        select cells.Where(c => c is not null).Select(c => c!)
            .Concat(extra == 1 && edges.Count > 0 ? [new VantageObservation(edges[0], vantage, EdgeHealth.Fail, 9, 9, QuorumCase.Now - 900_000)] : [])
            .Concat(extra == 2 ? [new VantageObservation("unlisted", vantage, EdgeHealth.Fail, 9, 9, QuorumCase.Now)] : [])
            .ToList();

    public static readonly Gen<QuorumSpec> Specs = Gen.OneOf(
        Gen.Constant(QuorumSpec.Majority),
        Gen.Choose(1, 4).Select(QuorumSpec.AtLeast),
        from d in Gen.Choose(1, 4) from n in Gen.Choose(1, d) select QuorumSpec.Share(n, d));

    public static readonly Gen<QuorumSettings> SettingsGen =
        from spec in Specs
        from min in Gen.Choose(1, 4)
        from share in Gen.Elements(0.3, 0.5, 0.5, 0.8, 1.0)
        from minFailing in Gen.Elements(1, 2, 3, 3)
        select new QuorumSettings(spec, StaleAfter, min, share, minFailing);

    private static string VantageName(int i) => i % 2 == 0 ? $"v{i}" : $"V{i}";

    public static Gen<QuorumCase> CasesWith(int minVantages, int maxVantages) =>
        from nv in Gen.Choose(minVantages, maxVantages)
        from ne in Gen.Choose(1, 12)
        let edges = Enumerable.Range(0, ne).Select(i => i % 3 == 0 ? $"E{i}" : $"e{i}").ToList()
        from views in Gen.Sequence(Enumerable.Range(0, nv).Select(i => VantageView(VantageName(i), edges)))
        from settings in SettingsGen
        from seed in Gen.Choose(0, int.MaxValue)
        select new QuorumCase(views.SelectMany(v => v).ToList(), edges, settings, seed);

    public static Arbitrary<QuorumCase> QuorumCases() => Arb.From(CasesWith(1, 5));
}

/// <summary>Invariants of the vote over random networks of up to 12 edges and 5 vantages.</summary>
[Properties(Arbitrary = new[] { typeof(QuorumArbitraries) }, MaxTest = 300)]
public sealed class QuorumProperties
{
    /// <summary>Everything a result says, as text, so two results can be compared whole.</summary>
    private static string Render(QuorumResult r) => string.Join("\n",
        r.Edges.Select(e => string.Create(CultureInfo.InvariantCulture,
                $"{e.Edge} {e.Health} {e.Average} {e.LastSeconds} {e.Voters} {e.FailVotes} [{string.Join(",", e.Votes)}]"))
            .Concat(r.Vantages.Select(v => $"{v.Vantage} {v.Status} {v.Observed} {v.Failing} {v.Detail}"))
            .Append($"{r.Frozen} {r.FrozenReason}")
            .Concat(r.Notes));

    [Property]
    public Property The_result_does_not_depend_on_input_order(QuorumCase c)
    {
        var rng = new System.Random(c.ShuffleSeed);
        var shuffled = c.Observations.OrderBy(_ => rng.Next()).ToList();
        var a = c.Combine();
        var b = Quorum.Combine(shuffled, c.Edges, c.Settings, QuorumCase.Now);
        return (Render(a) == Render(b)).ToProperty();
    }

    [Property]
    public Property Edges_follow_the_edge_list_and_vantages_are_sorted(QuorumCase c)
    {
        var r = c.Combine();
        var names = r.Vantages.Select(v => v.Vantage).ToList();
        return (r.Edges.Select(e => e.Edge).SequenceEqual(c.Edges)
                && names.SequenceEqual(c.Observations.Select(o => o.Vantage).Distinct().Order(StringComparer.Ordinal))
                && r.Edges.All(e => e.Votes.Select(v => v.Vantage).SequenceEqual(e.Votes.Select(v => v.Vantage).Distinct().Order())))
            .ToProperty();
    }

    [Property]
    public Property Fail_votes_never_exceed_voters_and_voters_are_the_counted_cells(QuorumCase c)
    {
        var r = c.Combine();
        return r.Edges.All(e =>
                e.FailVotes <= e.Voters
                && e.Voters == e.Votes.Count(v => v.Use == VoteUse.Counted)
                && e.FailVotes == e.Votes.Count(v => v.Use == VoteUse.Counted && v.Health == EdgeHealth.Fail)
                && e.Votes.All(v => v.Use != VoteUse.Counted || r.Vantages[v.Vantage].Status == VantageStatus.Voting
                                    || (r.Vantages[v.Vantage].Status == VantageStatus.Broken && v.Health != EdgeHealth.Fail))
                && (e.Voters > 0 || e.Health == EdgeHealth.Untested)
                && (e.Health == EdgeHealth.Fail) == (e.Voters > 0 && e.FailVotes >= c.Settings.Quorum.Required(e.Voters)))
            .ToProperty();
    }

    [Property]
    public Property Frozen_iff_fewer_voting_vantages_than_min_vantages(QuorumCase c)
    {
        var r = c.Combine();
        var voting = r.Vantages.Count(v => v.Status == VantageStatus.Voting);
        return (r.Frozen == voting < c.Settings.MinVantages
                && (r.FrozenReason is not null) == r.Frozen
                && (!r.Frozen || r.Notes[0] == $"error: {r.FrozenReason}")).ToProperty();
    }

    [Property]
    public Property At_most_half_of_the_vantages_are_broken(QuorumCase c)
    {
        var r = c.Combine();
        var judged = r.Vantages.Count(v => v.Status is VantageStatus.Voting or VantageStatus.Broken);
        var broken = r.Vantages.Count(v => v.Status == VantageStatus.Broken);
        return (broken <= judged / 2 && (judged == 0 || broken < judged)).ToProperty();
    }

    [Property]
    public Property Required_is_between_one_and_the_voters(QuorumCase c, NonNegativeInt voters)
    {
        var v = voters.Get % 50;
        var required = c.Settings.Quorum.Required(v);
        return (required >= 1 && (v == 0 || required <= v)).ToProperty();
    }

    [Property]
    public Property One_fresh_vantage_passes_its_own_verdicts_through(QuorumCase c)
    {
        // Keep one vantage's fresh observations only.
        var vantage = c.Observations.Select(o => o.Vantage).Order(StringComparer.Ordinal).FirstOrDefault();
        var mine = c.Observations.Where(o => o.Vantage == vantage && o.AtUnixMs >= QuorumCase.Now - 300_000 && c.Edges.Contains(o.Edge))
            .GroupBy(o => o.Edge).Select(g => g.MaxBy(o => o.AtUnixMs)!).ToList();
        var r = Quorum.Combine(mine, c.Edges, c.Settings, QuorumCase.Now);
        var byEdge = mine.ToDictionary(o => o.Edge);
        return r.Edges.All(e => byEdge.TryGetValue(e.Edge, out var o)
                ? e.Health == o.Health && (o.Health == EdgeHealth.Untested || (e.Average == o.Average && e.LastSeconds == o.LastSeconds))
                : e.Health == EdgeHealth.Untested)
            .ToProperty();
    }

    [Property]
    public Property A_new_healthy_vantage_observing_one_edge_never_makes_that_edge_fail(QuorumCase c, PositiveInt pick, PositiveInt tier)
    {
        var edge = c.Edges[pick.Get % c.Edges.Count];
        var health = (EdgeHealth)(tier.Get % 4); // pass_threshold .. pass
        var added = c.Observations.Append(new VantageObservation(edge, "zz-new", health, 0.2, 0.2, QuorumCase.Now)).ToList();
        var before = c.Combine().Edges.Single(e => e.Edge == edge);
        var after = Quorum.Combine(added, c.Edges, c.Settings, QuorumCase.Now).Edges.Single(e => e.Edge == edge);
        return (before.Health == EdgeHealth.Fail || after.Health != EdgeHealth.Fail).ToProperty();
    }

    [Property]
    public Property A_new_vantage_seeing_every_edge_healthy_never_makes_any_edge_fail(QuorumCase c, PositiveInt tier)
    {
        var health = (EdgeHealth)(tier.Get % 4);
        var added = c.Observations.Concat(c.Edges.Select(e => new VantageObservation(e, "zz-new", health, 0.2, 0.2, QuorumCase.Now))).ToList();
        var before = c.Combine();
        var after = Quorum.Combine(added, c.Edges, c.Settings, QuorumCase.Now);
        return before.Edges.Zip(after.Edges).All(p => p.Item1.Health == EdgeHealth.Fail || p.Item2.Health != EdgeHealth.Fail)
            .ToProperty();
    }

    [Property]
    public Property Every_vantage_failing_everything_means_everything_fails_and_nobody_is_broken(QuorumCase c)
    {
        var allFail = c.Observations.Select(o => o with { Health = EdgeHealth.Fail, AtUnixMs = QuorumCase.Now }).ToList();
        var r = Quorum.Combine(allFail, c.Edges, c.Settings, QuorumCase.Now);
        return (r.Vantages.All(v => v.Status != VantageStatus.Broken)
                && r.Edges.All(e => e.Voters == 0 ? e.Health == EdgeHealth.Untested : e.Health == EdgeHealth.Fail)).ToProperty();
    }

    [Property]
    public Property A_parsed_spec_prints_back_to_itself(QuorumCase c)
    {
        var spec = c.Settings.Quorum;
        return (QuorumSpec.TryParse(spec.ToString(), out var again, out _) && again == spec).ToProperty();
    }
}
