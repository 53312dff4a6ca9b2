using System.Diagnostics;
using Edgemanage.Node.Cli;
using Edgemanage.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Edgemanage.Tests.Faults;

/// <summary>
/// A journal that is missing, or holds no record of the network, while our lock file, the zones and the live list
/// say the network has run here: reported (exit 1, naming --new-journal), never silently started afresh. A first
/// run after the original edgemanage (its zones and live list, no lock of ours) still starts.
/// </summary>
public sealed class JournalWithoutDataSpecs(JournalFleet fleet) : IClassFixture<JournalFleet>
{
    private async Task<JournalWorkspace> AfterOneRunAsync()
    {
        var ws = new JournalWorkspace(fleet);
        var first = await ws.RunAsync("run", "-A", JournalFleet.Net, "-c", ws.Config);
        Assert.True(first.ExitCode is 0 or 3, first.ToString());
        Assert.True(File.Exists(ws.Zone) && File.Exists(ws.Lock), first.ToString());
        SqliteConnection.ClearAllPools();
        return ws;
    }

    private static void DeleteJournal(JournalWorkspace ws)
    {
        foreach (var f in new[] { "", "-wal", "-shm" }) File.Delete(ws.Journal + f);
    }

    [Fact]
    public async Task A_lost_journal_is_reported_and_not_recreated_until_new_journal_is_asked_for()
    {
        using var ws = await AfterOneRunAsync();
        DeleteJournal(ws);
        var zoneBefore = File.ReadAllText(ws.Zone);

        var refused = await ws.RunAsync("run", "-A", JournalFleet.Net, "-c", ws.Config);
        Assert.True(refused.ExitCode == ExitCodes.Error, refused.ToString());
        Assert.Contains($"the journal {ws.Journal} does not exist, but {JournalFleet.Net} has run here before", refused.Stderr);
        Assert.Contains(ws.Zone, refused.Stderr);
        Assert.Contains("--new-journal", refused.Stderr);
        Assert.False(File.Exists(ws.Journal));
        Assert.Equal(zoneBefore, File.ReadAllText(ws.Zone));

        var edgeMode = await ws.RunAsync("edge", "mode", "-A", JournalFleet.Net, "-c", ws.Config, "-m", "unavailable", "-C", "x", JournalFleet.Edges[0]);
        Assert.True(edgeMode.ExitCode == ExitCodes.Error, edgeMode.ToString());
        Assert.False(File.Exists(ws.Journal));

        // A reader writes nothing: it answers with defaults, and says the history is gone.
        var query = await ws.RunAsync("query", "-A", JournalFleet.Net, "-c", ws.Config);
        Assert.True(query.ExitCode == ExitCodes.Ok, query.ToString());
        Assert.Contains("knows no history", query.Stderr);

        var fresh = await ws.RunAsync("run", "-A", JournalFleet.Net, "-c", ws.Config, "--new-journal");
        Assert.True(fresh.ExitCode is 0 or 3, fresh.ToString());
        Assert.True(File.Exists(ws.Journal));
    }

    [Fact]
    public async Task A_journal_emptied_of_the_network_is_reported_and_new_journal_keeps_the_old_file()
    {
        using var ws = await AfterOneRunAsync();
        using (var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = ws.Journal, Pooling = false }.ToString()))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "DELETE FROM journal; DELETE FROM snapshot; DELETE FROM tags;";
            cmd.ExecuteNonQuery();
        }
        var refused = await ws.RunAsync("run", "-A", JournalFleet.Net, "-c", ws.Config);
        Assert.True(refused.ExitCode == ExitCodes.Error, refused.ToString());
        Assert.Contains($"holds no record of network {JournalFleet.Net}", refused.Stderr);
        Assert.Contains("--new-journal", refused.Stderr);

        var fresh = await ws.RunAsync("run", "-A", JournalFleet.Net, "-c", ws.Config, "--new-journal");
        Assert.True(fresh.ExitCode is 0 or 3, fresh.ToString());
        Assert.Single(Directory.GetFiles(ws.StateDir, $"edgemanage-{JournalFleet.Net}.journal.db.old-*"), f => !f.EndsWith("-wal") && !f.EndsWith("-shm"));
    }

    [Fact]
    public async Task Serve_with_a_lost_journal_never_starts()
    {
        using var ws = await AfterOneRunAsync();
        DeleteJournal(ws);
        var clock = Stopwatch.StartNew();
        var serve = await ws.RunAsync("serve", "-A", JournalFleet.Net, "-c", ws.Config, "--admin", "off", "--metrics-listen", "off");
        Assert.True(serve.ExitCode == ExitCodes.Error, serve.ToString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), serve.ToString());
        Assert.Contains("--new-journal", serve.Stderr);
        Assert.False(File.Exists(ws.Journal));
    }

    [Fact]
    public async Task A_first_run_after_the_original_still_starts_from_its_zones_and_live_list_even_after_a_dry_run()
    {
        using var ws = new JournalWorkspace(fleet);
        // What the original leaves: zones and a live list, but no lock file of ours in state_dir.
        File.WriteAllText(ws.LiveList, string.Join('\n', JournalFleet.Edges) + "\n");
        File.WriteAllText(ws.Zone, "; a zone the original wrote\n");
        // A look first: -n creates the lock file but writes no journal, so it is no sign of a journal to expect.
        var dry = await ws.RunAsync("run", "-A", JournalFleet.Net, "-c", ws.Config, "-n");
        Assert.True(dry.ExitCode is 0 or 3, dry.ToString());
        Assert.True(File.Exists(ws.Lock));
        var run = await ws.RunAsync("run", "-A", JournalFleet.Net, "-c", ws.Config);
        Assert.True(run.ExitCode is 0 or 3, run.ToString());
        Assert.True(File.Exists(ws.Journal));
    }
}
