using Akka.Actor;
using Edgemanage.Actors.Networks;
using Edgemanage.Actors.Persistence;
using Edgemanage.Actors.Zones;
using Edgemanage.Contracts.Config;
using Edgemanage.Contracts.Networks;
using Edgemanage.Contracts.Probing;
using Edgemanage.Contracts.Zones;
using Edgemanage.Node.Hosting;
using Edgemanage.Tests.Support;
using Xunit;
using static Edgemanage.Contracts.Networks.NetworkCommands;
using static Edgemanage.Contracts.Networks.NetworkReplies;

namespace Edgemanage.Tests.Networks;

/// <summary>
/// The NetworkActor and ZoneWriterActor over a real SQLite journal, with scripted probe results so every
/// judgement is exact: throttling and the zone serial survive a restart of the process.
/// </summary>
public sealed class NetworkActorSpecs : IDisposable
{
    private const string Net = "actornet";
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(30);
    private static readonly string[] Edges = ["a.example.test", "b.example.test", "c.example.test", "d.example.test"];
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, (ProbeOutcome Outcome, double Seconds)> _answers = new()
    {
        ["a.example.test"] = (ProbeOutcome.Ok, 0.1),
        ["b.example.test"] = (ProbeOutcome.Ok, 0.2),
        ["c.example.test"] = (ProbeOutcome.Ok, 0.3),
        ["d.example.test"] = (ProbeOutcome.Ok, 0.4),
    };

    public void Dispose() => _dir.Dispose();

    private EdgemanageSettings Settings => TestSettings.Create(_dir.Path, goodEnough: 0.7);

    private async Task<EdgemanageNode> Start(int? maxFreq)
    {
        var settings = Settings;
        Directory.CreateDirectory(settings.NamedDir);
        var prober = new ScriptedProber((edge, _) => _answers[edge]);
        var plan = new PublishPlan(
            new NetworkActorSettings(Net, Required: 2, MinEdges: 1, new RotationBudget(maxFreq, TimeSpan.FromMinutes(10)), Edges,
                new Dictionary<string, string>(), null, SnapshotEvery: 3),
            new ZoneWriterSettings(Net, settings.NamedDir, null, settings.Dns, ZoneTemplate.Builtin(), null, new CommandSettings(),
                TimeSpan.FromSeconds(10), SnapshotEvery: 3),
            // Edges here are names, so the test never touches DNS: each resolves to a fixed loopback address.
            new HostResolver((edge, _) => Task.FromResult(new[] { System.Net.IPAddress.Parse($"127.0.0.{edge[0] - 'a' + 2}") })));
        return await EdgemanageNode.StartAsync(settings, Net, Edges, prober, JournalTarget.For(settings.Persistence, Path.Combine(_dir.Path, "journal.db")),
            publish: plan);
    }

    private IReadOnlyList<ZoneSource> _zones = [];

    private async Task<RoundDecided> Decide(EdgemanageNode node, long round, bool dryRun = false, bool forceUpdate = false) =>
        await node.Network!.Ask<RoundDecided>(new DecideRound(round, dryRun, forceUpdate, _zones), AskTimeout);

    [Fact]
    public async Task Dnschange_maxfreq_defers_discretionary_substitutions_and_the_budget_survives_a_restart()
    {
        await using (var node = await Start(maxFreq: 1))
        {
            var first = await Decide(node, 1);
            Assert.Equal(["a.example.test", "b.example.test"], first.Decision.Live);

            // Both live edges turn slow but stay usable (pass_average): replacing them is discretionary.
            _answers["a.example.test"] = (ProbeOutcome.Ok, 0.9);
            _answers["b.example.test"] = (ProbeOutcome.Ok, 0.95);
            var second = await Decide(node, 2);
            var sub = Assert.Single(second.Decision.Substitutions);
            Assert.True(sub.Discretionary);
            Assert.Equal(2, second.Decision.Live.Count);
            Assert.Contains("c.example.test", second.Decision.Live);
            var deferred = Assert.Single(second.Decision.Edges, e => e.Reason == DecisionReason.Deferred);
            Assert.Contains(deferred.Edge, second.Decision.Live);
        }

        await using (var node = await Start(maxFreq: 1))
        {
            // The window still holds the substitution made before the restart: nothing discretionary is allowed.
            var third = await Decide(node, 3);
            Assert.Empty(third.Decision.Substitutions);
            Assert.Single(third.Decision.Edges, e => e.Reason == DecisionReason.Deferred);

            // A failing live edge is replaced even with the budget spent.
            var deferredEdge = third.Decision.Edges.Single(e => e.Reason == DecisionReason.Deferred).Edge;
            _answers[deferredEdge] = (ProbeOutcome.Refused, 10);
            var fourth = await Decide(node, 4);
            Assert.DoesNotContain(deferredEdge, fourth.Decision.Live);
            Assert.False(Assert.Single(fourth.Decision.Substitutions).Discretionary);
        }
    }

