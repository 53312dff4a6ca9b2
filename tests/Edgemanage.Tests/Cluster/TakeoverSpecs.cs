using Akka.Actor;
using Akka.DistributedData;
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
using Edgemanage.Tests.Networks;
using Edgemanage.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using static Edgemanage.Contracts.Edges.EdgeReplies;
using static Edgemanage.Contracts.Networks.NetworkReplies;

namespace Edgemanage.Tests.Cluster;

/// <summary>
/// A decider that moves to a node which decided before starts from what the cluster published since, not from its
/// own journal's older decision. Two cluster nodes in one process (real remoting on loopback, strict serialization,
/// real SQLite journals, one per node); each NetworkActor is started by the spec on the node it should run on, as
/// a singleton or a shard would start it. The specs send the vantages' reports themselves.
/// </summary>
[Collection("cluster")]
public sealed class TakeoverSpecs(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private const string Net = "takenet";
    private static readonly string[] Edges = ["a.example.test", "b.example.test", "c.example.test", "d.example.test"];
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);
    private readonly TempDir _dir = new();
    private readonly List<EdgemanageNode> _nodes = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var node in Enumerable.Reverse(_nodes)) await node.DisposeAsync();
        // Diagnostics: what the nodes warned about (a serialization refusal would show here).
        foreach (var name in new[] { "a", "b" }.Where(n => File.Exists(LogOf(n))))
        foreach (var line in File.ReadLines(LogOf(name)).Where(l => l.Contains(" WARNING ") || l.Contains(" ERROR ")))
            output.WriteLine($"{name}: {line}");
        _dir.Dispose();
    }

    private static string ZoneIn(string named) => Path.Combine(named, "example.test.zone");

    private PublishPlan Plan(string named)
    {
        var settings = TestSettings.Create(_dir.Path, goodEnough: 0.7);
        var zones = new[] { new ZoneSource("example.test", "example.test.zone", "ns1 60 IN A 127.0.0.1\n", null) };
        return new PublishPlan(
            new NetworkActorSettings(Net, Required: 2, MinEdges: 1, new RotationBudget(null, TimeSpan.FromMinutes(10)), Edges,
                new Dictionary<string, string>(), null, SnapshotEvery: 3),
            new ZoneWriterSettings(Net, named, null, settings.Dns, ZoneTemplate.Builtin(), null, new CommandSettings(),
                TimeSpan.FromSeconds(10), SnapshotEvery: 3),
            // Edges here are names, so the test never touches DNS: each resolves to a fixed loopback address.
            new HostResolver((edge, _) => Task.FromResult(new[] { System.Net.IPAddress.Parse($"127.0.0.{edge[0] - 'a' + 2}") })),
            new ServeOptions(TimeSpan.FromMilliseconds(100), zones, new QuorumSettings(QuorumSpec.Majority, TimeSpan.FromMinutes(5), 1),
                ProbeTimeout: TimeSpan.FromSeconds(1)));
    }

    /// <summary>A node's ActorSystem; in a cluster when given its port and the seeds (a's first).</summary>
    private async Task<EdgemanageNode> StartNode(string name, FakeTimeProvider clock, int? port = null, int[]? seeds = null, PublishPlan? publish = null)
    {
        // Each node's log (debug and up) in its own file, as serve's logpath: the specs read what it says.
        var log = new Edgemanage.Actors.Logging.OperatorLog(Edgemanage.Actors.Logging.OperatorLogLevel.Debug, null, LogOf(name));
        var settings = TestSettings.Create(_dir.Path, goodEnough: 0.7);
        var cluster = port is { } p
            ? new ClusterSettings { Port = p, SeedNodes = seeds!.Select(s => $"127.0.0.1:{s}").ToList(), Roles = ["vantage", "decider"] }
            : null;
        var prober = new ScriptedProber((_, _) => (ProbeOutcome.Ok, 0.1));
        var journal = JournalTarget.For(settings.Persistence, _dir.File($"{name}.journal.db"));
        // A cluster node as serve starts one, without a publish plan: no decider is placed by sharding; the specs start
        // the NetworkActor on the node they choose, as sharding would.
        var node = cluster is null
            ? await EdgemanageNode.StartAsync(settings, Net, Edges, prober, journal, clock, publish: publish, log: log)
            : await EdgemanageNode.StartServingAsync([new HostedNetwork(Net, settings, Edges, prober, journal, Publish: null)], log, clock,
                cluster: cluster);
        _nodes.Add(node);
        // Every cluster member runs its replicator from the start (started by the node, not by these specs' reads:
        // a member without one would never count towards a majority).
        if (cluster is not null)
            await node.System.ActorSelection("/user/ddataReplicator").ResolveOne(Within);
        return node;
    }

    private string LogOf(string node) => _dir.File(node + ".log");

    private static int _deciders;

    private static IActorRef StartDecider(EdgemanageNode node, PublishPlan plan, TimeProvider clock) =>
        node.System.ActorOf(NetworkActor.Props(plan.Network, ActorRefs.Nobody, plan.Zones, plan.Resolver!, clock, plan.Serve), $"spec-decider-{Net}-{Interlocked.Increment(ref _deciders)}");

    private static TestProbe Decisions(EdgemanageNode node)
    {
        var probe = new TestProbe(node.System, new XunitAssertions());
        node.System.EventStream.Subscribe(probe.Ref, typeof(RoundDecided));
        return probe;
    }

    private static Observed Observed(TimeProvider clock, params (string Edge, EdgeHealth Health, double Seconds)[] reports) =>
        new(reports.Select(r => Books.Report(r.Edge, "local", r.Health, clock.GetUtcNow().ToUnixTimeMilliseconds() - 1_000, r.Seconds) with { Network = Net })
            .ToArray());

    private static async Task<PublishedNetworkState?> ReplicatedOn(EdgemanageNode node)
    {
        var key = PublishedStateReplica.KeyFor(Net);
        var reply = await DistributedData.Get(node.System).Replicator.Ask(Dsl.Get(key, ReadLocal.Instance), TimeSpan.FromSeconds(5));
        return reply is GetSuccess success ? success.Get(key).Value : null;
    }

    /// <summary>
    /// B decided a and b at T0 (its journal and zone record say so) and went away. Then A, the decider meanwhile,
    /// saw b fail and published a and c at T0 + 60 s. Returns the two cluster nodes with A's decider stopped, and
    /// what A published.
    /// </summary>
    private async Task<(EdgemanageNode B, FakeTimeProvider BClock, string Published, uint PublishedSerial)> BDecidedThenAPublishedNewer(
        string namedA, string namedB)
    {
        // B alone, at T0: a and b, the fastest, are published and recorded in B's journal.
        var oldClock = new FakeTimeProvider(T0);
        var alone = await StartNode("b", oldClock, publish: Plan(namedB));
        var decisions = Decisions(alone);
        alone.Network!.Tell(Observed(oldClock, ("a.example.test", EdgeHealth.PassThreshold, 0.1), ("b.example.test", EdgeHealth.PassThreshold, 0.2),
            ("c.example.test", EdgeHealth.PassThreshold, 0.3), ("d.example.test", EdgeHealth.PassThreshold, 0.4)));
        Assert.Equal(["a.example.test", "b.example.test"], decisions.ExpectMsg<RoundDecided>(Within).Decision.Live);
        await alone.DisposeAsync();
        _nodes.Remove(alone);
        if (namedA != namedB) Directory.CreateDirectory(namedA);

        // A and B in one cluster; A decides: b fails, so a and c are published at T0 + 60 s.
        int[] ports = [ServeProcess.FreePort(), ServeProcess.FreePort()];
        var aClock = new FakeTimeProvider(T0.AddSeconds(60));
        var bClock = new FakeTimeProvider(T0.AddSeconds(30)); // behind A's: only the replicated serial keeps B's ahead
        var a = await StartNode("a", aClock, ports[0], ports);
        var b = await StartNode("b", bClock, ports[1], ports);
        await Eventually.True(() => Akka.Cluster.Cluster.Get(b.System).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) == 2,
            Within, "A and B up in one cluster");
        var aDecisions = Decisions(a);
        var aDecider = StartDecider(a, Plan(namedA), aClock);
        aDecider.Tell(Observed(aClock, ("a.example.test", EdgeHealth.PassThreshold, 0.1), ("b.example.test", EdgeHealth.Fail, 10),
            ("c.example.test", EdgeHealth.PassThreshold, 0.3), ("d.example.test", EdgeHealth.PassThreshold, 0.4)));
        var decided = aDecisions.ExpectMsg<RoundDecided>(Within);
        Assert.Equal(["a.example.test", "c.example.test"], decided.Decision.Live);
        var published = await File.ReadAllTextAsync(ZoneIn(namedA));
        var serial = ZoneRecords.Serial(published);

        // Every member holds it (written with WriteMajority: B's replica took it through remoting and our serializer).
        await Eventually.True(async () => (await ReplicatedOn(b))?.Live.SequenceEqual(["a.example.test", "c.example.test"]) == true,
            Within, "A's published state replicated to B");
        var replicated = (await ReplicatedOn(b))!;
        Assert.Equal(serial, replicated.Serial);
        Assert.Equal(aClock.GetUtcNow().ToUnixTimeMilliseconds(), replicated.DecidedAtUnixMs);
        Assert.Contains(Akka.Cluster.Cluster.Get(a.System).SelfAddress.ToString(), replicated.Decider);
        Assert.Equal(ZoneFiles.BytesHash(File.ReadAllBytes(ZoneIn(namedA))), replicated.Zones.Single().FileHash);

        // A's decider goes (a handover): B decides from now on.
        await aDecider.GracefulStop(Within);
        return (b, bClock, published, serial);
    }

    [Fact]
    public async Task A_decider_moving_to_a_node_with_an_older_journal_starts_from_the_replicated_state_without_a_flip_or_a_zone_write()
    {
        var named = _dir.Dir("named");
        var (b, bClock, published, serial) = await BDecidedThenAPublishedNewer(named, named);

        var decisions = Decisions(b);
        var decider = StartDecider(b, Plan(named), bClock);
        // Before any report: what B starts from is A's set, not its journal's a and b.
        var status = await decider.Ask<NetworkStatus>(new NetworkCommands.GetNetworkStatus(Net), Within);
        Assert.Equal(["a.example.test", "c.example.test"], status.Live);
        Assert.Contains(status.LastDecision!.Notes, n => n.Contains("adopted the decision replicated by", StringComparison.Ordinal));
        // Akka's logging is asynchronous: the line follows the reply.
        const string adopted = $"Network {Net}: starting from the decision replicated by akka.tcp://edgemanage@127.0.0.1:";
        await Eventually.True(() => File.ReadAllText(LogOf("b")).Contains(adopted, StringComparison.Ordinal), Within, "the adoption logged");
        var log = File.ReadAllLines(LogOf("b"));
        var said = Assert.Single(log, l => l.Contains(adopted, StringComparison.Ordinal));
        Assert.Contains("(live a.example.test c.example.test), newer than this node's journal (2027-01-15 08:00:00.000Z)", said);
        output.WriteLine(Assert.Single(log, l => l.Contains("replicated state read in", StringComparison.Ordinal)));

        // Every edge healthy again (b faster than c): the keep rule keeps what DNS serves; the zone is not rewritten.
        decider.Tell(Observed(bClock, ("a.example.test", EdgeHealth.PassThreshold, 0.1), ("b.example.test", EdgeHealth.PassThreshold, 0.2),
            ("c.example.test", EdgeHealth.PassThreshold, 0.3), ("d.example.test", EdgeHealth.PassThreshold, 0.4)));
        var decided = decisions.ExpectMsg<RoundDecided>(Within);
        Assert.Equal(["a.example.test", "c.example.test"], decided.Decision.Live);
        Assert.Empty(decided.Decision.Substitutions);
        Assert.All(decided.Zones.Zones, z => Assert.Equal(ZoneAction.Unchanged, z.Action));
        Assert.Equal(published, await File.ReadAllTextAsync(ZoneIn(named)));

        // c fails: one substitution (c → b), written with a serial after A's although B's clock is behind.
        decider.Tell(Observed(bClock, ("c.example.test", EdgeHealth.Fail, 10)));
        var replaced = decisions.FishForMessage<RoundDecided>(d => !d.Decision.Live.Contains("c.example.test"), Within);
        Assert.Equal(["a.example.test", "b.example.test"], replaced.Decision.Live);
        var substitution = Assert.Single(replaced.Decision.Substitutions);
        Assert.Equal(("c.example.test", "b.example.test"), (substitution.Out, substitution.In));
        Assert.True(ZoneRecords.Serial(await File.ReadAllTextAsync(ZoneIn(named))) > serial);
    }

    [Fact]
    public async Task With_a_named_dir_per_node_the_new_decider_rewrites_its_stale_zone_with_the_replicated_set_and_a_later_serial()
    {
        var namedB = _dir.Dir("named");
        var namedA = Path.Combine(_dir.Path, "named-a");
        var (b, bClock, published, serial) = await BDecidedThenAPublishedNewer(namedA, namedB);
        Assert.Equal(["127.0.0.2", "127.0.0.3"], ZoneRecords.ApexA(ZoneIn(namedB))); // B's own old zone: a and b

        var decisions = Decisions(b);
        var decider = StartDecider(b, Plan(namedB), bClock);
        decider.Tell(Observed(bClock, ("a.example.test", EdgeHealth.PassThreshold, 0.1), ("b.example.test", EdgeHealth.PassThreshold, 0.2),
            ("c.example.test", EdgeHealth.PassThreshold, 0.3), ("d.example.test", EdgeHealth.PassThreshold, 0.4)));
        var decided = decisions.ExpectMsg<RoundDecided>(Within);
        Assert.Equal(["a.example.test", "c.example.test"], decided.Decision.Live);
        Assert.Empty(decided.Decision.Substitutions);
        // B's file is not what A wrote: rewritten with A's set, and a serial after A's (B's clock says 30 s earlier).
        Assert.Contains(decided.Zones.Zones, z => z.Action == ZoneAction.Written);
        var text = await File.ReadAllTextAsync(ZoneIn(namedB));
        Assert.Equal(ZoneRecords.ApexAIn(published), ZoneRecords.ApexAIn(text));
        Assert.Equal(serial + 1, ZoneRecords.Serial(text));
    }
    [Fact]
    public async Task On_a_steady_fleet_the_decider_moving_back_and_forth_between_two_nodes_writes_no_zone()
    {
        var named = _dir.Dir("named");
        int[] ports = [ServeProcess.FreePort(), ServeProcess.FreePort()];
        var aClock = new FakeTimeProvider(T0);
        var bClock = new FakeTimeProvider(T0.AddSeconds(-5)); // a clock a little behind: nothing may depend on it
        var a = await StartNode("a", aClock, ports[0], ports);
        var b = await StartNode("b", bClock, ports[1], ports);
        await Eventually.True(() => Akka.Cluster.Cluster.Get(b.System).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) == 2,
            Within, "A and B up in one cluster");
        (string, EdgeHealth, double)[] steady =
        [
            ("a.example.test", EdgeHealth.PassThreshold, 0.1), ("b.example.test", EdgeHealth.PassThreshold, 0.2),
            ("c.example.test", EdgeHealth.PassThreshold, 0.3), ("d.example.test", EdgeHealth.PassThreshold, 0.4),
        ];

        // A decides first and publishes a and b.
        var aDecisions = Decisions(a);
        var decider = StartDecider(a, Plan(named), aClock);
        decider.Tell(Observed(aClock, steady));
        Assert.Equal(["a.example.test", "b.example.test"], aDecisions.ExpectMsg<RoundDecided>(Within).Decision.Live);
        var published = await File.ReadAllTextAsync(ZoneIn(named));
        await Eventually.True(async () => (await ReplicatedOn(b))?.Live.Count == 2, Within, "A's state replicated to B");

        // The decider moves to B, back to A, and to B again, the fleet steady: every start keeps DNS as published.
        var moves = new[] { (Node: b, Clock: bClock), (Node: a, Clock: aClock), (Node: b, Clock: bClock) };
        foreach (var (node, clock) in moves)
        {
            await decider.GracefulStop(Within);
            clock.Advance(TimeSpan.FromSeconds(30));
            var decisions = Decisions(node);
            decider = StartDecider(node, Plan(named), clock);
            decider.Tell(Observed(clock, steady));
            var decided = decisions.ExpectMsg<RoundDecided>(Within);
            Assert.Equal(["a.example.test", "b.example.test"], decided.Decision.Live);
            Assert.Empty(decided.Decision.Substitutions);
            Assert.False(decided.Decision.Degraded);
            Assert.All(decided.Zones.Zones, z => Assert.Equal(ZoneAction.Unchanged, z.Action));
            Assert.Equal(published, await File.ReadAllTextAsync(ZoneIn(named)));
        }
    }
}
