using Akka.Actor;
using Akka.Hosting;
using Akka.Persistence;
using Akka.Persistence.Sql.Hosting;
using Edgemanage.Actors.Persistence;
using Edgemanage.Tests.Support;
using LinqToDB;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace Edgemanage.Tests.Persistence;

/// <summary>
/// Our SQLite journal and snapshot store (src/Actors/Persistence/Sqlite) against real files: they keep Akka's
/// journal contract (order, deletion keeps the highest sequence number, snapshot selection, failures reported to the
/// actor) and read and write Akka.Persistence.Sql's layout both ways, so a journal written before the switch recovers
/// after it, and one written after it is still readable by the old plugin.
/// </summary>
public sealed class SqlitePluginSpecs : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly TempDir _dir = new();
    private string JournalPath => _dir.File("journal.db");

    public void Dispose() => _dir.Dispose();

    public enum Plugin { Ours, AkkaPersistenceSql }

    [Fact]
    public async Task Events_and_snapshots_recover_in_order_after_a_restart()
    {
        await using (var system = await Start(Plugin.Ours))
        {
            var a = system.Actor("a");
            foreach (var e in new[] { "e1", "e2", "e3" }) await a.Ask<long>(new Save(e), Timeout);
            await a.Ask<long>(Snap.Instance, Timeout);
            foreach (var e in new[] { "e4", "e5" }) await a.Ask<long>(new Save(e), Timeout);
        }
        await using (var system = await Start(Plugin.Ours))
        {
            var state = await system.Actor("a").Ask<State>(Get.Instance, Timeout);
            Assert.Equal(["snapshot(e1,e2,e3)", "e4", "e5"], state.Seen);
            Assert.Equal(5, state.LastSequenceNr);
        }
    }

    [Fact]
    public async Task Deleted_events_keep_the_highest_sequence_number_and_are_not_replayed()
    {
        await using (var system = await Start(Plugin.Ours))
        {
            var a = system.Actor("a");
            foreach (var e in new[] { "e1", "e2", "e3" }) await a.Ask<long>(new Save(e), Timeout);
            Assert.Equal(3, await a.Ask<long>(new DeleteTo(3), Timeout));
        }
        Assert.Equal(1, Scalar("SELECT COUNT(*) FROM journal WHERE persistence_id = 'a'"));
        await using (var system = await Start(Plugin.Ours))
        {
            var a = system.Actor("a");
            var state = await a.Ask<State>(Get.Instance, Timeout);
            Assert.Empty(state.Seen);
            Assert.Equal(3, state.LastSequenceNr);
            Assert.Equal(4, await a.Ask<long>(new Save("e4"), Timeout));
        }
    }

    [Fact]
    public async Task The_newest_snapshot_is_chosen_and_older_ones_can_be_deleted()
    {
        await using (var system = await Start(Plugin.Ours))
        {
            var a = system.Actor("a");
            await a.Ask<long>(new Save("e1"), Timeout);
            await a.Ask<long>(Snap.Instance, Timeout);
            await a.Ask<long>(new Save("e2"), Timeout);
            await a.Ask<long>(Snap.Instance, Timeout);
            Assert.Equal(2, Scalar("SELECT COUNT(*) FROM snapshot WHERE persistence_id = 'a'"));
            await a.Ask<long>(new DeleteSnapshotsTo(1), Timeout);
            Assert.Equal(1, Scalar("SELECT COUNT(*) FROM snapshot WHERE persistence_id = 'a'"));
        }
        await using (var system = await Start(Plugin.Ours))
            Assert.Equal(["snapshot(e1,e2)"], (await system.Actor("a").Ask<State>(Get.Instance, Timeout)).Seen);
    }

    [Theory]
    [InlineData(Plugin.AkkaPersistenceSql, Plugin.Ours)]
    [InlineData(Plugin.Ours, Plugin.AkkaPersistenceSql)]
    public async Task A_journal_written_by_one_plugin_recovers_with_the_other(Plugin writer, Plugin reader)
    {
        await using (var system = await Start(writer))
        {
            var a = system.Actor("a");
            await a.Ask<long>(new Save("e1"), Timeout);
            await a.Ask<long>(Snap.Instance, Timeout);
            foreach (var e in new[] { "e2", "e3", "e4" }) await a.Ask<long>(new Save(e), Timeout);
            await a.Ask<long>(new DeleteTo(2), Timeout);
        }
        await using (var system = await Start(reader))
        {
            var a = system.Actor("a");
            var state = await a.Ask<State>(Get.Instance, Timeout);
            Assert.Equal(["snapshot(e1)", "e3", "e4"], state.Seen);
            Assert.Equal(4, state.LastSequenceNr);
            Assert.Equal(5, await a.Ask<long>(new Save("e5"), Timeout));
        }
    }

    [Fact]
    public async Task A_read_only_journal_recovers_and_refuses_a_write_as_a_persist_failure()
    {
        await using (var system = await Start(Plugin.Ours))
            await system.Actor("a").Ask<long>(new Save("e1"), Timeout);
        await using (var system = await Start(Plugin.Ours, JournalTarget.SqliteFile(JournalPath).ForReading()))
        {
            var a = system.Actor("a");
            Assert.Equal(["e1"], (await a.Ask<State>(Get.Instance, Timeout)).Seen);
            // The actor's persist failure handler answers with the cause (and the actor stops, as Akka's contract says).
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => a.Ask<object>(new Save("e2"), Timeout));
            Assert.Contains("reading only", refused.Message);
        }
        Assert.Equal(1, Scalar("SELECT COUNT(*) FROM journal"));
    }

    [Fact]
    public async Task A_journal_path_with_quotes_backslashes_and_spaces_reaches_the_plugin_intact()
    {
        var odd = JournalTarget.SqliteFile(Path.Combine(_dir.Dir("odd \"name\" \\ ${x} #1"), "journal.db"));
        await using (var system = await Start(Plugin.Ours, odd))
            await system.Actor("a").Ask<long>(new Save("e1"), Timeout);
        Assert.True(File.Exists(odd.SqlitePath));
        await using (var system = await Start(Plugin.Ours, odd))
            Assert.Equal(["e1"], (await system.Actor("a").Ask<State>(Get.Instance, Timeout)).Seen);
    }

    private long Scalar(string sql)
    {
        using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = JournalPath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return (long)cmd.ExecuteScalar()!;
    }

    private async Task<TestSystem> Start(Plugin plugin, JournalTarget? target = null)
    {
        target ??= JournalTarget.SqliteFile(JournalPath);
        var host = new HostBuilder()
            .ConfigureServices(services => services.AddAkka("sqlite-plugin-spec", builder =>
            {
                if (plugin == Plugin.Ours) builder.WithEdgemanagePersistence(target);
                else
                {
                    PersistenceSetup.PrepareSqliteFile(target.ConnectionString);
                    builder.WithSqlPersistence(target.ConnectionString, ProviderName.SQLiteMS, autoInitialize: true);
                }
            }))
            .Build();
        await host.StartAsync();
        return new TestSystem(host);
    }

    private sealed class TestSystem(IHost host) : IAsyncDisposable
    {
        private readonly ActorSystem _system = host.Services.GetRequiredService<ActorSystem>();

        public IActorRef Actor(string id) => _system.ActorOf(Props.Create(() => new Recorder(id)));

        public async ValueTask DisposeAsync()
        {
            await host.StopAsync();
            host.Dispose();
            // The pooled connections of both plugins would keep the file open across the next system's start.
            SqliteConnection.ClearAllPools();
        }
    }

    private sealed record Save(string Event);
    private sealed record DeleteTo(long SequenceNr);
    private sealed record DeleteSnapshotsTo(long SequenceNr);
    private sealed class Snap { public static readonly Snap Instance = new(); }
    private sealed class Get { public static readonly Get Instance = new(); }
    private sealed record State(IReadOnlyList<string> Seen, long LastSequenceNr);

    /// <summary>Keeps what it recovered and persisted; events are strings, a snapshot the list so far.</summary>
    private sealed class Recorder : ReceivePersistentActor
    {
        private List<string> _seen = [];
        private IActorRef? _waiting;

        public Recorder(string id)
        {
            PersistenceId = id;
            Recover<string>(e => _seen.Add(e));
            Recover<SnapshotOffer>(o => _seen = [$"snapshot({o.Snapshot})"]);
            Command<Save>(s =>
            {
                _waiting = Sender;
                Persist(s.Event, e =>
                {
                    _seen.Add(e);
                    _waiting.Tell(LastSequenceNr);
                });
            });
            Command<Snap>(_ =>
            {
                _waiting = Sender;
                SaveSnapshot(string.Join(',', _seen));
            });
            Command<SaveSnapshotSuccess>(_ => _waiting?.Tell(LastSequenceNr));
            Command<DeleteTo>(d =>
            {
                _waiting = Sender;
                DeleteMessages(d.SequenceNr);
            });
            Command<DeleteMessagesSuccess>(s => _waiting?.Tell(s.ToSequenceNr));
            Command<DeleteSnapshotsTo>(d =>
            {
                _waiting = Sender;
                DeleteSnapshots(new SnapshotSelectionCriteria(d.SequenceNr));
            });
            Command<DeleteSnapshotsSuccess>(_ => _waiting?.Tell(LastSequenceNr));
            Command<Get>(_ => Sender.Tell(new State(_seen.ToList(), LastSequenceNr)));
        }

        public override string PersistenceId { get; }

        protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
        {
            _waiting?.Tell(new Status.Failure(cause));
            base.OnPersistFailure(cause, @event, sequenceNr);
        }
    }
}
