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
/// A serving NetworkActor (in process, real SQLite journal, no probing: the specs send the vantages' reports
/// themselves) restarted with a recorded decision: the start-up hold keeps DNS as published until every edge is
/// reported, so a restart does not churn the zones; a live edge a quorum sees failing is still replaced at once.
/// The clock is a FakeTimeProvider that never reaches the hold's deadline: only the reports end the hold.
/// </summary>
public sealed class StartHoldSpecs : IDisposable
{
    private const string Net = "holdnet";
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
            // Edges here are names, so the test never touches DNS: each resolves to a fixed loopback address.
            new HostResolver((edge, _) => Task.FromResult(new[] { System.Net.IPAddress.Parse($"127.0.0.{edge[0] - 'a' + 2}") })),
            // Decides every 100 ms of real time; the hold's deadline is on the fake clock, which the specs do not move.
            new ServeOptions(TimeSpan.FromMilliseconds(100), zones, new QuorumSettings(QuorumSpec.Majority, TimeSpan.FromMinutes(5), 1),
                ProbeTimeout: TimeSpan.FromSeconds(1)));
        return await EdgemanageNode.StartAsync(settings, Net, Edges, new ScriptedProber((_, _) => (ProbeOutcome.Ok, 0.1)),
            JournalTarget.For(settings.Persistence, _dir.File("journal.db")), clock, publish: plan);
    }

    private static TestProbe Decisions(EdgemanageNode node)
    {
        var probe = new TestProbe(node.System, new XunitAssertions());
        node.System.EventStream.Subscribe(probe.Ref, typeof(RoundDecided));
        return probe;
    }

    private static EdgeReport Report(string edge, EdgeHealth health, double seconds, FakeTimeProvider clock) =>
        Books.Report(edge, "local", health, clock.GetUtcNow().ToUnixTimeMilliseconds() - 1_000, seconds) with { Network = Net };

    private static Observed Observed(FakeTimeProvider clock, params (string Edge, EdgeHealth Health, double Seconds)[] reports) =>
        new(reports.Select(r => Report(r.Edge, r.Health, r.Seconds, clock)).ToArray());

    /// <summary>A first run that publishes a and b (the fastest), and records it.</summary>
    private async Task<string> FirstRunPublishesAAndB()
    {
        var clock = new FakeTimeProvider(T0);
        await using var node = await Start(clock);
        var decisions = Decisions(node);
        node.Network!.Tell(Observed(clock,
            ("a.example.test", EdgeHealth.PassThreshold, 0.1), ("b.example.test", EdgeHealth.PassThreshold, 0.2),
            ("c.example.test", EdgeHealth.PassThreshold, 0.3), ("d.example.test", EdgeHealth.PassThreshold, 0.4)));
        var first = decisions.ExpectMsg<RoundDecided>(Within);
        Assert.Equal(["a.example.test", "b.example.test"], first.Decision.Live);
        Assert.Contains(first.Zones.Zones, z => z.Action == ZoneAction.Written);
        // serve records the decision through its journal channel, after publishing it: the node is stopped only once
        // the journal holds it, or the restart would find no decision (a loaded machine lost that race).
        await Eventually.True(() => DecisionsRecorded() > 0, Within, "the first decision in the journal");
        return await File.ReadAllTextAsync(ZonePath);
    }

    private long DecisionsRecorded()
    {
        using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_dir.File("journal.db")};Pooling=false");
        db.Open();
        using var count = db.CreateCommand();
        count.CommandText = $"SELECT COUNT(*) FROM journal WHERE persistence_id = '{NetworkActor.PersistenceIdFor(Net)}'";
        return (long)count.ExecuteScalar()!;
    }

    [Fact]
    public async Task After_a_restart_partial_reports_decide_nothing_and_complete_ones_keep_the_live_set_without_a_zone_write()
    {
        var published = await FirstRunPublishesAAndB();

        var clock = new FakeTimeProvider(T0.AddMinutes(1));
        await using var node = await Start(clock);
        var decisions = Decisions(node);
        // c and d report first, and faster than a and b: deciding now would replace the live edges not yet reported.
        node.Network!.Tell(Observed(clock, ("c.example.test", EdgeHealth.PassThreshold, 0.05), ("d.example.test", EdgeHealth.PassThreshold, 0.06)));
        decisions.ExpectNoMsg(TimeSpan.FromSeconds(1)); // about ten decision ticks
        Assert.Equal(published, await File.ReadAllTextAsync(ZonePath));
        var status = await node.Network.Ask<NetworkStatus>(new NetworkCommands.GetNetworkStatus(Net), Within);
        Assert.Equal(["a.example.test", "b.example.test"], status.Live);

        // Every edge reported: the hold ends, and the keep rule keeps what DNS serves.
        node.Network.Tell(Observed(clock, ("a.example.test", EdgeHealth.PassThreshold, 0.1), ("b.example.test", EdgeHealth.PassThreshold, 0.2)));
        var decided = decisions.ExpectMsg<RoundDecided>(Within);
        Assert.Equal(["a.example.test", "b.example.test"], decided.Decision.Live);
        Assert.Empty(decided.Decision.Substitutions);
        Assert.False(decided.Decision.Degraded);
        Assert.All(decided.Zones.Zones, z => Assert.Equal(ZoneAction.Unchanged, z.Action));
        Assert.Equal(published, await File.ReadAllTextAsync(ZonePath));
    }

    [Fact]
    public async Task A_live_edge_a_quorum_sees_failing_during_the_hold_is_replaced_at_once_and_the_unreported_live_edge_stays()
    {
        await FirstRunPublishesAAndB();

        var clock = new FakeTimeProvider(T0.AddMinutes(1));
        await using var node = await Start(clock);
        var decisions = Decisions(node);
        // a fails; c is healthy; b (live) and d have not reported yet.
        node.Network!.Tell(Observed(clock, ("a.example.test", EdgeHealth.Fail, 10), ("c.example.test", EdgeHealth.PassThreshold, 0.3)));
        var decided = decisions.ExpectMsg<RoundDecided>(Within);
        Assert.Equal(["b.example.test", "c.example.test"], decided.Decision.Live);
        Assert.False(decided.Decision.Degraded);
        Assert.Equal(DecisionReason.KeptHealthy, decided.Decision.Edges.Single(e => e.Edge == "b.example.test").Reason);
        Assert.Contains(decided.Zones.Zones, z => z.Action == ZoneAction.Written);
    }
}
