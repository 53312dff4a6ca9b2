using Edgemanage.Actors.Edges;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Probing;
using Xunit;

namespace Edgemanage.Tests.Edges;

public sealed class EdgeHistorySpecs
{
    private static Sample[] Samples(int n) => Enumerable.Range(1, n).Select(i => new Sample(i * 1000L, i, ProbeOutcome.Ok, 200)).ToArray();

    [Theory]
    [InlineData(5, 5)]
    [InlineData(3, 5)]
    [InlineData(8, 5)]
    [InlineData(0, 5)]
    public void Adopting_recovered_samples_keeps_the_newest_capacity_in_order(int recovered, int capacity)
    {
        var history = EdgeHistory.Adopt(Samples(recovered), capacity);
        var expected = Samples(recovered).TakeLast(capacity).Select(s => s.Seconds);
        Assert.Equal(expected, history.ToArray().Select(s => s.Seconds));

        // and it keeps behaving as a ring afterwards
        history.Add(new Sample(99_000, 99, ProbeOutcome.Ok, 200));
        var after = history.ToArray();
        Assert.Equal(Math.Min(recovered + 1, capacity), after.Length);
        Assert.Equal(99, after[^1].Seconds);
        Assert.Equal(99, history.Last!.Value.Seconds);
    }

    [Fact]
    public void The_ring_grows_with_its_samples_up_to_the_capacity_and_then_keeps_the_newest()
    {
        // 2000 samples preallocated for each of 100 000 edges were 4.8 GB before the first probe (issue 10).
        var history = new EdgeHistory(2000);
        Assert.Equal(0, history.Allocated);
        Assert.Equal(2000, history.Capacity);

        var samples = Samples(2500);
        history.Add(samples[0]);
        Assert.Equal(8, history.Allocated);
        for (var i = 1; i < 100; i++) history.Add(samples[i]);
        Assert.Equal(128, history.Allocated);
        Assert.Equal(samples.Take(100).Select(s => s.Seconds), history.ToArray().Select(s => s.Seconds));

        for (var i = 100; i < samples.Length; i++) history.Add(samples[i]);
        Assert.Equal(2000, history.Allocated);
        Assert.Equal(2000, history.Count);
        Assert.Equal(samples.TakeLast(2000).Select(s => s.Seconds), history.ToArray().Select(s => s.Seconds));
        Assert.Equal(2500, history.Last!.Value.Seconds);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(5, 7)]
    [InlineData(9, 30)]
    public void A_small_capacity_is_never_exceeded(int capacity, int added)
    {
        var history = new EdgeHistory(capacity);
        foreach (var s in Samples(added)) history.Add(s);
        Assert.Equal(capacity, history.Allocated);
        Assert.Equal(Samples(added).TakeLast(capacity).Select(s => s.Seconds), history.ToArray().Select(s => s.Seconds));
    }
}
