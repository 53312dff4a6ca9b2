using System.Buffers;
using Edgemanage.Contracts.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Microsoft.Data.Sqlite;

namespace Edgemanage.Actors.Persistence.Sqlite;

/// <summary>
/// What the SQLite journal and snapshot store share: the tables (Akka.Persistence.Sql's default SQLite schema, column
/// for column, so journals written before this plugin, and by it, read the same both ways and the journal gate's
/// checks hold), the per-connection settings, and how a plugin's HOCON section names its file.
///
/// Why our own plugin for SQLite: a cron round is a cold process, and Akka.Persistence.Sql starts through linq2db
/// (mapping schemas, expression trees compiled at run time, a DataConnection per query): about half a second of CPU
/// before the first group has recovered, measured in docs/benchmarks.md ("Issue 14 §3"). The queries themselves are
/// a handful of plain statements, 20–40× cheaper through ADO.NET (persistence-recovery.md §2). PostgreSQL keeps
/// Akka.Persistence.Sql.
/// </summary>
public static class SqliteStore
{
    /// <summary>
    /// Per connection: synchronous=NORMAL (safe under WAL against a process crash; the WAL mode itself is set once in
    /// the file before Akka starts), a small page cache (recovery reads each snapshot blob once), and SQLite's own
    /// busy wait, so the journal and the snapshot store writing at the same moment wait in SQLite for a few
    /// milliseconds instead of failing or sleeping 150 ms in Microsoft.Data.Sqlite's retry loop.
    /// </summary>
    private const string ConnectionPragmas = "PRAGMA synchronous=NORMAL; PRAGMA cache_size=-256; PRAGMA busy_timeout=10000;";

