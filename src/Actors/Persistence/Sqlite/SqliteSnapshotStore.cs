using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Snapshot;

namespace Edgemanage.Actors.Persistence.Sqlite;

/// <summary>
/// Snapshots on a SQLite file, in Akka.Persistence.Sql's table layout (see <see cref="SqliteStore"/>). Loads and saves
/// run on pool threads: a history group's snapshot is up to a megabyte of samples to decode or encode, and a cron
/// round recovers every group at once, so on two cores two of them decode side by side. Deletes are one statement
/// and run on the store's own turn.
/// </summary>
public sealed class SqliteSnapshotStore : SnapshotStore
{
    private readonly SqliteStore.Settings _settings;

    public SqliteSnapshotStore(Config config)
    {
        _settings = SqliteStore.Settings.From(config);
    }

    protected override void PreStart()
    {
        SqliteStore.EnsureTables(_settings);
        base.PreStart();
    }

    /// <summary>The newest snapshot of the id within the criteria, or null.</summary>
    protected override Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken)
    {
        var system = Context.System;
        return Task.Run(() =>
        {
            using var connection = SqliteStore.Open(_settings);
            using var select = SqliteStore.Command(connection,
                "SELECT sequence_number, created, snapshot, manifest, serializer_id, rowid FROM snapshot " +
                "WHERE persistence_id = $pid AND sequence_number <= $maxSeq AND sequence_number >= $minSeq " +
                "AND created <= $maxTime AND created >= $minTime ORDER BY sequence_number DESC LIMIT 1",
                Criteria(persistenceId, criteria));
            using var reader = select.ExecuteReader();
            if (!reader.Read()) return null;
            var payload = SqliteStore.Deserialize(system, reader, 2, reader.IsDBNull(3) ? "" : reader.GetString(3),
                reader.IsDBNull(4) ? 0 : reader.GetInt32(4));
            return new SelectedSnapshot(new SnapshotMetadata(persistenceId, reader.GetInt64(0), new DateTime(reader.GetInt64(1), DateTimeKind.Utc)), payload);
        }, cancellationToken);
    }

    protected override Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken cancellationToken)
    {
        var system = Context.System;
        return Task.Run(() =>
        {
            _settings.EnsureWritable();
            var (bytes, manifest, serializerId) = SqliteStore.Serialize(system, snapshot);
            using var connection = SqliteStore.Open(_settings);
            using var upsert = SqliteStore.Command(connection,
                "INSERT OR REPLACE INTO snapshot (persistence_id, sequence_number, created, snapshot, manifest, serializer_id) " +
                "VALUES ($pid, $seq, $created, $snapshot, $manifest, $serializer)",
                ("$pid", metadata.PersistenceId), ("$seq", metadata.SequenceNr), ("$created", metadata.Timestamp.Ticks),
                ("$snapshot", bytes), ("$manifest", manifest), ("$serializer", serializerId));
            upsert.ExecuteNonQuery();
        }, cancellationToken);
    }

    protected override Task DeleteAsync(SnapshotMetadata metadata, CancellationToken cancellationToken) => SqliteStore.Attempt(() =>
    {
        _settings.EnsureWritable();
        using var connection = SqliteStore.Open(_settings);
        using var delete = SqliteStore.Command(connection,
            "DELETE FROM snapshot WHERE persistence_id = $pid AND sequence_number = $seq",
            ("$pid", metadata.PersistenceId), ("$seq", metadata.SequenceNr));
        delete.ExecuteNonQuery();
    });

    protected override Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken) => SqliteStore.Attempt(() =>
    {
        _settings.EnsureWritable();
        using var connection = SqliteStore.Open(_settings);
        using var delete = SqliteStore.Command(connection,
            "DELETE FROM snapshot WHERE persistence_id = $pid AND sequence_number <= $maxSeq AND sequence_number >= $minSeq " +
            "AND created <= $maxTime AND created >= $minTime",
            Criteria(persistenceId, criteria));
        delete.ExecuteNonQuery();
    });

    private static (string, object?)[] Criteria(string persistenceId, SnapshotSelectionCriteria c) =>
    [
        ("$pid", persistenceId), ("$maxSeq", c.MaxSequenceNr), ("$minSeq", c.MinSequenceNr),
        ("$maxTime", Ticks(c.MaxTimeStamp, long.MaxValue)), ("$minTime", Ticks(c.MinTimestamp, 0L)),
    ];

    /// <summary>A criteria time as stored ticks; an unset bound (DateTime.MinValue/MaxValue, or null) selects everything on its side.</summary>
    private static long Ticks(DateTime? time, long unbounded) =>
        time is not { } t || t == DateTime.MaxValue || t == DateTime.MinValue ? unbounded : t.Ticks;
}
