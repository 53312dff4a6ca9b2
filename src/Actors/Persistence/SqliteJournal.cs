using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Edgemanage.Contracts.Serialization;
using Microsoft.Data.Sqlite;

namespace Edgemanage.Actors.Persistence;

/// <summary>What a look at a SQLite journal found, before any ActorSystem opens it.</summary>
public enum JournalCondition
{
    /// <summary>No file at the path: a network that never ran here (or a journal that was lost).</summary>
    Missing,
    /// <summary>A sound SQLite file with the plugin's tables and records of this network.</summary>
    Healthy,
    /// <summary>A sound SQLite file with no record of this network: our tables, or none at all, but empty for it.</summary>
    NoData,
    /// <summary>Not usable: not SQLite, cut short, corrupt, someone else's database, a table or column missing, a payload unreadable.</summary>
    Damaged,
    /// <summary>
    /// Could not be looked at for a reason that is not the file's fault (I/O error, no room for the -shm index a WAL
    /// reader needs, permissions, busy beyond the timeout): refused too, but not called damaged.
    /// </summary>
    Unreadable,
}

/// <param name="Problem">For <see cref="JournalCondition.Damaged"/>: what is wrong, with SQLite's own words where it had some.</param>
/// <param name="Notes">What could not be checked within the time allowed (a very large journal): said, not fatal.</param>
public sealed record JournalInspection(JournalCondition Condition, string? Problem, IReadOnlyList<string> Notes);

