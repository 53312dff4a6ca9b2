using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using Edgemanage.Actors.Admin;
using Edgemanage.Actors.Membership;
using Edgemanage.Contracts;
using Edgemanage.Contracts.Serialization;
using Edgemanage.Node.Hosting;
using Edgemanage.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace Edgemanage.Tests.Cluster;

/// <summary>
/// Cluster membership with bare nodes in one process: each an Akka.Hosting ActorSystem on its own 127.0.0.1 port,
/// configured by <see cref="ClusterSetup.ConfigureMembership"/> and the embedded hocon exactly as serve's are, without
/// networks or journals (what they add does not change who joins whom).
/// </summary>
[Collection("cluster")]
public sealed class ClusterMembershipSpecs : IAsyncLifetime
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(40);
    private readonly List<IHost> _hosts = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            try { await host.StopAsync(TimeSpan.FromSeconds(10)); } catch (OperationCanceledException) { }
            host.Dispose();
        }
    }

    private static string Hocon()
    {
        using var stream = typeof(EdgemanageNode).Assembly.GetManifestResourceStream("edgemanage.conf")!;
        return new StreamReader(stream).ReadToEnd();
    }

    private async Task<ActorSystem> StartNode(int port, int[] seeds, string network = "net", string roles = "vantage,decider")
    {
        var cluster = new Contracts.Config.ClusterSettings
        {
            Port = port,
            SeedNodes = seeds.Select(s => $"127.0.0.1:{s}").ToList(),
            Roles = roles.Split(','),
        };
        var host = new HostBuilder()
            .ConfigureServices(services => services.AddAkka(cluster.SystemName, builder =>
            {
                builder.AddHocon(Hocon(), HoconAddMode.Prepend);
                builder.WithCustomSerializer("edgemanage", [typeof(IEdgemanageMessage)], system => new EdgemanageSerializer(system));
                ClusterSetup.ConfigureMembership(builder, cluster, [network]);
            }))
            .Build();
        _hosts.Add(host);
        await host.StartAsync();
        return host.Services.GetRequiredService<ActorSystem>();
    }

    private static int[] Up(ActorSystem system) =>
        Akka.Cluster.Cluster.Get(system).State.Members.Where(m => m.Status == MemberStatus.Up).Select(m => m.Address.Port!.Value).Order().ToArray();

    [Fact]
    public async Task A_node_configured_for_another_network_is_refused_and_stops_with_the_reason()
    {
        int[] ports = [ServeProcess.FreePort(), ServeProcess.FreePort()];
        var a = await StartNode(ports[0], ports, network: "net");
        await Eventually.True(() => Up(a).SequenceEqual([ports[0]]), Within, "a starting the cluster (the first seed, nobody else up)");

        // Another network's node, seeded at a's cluster (the operator's mistake).
        var stranger = await StartNode(ports[1], ports, network: "othernet");
        var stopped = await Task.WhenAny(stranger.WhenTerminated, Task.Delay(Within));
        Assert.True(stopped == stranger.WhenTerminated, "the stranger kept running");
        var refusal = ClusterSetup.JoinRefusal(stranger);
        Assert.NotNull(refusal);
        Assert.Contains($"the node at 127.0.0.1:{ports[0]} is 'edgemanage/net' but this node is 'edgemanage/othernet'", refusal);
        Assert.Contains("check --seed", refusal);
        Assert.Equal([ports[0]], Up(a));
    }

    [Fact]
    public async Task A_restarted_first_seed_rejoins_the_running_cluster_instead_of_starting_a_second()
    {
        int[] ports = [ServeProcess.FreePort(), ServeProcess.FreePort(), ServeProcess.FreePort()];
        var a = await StartNode(ports[0], ports);
        var b = await StartNode(ports[1], ports);
        var c = await StartNode(ports[2], ports);
        await Eventually.True(() => Up(b).SequenceEqual(ports.Order()) && Up(c).SequenceEqual(ports.Order()), Within, "three members up");

        // a stops (leaving the cluster) and starts again with the same command line: it is the first seed, yet b and
        // c answer, so it joins them.
        var firstA = _hosts[0];
        await firstA.StopAsync();
        await Eventually.True(() => Up(b).SequenceEqual(ports[1..].Order()), Within, "a gone from b's view");
        var restarted = await StartNode(ports[0], ports);
        await Eventually.True(() => Up(restarted).SequenceEqual(ports.Order()) && Up(b).SequenceEqual(ports.Order()), Within,
            "the restarted a up in the cluster of b and c");
        // A second cluster would hold a alone: the restarted a sees b and c, and b sees the new incarnation of a.
        Assert.Contains(Akka.Cluster.Cluster.Get(b).State.Members, m => m.UniqueAddress.Equals(Akka.Cluster.Cluster.Get(restarted).SelfUniqueAddress));
    }

    [Fact]
    public async Task A_node_that_is_not_the_first_seed_waits_for_the_cluster_started_by_the_first()
    {
        int[] ports = [ServeProcess.FreePort(), ServeProcess.FreePort(), ServeProcess.FreePort()];
        // b and c start first: neither may start a cluster.
        var b = await StartNode(ports[1], ports, roles: "vantage");
        var c = await StartNode(ports[2], ports);
        // Nothing to wait for when nothing must happen: watch them for three rounds of questions.
        var until = DateTime.UtcNow + 3 * ClusterJoinActor.RoundLength;
        while (DateTime.UtcNow < until)
        {
            Assert.Empty(Up(b));
            Assert.Empty(Up(c));
            await Task.Delay(100);
        }

        var a = await StartNode(ports[0], ports, roles: "vantage");
        await Eventually.True(() => Up(c).SequenceEqual(ports.Order()), Within, "a started the cluster; b and c joined it");
        var members = Akka.Cluster.Cluster.Get(c).State.Members;
        Assert.Equal(ports[0], members.Aggregate((x, m) => m.IsOlderThan(x) ? m : x).Address.Port);
        // Bare nodes host no deciders: no member is shown deciding the network (sharding places deciders; see NetworkDeciderSpecs).
        foreach (var node in new[] { a, b, c })
            Assert.Null(Assert.Single(ClusterMembership.Status(node, "127.0.0.1:1", ["net"]).Deciders).Address);
    }
}
