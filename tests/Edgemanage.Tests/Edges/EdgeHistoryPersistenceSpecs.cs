using Akka.Actor;
using Edgemanage.Actors.Edges;
using Edgemanage.Actors.Persistence;
using Edgemanage.Actors.Probing;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Probing;
using Edgemanage.Node.Hosting;
using Edgemanage.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit;
using static Edgemanage.Contracts.Edges.EdgeCommands;
using static Edgemanage.Contracts.Edges.EdgeReplies;

namespace Edgemanage.Tests.Edges;

/// <summary>
/// History groups against a real journal: what one ActorSystem persisted, the next one recovers; the journal
/// stays bounded however many rounds run. The scenarios are the same for every provider; each provider's
/// spec class runs them (and its own extras) against its database.
/// </summary>
public abstract class EdgeHistoryPersistenceScenarios : IDisposable
{
    protected static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(30);
    protected readonly TempDir Dir = new();

    public void Dispose() => Dir.Dispose();

    /// <summary>The network name: it is part of every persistence id, so a shared database needs a fresh one per test.</summary>
    protected virtual string Network => "testnet";

    protected abstract JournalTarget Journal { get; }

    /// <summary>Live (not deleted) events and the snapshots, over every persistence id of this test.</summary>
    protected abstract (long Events, long Snapshots) CountRows();

    protected static string[] Edges(int n) => Enumerable.Range(2, n).Select(i => $"127.0.0.{i}").ToArray();

    protected async Task<EdgemanageNode> Start(string[] edges, IProber prober, int historyLength = 2000, int snapshotEvery = 20)
    {
        var settings = TestSettings.Create(Dir.Path, historyLength: historyLength, snapshotEvery: snapshotEvery);
        return await EdgemanageNode.StartAsync(settings, Network, edges, prober, Journal);
    }

    protected async Task History_and_modes_survive_an_actor_system_restart()
    {
        var edges = Edges(40);
        // Edge i answers in i ms, except 127.0.0.5 which refuses every other probe.
        var prober = new ScriptedProber((edge, n) => edge == "127.0.0.5" && n % 2 == 0
            ? (ProbeOutcome.Refused, 10)
            : (ProbeOutcome.Ok, int.Parse(edge.Split('.')[3]) / 1000.0));

        await using (var node = await Start(edges, prober))
        {
            for (var round = 1; round <= 4; round++)
            {
                var done = await node.NetworkEdges.Ask<RoundCompleted>(new RunRound(round, Persist: true), AskTimeout);
                Assert.Empty(done.Failures);
                Assert.Equal(edges, done.Edges.Select(e => e.Edge));
            }
            var set = await node.NetworkEdges.Ask<object>(new SetEdgeMode(Network, "127.0.0.7", EdgeMode.Unavailable, "[ops] disk"), AskTimeout);
            Assert.IsType<EdgeModeSet>(set);
        }

        await using (var node = await Start(edges, new ScriptedProber((_, _) => throw new InvalidOperationException("no probing expected"))))
        {
            var reports = await node.NetworkEdges.Ask<EdgeReports>(new GetEdgeReports(Network), AskTimeout);
            Assert.Equal(edges, reports.Edges.Select(e => e.Edge));
            Assert.All(reports.Edges, r => Assert.Equal(4, r.Verdict.SampleCount));
            var e5 = reports.Edges.Single(r => r.Edge == "127.0.0.5");
            Assert.Equal(ProbeOutcome.Refused, e5.Verdict.Last!.Value.Outcome);
            Assert.Equal(EdgeHealth.Fail, e5.Verdict.Health);
            Assert.Equal((0.005 + 10 + 0.005 + 10) / 4, e5.Verdict.Average!.Value, 3);
            var e7 = reports.Edges.Single(r => r.Edge == "127.0.0.7");
            Assert.Equal(EdgeMode.Unavailable, e7.Mode);
            Assert.Equal("[ops] disk", e7.Comment);
            Assert.Equal(EdgeHealth.PassThreshold, e7.Verdict.Health);
        }
    }

    protected async Task A_dry_round_probes_but_persists_nothing()
    {
        var edges = Edges(3);
        var prober = new ScriptedProber((_, _) => (ProbeOutcome.Ok, 0.01));
        await using (var node = await Start(edges, prober))
        {
            var done = await node.NetworkEdges.Ask<RoundCompleted>(new RunRound(1, Persist: false), AskTimeout);
            Assert.All(done.Edges, e => Assert.Equal(1, e.Verdict.SampleCount));
        }
        await using (var node = await Start(edges, prober))
        {
            var reports = await node.NetworkEdges.Ask<EdgeReports>(new GetEdgeReports(Network), AskTimeout);
            Assert.All(reports.Edges, e => Assert.Equal(0, e.Verdict.SampleCount));
        }
    }

