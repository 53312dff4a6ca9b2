using System.Data;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Hosting;
using Akka.Persistence.Sql.Hosting;
using Edgemanage.Contracts.Config;
using LinqToDB;
using Microsoft.Data.Sqlite;

namespace Edgemanage.Actors.Persistence;

/// <summary>Where and how history is persisted for one process.</summary>
/// <param name="ReadOnly">
/// For commands that only read (query, why, check, run -n): a SQLite journal is opened with Mode=ReadOnly, its
/// WAL mode is not set and the plugin creates no tables, so reading never writes into the file.
/// </param>
public sealed record JournalTarget(PersistenceProvider Provider, string ConnectionString, bool ReadOnly = false)
{
    /// <summary>The SQLite file this target names, or null (PostgreSQL, an in-memory or URI data source).</summary>
    public string? SqlitePath
    {
        get
        {
            if (Provider != PersistenceProvider.Sqlite) return null;
            var csb = new SqliteConnectionStringBuilder(ConnectionString);
            return csb.Mode == SqliteOpenMode.Memory || csb.DataSource is "" or ":memory:" || csb.DataSource.StartsWith("file:", StringComparison.Ordinal)
                ? null
                : Path.GetFullPath(csb.DataSource);
        }
    }

    /// <summary>The same journal for reading only (see <see cref="ReadOnly"/>).</summary>
    public JournalTarget ForReading() => Provider == PersistenceProvider.Sqlite
        ? new(Provider, new SqliteConnectionStringBuilder(ConnectionString) { Mode = SqliteOpenMode.ReadOnly }.ToString(), ReadOnly: true)
        : this with { ReadOnly = true };

    public static JournalTarget SqliteFile(string path) =>
        new(PersistenceProvider.Sqlite, new SqliteConnectionStringBuilder { DataSource = path, Pooling = true }.ToString());

    public static JournalTarget For(PersistenceSettings settings, string defaultSqlitePath) => settings.Provider switch
    {
        PersistenceProvider.Sqlite => settings.ConnectionString is { Length: > 0 } cs ? new(PersistenceProvider.Sqlite, cs) : SqliteFile(defaultSqlitePath),
        PersistenceProvider.PostgreSql => new(PersistenceProvider.PostgreSql, settings.ConnectionString
            ?? throw new InvalidOperationException("persistence.connection_string is required for postgresql")),
        _ => throw new InvalidOperationException($"unknown persistence provider {settings.Provider}"),
    };
}

/// <summary>
/// The journal and snapshot store a persistent actor uses. Empty ids are the system's default plugin: one network per
/// system (run, query, why, edge mode, import-legacy, a cluster node). serve hosts every network in one system, each
/// with its own plugin on its own journal (its own SQLite file and lock), named after the network.
/// </summary>
public sealed record PersistencePlugins(string JournalPluginId, string SnapshotPluginId)
{
    public static readonly PersistencePlugins Default = new("", "");

    /// <summary>The plugins of <paramref name="network"/> in a system that hosts several networks.</summary>
    public static PersistencePlugins ForNetwork(string network)
    {
        var id = IdentifierFor(network);
        return new($"akka.persistence.journal.{id}", $"akka.persistence.snapshot-store.{id}");
    }

    /// <summary>
    /// A HOCON key for the network: network names may hold '.', which HOCON reads as a path separator, so everything
    /// but letters, digits and '-' is written as _xx (its code in hex), which keeps distinct names distinct.
    /// </summary>
    public static string IdentifierFor(string network) =>
        "sql-" + string.Concat(network.Select(c => char.IsAsciiLetterOrDigit(c) || c == '-' ? c.ToString() : $"_{(int)c:x2}"));

    /// <summary>
    /// The plugins a persistent actor of <paramref name="network"/> uses in <paramref name="system"/>: the network's own
    /// when the system was started with a <see cref="NetworkJournalsSetup"/> naming it, else the default plugin.
    /// </summary>
    public static PersistencePlugins Of(ActorSystem system, string network) =>
        system.Settings.Setup.Get<NetworkJournalsSetup>() is { HasValue: true } setup && setup.Value.Plugins.TryGetValue(network, out var plugins)
            ? plugins
            : Default;
}

/// <summary>Given to an ActorSystem that hosts several networks: which plugins each network's persistent actors use.</summary>
public sealed class NetworkJournalsSetup(IReadOnlyDictionary<string, PersistencePlugins> plugins) : Setup
{
    public IReadOnlyDictionary<string, PersistencePlugins> Plugins { get; } = plugins;
}

