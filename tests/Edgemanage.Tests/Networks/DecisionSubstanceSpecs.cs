using Edgemanage.Actors.Networks;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;
using Xunit;

namespace Edgemanage.Tests.Networks;

/// <summary>Which differences between two decisions make serve persist the newer one (<see cref="DecisionSubstance"/>).</summary>
public sealed class DecisionSubstanceSpecs
{
    private static readonly DecisionRecord Base = new("net", 1_000, 2, ["a", "b"], ["a", "b"], Published: true, Degraded: false,
        [
            new EdgeDecision("a", EdgeHealth.PassThreshold, 0.1, 0.1, EdgeMode.Available, true, DecisionReason.KeptHealthy, "avg 0.100s"),
            new EdgeDecision("b", EdgeHealth.PassThreshold, 0.2, 0.2, EdgeMode.Available, true, DecisionReason.KeptHealthy, "avg 0.200s"),
            new EdgeDecision("c", EdgeHealth.Fail, null, 10, EdgeMode.Available, false, DecisionReason.Failing, "refused"),
        ],
        [], [],
        new VoteMatrix([new VantageState("eu", VantageStatus.Voting, 3, 1, "")], []));

    private static DecisionRecord WithEdge(int i, Func<EdgeDecision, EdgeDecision> change) =>
        Base with { Edges = Base.Edges.Select((e, j) => j == i ? change(e) : e).ToArray() };

    public static TheoryData<string, DecisionRecord> SaysTheSame => new()
    {
        { "later, with other figures", WithEdge(0, e => e with { Average = 0.3, LastSeconds = 0.25, Detail = "avg 0.300s" }) with { AtUnixMs = 9_000 } },
        { "a vantage's counts and detail", Base with { Votes = new VoteMatrix([new VantageState("eu", VantageStatus.Voting, 3, 0, "all fine")], []) } },
    };

    public static TheoryData<string, DecisionRecord> SaysSomethingNew => new()
    {
        { "another live set", Base with { Live = ["a", "c"] } },
        { "not published", Base with { Published = false } },
        { "degraded", Base with { Degraded = true } },
        { "a substitution", Base with { Substitutions = [new Substitution("b", "c", Discretionary: true)] } },
        { "a note", Base with { Notes = ["frozen"] } },
        { "another health", WithEdge(1, e => e with { Health = EdgeHealth.PassWindow }) },
        { "another mode", WithEdge(2, e => e with { Mode = EdgeMode.Unavailable }) },
        { "another reason", WithEdge(0, e => e with { Reason = DecisionReason.Filled }) },
        { "an edge more", Base with { Edges = [.. Base.Edges, new EdgeDecision("d", EdgeHealth.Untested, null, null, EdgeMode.Available, false, DecisionReason.Untested, "")] } },
        { "a vantage stale", Base with { Votes = new VoteMatrix([new VantageState("eu", VantageStatus.Stale, 3, 1, "")], []) } },
        { "votes where there were none", Base with { Votes = null } },
        { "another edge_count", Base with { Required = 3 } },
    };

    [Theory]
    [MemberData(nameof(SaysTheSame))]
    public void Figures_and_time_alone_are_not_news(string what, DecisionRecord newer) =>
        Assert.True(DecisionSubstance.Same(newer, Base), what);

    [Theory]
    [MemberData(nameof(SaysSomethingNew))]
    public void Anything_an_operator_would_ask_why_about_is_news(string what, DecisionRecord newer)
    {
        Assert.False(DecisionSubstance.Same(newer, Base), what);
        Assert.False(DecisionSubstance.Same(Base, newer), what + " (either way round)");
    }
}
