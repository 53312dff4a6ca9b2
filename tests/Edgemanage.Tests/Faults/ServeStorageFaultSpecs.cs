using System.Diagnostics;
using Edgemanage.Fleet;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Faults;

/// <summary>
/// A real <c>serve</c> process whose <c>state_dir</c> (journal, lock, admin secret) is a small tmpfs that fills up
/// while it serves: a live edge that starts refusing still leaves the zones, stderr, ctl, the checks and /metrics say
/// the journal is not writable, persisting resumes when space returns, and SIGTERM ends the node within 10 s, full or
/// not. (The original finding: one zone written and never journalled, deciding stopped, SIGTERM ignored for 30 s.)
/// </summary>
public sealed class ServeStorageFaultSpecs(Xunit.Abstractions.ITestOutputHelper log)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan SigtermWithin = TimeSpan.FromSeconds(10);

    /// <summary>The crash workspace (two zones, five edges), its state_dir moved onto <paramref name="tmpfs"/>.</summary>
    private static async Task<CrashWorkspace> WorkspaceOn(SmallTmpfs tmpfs)
    {
        var ws = await CrashWorkspace.CreateAsync(ServeWorkspace.SteadyServeYaml);
        var yaml = File.ReadAllText(ws.Config);
        Assert.Contains("state_dir: state\n", yaml);
        File.WriteAllText(ws.Config, yaml.Replace("state_dir: state\n", $"state_dir: {tmpfs.Path}\n"));
        return ws;
    }

    private static async Task<string> ScrapeAsync(int port)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        return await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
    }

    [TmpfsFact]
    public async Task A_full_state_dir_is_loud_deciding_goes_on_and_persisting_resumes_when_space_returns()
    {
        using var tmpfs = SmallTmpfs.Mount(8192);
        await using var ws = await WorkspaceOn(tmpfs);
        var admin = $"127.0.0.1:{ServeProcess.FreePort()}";
        var metricsPort = ServeProcess.FreePort();
        await using var node = ServeProcess.Start("serve", "-A", CrashWorkspace.Net, "-c", ws.Config, "--admin", admin,
            "--metrics-listen", $"127.0.0.1:{metricsPort}");
        await Eventually.True(() => ws.ApexA("example.test").Length == 2 || node.HasExited, Within, "the first zone");
        Assert.False(node.HasExited, node.Output);
        var before = ws.ApexA("example.test");

        var filled = Stopwatch.StartNew();
        tmpfs.Fill();
        ws.Fleet.Set(before[0], EdgeBehaviour.Refuse());
        // The live edge leaves every zone although its decision cannot be recorded.
        await Eventually.True(() => CrashWorkspace.Zones.All(z => ws.ApexA(z).Length == 2 && !ws.ApexA(z).Contains(before[0])) || node.HasExited,
            Within, $"{before[0]} out of the zones");
        await node.WaitForOutputAsync($"JOURNAL NOT WRITABLE: {CrashWorkspace.Net} {Path.Combine(tmpfs.Path, $"edgemanage-{CrashWorkspace.Net}.journal.db")}", Within);
        var during = ws.ApexA("example.test");
        log.WriteLine($"disk filled: zones without the refusing edge and JOURNAL NOT WRITABLE on stderr within {filled.Elapsed.TotalSeconds:F2}s");

        var show = await EdgemanageProcess.RunInProcessAsync("ctl", "--node", admin, "net", "show", CrashWorkspace.Net);
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Contains("journal:   NOT WRITABLE: ", show.Stdout);
        var check = await EdgemanageProcess.RunInProcessAsync("check", "rotation", "-A", CrashWorkspace.Net, "-c", ws.Config);
        Assert.True(check.ExitCode == 2, check.ToString());
        Assert.StartsWith("EDGE_ROTATE CRITICAL JOURNAL NOT WRITABLE: ", check.Stdout);
        var metrics = await ScrapeAsync(metricsPort);
        Assert.Contains($"edgemanage_journal_writable{{network=\"{CrashWorkspace.Net}\"}} 0", metrics);
        Assert.Matches($"edgemanage_persist_failures_total{{network=\"{CrashWorkspace.Net}\",source=\"[a-z]+\"}} [1-9]", metrics);

        var freed = Stopwatch.StartNew();
        tmpfs.Free();
        await node.WaitForOutputAsync($"journal of {CrashWorkspace.Net} writable again", Within);
        log.WriteLine($"space freed: journal writable again after {freed.Elapsed.TotalSeconds:F2}s");
        await Eventually.True(async () => (await ScrapeAsync(metricsPort)).Contains($"edgemanage_journal_writable{{network=\"{CrashWorkspace.Net}\"}} 1"),
            Within, "the gauge back at 1");
        var clock = Stopwatch.StartNew();
        Assert.Equal(0, await node.StopAsync());
        Assert.True(clock.Elapsed < SigtermWithin, $"serve took {clock.Elapsed.TotalSeconds:F1}s to stop:\n{node.Output}");

        // What was decided while the disk was full is in the journal now.
        Assert.Equal(ws.ApexA("example.test"), await ws.RecordedLiveAsync());
        Assert.Equal(during, ws.ApexA("example.test"));
    }

    [TmpfsFact]
    public async Task Sigterm_ends_serve_within_10_s_while_the_state_dir_is_full()
    {
        using var tmpfs = SmallTmpfs.Mount(8192);
        await using var ws = await WorkspaceOn(tmpfs);
        await using var node = ServeProcess.Start("serve", "-A", CrashWorkspace.Net, "-c", ws.Config, "--admin", "off", "--metrics-listen", "off");
        await Eventually.True(() => ws.ApexA("example.test").Length == 2 || node.HasExited, Within, "the first zone");
        tmpfs.Fill();
        ws.Fleet.Set(ws.ApexA("example.test")[0], EdgeBehaviour.Refuse());
        await node.WaitForOutputAsync("JOURNAL NOT WRITABLE", Within);

        var clock = Stopwatch.StartNew();
        var code = await node.StopAsync();
        log.WriteLine($"SIGTERM with a full state_dir: exited in {clock.Elapsed.TotalSeconds:F2}s");
        Assert.True(clock.Elapsed < SigtermWithin, $"serve took {clock.Elapsed.TotalSeconds:F1}s to stop:\n{node.Output}");
        Assert.True(code == 0, $"exit {code}:\n{node.Output}");
    }

    /// <summary>A hung journal: another connection holds SQLite's write lock, so every write of the node waits on it.</summary>
    [Fact]
    public async Task Sigterm_ends_serve_within_10_s_while_its_journal_is_locked()
    {
        await using var ws = await CrashWorkspace.CreateAsync(ServeWorkspace.SteadyServeYaml);
        await using var node = ServeProcess.Start("serve", "-A", CrashWorkspace.Net, "-c", ws.Config, "--admin", "off", "--metrics-listen", "off");
        await Eventually.True(() => ws.ApexA("example.test").Length == 2 || node.HasExited, Within, "the first zone");
        var journal = Path.Combine(ws.Dir, "state", $"edgemanage-{CrashWorkspace.Net}.journal.db");
        using var locked = new Microsoft.Data.Sqlite.SqliteConnection(
            new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = journal, Pooling = false }.ToString());
        locked.Open();
        using (var begin = locked.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE;";
            begin.ExecuteNonQuery();
        }
        var victim = ws.ApexA("example.test")[0];
        ws.Fleet.Set(victim, EdgeBehaviour.Refuse());
        await Eventually.True(() => !ws.ApexA("example.test").Contains(victim) || node.HasExited, Within, $"{victim} out of the zone");
        await node.WaitForOutputAsync("JOURNAL NOT WRITABLE", Within);

        var clock = Stopwatch.StartNew();
        var code = await node.StopAsync();
        log.WriteLine($"SIGTERM with the journal locked: exited in {clock.Elapsed.TotalSeconds:F2}s");
        Assert.True(clock.Elapsed < SigtermWithin, $"serve took {clock.Elapsed.TotalSeconds:F1}s to stop:\n{node.Output}");
        Assert.True(code == 0, $"exit {code}:\n{node.Output}");
    }
}
