using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Edgemanage.Actors.Networks;
using Edgemanage.Actors.Persistence;
using Edgemanage.Actors.Zones;
using Edgemanage.Contracts.Config;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;
using Edgemanage.Contracts.Probing;
using Edgemanage.Contracts.Zones;
using Edgemanage.Node.Hosting;
using Edgemanage.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using static Edgemanage.Contracts.Edges.EdgeReplies;
using static Edgemanage.Contracts.Networks.NetworkReplies;

namespace Edgemanage.Tests.Networks;

/// <summary>
/// The guard in a serving NetworkActor (in process, real SQLite journal, the vantages' reports sent by the spec): a
/// round in which every edge fails from every vantage publishes nothing and says so (event stream, status); one
/// vantage seeing everything fail while another does not is no reason to hold; the first round with an edge answering
/// again publishes.
/// </summary>
public sealed class GuardDecisionSpecs : IDisposable
{
    private const string Net = "guardnet";
    private static readonly string[] Edges = ["a.example.test", "b.example.test", "c.example.test", "d.example.test"];
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Named => _dir.Dir("named");
    private string ZonePath => Path.Combine(Named, "example.test.zone");

    private async Task<EdgemanageNode> Start(FakeTimeProvider clock)
    {
        var settings = TestSettings.Create(_dir.Path, goodEnough: 0.7);
        var zones = new[] { new ZoneSource("example.test", "example.test.zone", "ns1 60 IN A 127.0.0.1\n", null) };
        var plan = new PublishPlan(
            new NetworkActorSettings(Net, Required: 2, MinEdges: 1, new RotationBudget(null, TimeSpan.FromMinutes(10)), Edges,
                new Dictionary<string, string>(), null, SnapshotEvery: 3),
            new ZoneWriterSettings(Net, Named, null, settings.Dns, ZoneTemplate.Builtin(), null, new CommandSettings(),
                TimeSpan.FromSeconds(10), SnapshotEvery: 3),
            new HostResolver((edge, _) => Task.FromResult(new[] { System.Net.IPAddress.Parse($"127.0.0.{edge[0] - 'a' + 2}") })),
            new ServeOptions(TimeSpan.FromMilliseconds(100), zones, new QuorumSettings(QuorumSpec.Majority, TimeSpan.FromMinutes(5), 1),
                ProbeTimeout: TimeSpan.FromSeconds(1)));
        return await EdgemanageNode.StartAsync(settings, Net, Edges, new ScriptedProber((_, _) => (ProbeOutcome.Ok, 0.1)),
            JournalTarget.For(settings.Persistence, _dir.File("journal.db")), clock, publish: plan);
    }

    private static Observed All(FakeTimeProvider clock, string vantage, EdgeHealth health) =>
        new(Edges.Select((edge, i) => Books.Report(edge, vantage, health, clock.GetUtcNow().ToUnixTimeMilliseconds() - 1_000,
            health == EdgeHealth.Fail ? 10 : 0.1 * (i + 1)) with { Network = Net }).ToArray());

    private static async Task<NetworkStatus> Status(EdgemanageNode node) =>
        await node.Network!.Ask<NetworkStatus>(new NetworkCommands.GetNetworkStatus(Net), Within);

    [Fact]
    public async Task Every_edge_failing_from_every_vantage_is_held_and_an_edge_answering_again_publishes()
    {
        var clock = new FakeTimeProvider(T0);
        await using var node = await Start(clock);
        var decisions = new TestProbe(node.System, new XunitAssertions());
        node.System.EventStream.Subscribe(decisions.Ref, typeof(RoundDecided));
        node.System.EventStream.Subscribe(decisions.Ref, typeof(Frozen));

        node.Network!.Tell(All(clock, "local", EdgeHealth.PassThreshold));
        node.Network.Tell(All(clock, "eu", EdgeHealth.PassThreshold));
        var first = decisions.FishForMessage<RoundDecided>(d => d.Decision.Live.Count == 2, Within);
        Assert.Equal(["a.example.test", "b.example.test"], first.Decision.Live);
        var published = await File.ReadAllTextAsync(ZonePath);

        // One vantage sees everything fail, the other does not: that vantage is broken, not the edges. Not held.
        clock.Advance(TimeSpan.FromSeconds(2));
        node.Network.Tell(All(clock, "local", EdgeHealth.Fail));
        var notHeld = decisions.FishForMessage<RoundDecided>(d => d.Decision.Votes is { } votes
            && votes.Edges.Any(row => row.Cells.Any(c => votes.Vantages[c.Vantage].Vantage == "local" && c.Health == EdgeHealth.Fail)), Within);
        Assert.Null(notHeld.HeldReason);
        Assert.Equal(["a.example.test", "b.example.test"], notHeld.Decision.Live);
        Assert.Null((await Status(node)).GuardHolding);

        // Every vantage sees every edge fail: held, loudly, and nothing is published.
        clock.Advance(TimeSpan.FromSeconds(2));
        node.Network.Tell(All(clock, "eu", EdgeHealth.Fail));
        var frozen = decisions.FishForMessage<Frozen>(_ => true, Within);
        Assert.Equal("held by the guard: every one of the 4 edges failed from every vantage at once (more likely our own network than the edges): " +
                     "DNS held; probing goes on, and DNS is published again once an edge answers", frozen.Reason);
        var status = await Status(node);
        Assert.Equal("all_edges_failing", status.GuardHolding);
        Assert.StartsWith("held by the guard: every one of the 4 edges", status.FrozenReason);
        Assert.Equal(["a.example.test", "b.example.test"], status.Live);
        decisions.ExpectNoMsg(TimeSpan.FromMilliseconds(500)); // about five decision ticks: no decision, and said once
        Assert.Equal(published, await File.ReadAllTextAsync(ZonePath));

        // c answers again from one vantage: the guard lets the decision through, and c goes live.
        clock.Advance(TimeSpan.FromSeconds(2));
        node.Network.Tell(new Observed([Books.Report("c.example.test", "eu", EdgeHealth.PassThreshold, clock.GetUtcNow().ToUnixTimeMilliseconds() - 1_000, 0.1) with { Network = Net }]));
        var released = decisions.FishForMessage<RoundDecided>(_ => true, Within);
        Assert.Null(released.HeldReason);
        Assert.Contains("c.example.test", released.Decision.Live);
        Assert.Null((await Status(node)).GuardHolding);
    }
}
