using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using Edgemanage.Actors.Metrics;
using Edgemanage.Actors.Networks;
using Edgemanage.Actors.Persistence;
using Edgemanage.Actors.Zones;
using Edgemanage.Contracts.Config;
using Edgemanage.Contracts.Probing;
using Edgemanage.Contracts.Zones;
using Edgemanage.Node.Checks;
using Edgemanage.Node.Commands;
using Edgemanage.Node.Hosting;
using Edgemanage.Node.Output;
using Edgemanage.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit;
using static Edgemanage.Contracts.Edges.EdgeCommands;
using static Edgemanage.Contracts.Edges.EdgeReplies;
using static Edgemanage.Contracts.Networks.NetworkCommands;
using static Edgemanage.Contracts.Networks.NetworkReplies;

namespace Edgemanage.Tests.Faults;

/// <summary>
/// A serving node (NetworkActor, ZoneWriterActor, history groups; in process, scripted probes) whose real SQLite
/// journal stops taking writes: locked by another connection (a hung write: SQLite waits for the lock), or on a full
/// filesystem (a failing write). Deciding and zone writing go on from memory, the outage is loud (status, ctl, checks,
/// metrics), persisting resumes when the journal takes writes again, and the node stops in seconds meanwhile.
/// </summary>
public sealed class JournalFaultSpecs(Xunit.Abstractions.ITestOutputHelper log) : IDisposable
{
    private const string Net = "journalnet";
    private static readonly string[] Edges = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"];
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);
    private readonly TempDir _dir = new();
    private readonly ConcurrentDictionary<string, ProbeOutcome> _outcomes = new(Edges.ToDictionary(e => e, _ => ProbeOutcome.Ok));

    public void Dispose() => _dir.Dispose();

    private string ZonePath(string namedDir) => Path.Combine(namedDir, "example.test.zone");

    /// <summary>A node serving <see cref="Net"/>: probes every 100 ms, decides every 200 ms, writes one zone.</summary>
    private async Task<EdgemanageNode> StartServing(string journalPath, string namedDir)
    {
        var settings = TestSettings.Create(_dir.Path, goodEnough: 0.7, historyLength: 20, snapshotEvery: 5, timeoutSeconds: 1);
        Directory.CreateDirectory(namedDir);
        var prober = new ScriptedProber((edge, _) => (_outcomes[edge], _outcomes[edge] == ProbeOutcome.Ok ? 0.01 + 0.01 * Array.IndexOf(Edges, edge) : 1));
        var zones = new[] { new ZoneSource("example.test", "example.test.zone", "ns1 60 IN A 127.0.0.1\n", null) };
        var plan = new PublishPlan(
            new NetworkActorSettings(Net, Required: 2, MinEdges: 1, new RotationBudget(null, TimeSpan.FromMinutes(10)), Edges,
                new Dictionary<string, string>(), null, SnapshotEvery: 3),
            new ZoneWriterSettings(Net, namedDir, null, settings.Dns, ZoneTemplate.Builtin(), null, new CommandSettings(),
                TimeSpan.FromSeconds(10), SnapshotEvery: 3),
            new HostResolver(),
            new ServeOptions(TimeSpan.FromMilliseconds(200), zones, ServeCommand.QuorumFor(settings)));
        var node = await EdgemanageNode.StartAsync(settings, Net, Edges, prober, JournalTarget.SqliteFile(journalPath), publish: plan);
        node.NetworkEdges.Tell(new StartContinuous(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100), node.Network!));
        return node;
    }

    private static Task<NetworkStatus> Status(EdgemanageNode node) =>
        node.Network!.Ask<NetworkStatus>(new GetNetworkStatus(Net), TimeSpan.FromSeconds(10));

    private static async Task<string> Metrics(EdgemanageNode node)
    {
        var text = new MetricsText();
        await NodeMetrics.CollectAsync(text, node.System, Net, "default", 2, node.NetworkEdges, node.Network, TimeSpan.FromSeconds(5));
        return text.ToString();
    }

    /// <summary>The live set the journal holds, as a node started afresh on it recovers it.</summary>
    private async Task<IReadOnlyList<string>> RecordedLive(string journalPath)
    {
        var settings = TestSettings.Create(_dir.Path);
        await using var reader = await EdgemanageNode.StartAsync(settings, Net, [], new ScriptedProber((_, _) => (ProbeOutcome.Ok, 0.1)),
            JournalTarget.SqliteFile(journalPath), publish: PublishPlan.ReadOnly(Net));
        var last = await reader.Network!.Ask<LastDecision>(new GetLastDecision(Net), TimeSpan.FromSeconds(30));
        return last.Decision?.Live ?? [];
    }

    /// <summary>Holds SQLite's write lock on the journal, as another process writing it would: every write of the node waits for it.</summary>
    private static SqliteConnection LockForWriting(string journalPath)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = journalPath, Pooling = false }.ToString());
        connection.Open();
        using var begin = connection.CreateCommand();
        begin.CommandText = "BEGIN IMMEDIATE;";
        begin.ExecuteNonQuery();
        return connection;
    }

    [Fact]
    public async Task A_locked_journal_does_not_stop_deciding_or_zone_writing_and_persisting_resumes_when_it_is_free()
    {
        var journal = _dir.File("state/journal.db");
        var named = _dir.Dir("named");
        string victim;
        await using (var node = await StartServing(journal, named))
        {
            await Eventually.True(() => File.Exists(ZonePath(named)) && ZoneRecords.ApexA(ZonePath(named)).Length == 2, Within, "the first zone");
            victim = ZoneRecords.ApexA(ZonePath(named)).Order(StringComparer.Ordinal).First();
            Assert.Null((await Status(node)).JournalProblem);
            Assert.Contains($"edgemanage_journal_writable{{network=\"{Net}\"}} 1", await Metrics(node));

            using (var locked = LockForWriting(journal))
            {
                // The journal is locked: writes hang (SQLite waits for the lock), so the node must notice and go on.
                await Eventually.True(async () => (await Status(node)).JournalProblem is not null, Within, "the status to name a journal problem");

                // A live edge starts refusing: it leaves the zone although nothing can be recorded.
                _outcomes[victim] = ProbeOutcome.Refused;
                await Eventually.True(() => ZoneRecords.ApexA(ZonePath(named)) is { Length: 2 } a && !a.Contains(victim), Within, $"{victim} out of the zone");
                // The zone file is renamed before the decision is settled in memory: ask until the status has it.
                await Eventually.True(async () => (await Status(node)).Live.SequenceEqual(ZoneRecords.ApexA(ZonePath(named)).Order(StringComparer.Ordinal)),
                    Within, "the status to carry the published set");
                var status = await Status(node);
                Assert.DoesNotContain(victim, status.Live);

                // Loud everywhere an operator looks.
                var metrics = await Metrics(node);
                Assert.Contains($"edgemanage_journal_writable{{network=\"{Net}\"}} 0", metrics);
                Assert.True(EdgemanageMetrics.Get(node.System).PersistFailures.ValueOf(Net, "decisions")
                            + EdgemanageMetrics.Get(node.System).PersistFailures.ValueOf(Net, "zones")
                            + EdgemanageMetrics.Get(node.System).PersistFailures.ValueOf(Net, "history") > 0, metrics);
                var ctl = new StringWriter();
                CtlFormat.WriteNetworkStatus(ctl, status);
                Assert.Contains("journal:   NOT WRITABLE: ", ctl.ToString());
                var check = NagiosChecks.WithJournalProblem(new CheckResult(NagiosChecks.RotationLabel, NagiosStatus.Ok, "0 substitutions"), status.JournalProblem);
                Assert.Equal(NagiosStatus.Critical, check.Status);
                Assert.StartsWith("EDGE_ROTATE CRITICAL JOURNAL NOT WRITABLE: ", check.Line);
                locked.Close();
            }

            // The lock is gone: the journal takes writes again, and what was decided meanwhile is recorded.
            await Eventually.True(async () => (await Status(node)).JournalProblem is null, Within, "the journal writable again");
            Assert.Contains($"edgemanage_journal_writable{{network=\"{Net}\"}} 1", await Metrics(node));
            await node.Network!.Ask<DecidingStopped>(new StopDeciding(Net), Within);
            await node.NetworkEdges.Ask<ContinuousStopped>(StopContinuous.Instance, Within);
        }
        var published = ZoneRecords.ApexA(ZonePath(named)).Order(StringComparer.Ordinal).ToArray();
        Assert.DoesNotContain(victim, published);
        Assert.Equal(published, (await RecordedLive(journal)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_node_whose_journal_hangs_stops_within_seconds()
    {
        var journal = _dir.File("state/journal.db");
        var named = _dir.Dir("named");
        var node = await StartServing(journal, named);
        node.StopWithin = TimeSpan.FromSeconds(3); // as serve sets it
        await Eventually.True(() => File.Exists(ZonePath(named)), Within, "the first zone");
        using var locked = LockForWriting(journal);
        _outcomes["127.0.0.2"] = ProbeOutcome.Refused; // something to record while the journal hangs

        // What serve does on SIGTERM: let the decision in flight finish, stop probing (last batches), stop the system.
        var clock = Stopwatch.StartNew();
        await node.Network!.Ask<DecidingStopped>(new StopDeciding(Net), Within);
        await node.NetworkEdges.Ask<ContinuousStopped>(StopContinuous.Instance, Within);
        await node.DisposeAsync();
        log.WriteLine($"stop with the journal locked: {clock.Elapsed.TotalSeconds:F2}s");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"stopping took {clock.Elapsed.TotalSeconds:F1}s with the journal locked");
    }

    [TmpfsFact]
    public async Task A_full_state_dir_does_not_stop_deciding_and_persisting_resumes_when_space_returns()
    {
        using var tmpfs = SmallTmpfs.Mount(4096);
        var journal = Path.Combine(tmpfs.Path, "journal.db");
        var named = _dir.Dir("named");
        string victim;
        await using (var node = await StartServing(journal, named))
        {
            await Eventually.True(() => File.Exists(ZonePath(named)) && ZoneRecords.ApexA(ZonePath(named)).Length == 2, Within, "the first zone");
            victim = ZoneRecords.ApexA(ZonePath(named)).Order(StringComparer.Ordinal).First();
            var outages = new ConcurrentQueue<JournalNotWritable>();
            var listener = node.System.ActorOf(Props.Create(() => new Collector(outages)));
            node.System.EventStream.Subscribe(listener, typeof(JournalNotWritable));

            tmpfs.Fill();
            await Eventually.True(async () => (await Status(node)).JournalProblem is not null, Within, "the status to name a journal problem");
            _outcomes[victim] = ProbeOutcome.Refused;
            await Eventually.True(() => ZoneRecords.ApexA(ZonePath(named)) is { Length: 2 } a && !a.Contains(victim), Within, $"{victim} out of the zone");
            Assert.True(outages.TryPeek(out var outage), "no JournalNotWritable event");
            Assert.Equal(journal, outage.Location);
            Assert.Contains("JOURNAL NOT WRITABLE: journalnet " + journal + ": ", JournalPrinter.NotWritableLine(outage));

            tmpfs.Free();
            await Eventually.True(async () => (await Status(node)).JournalProblem is null, Within, "the journal writable again");
            await node.Network!.Ask<DecidingStopped>(new StopDeciding(Net), Within);
            await node.NetworkEdges.Ask<ContinuousStopped>(StopContinuous.Instance, Within);
        }
        var published = ZoneRecords.ApexA(ZonePath(named)).Order(StringComparer.Ordinal).ToArray();
        Assert.DoesNotContain(victim, published);
        Assert.Equal(published, (await RecordedLive(journal)).Order(StringComparer.Ordinal));
    }

    private sealed class Collector : ReceiveActor
    {
        public Collector(ConcurrentQueue<JournalNotWritable> into) => Receive<JournalNotWritable>(into.Enqueue);
    }
}