    protected async Task The_journal_stays_bounded_and_history_is_capped()
    {
        var edges = Edges(20);
        const int historyLength = 25, snapshotEvery = 5, rounds = 60;
        var prober = new ScriptedProber((_, n) => (ProbeOutcome.Ok, n / 1000.0));
        int groups;
        await using (var node = await Start(edges, prober, historyLength, snapshotEvery))
        {
            for (var round = 1; round <= rounds; round++)
                await node.NetworkEdges.Ask<RoundCompleted>(new RunRound(round, Persist: true), AskTimeout);
            groups = HistoryGroups.Partition(edges).Count;
        }

        var (events, snapshots) = CountRows();
        // Each group keeps at most the events since its last snapshot, and one snapshot.
        Assert.InRange(events, 0, groups * snapshotEvery);
        Assert.InRange(snapshots, 1, groups);

        await using (var node = await Start(edges, prober, historyLength, snapshotEvery))
        {
            var reports = await node.NetworkEdges.Ask<EdgeReports>(new GetEdgeReports(Network), AskTimeout);
            Assert.All(reports.Edges, r =>
            {
                Assert.Equal(historyLength, r.Verdict.SampleCount);
                Assert.Equal(rounds / 1000.0, r.Verdict.Last!.Value.Seconds, 4);
                // the newest 25 of 1..60 ms: mean of 36..60
                Assert.Equal(48 / 1000.0, r.Verdict.Average!.Value, 4);
            });
        }
    }

    protected async Task Setting_the_mode_of_an_unknown_edge_is_rejected()
    {
        await using var node = await Start(Edges(2), new ScriptedProber((_, _) => (ProbeOutcome.Ok, 0.01)));
        var reply = await node.NetworkEdges.Ask<object>(new SetEdgeMode(Network, "10.9.9.9", EdgeMode.Force, "x"), AskTimeout);
        var rejected = Assert.IsType<EdgeModeRejected>(reply);
        Assert.Contains("not in the edge list", rejected.Reason);
    }
}

/// <summary>The scenarios on a SQLite journal file, the embedded default.</summary>
public sealed class SqliteHistoryPersistenceSpecs : EdgeHistoryPersistenceScenarios
{
    protected override JournalTarget Journal => JournalTarget.SqliteFile(Dir.File("journal.db"));

    [Fact] public Task History_and_modes_survive_a_restart() => History_and_modes_survive_an_actor_system_restart();
    [Fact] public Task A_dry_round_persists_nothing() => A_dry_round_probes_but_persists_nothing();
    [Fact] public Task The_journal_stays_bounded() => The_journal_stays_bounded_and_history_is_capped();
    [Fact] public Task An_unknown_edge_cannot_get_a_mode() => Setting_the_mode_of_an_unknown_edge_is_rejected();

    [Fact]
    public async Task A_corrupt_journal_fails_the_round_at_once_and_is_left_untouched()
    {
        var edges = Edges(5);
        var prober = new ScriptedProber((_, _) => (ProbeOutcome.Ok, 0.01));
        await using (var node = await Start(edges, prober))
            await node.NetworkEdges.Ask<RoundCompleted>(new RunRound(1, Persist: true), AskTimeout);

        var db = Dir.File("journal.db");
        Execute(db, "UPDATE journal SET message = X'01FFFF' WHERE sequence_number = 1");
        var before = (Execute(db, "SELECT COUNT(*) FROM journal"), Execute(db, "SELECT hex(message) FROM journal LIMIT 1"));

        await using (var node = await Start(edges, prober))
        {
            var failure = await Assert.ThrowsAsync<HistoryJournalException>(() =>
                node.NetworkEdges.Ask<RoundCompleted>(new RunRound(2, Persist: true), AskTimeout));
            Assert.Contains($"hist-{Network}-local-", failure.Message);
        }
        Assert.Equal(before, (Execute(db, "SELECT COUNT(*) FROM journal"), Execute(db, "SELECT hex(message) FROM journal LIMIT 1")));
    }

    private static string Execute(string dbPath, string sql)
    {
        using var c = new SqliteConnection($"Data Source={dbPath};Pooling=false");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToString(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }

    protected override (long Events, long Snapshots) CountRows()
    {
        var dbPath = Dir.File("journal.db");
        using var c = new SqliteConnection($"Data Source={dbPath}");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT (SELECT COUNT(*) FROM journal WHERE deleted = 0), (SELECT COUNT(*) FROM snapshot)";
        using var r = cmd.ExecuteReader();
        r.Read();
        return (r.GetInt64(0), r.GetInt64(1));
    }
}
