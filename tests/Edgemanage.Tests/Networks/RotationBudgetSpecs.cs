using Edgemanage.Actors.Networks;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;
using FsCheck;
using FsCheck.Xunit;
using Xunit;

namespace Edgemanage.Tests.Networks;

/// <summary>dnschange_maxfreq over a sliding dnschange_window: the original never read it (§4.7).</summary>
public sealed class RotationBudgetSpecs
{
    private const long Now = 1_800_000_000_000;
    private static readonly RotationBudget ThreePer10Min = new(3, TimeSpan.FromSeconds(600));

    [Fact]
    public void Unlimited_when_maxfreq_is_not_set()
    {
        var unlimited = new RotationBudget(null, RotationBudget.DefaultWindow);
        Assert.Equal(int.MaxValue, unlimited.Remaining([Now, Now, Now], Now));
    }

    [Theory]
    [InlineData("nothing yet", new long[0], 3)]
    [InlineData("one just now counts", new[] { Now }, 2)]
    [InlineData("exactly one window ago no longer counts", new[] { Now - 600_000 }, 3)]
    [InlineData("just inside the window counts", new[] { Now - 599_999 }, 2)]
    [InlineData("a future time (clock went back) does not count", new[] { Now + 1 }, 3)]
    [InlineData("never negative", new[] { Now, Now, Now, Now, Now - 1 }, 0)]
    public void Remaining_counts_the_times_inside_the_window(string because, long[] times, int expected)
    {
        Assert.True(expected == ThreePer10Min.Remaining(times, Now), because);
    }

    [Fact]
    public void A_negative_maxfreq_allows_nothing()
    {
        Assert.Equal(0, new RotationBudget(-1, RotationBudget.DefaultWindow).Remaining([], Now));
    }

    [Fact]
    public void Prune_keeps_only_the_window_in_order()
    {
        var pruned = ThreePer10Min.Prune([Now - 700_000, Now - 300_000, Now - 600_000, Now - 1, Now + 5, Now], Now);
        Assert.Equal([Now - 300_000, Now - 1, Now], pruned);
    }

    [Fact]
    public void Record_appends_one_time_per_substitution()
    {
        Assert.Equal([Now - 5, Now, Now], RotationBudget.Record([Now - 5], 2, Now));
        Assert.Equal([Now - 5], RotationBudget.Record([Now - 5], 0, Now));
        Assert.Throws<ArgumentOutOfRangeException>(() => RotationBudget.Record([], -1, Now));
    }

    [Fact]
    public void Maxfreq_spreads_discretionary_substitutions_over_windows()
    {
        // dnschange_maxfreq 1 per 600 s: two pass_average edges to replace by two pass_threshold edges take two
        // windows, one substitution each, instead of rotating both at once.
        var budget = new RotationBudget(1, TimeSpan.FromSeconds(600));
        SelectionCandidate[] edges =
        [
            new("a", EdgeHealth.PassAverage, 0.5, 1.5, EdgeMode.Available),
            new("b", EdgeHealth.PassAverage, 0.6, 1.5, EdgeMode.Available),
            new("c", EdgeHealth.PassThreshold, 0.1, 0.1, EdgeMode.Available),
            new("d", EdgeHealth.PassThreshold, 0.2, 0.2, EdgeMode.Available),
        ];
        IReadOnlyList<long> times = [];
        IReadOnlyList<string> live = ["a", "b"];

        SelectionResult Round(long now)
        {
            times = budget.Prune(times, now);
            var r = Selector.Select(new SelectionInput(edges, live, 2, 1, budget.Remaining(times, now)));
            times = RotationBudget.Record(times, r.DiscretionaryUsed, now);
            live = r.Live;
            return r;
        }

        var first = Round(Now);
        Assert.Equal(["a", "c"], first.Live);
        Assert.Equal(1, first.DiscretionaryUsed);

        var second = Round(Now + 60_000);
        Assert.Equal(["a", "c"], second.Live);
        Assert.Equal(DecisionReason.Deferred, second.Edges.Single(e => e.Edge == "a").Reason);
        Assert.Equal(0, second.DiscretionaryUsed);

        var third = Round(Now + 600_000);
        Assert.Equal(["c", "d"], third.Live);
        Assert.Equal([new Substitution("a", "d", true)], third.Substitutions);
        Assert.Equal([Now + 600_000], times);
    }

    [Property(MaxTest = 300)]
    public Property Remaining_is_max_minus_pruned_count_and_recording_uses_it_up(NonNegativeInt max, int[] offsetsSeconds, NonNegativeInt made)
    {
        var budget = new RotationBudget(Math.Min(max.Get, 50), TimeSpan.FromSeconds(600));
        var times = offsetsSeconds.Select(o => Now - (long)(o % 1500) * 1000).ToList();
        var pruned = budget.Prune(times, Now);
        var remaining = budget.Remaining(times, Now);
        var count = Math.Min(made.Get, remaining);
        var after = budget.Remaining(RotationBudget.Record(pruned, count, Now), Now);
        return (remaining == Math.Max(0, budget.MaxPerWindow!.Value - pruned.Count)
                && budget.Remaining(pruned, Now) == remaining
                && after == remaining - count).ToProperty();
    }
}
