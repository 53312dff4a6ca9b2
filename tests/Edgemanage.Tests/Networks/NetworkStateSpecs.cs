using Edgemanage.Actors.Networks;
using Edgemanage.Contracts.Networks;
using Xunit;

namespace Edgemanage.Tests.Networks;

/// <summary>The NetworkActor's decision state: what the next decision starts from.</summary>
public sealed class NetworkStateSpecs
{
    private static DecisionRecord Decision(long at, params string[] live) =>
        new("net", at, 2, [], live, Published: true, Degraded: false, [], [], []);

    [Fact]
    public void The_inherited_live_list_wins_until_the_next_decision()
    {
        var state = NetworkState.Empty.Apply(new DecisionRecorded(Decision(1, "a", "b"), [5]));
        Assert.Equal(["a", "b"], state.PreviousLive);

        state = state.Inherit(["c", "d"]);
        Assert.Equal(["c", "d"], state.PreviousLive);

        state = state.Apply(new DecisionRecorded(Decision(2, "c", "e"), [5, 6]));
        Assert.Null(state.InheritedLive);
        Assert.Equal(["c", "e"], state.PreviousLive);
        Assert.Equal([5L, 6L], state.SubstitutionTimesUnixMs);
    }

    [Theory]
    [InlineData(null, 10L, 10L)]
    [InlineData(5L, 10L, 10L)]
    [InlineData(20L, 10L, 20L)] // a decision written late (the journal caught up) never moves it back
    public void The_time_of_the_last_persisted_decision_only_moves_forward(long? before, long written, long after) =>
        Assert.Equal(after, (NetworkState.Empty with { LastPersistedAtUnixMs = before }).Persisted(written).LastPersistedAtUnixMs);

    [Fact]
    public void A_snapshot_restores_the_decision_and_the_substitution_times()
    {
        var state = NetworkState.Empty.Apply(new NetworkSnapshot(Decision(3, "x"), [1, 2]));
        Assert.Equal(["x"], state.PreviousLive);
        Assert.Equal([1L, 2L], state.SubstitutionTimesUnixMs);
        Assert.Null(NetworkState.Empty.PreviousLive.FirstOrDefault());
    }
}
