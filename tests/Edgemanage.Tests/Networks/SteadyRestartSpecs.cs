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
using Xunit;
using static Edgemanage.Contracts.Edges.EdgeCommands;
using static Edgemanage.Contracts.Networks.NetworkReplies;

namespace Edgemanage.Tests.Networks;

/// <summary>
/// A single serving node (in process, real history groups probing continuously with a scripted prober, real SQLite
/// journal, real zone files) restarted on a steady fleet: the restart writes no zone and takes no degraded
/// decision, whatever history_batch_window is. The edges' reports reach the decider one observation window after
/// each probe, not when their batch is persisted, and the start-up hold waits until every edge has reported, so no
/// decision sees a live edge as untested.
/// </summary>
public sealed class SteadyRestartSpecs : IDisposable
{
    private const string Net = "steadynet";
    private static readonly string[] Edges = ["a.example.test", "b.example.test", "c.example.test", "d.example.test"];
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string ZonePath => Path.Combine(_dir.Dir("named"), "example.test.zone");

    private async Task<EdgemanageNode> Start()
    {
        var settings = TestSettings.Create(_dir.Path, goodEnough: 0.7);
        var zones = new[] { new ZoneSource("example.test", "example.test.zone", "ns1 60 IN A 127.0.0.1\n", null) };
        var plan = new PublishPlan(
            new NetworkActorSettings(Net, Required: 2, MinEdges: 1, new RotationBudget(null, TimeSpan.FromMinutes(10)), Edges,
                new Dictionary<string, string>(), null, SnapshotEvery: 3),
            new ZoneWriterSettings(Net, _dir.Dir("named"), null, settings.Dns, ZoneTemplate.Builtin(), null, new CommandSettings(),
                TimeSpan.FromSeconds(10), SnapshotEvery: 3),
            // Edges here are names, so the test never touches DNS: each resolves to a fixed loopback address.
            new HostResolver((edge, _) => Task.FromResult(new[] { System.Net.IPAddress.Parse($"127.0.0.{edge[0] - 'a' + 2}") })),
            // As serve builds it (ServeCommand.Prepare): the hold's margin does not depend on the batch window.
            new ServeOptions(TimeSpan.FromMilliseconds(200), zones, new QuorumSettings(QuorumSpec.Majority, TimeSpan.FromMinutes(5), 1),
                ProbeTimeout: TimeSpan.FromSeconds(1), StartHoldMargin: ServeOptions.HoldMarginFor(TimeSpan.FromMilliseconds(200))));
        // Steady edges: a and b are the fastest, every probe of every edge answers the same.
        var prober = new ScriptedProber((edge, _) => (ProbeOutcome.Ok, 0.1 * (edge[0] - 'a' + 1)));
        return await EdgemanageNode.StartAsync(settings, Net, Edges, prober, JournalTarget.For(settings.Persistence, _dir.File("journal.db")),
            publish: plan);
    }

    private static TestProbe Decisions(EdgemanageNode node)
    {
        var probe = new TestProbe(node.System, new XunitAssertions());
        node.System.EventStream.Subscribe(probe.Ref, typeof(RoundDecided));
        return probe;
    }

    [Theory]
    [InlineData(1.0)] // the demo's history_batch_window
    [InlineData(5.0)] // the default
    public async Task A_restart_on_a_steady_fleet_writes_no_zone_and_takes_no_degraded_decision(double batchWindowSeconds)
    {
        var batchWindow = TimeSpan.FromSeconds(batchWindowSeconds);
        string published;
        await using (var first = await Start())
        {
            var decisions = Decisions(first);
            first.NetworkEdges.Tell(new StartContinuous(ProbeInterval, batchWindow, first.Network!));
            var decided = decisions.FishForMessage<RoundDecided>(d => d.Zones.Zones.Any(z => z.Action == ZoneAction.Written), Within);
            Assert.Equal(["a.example.test", "b.example.test"], decided.Decision.Live);
            // Steady: the next decision keeps the set and leaves the zone alone.
            var steady = decisions.ExpectMsg<RoundDecided>(Within);
            Assert.All(steady.Zones.Zones, z => Assert.Equal(ZoneAction.Unchanged, z.Action));
            published = await File.ReadAllTextAsync(ZonePath);
        }
        var writtenAt = File.GetLastWriteTimeUtc(ZonePath);

        await using var node = await Start();
        var afterRestart = Decisions(node);
        node.NetworkEdges.Tell(new StartContinuous(ProbeInterval, batchWindow, node.Network!));
        // The hold ends once every edge has reported (well within a second here); the decisions from then on, and
        // none before, must keep DNS as published.
        for (var i = 0; i < 5; i++)
        {
            var d = afterRestart.ExpectMsg<RoundDecided>(Within);
            Assert.False(d.Decision.Degraded, $"decision {i + 1} after the restart is degraded: {string.Join("; ", d.Decision.Notes)}");
            Assert.Equal(["a.example.test", "b.example.test"], d.Decision.Live);
            Assert.Empty(d.Decision.Substitutions);
            Assert.All(d.Decision.Edges, e => Assert.NotEqual(EdgeHealth.Untested, e.Health));
            Assert.All(d.Zones.Zones, z => Assert.Equal(ZoneAction.Unchanged, z.Action));
        }
        Assert.Equal(published, await File.ReadAllTextAsync(ZonePath));
        Assert.Equal(writtenAt, File.GetLastWriteTimeUtc(ZonePath));
    }
}
