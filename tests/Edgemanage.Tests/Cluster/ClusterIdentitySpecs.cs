using Edgemanage.Actors.Membership;
using Xunit;

namespace Edgemanage.Tests.Cluster;

public sealed class ClusterIdentitySpecs
{
    private const string Own = "edgemanage/net";
    private const string Self = "127.0.0.1:4053";
    private static readonly string[] SelfFirst = [Self, "127.0.0.1:4054", "127.0.0.1:4055"];
    private static readonly string[] SelfSecond = ["127.0.0.1:4054", Self, "127.0.0.1:4055"];

    public static TheoryData<string, string[], string[], bool, JoinStep> Cases => new()
    {
        // seeds, answers (from=identity), asked once, step
        { "a seed of the same cluster answers: join", SelfSecond, ["127.0.0.1:4054=edgemanage/net"], false, JoinStep.Join },
        { "the first seed too joins a running cluster", SelfFirst, ["127.0.0.1:4055=edgemanage/net"], false, JoinStep.Join },
        { "another network's seed: refuse", SelfSecond, ["127.0.0.1:4054=edgemanage/othernet"], false, JoinStep.Refuse },
        { "another system name: refuse", SelfSecond, ["127.0.0.1:4054=other/net"], true, JoinStep.Refuse },
        { "one disagreeing seed is enough to refuse", SelfFirst, ["127.0.0.1:4054=edgemanage/net", "127.0.0.1:4055=edgemanage/a,b"], true, JoinStep.Refuse },
        { "nobody answered yet: wait for the round", SelfFirst, [], false, JoinStep.Wait },
        { "nobody up and this is the first seed: start the cluster", SelfFirst, [], true, JoinStep.Join },
        { "nobody up and this is not the first seed: keep waiting", SelfSecond, [], true, JoinStep.Wait },
        { "the only seed is this node: start the cluster", [Self], [], true, JoinStep.Join },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Judges_whether_to_join(string why, string[] seeds, string[] answers, bool askedOnce, JoinStep expected)
    {
        var parsed = answers.Select(a => a.Split('=')).Select(p => new SeedAnswer(p[0], p[1])).ToArray();
        var verdict = ClusterIdentity.Judge(Own, Self, seeds, parsed, askedOnce);
        Assert.True(expected == verdict.Step, why);
        Assert.Equal(expected == JoinStep.Refuse, verdict.Reason is not null);
    }

    [Fact]
    public void A_refusal_names_both_identities_and_what_to_check()
    {
        var verdict = ClusterIdentity.Judge(Own, Self, SelfSecond, [new SeedAnswer("127.0.0.1:4054", "edgemanage/othernet")], false);
        Assert.Equal("refused to join the cluster: the node at 127.0.0.1:4054 is 'edgemanage/othernet' but this node is 'edgemanage/net' " +
                     "(cluster.system_name/networks served); a node joins only the cluster of its own system name and networks: " +
                     "check --seed (cluster.seed_nodes), -A and cluster.system_name", verdict.Reason);
    }

    [Theory]
    [InlineData(new[] { "net" }, "edgemanage/net")]
    [InlineData(new[] { "b", "a", "b" }, "edgemanage/a,b")]
    public void The_identity_is_the_system_name_and_the_networks_in_order(string[] networks, string expected) =>
        Assert.Equal(expected, ClusterIdentity.Of("edgemanage", networks));

    [Fact]
    public void A_node_without_seeds_is_told_to_list_every_node()
    {
        Assert.Contains("give every node the same list", ClusterIdentity.SeedProblem([], Self));
        Assert.Null(ClusterIdentity.SeedProblem([Self], Self));
    }
}
