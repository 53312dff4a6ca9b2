using Edgemanage.Actors.Edges;
using Xunit;

namespace Edgemanage.Tests.Edges;

/// <summary>A cron round's budget comes from its work: waves of probe_concurrency, probe_start_rate, our own time per edge.</summary>
public sealed class RoundBudgetSpecs
{
    [Theory]
    // edges, concurrency, start rate, timeout s → start within s, deadline s (= start within + timeout + 5 s margin)
    [InlineData(0, 500, 0, 10, 0, 15)]                  // nothing to probe: only the margin
    [InlineData(10, 500, 0, 10, 0.01, 15.01)]           // one wave starts at once; 1 ms of our own work per edge
    [InlineData(500, 500, 0, 10, 0.5, 15.5)]            // exactly one wave
    [InlineData(501, 500, 0, 10, 10.501, 25.501)]       // one edge more waits for a whole timeout
    [InlineData(20_000, 500, 0, 10, 410, 425)]          // 40 waves: 39 timeouts before the last can start
    [InlineData(20_000, 1000, 0, 2, 58, 65)]            // 20 waves of 2 s
    [InlineData(1000, 1000, 100, 10, 10.99, 25.99)]     // the start rate, not the slots, spaces the starts: 999 / 100 s
    [InlineData(1000, 10, 1000, 10, 991, 1006)]         // the slots bound it although starts are fast
    public void The_budget_is_the_worst_case_of_the_work(int edges, int concurrency, int startRate, double timeout, double startWithin, double deadline)
    {
        var budget = RoundBudget.For(edges, concurrency, startRate, TimeSpan.FromSeconds(timeout));
        Assert.Equal(startWithin, budget.StartWithin.TotalSeconds, 6);
        Assert.Equal(deadline, budget.Deadline.TotalSeconds, 6);
    }

    [Fact]
    public void Settings_that_multiply_past_a_day_are_capped_not_overflowed()
    {
        var budget = RoundBudget.For(20_000, 1, 0, TimeSpan.FromDays(3000));
        Assert.Equal(RoundBudget.Longest, budget.StartWithin);
        Assert.Equal(RoundBudget.Longest, budget.Deadline);
    }

    [Theory]
    [InlineData(-1, 1, 0, 1)]
    [InlineData(1, 0, 0, 1)]
    [InlineData(1, 1, -1, 1)]
    [InlineData(1, 1, 0, 0)]
    public void Impossible_settings_are_refused(int edges, int concurrency, int startRate, double timeout) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => RoundBudget.For(edges, concurrency, startRate, TimeSpan.FromSeconds(timeout)));
}
