using Edgemanage.Actors.Networks;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;
using FsCheck;
using FsCheck.Xunit;

namespace Edgemanage.Tests.Networks;

/// <summary>One step of a book's life: a batch of reports, a new edge list, or a judgement at some time.</summary>
public abstract record BookStep
{
    public sealed record Batch(IReadOnlyList<EdgeReport> Reports) : BookStep
    {
        public override string ToString() => "apply [" + string.Join("; ", Reports.Select(r =>
            $"{r.Edge}@{r.Vantage} {r.Verdict.Health.Name()} t+{(r.Verdict.Last?.AtUnixMs ?? Books.T0) - Books.T0} {r.Mode.Name()}/{r.ModeChangedAtUnixMs}"
            + (r.ModeExpiresAtUnixMs is { } x ? $" until t+{x - Books.T0}" : ""))) + "]";
    }

    public sealed record Network(IReadOnlyList<string> Edges, IReadOnlyDictionary<string, string> Canaries) : BookStep
    {
        public override string ToString() => $"network [{string.Join(",", Edges)}] canaries [{string.Join(",", Canaries.Values)}]";
    }

    public sealed record JudgeAt(long SinceT0) : BookStep
    {
        public override string ToString() => $"judge t+{SinceT0}";
    }
}

public sealed record BookCase(QuorumSettings Settings, IReadOnlyList<string> Edges, IReadOnlyList<BookStep> Steps)
{
    public override string ToString() =>
        $"quorum {Settings.Quorum} min {Settings.MinVantages} brokenMin {Settings.BrokenVantageMinFailing} edges [{string.Join(",", Edges)}]\n  "
        + string.Join("\n  ", Steps);
}

public static class BookArbitraries
{
    // Mixed case, so that ordinal order differs from a culture's: rows and the vantage list must agree on it.
    private static readonly string[] EdgePool = ["a", "B", "c", "D", "e", "f", "x"];
    private static readonly string[] VantagePool = ["v1", "V2", "v3", "W"];
    private static readonly double?[] Figures = [null, 0.1, 0.2, 0.2, 1.0];

    // Probe times over 0..200 s with vote_stale_after 30 s, judged over 0..260 s (sometimes back in time), so
    // observations turn stale between judgements with no report arriving; and vantages see most edges failing
    // now and then, so they turn broken and back.
    private static readonly Gen<EdgeReport> Reports =
        from edge in Gen.Elements(EdgePool)
        from vantage in Gen.Elements(VantagePool)
        from health in Gen.Frequency(Tuple.Create(3, Gen.Constant(EdgeHealth.Fail)), Tuple.Create(5, Gen.Elements(Enum.GetValues<EdgeHealth>())))
        from seconds in Gen.Choose(0, 200)
        from average in Gen.Elements(Figures)
        from mode in Gen.Frequency(Tuple.Create(6, Gen.Constant(EdgeMode.Available)), Tuple.Create(1, Gen.Elements(Enum.GetValues<EdgeMode>())))
        from modeChangedAt in Gen.Choose(0, 3)
        from expires in Gen.Frequency(Tuple.Create(3, Gen.Constant<long?>(null)), Tuple.Create(1, Gen.Choose(0, 260).Select(s => (long?)(Books.T0 + s * 1000L))))
        select Books.Report(edge, vantage, health, Books.T0 + seconds * 1000L, average, mode, modeChangedAt, expires);

    private static readonly Gen<BookStep> Steps = Gen.Frequency(
        Tuple.Create(5, Gen.Choose(1, 8).SelectMany(k => Gen.ArrayOf(k, Reports)).Select(r => (BookStep)new BookStep.Batch(r))),
        Tuple.Create(4, Gen.Choose(0, 260).Select(s => (BookStep)new BookStep.JudgeAt(s * 1000L + s % 7))),
        Tuple.Create(1, Gen.SubListOf(EdgePool).SelectMany(edges => Gen.Elements(true, false).Select(canary =>
            (BookStep)new BookStep.Network(edges.Where(e => e != "x").ToArray(),
                canary ? new Dictionary<string, string> { ["zone"] = "x" } : new Dictionary<string, string>())))));

    public static Arbitrary<BookCase> Cases() => Arb.From(
        from spec in Gen.Elements(QuorumSpec.Majority, QuorumSpec.AtLeast(1), QuorumSpec.AtLeast(2), QuorumSpec.Share(1, 3))
        from min in Gen.Choose(1, 3)
        from brokenMin in Gen.Choose(1, 3)
        from edges in Gen.SubListOf(EdgePool.Take(6).ToArray())
        from steps in Gen.Choose(1, 40).SelectMany(k => Gen.ListOf(k, Steps))
        select new BookCase(new QuorumSettings(spec, Books.StaleAfter, min, 0.5, brokenMin), edges.ToArray(), steps.ToArray()));
}

/// <summary>
/// The incremental judgement (per-edge work cached, redone only where something changed) always equals the full
/// recompute, over random sequences of report batches, edge-list changes and judgement times.
/// </summary>
[Properties(Arbitrary = new[] { typeof(BookArbitraries) }, MaxTest = 400)]
public sealed class ObservationBookProperties
{
    [Property]
    public Property Incremental_judgement_equals_the_full_recompute(BookCase c)
    {
        var book = ObservationBook.Start(c.Edges, new Dictionary<string, string>(), c.Settings, Books.T0, Books.HoldFor);
        var step = 0;
        foreach (var s in c.Steps)
        {
            step++;
            switch (s)
            {
                case BookStep.Batch b:
                    book = book.Apply(b.Reports);
                    break;
                case BookStep.Network n:
                    book = book.WithNetwork(n.Edges, n.Canaries);
                    break;
                case BookStep.JudgeAt j:
                    var now = Books.T0 + j.SinceT0;
                    (book, var incremental) = book.Judge(now);
                    var full = book.JudgeFromScratch(now);
                    var (a, e) = (ObservationBookSpecs.Render(incremental), ObservationBookSpecs.Render(full));
                    if (a != e) return false.Label($"step {step}: incremental\n{a}\nfull\n{e}");
                    break;
            }
        }
        return true.ToProperty();
    }
}
