using Akka.Actor;
using Edgemanage.Actors.Admin;
using Edgemanage.Contracts.Admin;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;
using Xunit;
using static Edgemanage.Contracts.Admin.AdminReplies;
using static Edgemanage.Contracts.Admin.AdminRequests;
using static Edgemanage.Contracts.Edges.EdgeCommands;
using static Edgemanage.Contracts.Edges.EdgeReplies;
using static Edgemanage.Contracts.Networks.NetworkCommands;
using static Edgemanage.Contracts.Networks.NetworkReplies;

namespace Edgemanage.Tests.Ctl;

/// <summary>The admin actor's rules, with probes standing in for a network and its edges.</summary>
public sealed class AdminActorSpecs : Akka.TestKit.Xunit2.TestKit
{
    private const string Secret = "correct horse battery";
    private readonly Akka.TestKit.TestProbe _network;
    private readonly Akka.TestKit.TestProbe _edges;
    private readonly IActorRef _admin;

    public AdminActorSpecs()
    {
        _network = CreateTestProbe();
        _edges = CreateTestProbe();
        _admin = Sys.ActorOf(AdminActor.Props(new AdminActorSettings(Secret, "127.0.0.1:4054", TimeSpan.FromSeconds(1))));
        _admin.Tell(new NetworkServed("net", Sys, _network.Ref, _edges.Ref));
    }

    [Theory]
    [InlineData("", "needs the admin secret")]
    [InlineData("correct horse", "wrong admin secret")]
    [InlineData("correct horse battery ", "wrong admin secret")]
    public void A_change_without_the_right_secret_is_refused_and_never_reaches_the_edges(string offered, string message)
    {
        _admin.Tell(new SetMode("net", "127.0.0.2", EdgeMode.Unavailable, "[ops] x", null, offered));
        var error = ExpectMsg<AdminError>();
        Assert.Equal(AdminErrorKind.Denied, error.Kind);
        Assert.Contains(message, error.Message);
        _edges.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_mode_change_goes_to_the_edges_with_its_expiry_and_is_acknowledged()
    {
        _admin.Tell(new SetMode("net", "127.0.0.2", EdgeMode.Unavailable, "[ops] x", 1_800_000_000_000, Secret));
        var set = _edges.ExpectMsg<SetEdgeMode>();
        Assert.Equal(("net", "127.0.0.2", EdgeMode.Unavailable, 1_800_000_000_000L), (set.Network, set.Edge, set.Mode, set.ExpiresAtUnixMs!.Value));
        _edges.Reply(new EdgeModeSet("net", "127.0.0.2", EdgeMode.Unavailable, "[ops] x", 1_800_000_000_000));
        Assert.Contains("Set mode for 127.0.0.2 to unavailable until 2027-01-15", ExpectMsg<AdminAck>().Message);
    }

    [Fact]
    public void An_edge_the_history_group_does_not_know_is_not_found()
    {
        _admin.Tell(new SetMode("net", "10.9.9.9", EdgeMode.Force, "[ops] x", null, Secret));
        _edges.ExpectMsg<SetEdgeMode>();
        _edges.Reply(new EdgeModeRejected("net", "10.9.9.9", "10.9.9.9 is not an edge of net"));
        Assert.Equal(AdminErrorKind.NotFound, ExpectMsg<AdminError>().Kind);
    }

    [Fact]
    public void An_unknown_network_is_not_found_and_names_what_the_node_serves()
    {
        _admin.Tell(new ShowNetwork("other"));
        var error = ExpectMsg<AdminError>();
        Assert.Equal(AdminErrorKind.NotFound, error.Kind);
        Assert.Contains("(it serves net)", error.Message);
    }

    [Fact]
    public void A_network_that_does_not_answer_gives_unavailable_not_a_hang()
    {
        _admin.Tell(new ShowNetwork("net"));
        _network.ExpectMsg<GetNetworkStatus>();
        Assert.Equal(AdminErrorKind.Unavailable, ExpectMsg<AdminError>(TimeSpan.FromSeconds(5)).Kind);
    }

    [Fact]
    public void Net_list_summarises_each_network_from_its_status()
    {
        _admin.Tell(ListNetworks.Instance);
        _network.ExpectMsg<GetNetworkStatus>();
        _network.Reply(new NetworkStatus("net", 1, ["127.0.0.2"], null, [], 3, 1, 600_000, "only 1 of 2 vantages vote", true, 4));
        var list = ExpectMsg<NetworkList>();
        var net = Assert.Single(list.Networks);
        Assert.Equal((1, "only 1 of 2 vantages vote", 1), (net.Live, net.FrozenReason, net.BudgetRemaining));
    }

    [Fact]
    public void Cluster_commands_on_a_node_of_its_own_say_so()
    {
        _admin.Tell(GetClusterStatus.Instance);
        var status = ExpectMsg<ClusterStatus>();
        Assert.False(status.Clustered);
        Assert.Equal(["net"], status.Networks);
        _admin.Tell(new DownUnreachable(Secret));
        Assert.Equal(AdminErrorKind.Invalid, ExpectMsg<AdminError>().Kind);
    }

    [Fact]
    public void The_actor_hierarchy_lists_named_actors_to_the_depth_asked()
    {
        Sys.ActorOf(Props.Create(() => new Parent()), "parent");
        // The parent creates its child in its constructor, which runs after ActorOf returns.
        IReadOnlyList<string> all = [];
        AwaitAssert(() =>
        {
            _admin.Tell(new GetActorHierarchy(0));
            all = ExpectMsg<ActorHierarchy>().Paths;
            Assert.Contains("akka://test/user/parent/child", all);
        });
        Assert.DoesNotContain(all, p => p.Contains("/$", StringComparison.Ordinal));
        _admin.Tell(new GetActorHierarchy(2));
        var shallow = ExpectMsg<ActorHierarchy>().Paths;
        Assert.Contains("akka://test/user/parent", shallow);
        Assert.DoesNotContain("akka://test/user/parent/child", shallow);
    }

    private sealed class Parent : ReceiveActor
    {
        public Parent() => Context.ActorOf(Props.Create(() => new Child()), "child");
    }

    private sealed class Child : ReceiveActor;
}
