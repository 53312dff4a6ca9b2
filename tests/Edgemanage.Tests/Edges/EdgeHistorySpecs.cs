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

    /// <summary>
    /// Judging a wrapped ring rotates it in place instead of copying it (issue 14): adds and judgments in any
    /// interleaving keep the same samples, in order, and judge exactly as the plain list would.
    /// </summary>
    [Theory]
    [InlineData(1, 5, 1)]
    [InlineData(4, 30, 2)]
    [InlineData(7, 50, 3)]
    [InlineData(16, 100, 5)]
    [InlineData(2000, 2100, 7)]
    public void Judging_between_adds_keeps_the_samples_and_their_order(int capacity, int added, int seed)
    {
        var random = new Random(seed);
        var settings = new JudgeSettings(GoodEnoughSeconds: 40, TimeoutSeconds: 10, WindowSeconds: 20, MedianWindowSeconds: 15);
        var history = EdgeHistory.Adopt(Samples(Math.Min(capacity, added / 2)), capacity);
        var reference = Samples(Math.Min(capacity, added / 2)).ToList();
        foreach (var sample in Samples(added).Skip(added / 2).Select(s => s with { Seconds = random.Next(1, 60) }))
        {
            history.Add(sample);
            reference.Add(sample);
            if (reference.Count > capacity) reference.RemoveAt(0);
            if (random.Next(3) == 0) continue; // not every add is judged: the ring is judged at every offset
            var now = sample.AtUnixMs;
            Assert.Equal(Judge.Evaluate(reference.ToArray(), settings, now), history.Judge(settings, now));
            Assert.Equal(reference, history.ToArray());
        }
        Assert.Equal(reference, history.ToArray());
    }
}
