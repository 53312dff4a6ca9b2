using System.Collections.Immutable;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Journal;

namespace Edgemanage.Actors.Persistence.Sqlite;

/// <summary>
/// The event journal on a SQLite file, in Akka.Persistence.Sql's table layout (see <see cref="SqliteStore"/> for why
/// it is our own). Every statement runs on the journal actor's own turn, so writes reach the file in the order
/// they were asked for and a write and a delete never interleave; a statement on a local file takes well under a
/// millisecond, so there is nothing to gain from handing them to other threads.
/// </summary>
public sealed class SqliteWriteJournal : AsyncWriteJournal
{
    private readonly SqliteStore.Settings _settings;

    public SqliteWriteJournal(Config config)
    {
        _settings = SqliteStore.Settings.From(config);
    }

    protected override void PreStart()
    {
        SqliteStore.EnsureTables(_settings);
        base.PreStart();
    }

    protected override Task<IImmutableList<Exception?>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken) =>
        SqliteStore.Attempt(() => Write(messages));

    private IImmutableList<Exception?> Write(IEnumerable<AtomicWrite> messages)
    {
        _settings.EnsureWritable();
        var writes = messages.ToList();
        // Serialize first: a payload that cannot be serialized rejects its own write only (the actor is told and goes on).
        var rows = new List<Row[]?>(writes.Count);
        var results = new Exception?[writes.Count];
        var created = DateTime.UtcNow.Ticks;
        for (var i = 0; i < writes.Count; i++)
        {
            try
            {
                rows.Add(((IImmutableList<IPersistentRepresentation>)writes[i].Payload).Select(p => ToRow(p, created)).ToArray());
            }
            catch (Exception e)
            {
                rows.Add(null);
                results[i] = e;
            }
        }

        // One transaction for the whole batch: every write in it is on the disk, or (the file refused: full, read-only,
        // damaged) none is and the exception fails them all, which the actors see as a persist failure.
        using var connection = SqliteStore.Open(_settings);
        using var transaction = connection.BeginTransaction(deferred: false);
        using var insert = SqliteStore.Command(connection,
            "INSERT INTO journal (created, deleted, persistence_id, sequence_number, message, manifest, identifier, writer_uuid) " +
            "VALUES ($created, 0, $pid, $seq, $message, $manifest, $identifier, $writer); SELECT last_insert_rowid();",
            ("$created", 0L), ("$pid", ""), ("$seq", 0L), ("$message", Array.Empty<byte>()), ("$manifest", ""), ("$identifier", 0), ("$writer", ""));
        using var tag = SqliteStore.Command(connection,
            "INSERT INTO tags (ordering_id, tag, sequence_nr, persistence_id) VALUES ($ordering, $tag, $seq, $pid)",
            ("$ordering", 0L), ("$tag", ""), ("$seq", 0L), ("$pid", ""));
        foreach (var row in rows.Where(r => r is not null).SelectMany(r => r!))
        {
            insert.Parameters["$created"].Value = row.Created;
            insert.Parameters["$pid"].Value = row.PersistenceId;
            insert.Parameters["$seq"].Value = row.SequenceNr;
            insert.Parameters["$message"].Value = row.Message;
            insert.Parameters["$manifest"].Value = row.Manifest;
            insert.Parameters["$identifier"].Value = row.SerializerId;
            insert.Parameters["$writer"].Value = (object?)row.WriterUuid ?? DBNull.Value;
            var ordering = (long)insert.ExecuteScalar()!;
            foreach (var t in row.Tags)
            {
                tag.Parameters["$ordering"].Value = ordering;
                tag.Parameters["$tag"].Value = t;
                tag.Parameters["$seq"].Value = row.SequenceNr;
                tag.Parameters["$pid"].Value = row.PersistenceId;
                tag.ExecuteNonQuery();
            }
        }
        transaction.Commit();
        return results.All(r => r is null) ? null! : results.ToImmutableList();
    }

    private sealed record Row(long Created, string PersistenceId, long SequenceNr, byte[] Message, string Manifest, int SerializerId,
        string? WriterUuid, IReadOnlyCollection<string> Tags);

    private Row ToRow(IPersistentRepresentation p, long created)
    {
        var (payload, tags) = p.Payload is Tagged tagged ? (tagged.Payload, (IReadOnlyCollection<string>)tagged.Tags) : (p.Payload, []);
        var (bytes, manifest, serializerId) = SqliteStore.Serialize(Context.System, payload);
        return new Row(created, p.PersistenceId, p.SequenceNr, bytes, manifest, serializerId, p.WriterGuid, tags);
    }

    /// <summary>
    /// As Akka.Persistence.Sql deletes: the events are marked deleted, then all but the highest marked one removed, so
    /// the highest sequence number a recovering actor continues from is never lost with them.
    /// </summary>
    protected override Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken) =>
        SqliteStore.Attempt(() => Delete(persistenceId, toSequenceNr));

    private void Delete(string persistenceId, long toSequenceNr)
    {
        _settings.EnsureWritable();
        using var connection = SqliteStore.Open(_settings);
        using var transaction = connection.BeginTransaction(deferred: false);
        using (var mark = SqliteStore.Command(connection,
                   "UPDATE journal SET deleted = 1 WHERE persistence_id = $pid AND sequence_number <= $to",
                   ("$pid", persistenceId), ("$to", toSequenceNr)))
            mark.ExecuteNonQuery();
        using (var remove = SqliteStore.Command(connection,
                   "DELETE FROM journal WHERE persistence_id = $pid AND sequence_number <= $to AND sequence_number < " +
                   "(SELECT MAX(sequence_number) FROM journal WHERE persistence_id = $pid AND deleted = 1)",
                   ("$pid", persistenceId), ("$to", toSequenceNr)))
            remove.ExecuteNonQuery();
        transaction.Commit();
    }

    /// <summary>The highest sequence number ever written for the id, deleted events included (their marker row keeps it).</summary>
    public override Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken) => SqliteStore.Attempt(() =>
    {
        using var connection = SqliteStore.Open(_settings);
        using var max = SqliteStore.Command(connection, "SELECT MAX(sequence_number) FROM journal WHERE persistence_id = $pid", ("$pid", persistenceId));
        return max.ExecuteScalar() is long highest ? highest : 0L;
    });

    public override Task ReplayMessagesAsync(IActorContext context, string persistenceId, long fromSequenceNr, long toSequenceNr, long max,
        Action<IPersistentRepresentation> recoveryCallback) =>
        SqliteStore.Attempt(() => Replay(context.System, persistenceId, fromSequenceNr, toSequenceNr, max, recoveryCallback));

    private void Replay(ActorSystem system, string persistenceId, long fromSequenceNr, long toSequenceNr, long max,
        Action<IPersistentRepresentation> recoveryCallback)
    {
        if (max <= 0 || toSequenceNr < fromSequenceNr) return;
        using var connection = SqliteStore.Open(_settings);
        using var select = SqliteStore.Command(connection,
            "SELECT sequence_number, message, manifest, identifier, writer_uuid, created FROM journal " +
            "WHERE persistence_id = $pid AND sequence_number >= $from AND sequence_number <= $to AND deleted = 0 " +
            "ORDER BY sequence_number LIMIT $max",
            ("$pid", persistenceId), ("$from", fromSequenceNr), ("$to", toSequenceNr), ("$max", max));
        using var reader = select.ExecuteReader();
        while (reader.Read())
        {
            var manifest = reader.IsDBNull(2) ? "" : reader.GetString(2);
            var payload = SqliteStore.Deserialize(system, reader.GetFieldValue<byte[]>(1), manifest, reader.IsDBNull(3) ? 0 : reader.GetInt32(3));
            recoveryCallback(new Persistent(payload, reader.GetInt64(0), persistenceId, manifest, false, ActorRefs.NoSender,
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetInt64(5)));
        }
    }
}
