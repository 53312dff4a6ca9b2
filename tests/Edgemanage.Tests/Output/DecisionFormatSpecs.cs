using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;
using Edgemanage.Node.Output;
using Xunit;

namespace Edgemanage.Tests.Output;

/// <summary>What <c>why</c> says, from a decision record.</summary>
public sealed class DecisionFormatSpecs
{
    private static readonly DecisionRecord Decision = new("net", 1_800_000_000_000, 2, ["a", "b"], ["a", "c"], Published: true, Degraded: false,
        [
            new EdgeDecision("a", EdgeHealth.PassThreshold, 0.1, 0.1, EdgeMode.Available, true, DecisionReason.KeptHealthy, "was live and is still pass_threshold"),
            new EdgeDecision("b", EdgeHealth.Fail, 10, null, EdgeMode.Available, false, DecisionReason.Failing, "fail by 2 of 3 votes"),
            new EdgeDecision("c", EdgeHealth.PassThreshold, 0.2, 0.2, EdgeMode.Available, true, DecisionReason.Filled, "filled: rank 2"),
        ],
        [new Substitution("b", "c", false)], [],
        new VoteMatrix(
            [new VantageState("eu", VantageStatus.Voting, 3, 1, ""), new VantageState("us", VantageStatus.Voting, 3, 1, ""), new VantageState("asia", VantageStatus.Broken, 3, 3, "sees most edges failing")],
            [new EdgeVotes("b", [new VoteCell(0, EdgeHealth.Fail, VoteUse.Counted), new VoteCell(1, EdgeHealth.Fail, VoteUse.Counted), new VoteCell(2, EdgeHealth.Fail, VoteUse.Abstained)])]));

    [Fact]
    public void Why_names_the_reason_the_substitution_and_every_vantages_vote()
    {
        var output = new StringWriter();
        DecisionFormat.WriteWhy(output, Decision, "b");
        var text = output.ToString();
        Assert.Contains("b is NOT live in net", text);
        Assert.Contains("reason: failing: fail by 2 of 3 votes", text);
        Assert.Contains("substitution: b -> c", text);
        Assert.Contains("votes: eu fail, us fail, asia fail (abstained: broken)", text);
    }

    [Fact]
    public void Why_for_a_live_edge_without_votes_says_so_plainly()
    {
        var output = new StringWriter();
        DecisionFormat.WriteWhy(output, Decision with { Votes = null }, "a");
        Assert.Contains("a is LIVE in net", output.ToString());
        Assert.DoesNotContain("votes:", output.ToString());
    }
}