/// <summary>
/// Read-only inspection of a SQLite journal: header, SQLite's integrity check, the Akka.Persistence.Sql schema
/// and the payloads that recovery would read. Nothing here writes: the file is opened with Mode=ReadOnly, so a
/// damaged journal is left byte for byte as it was found (it may hold the only copy of the history).
///
/// Why before the ActorSystem: the plugin meets a damaged file only at recovery, where it retries and the actors
/// restart with back-off, so commands hung for minutes and some wrote into the file (AutoInitialize creating tables
/// in a foreign database). Checking first turns every such case into one clear error within seconds.
/// </summary>
public static class SqliteJournal
{
    /// <summary>The columns each table of Akka.Persistence.Sql's default SQLite schema must have (what our plugin settings read and write).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> ExpectedColumns = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["journal"] = ["ordering", "created", "deleted", "persistence_id", "sequence_number", "message", "manifest", "identifier", "writer_uuid"],
        ["snapshot"] = ["persistence_id", "sequence_number", "created", "snapshot", "manifest", "serializer_id"],
        ["tags"] = ["ordering_id", "tag", "sequence_nr", "persistence_id"],
    };

    private static readonly byte[] Magic = "SQLite format 3\0"u8.ToArray();

    /// <summary>The persistence ids of one network from one vantage: what its commands recover.</summary>
    public sealed record NetworkIds(string Network, string Vantage)
    {
        public string NetworkId => $"net-{Network}";
        public string ZonesId => $"zones-{Network}";
        public string HistoryPrefix => $"hist-{Network}-{Vantage}-";
    }

    /// <summary>Inspects <paramref name="path"/>; at most <paramref name="budget"/> is spent inside SQLite (integrity check and payloads).</summary>
    public static JournalInspection Inspect(string path, NetworkIds ids, TimeSpan budget)
    {
        var notes = new List<string>();
        if (Directory.Exists(path)) return Damaged("is a directory, not a SQLite file");
        if (!File.Exists(path)) return new JournalInspection(JournalCondition.Missing, null, notes);

        try
        {
            if (CheckHeader(path) is { } headerProblem) return Damaged(headerProblem);
        }
        catch (IOException e)
        {
            return new JournalInspection(JournalCondition.Unreadable, e.Message, notes);
        }

        var clock = Stopwatch.StartNew();
        try
        {
            // Pooling off: a pooled connection would outlive this look and keep the file open in a process that may
            // go on to rename it aside (--new-journal). Default Timeout bounds the wait for a busy lock as well.
            var cs = new SqliteConnectionStringBuilder
            {
                DataSource = path,
                Mode = SqliteOpenMode.ReadOnly,
                Pooling = false,
                DefaultTimeout = Math.Max(1, (int)Math.Ceiling(budget.TotalSeconds)),
            }.ToString();
            using var connection = new SqliteConnection(cs);
            connection.Open();
            using var interrupt = InterruptAfter(connection, budget);

            var tables = Strings(connection, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");

            var integrity = Integrity(connection, interrupt, notes, budget);
            if (integrity is not null) return Damaged($"SQLite's integrity check failed: {integrity}");
            interrupt.Disarm();

            var ours = ExpectedColumns.Keys.Where(t => tables.Contains(t, StringComparer.Ordinal)).ToList();
            if (ours.Count == 0)
                return tables.Count == 0
                    ? new JournalInspection(JournalCondition.NoData, null, notes)
                    : Damaged($"is a SQLite database but not an edgemanage journal (its tables: {string.Join(", ", tables.Take(8))}{(tables.Count > 8 ? ", ..." : "")})");
            foreach (var (table, columns) in ExpectedColumns)
            {
                if (!tables.Contains(table, StringComparer.Ordinal))
                    return Damaged($"table '{table}' is missing (the journal has {string.Join(", ", ours)})");
                var present = Strings(connection, $"SELECT name FROM pragma_table_info('{table}')").ToHashSet(StringComparer.OrdinalIgnoreCase);
                var missing = columns.Where(c => !present.Contains(c)).ToList();
                if (missing.Count > 0)
                    return Damaged($"table '{table}' lacks column{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)}");
            }

            if (!HasRecords(connection, ids)) return new JournalInspection(JournalCondition.NoData, null, notes);
            var left = budget - clock.Elapsed < TimeSpan.FromSeconds(2) ? TimeSpan.FromSeconds(2) : budget - clock.Elapsed;
            interrupt.Arm(left);
            if (UnreadablePayload(connection, ids, interrupt, notes, left) is { } unreadable) return Damaged(unreadable);
            return new JournalInspection(JournalCondition.Healthy, null, notes);
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 11 /* SQLITE_CORRUPT */ or 26 /* SQLITE_NOTADB */)
        {
            return Damaged($"SQLite: {OneLine(e.Message)}");
        }
        catch (SqliteException e)
        {
            return new JournalInspection(JournalCondition.Unreadable, $"SQLite: {OneLine(e.Message)}", notes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new JournalInspection(JournalCondition.Unreadable, OneLine(e.Message), notes);
        }

        JournalInspection Damaged(string problem) => new(JournalCondition.Damaged, problem, notes);
    }

    /// <summary>
    /// The 100-byte header, checked without SQLite: a 0-byte file is a valid empty database to SQLite (and so was
    /// once taken as a journal with all history gone), and a file cut short below what its header says is caught
    /// here even where SQLite would only notice on the pages that are gone.
    /// </summary>
    public static string? CheckHeader(string path)
    {
        long length;
        var header = new byte[100];
        int read;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            length = stream.Length;
            read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot be read: {OneLine(e.Message)}", e);
        }
        if (length == 0) return "is empty (0 bytes): a journal always has at least a header, so its history is gone";
        if (read < header.Length) return $"is cut short: {length} bytes, less than a SQLite header";
        if (!header.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            return $"is not a SQLite database (it starts with {Printable(header.AsSpan(0, 16))})";
        var pageSize = (int)BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(16));
        if (pageSize == 1) pageSize = 65536;
        if (pageSize < 512 || (pageSize & (pageSize - 1)) != 0)
            return $"has a damaged header: page size {pageSize} is not a power of two from 512 to 65536";
        if (length % pageSize != 0)
            return $"is cut short or padded: {length} bytes is not a whole number of {pageSize}-byte pages";
        var changeCounter = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(24));
        var pages = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(28));
        var validFor = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(92));
        if (changeCounter == validFor && pages > 0 && (long)pages * pageSize > length)
            return $"is cut short: its header says {(long)pages * pageSize} bytes ({pages} pages), the file has {length}";
        return null;
    }

    /// <summary>
    /// <c>PRAGMA integrity_check</c>, interrupted when the budget runs out: a journal too large to check in time is
    /// noted rather than refused (slow is not damaged), and the schema and payload checks still run.
    /// </summary>
    private static string? Integrity(SqliteConnection connection, Interrupter interrupt, List<string> notes, TimeSpan budget)
    {
        try
        {
            var lines = Strings(connection, "PRAGMA integrity_check(20)");
            return lines.Count == 1 && lines[0] == "ok" ? null : string.Join("; ", lines.Take(5)) + (lines.Count > 5 ? "; ..." : "");
        }
        catch (SqliteException e) when (interrupt.Fired && e.SqliteErrorCode == 9 /* SQLITE_INTERRUPT */)
        {
            notes.Add($"SQLite's integrity check did not finish within {budget.TotalSeconds:0} s and was skipped");
            return null;
        }
    }

    private static bool HasRecords(SqliteConnection connection, NetworkIds ids)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = """
            SELECT EXISTS (SELECT 1 FROM journal WHERE persistence_id IN ($net, $zones) OR substr(persistence_id, 1, length($hist)) = $hist)
                OR EXISTS (SELECT 1 FROM snapshot WHERE persistence_id IN ($net, $zones) OR substr(persistence_id, 1, length($hist)) = $hist)
            """;
        cmd.Parameters.AddWithValue("$net", ids.NetworkId);
        cmd.Parameters.AddWithValue("$zones", ids.ZonesId);
        cmd.Parameters.AddWithValue("$hist", ids.HistoryPrefix);
        return Convert.ToInt64(cmd.ExecuteScalar()) != 0;
    }

    /// <summary>
    /// Decodes what recovery reads for this network: the newest snapshot of each persistence id and the events after
    /// it. SQLite keeps no checksums, so flipped bits inside a payload pass its integrity check; our decoder does
    /// not. Only rows of our serializer are decoded; running out of time is a note, not a failure.
    /// </summary>
    private static string? UnreadablePayload(SqliteConnection connection, NetworkIds ids, Interrupter interrupt, List<string> notes, TimeSpan budget)
    {
        var clock = Stopwatch.StartNew();
        const string ofNetwork = "(persistence_id IN ($net, $zones) OR substr(persistence_id, 1, length($hist)) = $hist)";
        var queries = new[]
        {
            ("snapshot", $"""
                SELECT persistence_id, sequence_number, snapshot, manifest, serializer_id, rowid FROM snapshot s
                WHERE {ofNetwork} AND sequence_number = (SELECT max(sequence_number) FROM snapshot WHERE persistence_id = s.persistence_id)
                """),
            ("journal", $"""
                SELECT persistence_id, sequence_number, message, manifest, identifier, rowid FROM journal j
                WHERE {ofNetwork} AND deleted = 0
                  AND sequence_number > coalesce((SELECT max(sequence_number) FROM snapshot WHERE persistence_id = j.persistence_id), 0)
                """),
        };
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            foreach (var (table, sql) in queries)
            {
                using var cmd = connection.CreateCommand();
                cmd.CommandText = sql;
                cmd.Parameters.AddWithValue("$net", ids.NetworkId);
                cmd.Parameters.AddWithValue("$zones", ids.ZonesId);
                cmd.Parameters.AddWithValue("$hist", ids.HistoryPrefix);
                using var reader = cmd.ExecuteReader();
                while (reader.Read())
                {
                    if (clock.Elapsed > budget)
                    {
                        notes.Add($"the payloads were not all decoded within {budget.TotalSeconds:0} s");
                        return null;
                    }
                    var id = reader.GetString(0);
                    var seq = reader.GetInt64(1);
                    if (reader.IsDBNull(4) || reader.GetInt64(4) != EdgemanageSerializer.Id) continue;
                    var manifest = reader.IsDBNull(3) ? "" : reader.GetString(3);
                    if (reader.IsDBNull(2)) return $"{table} row {id} #{seq} ({manifest}) has no payload";
                    // Read through the row's blob (an incremental read: the query selects the rowid) into one reused
                    // buffer, then checked from memory. A new array per row put 32 snapshots of about 1 MB each (2000
                    // samples per edge) on the large-object heap as garbage, raising the round's peak memory; decoding
                    // straight from the blob stream avoided that but made every field a chain of stream calls, and the
                    // gate took 0.15 s at 1000 edges (issue 14). From memory, sample lists are checked in place, not copied.
                    var length = Sqlite.SqliteStore.ReadBlob(reader, 2, ref buffer);
                    try
                    {
                        EdgemanageSerializer.Check(buffer, 0, length, manifest);
                    }
                    // SQLite's own errors (damage, the budget's interrupt) are the outer handlers' to classify, as before.
                    catch (Exception e) when (e is not OutOfMemoryException and not SqliteException)
                    {
                        return $"{table} row {id} #{seq} ({manifest}) cannot be decoded: {OneLine(e.Message)}";
                    }
                }
            }
        }
        catch (SqliteException e) when (interrupt.Fired && e.SqliteErrorCode == 9)
        {
            notes.Add($"the payloads were not all decoded within {budget.TotalSeconds:0} s");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return null;
    }

    private static List<string> Strings(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        using var reader = cmd.ExecuteReader();
        var list = new List<string>();
        while (reader.Read()) list.Add(reader.IsDBNull(0) ? "" : Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture) ?? "");
        return list;
    }

    /// <summary>Calls sqlite3_interrupt on the connection once the budget is spent, so no statement of the gate runs on.</summary>
    private static Interrupter InterruptAfter(SqliteConnection connection, TimeSpan budget) => new(connection, budget);

    private sealed class Interrupter : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly Timer _timer;
        private readonly object _lock = new();
        private bool _disposed;
        private volatile bool _fired;

        public Interrupter(SqliteConnection connection, TimeSpan budget)
        {
            _connection = connection;
            _timer = new Timer(_ => Interrupt(), null, budget, Timeout.InfiniteTimeSpan);
        }

        /// <summary>
        /// On the timer's thread. Timer.Dispose does not wait for a callback already running, so a budget that ran out
        /// just as the inspection ended could reach a closed connection: SQLitePCL threw ObjectDisposedException on a
        /// pool thread and the process died (exit 134, seen on a loaded machine). The lock makes it one or the other.
        /// </summary>
        private void Interrupt()
        {
            lock (_lock)
            {
                if (_disposed) return;
                _fired = true;
                SQLitePCL.raw.sqlite3_interrupt(_connection.Handle);
            }
        }

        public bool Fired => _fired;

        /// <summary>Between the checks: the schema queries are tiny and must not be cut by a timer meant for the big ones.</summary>
        public void Disarm() => _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

        public void Arm(TimeSpan budget)
        {
            _fired = false;
            _timer.Change(budget, Timeout.InfiniteTimeSpan);
        }

        public void Dispose()
        {
            lock (_lock) _disposed = true;
            _timer.Dispose();
        }
    }

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder("\"");
        foreach (var b in bytes) sb.Append(b is >= 0x20 and < 0x7f ? (char)b : '.');
        return sb.Append('"').ToString();
    }

    private static string OneLine(string s) => s.ReplaceLineEndings(" ").Trim();
}
