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
}
