using System.Diagnostics;
using Edgemanage.Node.Cli;
using Edgemanage.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Edgemanage.Tests.Faults;

/// <summary>
/// Every kind of damage a journal meets (cut short, garbage in the middle, flipped bits, empty, someone else's
/// database, a dropped column, not SQLite at all) × every command that opens it: each ends within seconds with the
/// file named and SQLite's (or the header check's) words, and the file's bytes exactly as they were.
/// check is a Nagios plugin: a damaged journal is CRITICAL (exit 2) there, with the file named on its status line.
/// </summary>
public sealed class DamagedJournalSpecs(JournalFleet fleet) : IClassFixture<JournalFleet>
{
    private static readonly TimeSpan Quickly = TimeSpan.FromSeconds(20);

    public static readonly TheoryData<string, string> Cases = Build();

    private static TheoryData<string, string> Build()
    {
        var data = new TheoryData<string, string>();
        foreach (var damage in new[] { "cut-at-page", "cut-mid-page", "garbage-middle", "flipped-payload-bits", "flipped-page-bits", "zero-bytes", "foreign-db", "dropped-column", "not-sqlite" })
            foreach (var command in new[] { "run", "query", "why", "check", "edge-mode", "dry-run" })
                data.Add(damage, command);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_damaged_journal_stops_the_command_within_seconds_and_is_left_untouched(string damage, string command)
    {
        using var ws = new JournalWorkspace(fleet);
        ws.PlaceJournal(Damage(damage, fleet.GoodJournal, ws.Dir));
        var before = JournalWorkspace.Hash(ws.Journal);

        var clock = Stopwatch.StartNew();
        var result = await ws.RunAsync(Args(command, ws.Config));
        clock.Stop();

        Assert.True(clock.Elapsed < Quickly, $"{damage} × {command} took {clock.Elapsed}\n{result}");
        Assert.Equal(before, JournalWorkspace.Hash(ws.Journal));
        if (command == "check")
        {
            Assert.True(result.ExitCode == 2, result.ToString());
            Assert.Contains("CRITICAL", result.Stdout);
            Assert.Contains(ws.Journal, result.Stdout);
        }
        else
        {
            Assert.True(result.ExitCode == ExitCodes.Error, result.ToString());
            Assert.Contains($"the journal {ws.Journal} is damaged", result.Stderr);
            Assert.Contains("--new-journal", result.Stderr);
        }
        // Nothing was published from a round that never started.
        Assert.False(File.Exists(ws.Zone), result.ToString());
    }

    public static readonly TheoryData<string> Damages = new() { "cut-at-page", "garbage-middle", "flipped-payload-bits", "zero-bytes", "foreign-db", "dropped-column" };

    /// <summary>serve on a damaged journal never starts: no ActorSystem to hang in recovery, so nothing to ignore SIGTERM.</summary>
    [Theory]
    [MemberData(nameof(Damages))]
    public async Task Serve_on_a_damaged_journal_never_starts(string damage)
    {
        using var ws = new JournalWorkspace(fleet);
        ws.PlaceJournal(Damage(damage, fleet.GoodJournal, ws.Dir));
        var before = JournalWorkspace.Hash(ws.Journal);
        var serve = ws.RunAsync("serve", "-A", JournalFleet.Net, "-c", ws.Config, "--admin", "off", "--metrics-listen", "off");
        Assert.True(await Task.WhenAny(serve, Task.Delay(Quickly)) == serve, $"serve on a {damage} journal was still running after {Quickly}");
        var result = await serve;
        Assert.True(result.ExitCode == ExitCodes.Error, result.ToString());
        Assert.Contains($"the journal {ws.Journal} is damaged", result.Stderr);
        Assert.Equal(before, JournalWorkspace.Hash(ws.Journal));
    }

    [Fact]
    public async Task The_sound_journal_is_read_by_every_reader_without_a_byte_changing()
    {
        using var ws = new JournalWorkspace(fleet);
        ws.PlaceJournal(fleet.GoodJournal);
        var before = JournalWorkspace.Hash(ws.Journal);
        foreach (var command in new[] { "query", "why", "check", "dry-run" })
        {
            var result = await ws.RunAsync(Args(command, ws.Config));
            Assert.True(result.ExitCode is 0 or 3 || (command == "check" && result.ExitCode is 0 or 1 or 2), $"{command}: {result}");
            Assert.DoesNotContain("damaged", result.Stderr);
            Assert.Equal(before, JournalWorkspace.Hash(ws.Journal));
        }
    }

    /// <summary>The gate's SQLite work is bounded: a journal too large to check in time is noted, not waited for, nor refused.</summary>
    [Fact]
    public void A_journal_too_large_to_check_in_time_is_checked_as_far_as_time_allows()
    {
        using var ws = new JournalWorkspace(fleet);
        var path = Path.Combine(ws.Dir, "large.db");
        File.WriteAllBytes(path, fleet.GoodJournal);
        using (var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "CREATE TABLE ballast (id INTEGER PRIMARY KEY, pad BLOB); CREATE INDEX ballast_pad ON ballast (pad); " +
                              "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) " +
                              "INSERT INTO ballast (pad) SELECT randomblob(100) FROM n; PRAGMA wal_checkpoint(TRUNCATE);";
            cmd.ExecuteNonQuery();
        }
        var clock = Stopwatch.StartNew();
        var inspection = Edgemanage.Actors.Persistence.SqliteJournal.Inspect(path, new(JournalFleet.Net, "local"), TimeSpan.FromMilliseconds(20));
        clock.Stop();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Equal(Edgemanage.Actors.Persistence.JournalCondition.Healthy, inspection.Condition);
        Assert.Contains(inspection.Notes, n => n.Contains("did not finish", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_new_journal_sets_a_damaged_journal_aside_and_starts_afresh()
    {
        using var ws = new JournalWorkspace(fleet);
        var damaged = Damage("garbage-middle", fleet.GoodJournal, ws.Dir);
        ws.PlaceJournal(damaged);
        var result = await ws.RunAsync("run", "-A", JournalFleet.Net, "-c", ws.Config, "--new-journal");
        Assert.True(result.ExitCode is 0 or 3, result.ToString());
        Assert.Contains("was set aside as", result.Stdout);
        // The read-only look may have made a -shm beside it (a WAL reader's index, not the journal): it moves along.
        var aside = Directory.GetFiles(ws.StateDir, $"edgemanage-{JournalFleet.Net}.journal.db.damaged-*")
            .Single(f => !f.EndsWith("-wal", StringComparison.Ordinal) && !f.EndsWith("-shm", StringComparison.Ordinal));
        Assert.Equal(damaged, File.ReadAllBytes(aside));
        Assert.True(File.Exists(ws.Zone), result.ToString());
        var again = await ws.RunAsync("run", "-A", JournalFleet.Net, "-c", ws.Config);
        Assert.True(again.ExitCode is 0 or 3, again.ToString());
    }

    [Fact]
    public async Task A_read_only_journal_is_named_by_a_writer()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var ws = new JournalWorkspace(fleet);
        ws.PlaceJournal(fleet.GoodJournal);
        // Root ignores file modes; an immutable file is refused even to root, as a read-only mount would be.
        var chattr = Process.Start(new ProcessStartInfo("chattr", ["+i", ws.Journal]) { RedirectStandardError = true })!;
        await chattr.WaitForExitAsync();
        if (chattr.ExitCode != 0) File.SetUnixFileMode(ws.Journal, UnixFileMode.UserRead);
        try
        {
            if (chattr.ExitCode != 0 && Environment.UserName == "root") return; // neither works here: nothing to observe
            var result = await ws.RunAsync("run", "-A", JournalFleet.Net, "-c", ws.Config);
            Assert.True(result.ExitCode == ExitCodes.Error, result.ToString());
            Assert.Contains($"the journal {ws.Journal} cannot be written", result.Stderr);
        }
        finally
        {
            if (chattr.ExitCode == 0) Process.Start("chattr", ["-i", ws.Journal])!.WaitForExit();
        }
    }

    /// <summary>
    /// A journal on a read-only filesystem (EROFS, which stops root too), configured by connection_string while
    /// state_dir stays writable: a writer names the journal; a reader reads it or names it. With state_dir itself
    /// read-only, the lock is what cannot be written, and that is named.
    /// </summary>
    [TmpfsFact]
    public async Task A_journal_on_a_read_only_filesystem_is_named()
    {
        using var fs = SmallTmpfs.Mount(4096);
        var journal = Path.Combine(fs.Path, "journal.db");
        File.WriteAllBytes(journal, fleet.GoodJournal);
        using var ws = new JournalWorkspace(fleet, "probe_timeout: 2\nzone_check_command: false\n" +
            $"persistence:\n  provider: sqlite\n  connection_string: \"Data Source={journal}\"\n");
        await RemountReadOnly(fs.Path);

        foreach (var args in new[]
                 {
                     new[] { "run", "-A", JournalFleet.Net, "-c", ws.Config },
                     new[] { "edge", "mode", "-A", JournalFleet.Net, "-c", ws.Config, "-m", "unavailable", "-C", "x", JournalFleet.Edges[0] },
                 })
        {
            var result = await ws.RunAsync(args);
            Assert.True(result.ExitCode == ExitCodes.Error, result.ToString());
            // Written or even read: a WAL journal needs its folder writable for its -shm index, so SQLite cannot open it at all.
            Assert.True(result.Stderr.Contains($"the journal {journal} cannot be"), result.ToString());
            Assert.Contains("Read-only file system", result.Stderr, StringComparison.OrdinalIgnoreCase);
        }
        var query = await ws.RunAsync("query", "-A", JournalFleet.Net, "-c", ws.Config);
        Assert.True(query.ExitCode == ExitCodes.Ok || query.Stderr.Contains(journal), query.ToString());
    }

    [TmpfsFact]
    public async Task A_read_only_state_dir_is_named_by_the_lock()
    {
        using var ws = new JournalWorkspace(fleet);
        using var fs = SmallTmpfs.Mount(4096);
        Directory.Delete(ws.StateDir, recursive: true);
        Directory.CreateSymbolicLink(ws.StateDir, fs.Path);
        ws.PlaceJournal(fleet.GoodJournal);
        await RemountReadOnly(fs.Path);
        var result = await ws.RunAsync("run", "-A", JournalFleet.Net, "-c", ws.Config);
        Assert.True(result.ExitCode == ExitCodes.Error, result.ToString());
        Assert.Contains(ws.Lock, result.Stderr);
        Assert.Contains("Read-only file system", result.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    private static async Task RemountReadOnly(string path)
    {
        var remount = Process.Start(new ProcessStartInfo("mount", ["-o", "remount,ro", path]) { RedirectStandardError = true })!;
        await remount.WaitForExitAsync();
        Assert.True(remount.ExitCode == 0, await remount.StandardError.ReadToEndAsync());
    }

    private static string[] Args(string command, string config) => command switch
    {
        "run" => ["run", "-A", JournalFleet.Net, "-c", config],
        "dry-run" => ["run", "-A", JournalFleet.Net, "-c", config, "-n"],
        "query" => ["query", "-A", JournalFleet.Net, "-c", config],
        "why" => ["why", "-A", JournalFleet.Net, "-c", config, JournalFleet.Edges[0]],
        "check" => ["check", "rotation", "-A", JournalFleet.Net, "-c", config],
        "edge-mode" => ["edge", "mode", "-A", JournalFleet.Net, "-c", config, "-m", "unavailable", "-C", "disk swap", JournalFleet.Edges[0]],
        _ => throw new ArgumentException(command),
    };

    private const int PageSize = 4096;

    /// <summary>The damaged copy of a sound journal; <paramref name="scratch"/> is where SQLite may build one.</summary>
    public static byte[] Damage(string damage, byte[] good, string scratch)
    {
        var bytes = (byte[])good.Clone();
        switch (damage)
        {
            case "cut-at-page":
                return bytes[..(bytes.Length - 2 * PageSize)];
            case "cut-mid-page":
                return bytes[..(bytes.Length - 1000)];
            case "garbage-middle":
                var page = bytes.Length / PageSize / 2;
                new Random(10).NextBytes(bytes.AsSpan(page * PageSize, PageSize));
                return bytes;
            case "flipped-payload-bits":
                // SQLite keeps no checksums: a bit flipped inside a record passes its integrity check. Our decoder does not.
                var payload = Payload(good, scratch, $"net-{JournalFleet.Net}");
                var at = bytes.AsSpan().IndexOf(payload);
                Assert.True(at > 0, "the decision's payload is stored in one piece in the file");
                bytes[at] ^= 0x40;
                bytes[at + payload.Length / 2] ^= 0x11;
                return bytes;
            case "flipped-page-bits":
                // The b-tree header of the schema page (right after the 100-byte file header).
                bytes[100] ^= 0x08;
                bytes[103] ^= 0x21;
                return bytes;
            case "zero-bytes":
                return [];
            case "foreign-db":
                return Built(scratch, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES ('someone');");
            case "dropped-column":
                return Built(scratch, "ALTER TABLE journal DROP COLUMN writer_uuid;", good);
            case "not-sqlite":
                return System.Text.Encoding.UTF8.GetBytes("this is a shopping list, not a journal\n" + new string('x', 5000));
            default:
                throw new ArgumentException(damage);
        }
    }

    private static byte[] Payload(byte[] good, string scratch, string persistenceId)
    {
        var path = Path.Combine(scratch, $"payload-{Guid.NewGuid():N}.db");
        File.WriteAllBytes(path, good);
        using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString());
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT message FROM journal WHERE persistence_id = $id ORDER BY sequence_number DESC LIMIT 1";
        cmd.Parameters.AddWithValue("$id", persistenceId);
        return (byte[])cmd.ExecuteScalar()!;
    }

    private static byte[] Built(string scratch, string sql, byte[]? from = null)
    {
        var path = Path.Combine(scratch, $"built-{Guid.NewGuid():N}.db");
        if (from is not null) File.WriteAllBytes(path, from);
        using (var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = sql + " PRAGMA wal_checkpoint(TRUNCATE);";
            cmd.ExecuteNonQuery();
        }
        return File.ReadAllBytes(path);
    }
}