    /// <summary>The tables as Akka.Persistence.Sql creates them for SQLite (AutoInitialize), so either plugin reads the other's files.</summary>
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS [journal]
        (
        	[ordering]        INTEGER        NOT NULL PRIMARY KEY AUTOINCREMENT,
        	[created]         INTEGER        NOT NULL,
        	[deleted]         Bit            NOT NULL,
        	[persistence_id]  NVarChar(255)  NOT NULL,
        	[sequence_number] INTEGER        NOT NULL,
        	[message]         VarBinary      NOT NULL,
        	[manifest]        NVarChar(500)      NULL,
        	[identifier]      INTEGER            NULL,
        	[writer_uuid]     NVarChar(128)      NULL
        );
        CREATE UNIQUE INDEX IF NOT EXISTS journal_uq ON journal (persistence_id, sequence_number);
        CREATE INDEX IF NOT EXISTS journal_created_idx ON journal (created);
        CREATE INDEX IF NOT EXISTS journal_sequence_number_idx ON journal (sequence_number);
        CREATE TABLE IF NOT EXISTS [tags]
        (
        	[ordering_id]    INTEGER       NOT NULL,
        	[tag]            NVarChar(64)  NOT NULL,
        	[sequence_nr]    INTEGER       NOT NULL,
        	[persistence_id] NVarChar(255) NOT NULL,

        	CONSTRAINT [PK_tags] PRIMARY KEY ([ordering_id], [tag])
        );
        CREATE INDEX IF NOT EXISTS tags_persistence_id_sequence_nr_idx ON tags (persistence_id, sequence_nr);
        CREATE INDEX IF NOT EXISTS tags_tag_idx ON tags (tag);
        CREATE TABLE IF NOT EXISTS [snapshot]
        (
        	[persistence_id]  NVarChar(255) NOT NULL,
        	[sequence_number] INTEGER       NOT NULL,
        	[created]         INTEGER       NOT NULL,
        	[snapshot]        VarBinary         NULL,
        	[manifest]        NVarChar(500)     NULL,
        	[serializer_id]   INTEGER           NULL,

        	CONSTRAINT [PK_snapshot] PRIMARY KEY ([persistence_id], [sequence_number])
        );
        CREATE INDEX IF NOT EXISTS snapshot_sequence_number_idx ON snapshot (sequence_number);
        CREATE INDEX IF NOT EXISTS snapshot_created_idx ON snapshot (created);
        """;

    /// <summary>The HOCON keys of a plugin section (see <see cref="PluginHocon"/>).</summary>
    private const string ConnectionStringKey = "connection-string";
    private const string ReadOnlyKey = "read-only";

    /// <summary>One plugin section: the class, its file and whether it may write.</summary>
    public static string PluginHocon(string path, Type pluginClass, string connectionString, bool readOnly) => $$"""
        {{path}} {
          class = "{{pluginClass.FullName}}, {{pluginClass.Assembly.GetName().Name}}"
          {{ConnectionStringKey}} = {{Quoted(connectionString)}}
          {{ReadOnlyKey}} = {{(readOnly ? "on" : "off")}}
          # One writer per persistence id (the network lock), so the replay filter has nothing to repair.
          replay-filter.mode = off
        }
        """;

    /// <summary>
    /// A HOCON quoted string (JSON's escapes). Written here rather than with System.Text.Json: its serializer costs a
    /// cold process tens of milliseconds to start, for one string.
    /// </summary>
    public static string Quoted(string value)
    {
        var quoted = new System.Text.StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            if (c is '"' or '\\') quoted.Append('\\').Append(c);
            else if (c < ' ') quoted.Append($"\\u{(int)c:x4}");
            else quoted.Append(c);
        }
        return quoted.Append('"').ToString();
    }

    /// <summary>A plugin's settings, read from its HOCON section.</summary>
    public sealed record Settings(string ConnectionString, bool ReadOnly)
    {
        public static Settings From(Config config) =>
            new(config.GetString(ConnectionStringKey) is { Length: > 0 } cs
                    ? cs
                    : throw new ConfigurationException($"the SQLite persistence plugin needs '{ConnectionStringKey}'"),
                config.GetBoolean(ReadOnlyKey, false));

        /// <summary>Before any write: a journal opened for reading (query, why, check, run -n) refuses it, which the actor sees as a failure.</summary>
        public void EnsureWritable()
        {
            if (ReadOnly) throw new InvalidOperationException("this journal was opened for reading only");
        }
    }

    /// <summary>An open connection with <see cref="ConnectionPragmas"/> applied (pooled: opening one again is cheap).</summary>
    public static SqliteConnection Open(Settings settings)
    {
        var connection = new SqliteConnection(settings.ConnectionString);
        try
        {
            connection.Open();
            using var pragmas = connection.CreateCommand();
            pragmas.CommandText = ConnectionPragmas;
            pragmas.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Creates the tables a writer needs if they are missing (a new journal). A reader never does: the journal gate
    /// has checked they are there, and a read-only command must not write into the file.
    /// </summary>
    public static void EnsureTables(Settings settings)
    {
        if (settings.ReadOnly) return;
        using var connection = Open(settings);
        using var create = connection.CreateCommand();
        create.CommandText = Schema;
        create.ExecuteNonQuery();
    }

    /// <summary>
    /// Runs a plugin operation on the calling turn and hands its outcome over as a task: Akka's journal and snapshot
    /// base classes expect a failure as a faulted task (a persist or recovery failure the actor handles), not as an
    /// exception thrown from the call, which would restart the plugin actor instead.
    /// </summary>
    public static Task<T> Attempt<T>(Func<T> body)
    {
        try { return Task.FromResult(body()); }
        catch (Exception e) { return Task.FromException<T>(e); }
    }

    public static Task Attempt(Action body)
    {
        try
        {
            body();
            return Task.CompletedTask;
        }
        catch (Exception e) { return Task.FromException(e); }
    }

    /// <summary>A command with named parameters, in the order given.</summary>
    public static SqliteCommand Command(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    /// <summary>Serialized with the serializer Akka picks for the object, as Akka.Persistence.Sql stores it: bytes, manifest, serializer id.</summary>
    public static (byte[] Bytes, string Manifest, int SerializerId) Serialize(ActorSystem system, object payload)
    {
        var serializer = system.Serialization.FindSerializerFor(payload);
        return (serializer.ToBinary(payload), Akka.Serialization.Serialization.ManifestFor(serializer, payload), serializer.Identifier);
    }

    public static object Deserialize(ActorSystem system, byte[] bytes, string? manifest, int serializerId) =>
        system.Serialization.Deserialize(bytes, serializerId, manifest ?? "");

    /// <summary>
    /// The payload in column <paramref name="ordinal"/> of the row, deserialized. Ours is read through the blob (the
    /// query must select the rowid) into a pooled buffer: a history group's snapshot is about 1 MB at 2000 samples
    /// per edge, and a new array for each of 32 groups was large-object garbage that only a full collection frees,
    /// held through the whole round (issue 14). Other serializers get their array, as Akka.Persistence.Sql gives it.
    /// </summary>
    public static object Deserialize(ActorSystem system, SqliteDataReader reader, int ordinal, string? manifest, int serializerId)
    {
        if (serializerId != EdgemanageSerializer.Id) return Deserialize(system, reader.GetFieldValue<byte[]>(ordinal), manifest, serializerId);
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            var length = ReadBlob(reader, ordinal, ref buffer);
            return EdgemanageSerializer.Decode(buffer, 0, length, manifest ?? "");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Reads the blob in column <paramref name="ordinal"/> (an incremental read: the query must select the rowid) into
    /// <paramref name="pooled"/>, an array rented from the shared pool, which is swapped for a larger rented one when
    /// the blob does not fit; returns the blob's length. The caller returns whatever <paramref name="pooled"/> ends as.
    /// </summary>
    public static int ReadBlob(SqliteDataReader reader, int ordinal, ref byte[] pooled)
    {
        using var blob = reader.GetStream(ordinal);
        var length = checked((int)blob.Length);
        if (pooled.Length < length)
        {
            ArrayPool<byte>.Shared.Return(pooled);
            pooled = ArrayPool<byte>.Shared.Rent(length);
        }
        blob.ReadExactly(pooled, 0, length);
        return length;
    }
}