/// <summary>
/// The journal and snapshot store of a process. SQLite: our own plugin (<see cref="Sqlite.SqliteStore"/>: raw ADO.NET on
/// Akka.Persistence.Sql's tables, measured 0.5 s faster to start in a cron round), on a file in WAL mode (set once in
/// the file) with synchronous=NORMAL per connection. PostgreSQL: Akka.Persistence.Sql with the settings measured in
/// persistence-recovery.md §4: deferred (non-locking) read transactions, one writer, no replay filter (safe because
/// the network lock guarantees one writer per persistence id).
/// </summary>
public static class PersistenceSetup
{
    /// <param name="network">
    /// null: the journal is the system's default plugin (one network per system). A network: the journal is that
    /// network's own plugin (<see cref="PersistencePlugins.ForNetwork"/>), one of several in the system.
    /// </param>
    public static AkkaConfigurationBuilder WithEdgemanagePersistence(this AkkaConfigurationBuilder builder, JournalTarget target, string? network = null)
    {
        var isDefault = network is null;
        var identifier = network is null ? "sql" : PersistencePlugins.IdentifierFor(network);
        if (target.Provider == PersistenceProvider.Sqlite)
        {
            if (!target.ReadOnly) PrepareSqliteFile(target.ConnectionString);
            var journalPath = $"akka.persistence.journal.{identifier}";
            var snapshotPath = $"akka.persistence.snapshot-store.{identifier}";
            builder.AddHocon(
                Sqlite.SqliteStore.PluginHocon(journalPath, typeof(Sqlite.SqliteWriteJournal), target.ConnectionString, target.ReadOnly) + "\n" +
                Sqlite.SqliteStore.PluginHocon(snapshotPath, typeof(Sqlite.SqliteSnapshotStore), target.ConnectionString, target.ReadOnly) + "\n" +
                (isDefault ? $"akka.persistence.journal.plugin = \"{journalPath}\"\nakka.persistence.snapshot-store.plugin = \"{snapshotPath}\"\n" : ""),
                HoconAddMode.Prepend);
            return builder;
        }

        var provider = ProviderName.PostgreSQL15;
        var dataOptions = new DataOptions().UseConnectionString(provider, target.ConnectionString);
        var journal = new SqlJournalOptions(isDefault, identifier)
        {
            ConnectionString = target.ConnectionString,
            ProviderName = provider,
            DataOptions = dataOptions,
            ReadIsolationLevel = IsolationLevel.ReadUncommitted,
            // The journal gate has checked the tables are there; a reader must not create them.
            AutoInitialize = !target.ReadOnly,
        };
        var snapshots = new SqlSnapshotOptions(isDefault, identifier)
        {
            ConnectionString = target.ConnectionString,
            ProviderName = provider,
            DataOptions = dataOptions,
            ReadIsolationLevel = IsolationLevel.ReadUncommitted,
            // The journal gate has checked the tables are there; a reader must not create them.
            AutoInitialize = !target.ReadOnly,
        };
        builder.WithSqlPersistence(journal, snapshots);
        builder.AddHocon($"""
            akka.persistence.journal.{identifier}.parallelism = 1
            akka.persistence.journal.{identifier}.replay-filter.mode = off
            """, HoconAddMode.Prepend);
        return builder;
    }

    /// <summary>
    /// WAL is a property of the file: set it before Akka opens it, creating the folder if needed. A new journal is
    /// made under a temporary name and renamed into place, so a full disk or a crash at this moment leaves either no
    /// journal or one with a whole header, never the 0-byte file the journal gate would have to call damaged.
    /// </summary>
    public static void PrepareSqliteFile(string connectionString)
    {
        var csb = new SqliteConnectionStringBuilder(connectionString);
        if (csb.Mode == SqliteOpenMode.Memory || csb.DataSource.StartsWith("file:", StringComparison.Ordinal)) return;
        var path = Path.GetFullPath(csb.DataSource);
        var dir = Path.GetDirectoryName(path);
        if (dir is not null) Directory.CreateDirectory(dir);
        if (!File.Exists(path) && dir is not null)
        {
            var temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
            try
            {
                SetWal(new SqliteConnectionStringBuilder(connectionString) { DataSource = temp, Pooling = false }.ToString(), path);
                File.Move(temp, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process made it first (it holds the lock, so it is the one to write); use theirs.
            }
            finally
            {
                foreach (var f in new[] { temp, temp + "-wal", temp + "-shm", temp + "-journal" })
                    try { File.Delete(f); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
            return;
        }
        SetWal(connectionString, path);
    }

    private static void SetWal(string connectionString, string path)
    {
        try
        {
            using var c = new SqliteConnection(connectionString);
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA journal_mode=WAL;";
            cmd.ExecuteScalar();
        }
        catch (SqliteException e)
        {
            // Never "repair" by recreating: the file may hold the only copy of the history.
            throw new InvalidOperationException($"cannot open the journal {path}: {e.Message} (left untouched)", e);
        }
    }
}