    [Fact]
    public async Task The_zone_serial_only_increases_across_restarts_and_unchanged_zones_are_not_rewritten()
    {
        _zones = [new ZoneSource("example.test", "example.test.zone", "ns1 60 IN A 127.0.0.1\n", null)];
        var zonePath = Path.Combine(Settings.NamedDir, "example.test.zone");
        uint firstSerial;
        await using (var node = await Start(maxFreq: null))
        {
            var first = await Decide(node, 1);
            var written = Assert.Single(first.Zones.Zones);
            Assert.Equal(ZoneAction.Written, written.Action);
            firstSerial = written.Serial!.Value;

            var second = await Decide(node, 2);
            Assert.Equal(ZoneAction.Unchanged, Assert.Single(second.Zones.Zones).Action);
        }

        await using (var node = await Start(maxFreq: null))
        {
            var forced = await Decide(node, 3, forceUpdate: true);
            var rewritten = Assert.Single(forced.Zones.Zones);
            Assert.Equal(ZoneAction.Written, rewritten.Action);
            Assert.True(rewritten.Serial > firstSerial);
            Assert.Contains($" {rewritten.Serial} ", File.ReadAllText(zonePath));

            var last = await node.Network!.Ask<LastDecision>(new GetLastDecision(Net), AskTimeout);
            Assert.Equal(["a.example.test", "b.example.test"], last.Decision!.Live);
        }
    }

    [Fact]
    public async Task Stop_deciding_waits_for_the_round_in_flight_to_write_its_zones_and_persist_its_decision()
    {
        _zones = [new ZoneSource("example.test", "example.test.zone", "ns1 60 IN A 127.0.0.1\n", null)];
        DecisionRecord? persisted;
        await using (var node = await Start(maxFreq: null))
        {
            // Sent right behind the round: it is stashed until the round has published and persisted, so it answers
            // with the round's decision rather than with none.
            var round = Decide(node, 1);
            var stopped = await node.Network!.Ask<DecidingStopped>(new StopDeciding(Net), AskTimeout);
            persisted = stopped.LastDecision;
            Assert.NotNull(persisted);
            Assert.Equal((await round).Decision.Live, persisted.Live);
        }

        await using (var node = await Start(maxFreq: null))
        {
            var last = await node.Network!.Ask<LastDecision>(new GetLastDecision(Net), AskTimeout);
            Assert.Equal(persisted.Live, last.Decision!.Live);
            Assert.Equal(persisted.AtUnixMs, last.Decision.AtUnixMs);
        }
    }

    [Fact]
    public async Task A_hand_over_stops_the_actor_only_after_the_round_in_flight_is_persisted()
    {
        _zones = [new ZoneSource("example.test", "example.test.zone", "ns1 60 IN A 127.0.0.1\n", null)];
        RoundDecided decided;
        await using (var node = await Start(maxFreq: null))
        {
            var network = node.Network!;
            var round = Decide(node, 1);
            network.Tell(HandOver.Instance); // what the singleton manager sends when the singleton moves
            Assert.True(await network.WatchAsync().WaitAsync(AskTimeout), "the actor stopped");
            decided = await round;
        }

        await using (var node = await Start(maxFreq: null))
        {
            var last = await node.Network!.Ask<LastDecision>(new GetLastDecision(Net), AskTimeout);
            Assert.Equal(decided.Decision.Live, last.Decision!.Live);
            Assert.Equal(decided.Decision.AtUnixMs, last.Decision.AtUnixMs);
        }
    }

    [Fact]
    public async Task Old_snapshots_of_decisions_and_zones_are_deleted_so_the_journal_stays_bounded()
    {
        _zones = [new ZoneSource("example.test", "example.test.zone", "ns1 60 IN A 127.0.0.1\n", null)];
        await using (var node = await Start(maxFreq: null))
        {
            // SnapshotEvery is 3 for both actors: ten rounds make three snapshots of each.
            for (var round = 1; round <= 10; round++) await Decide(node, round, forceUpdate: true);
            await Eventually.True(() => SnapshotsOf(NetworkActor.PersistenceIdFor(Net)) == 1 && SnapshotsOf(ZoneWriterActor.PersistenceIdFor(Net)) == 1,
                AskTimeout, "one snapshot left of each");
        }

        // The one left is enough to recover from.
        await using (var again = await Start(maxFreq: null))
        {
            var last = await again.Network!.Ask<LastDecision>(new GetLastDecision(Net), AskTimeout);
            Assert.Equal(["a.example.test", "b.example.test"], last.Decision!.Live);
        }
    }

    private long SnapshotsOf(string persistenceId)
    {
        using var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_dir.Path, "journal.db")};Pooling=false");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM snapshot WHERE persistence_id = $id";
        cmd.Parameters.AddWithValue("$id", persistenceId);
        return (long)cmd.ExecuteScalar()!;
    }
}
