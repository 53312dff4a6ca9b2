using Edgemanage.Node.Output;
using FsCheck.Xunit;
using Xunit;

namespace Edgemanage.Tests.Output;

public sealed class EdgeOrderSpecs
{
    [Fact]
    public void Addresses_sort_numerically_then_ipv6_then_names()
    {
        string[] edges = ["edge-b.example", "127.0.0.10", "::1", "127.0.0.2", "10.0.0.1", "edge-a.example", "127.0.0.13"];
        Assert.Equal(["10.0.0.1", "127.0.0.2", "127.0.0.10", "127.0.0.13", "::1", "edge-a.example", "edge-b.example"], EdgeOrder.Sort(edges));
    }

    [Property(MaxTest = 300)]
    public bool Sorting_does_not_depend_on_the_input_order(string[] names)
    {
        var clean = (names ?? []).Where(n => n is not null).ToArray();
        var once = EdgeOrder.Sort(clean).ToArray();
        return once.SequenceEqual(EdgeOrder.Sort(once.Reverse())) && clean.All(n => EdgeOrder.Instance.Compare(n, n) == 0);
    }
}
