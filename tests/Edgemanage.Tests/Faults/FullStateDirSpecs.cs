using Edgemanage.Node.Cli;
using Edgemanage.Node.Hosting;
using Edgemanage.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Edgemanage.Tests.Faults;

/// <summary>
/// A real full state_dir (a small tmpfs, filled to the last byte): every command that would write says the
/// state_dir is full, naming it (exit 1, never "locked by" an empty holder), writes nothing, and works again as soon
/// as there is room. Needs root to mount; skipped with the reason elsewhere.
/// </summary>
public sealed class FullStateDirSpecs(JournalFleet fleet) : IClassFixture<JournalFleet>
{
    private static (JournalWorkspace Ws, SmallTmpfs Fs) OnTmpfs(JournalFleet fleet, int kib = 4096)
    {
        var ws = new JournalWorkspace(fleet);
        var fs = SmallTmpfs.Mount(kib);
        Directory.Delete(ws.StateDir, recursive: true);
        Directory.CreateSymbolicLink(ws.StateDir, fs.Path);
        return (ws, fs);
    }

    [TmpfsFact]
    public async Task A_fresh_full_state_dir_is_reported_as_full_and_the_network_runs_once_there_is_room()
    {
        var (ws, fs) = OnTmpfs(fleet);
        using (ws)
        using (fs)
        {
            fs.Fill();
            var full = await ws.RunAsync("run", "-A", JournalFleet.Net, "-c", ws.Config);
            Assert.True(full.ExitCode == ExitCodes.Error, full.ToString());
            Assert.Contains($"state_dir {ws.StateDir} is full", full.Stderr);
            Assert.DoesNotContain("locked by", full.Stderr);
            Assert.False(File.Exists(ws.Journal));

            var serve = await ws.RunAsync("serve", "-A", JournalFleet.Net, "-c", ws.Config, "--admin", "off", "--metrics-listen", "off");
            Assert.True(serve.ExitCode == ExitCodes.Error, serve.ToString());
            Assert.Contains("is full", serve.Stderr);

            fs.Free();
            var again = await ws.RunAsync("run", "-A", JournalFleet.Net, "-c", ws.Config);
            Assert.True(again.ExitCode is 0 or 3, again.ToString());
            Assert.True(File.Exists(ws.Journal));
            Assert.True(File.Exists(ws.Zone));
            SqliteConnection.ClearAllPools();
        }
    }

    [TmpfsFact]
    public async Task A_state_dir_filled_after_runs_leaves_the_journal_as_it_was_and_recovers()
    {
        var (ws, fs) = OnTmpfs(fleet);
        using (ws)
        using (fs)
        {
            var first = await ws.RunAsync("run", "-A", JournalFleet.Net, "-c", ws.Config);
            Assert.True(first.ExitCode is 0 or 3, first.ToString());
            SqliteConnection.ClearAllPools();
            fs.Fill();
            var before = JournalWorkspace.Hash(ws.Journal);

            foreach (var args in new[]
                     {
                         new[] { "run", "-A", JournalFleet.Net, "-c", ws.Config },
                         new[] { "edge", "mode", "-A", JournalFleet.Net, "-c", ws.Config, "-m", "unavailable", "-C", "x", JournalFleet.Edges[0] },
                     })
            {
                var full = await ws.RunAsync(args);
                Assert.True(full.ExitCode == ExitCodes.Error, full.ToString());
                Assert.Contains("is full", full.Stderr);
                Assert.DoesNotContain("locked by", full.Stderr);
                Assert.Equal(before, JournalWorkspace.Hash(ws.Journal));
            }
            // A reader of a WAL journal needs room for SQLite's -shm index: refused too, saying why, nothing changed.
            var query = await ws.RunAsync("query", "-A", JournalFleet.Net, "-c", ws.Config);
            Assert.True(query.ExitCode is ExitCodes.Ok or ExitCodes.Error, query.ToString());
            if (query.ExitCode == ExitCodes.Error) Assert.Contains($"state_dir {ws.StateDir} is full", query.Stderr);
            Assert.Equal(before, JournalWorkspace.Hash(ws.Journal));

            fs.Free();
            var again = await ws.RunAsync("run", "-A", JournalFleet.Net, "-c", ws.Config);
            Assert.True(again.ExitCode is 0 or 3, again.ToString());
            SqliteConnection.ClearAllPools();
        }
    }

    [TmpfsFact]
    public void The_lock_on_a_full_disk_says_the_disk_is_full_never_an_empty_holder()
    {
        using var fs = SmallTmpfs.Mount(256);
        fs.Fill();
        var lockPath = Path.Combine(fs.Path, "edgemanage-net.lock");
        var e = Assert.Throws<NetworkLockException>(() => NetworkLock.TryAcquire(lockPath, "a run", out _, out _));
        Assert.True(e.DiskFull, e.Message);
        Assert.Contains($"state_dir {fs.Path} is full", e.Message);
        fs.Free();
        // Nothing stays behind that would lock the network out once there is room.
        Assert.True(NetworkLock.TryAcquire(lockPath, "a run", out var held, out _));
        held!.Dispose();
        Assert.Empty(Directory.GetFiles(fs.Path, ".*.tmp"));
    }
}
