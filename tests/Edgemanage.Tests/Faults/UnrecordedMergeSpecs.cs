using Edgemanage.Actors.Edges;
using Edgemanage.Actors.Zones;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Probing;
using Edgemanage.Contracts.Zones;
using Xunit;

namespace Edgemanage.Tests.Faults;

/// <summary>
/// What serve keeps in memory while its journal takes no writes: history batches merged with a cap per edge (memory
/// stays bounded however long the outage), and zone records folded into one that applies as both would.
/// </summary>
public sealed class UnrecordedMergeSpecs
{
    private static EdgeSample S(string edge, long at) => new(edge, new Sample(at, 0.1f, ProbeOutcome.Ok, 200));

    [Fact]
    public void Merged_batches_keep_every_sample_in_order_up_to_the_cap_per_edge_and_count_what_they_drop()
    {
        var older = new HistoryRoundRecorded(10, [S("a", 1), S("b", 1), S("a", 2)]);
        var newer = new HistoryRoundRecorded(20, [S("a", 3), S("b", 2)]);

        var (all, none) = EdgeHistoryGroup.MergeCapped(older, newer, perEdge: 60);
        Assert.Equal(0, none);
        Assert.Equal(20, all.AtUnixMs);
        Assert.Equal([("a", 1L), ("b", 1L), ("a", 2L), ("a", 3L), ("b", 2L)], all.Samples.Select(s => (s.Edge, s.Sample.AtUnixMs)));

        var (capped, dropped) = EdgeHistoryGroup.MergeCapped(older, newer, perEdge: 2);
        Assert.Equal(1, dropped);
        Assert.Equal([("b", 1L), ("a", 2L), ("a", 3L), ("b", 2L)], capped.Samples.Select(s => (s.Edge, s.Sample.AtUnixMs)));
    }

    [Fact]
    public void A_long_outage_keeps_at_most_the_cap_per_edge()
    {
        var kept = new HistoryRoundRecorded(0, []);
        var dropped = 0;
        for (var t = 1; t <= 1000; t++)
        {
            var (merged, d) = EdgeHistoryGroup.MergeCapped(kept, new HistoryRoundRecorded(t, [S("a", t), S("b", t)]), EdgeHistoryGroup.UnrecordedSamplesPerEdge);
            kept = merged;
            dropped += d;
        }
        Assert.Equal(2 * EdgeHistoryGroup.UnrecordedSamplesPerEdge, kept.Samples.Count);
        Assert.Equal(2000 - 2 * EdgeHistoryGroup.UnrecordedSamplesPerEdge, dropped);
        Assert.Equal(1000, kept.Samples[^1].Sample.AtUnixMs);
    }

    [Fact]
    public void Folded_zone_records_apply_as_both_in_order()
    {
        var first = new ZonesWritten(1, 100, [new PublishedZone("a.test", "h1", 100, "k1", "f1"), new PublishedZone("b.test", "h2", 100, "k2", "f2")], ["127.0.0.2"]);
        var second = new ZonesWritten(2, 101, [new PublishedZone("a.test", "h3", 101, "k3", "f3")], null);
        var folded = ZoneWriterActor.Fold(first, second);

        var start = ZoneWriterState.Empty;
        var stepwise = start.Apply(first).Apply(second);
        var once = start.Apply(folded);
        Assert.Equal(stepwise.LastSerial, once.LastSerial);
        Assert.Equal(stepwise.LiveList, once.LiveList);
        Assert.Equal(stepwise.Zones.OrderBy(z => z.Key).Select(z => z.Value), once.Zones.OrderBy(z => z.Key).Select(z => z.Value));
    }
}
