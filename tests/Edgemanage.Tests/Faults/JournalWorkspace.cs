using System.Security.Cryptography;
using Edgemanage.Fleet;
using Edgemanage.Node.Commands;
using Edgemanage.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Edgemanage.Tests.Faults;

/// <summary>
/// A two-edge loopback fleet and, made once by a real <c>run</c>, the bytes of a sound journal of network
/// <see cref="Net"/> (checkpointed, so the file holds everything). Each case gets a fresh
/// <see cref="JournalWorkspace"/> pointing at the same fleet, with those bytes or a damaged copy of them.
/// </summary>
public sealed class JournalFleet : IAsyncLifetime
{
    public const string Net = "jnet";
    public static readonly string[] Edges = ["127.0.0.2", "127.0.0.3"];

    public TestFleet Fleet { get; private set; } = null!;
    public byte[] GoodJournal { get; private set; } = [];

    public async Task InitializeAsync()
    {
        Fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = Edges });
        using var ws = new JournalWorkspace(this);
        var run = await ws.RunAsync("run", "-A", Net, "-c", ws.Config);
        Assert.True(run.ExitCode is 0 or 3, run.ToString());
        GoodJournal = JournalWorkspace.Checkpointed(ws.Journal);
    }

    public async Task DisposeAsync() => await Fleet.DisposeAsync();
}

public sealed class JournalWorkspace : IDisposable
{
    private readonly TempDir _dir = new();

    public JournalWorkspace(JournalFleet fleet, string extraYaml = "probe_timeout: 2\nzone_check_command: false\n")
    {
        Config = DemoWorkspace.Write(_dir.Path, JournalFleet.Net, fleet.Fleet.Port, fleet.Fleet.Body, JournalFleet.Edges,
            extraYaml: extraYaml, goodEnough: 3, edgeCount: 2);
    }

    public string Dir => _dir.Path;
    public string Config { get; }
    public string StateDir => Path.Combine(_dir.Path, "state");
    public string Journal => Path.Combine(StateDir, $"edgemanage-{JournalFleet.Net}.journal.db");
    public string Lock => Path.Combine(StateDir, $"edgemanage-{JournalFleet.Net}.lock");
    public string Zone => Path.Combine(_dir.Path, "named", "example.test.zone");
    public string LiveList => Path.Combine(StateDir, $"{JournalFleet.Net}.live");

    public Task<EdgemanageProcess.Result> RunAsync(params string[] args) => EdgemanageProcess.RunInProcessAsync(args);

    public void PlaceJournal(byte[] bytes)
    {
        Directory.CreateDirectory(StateDir);
        File.WriteAllBytes(Journal, bytes);
    }

    public static string Hash(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>The file's bytes with everything of its WAL folded in: pooled connections of an in-process run are closed first.</summary>
    public static byte[] Checkpointed(string path)
    {
        SqliteConnection.ClearAllPools();
        using (var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            cmd.ExecuteNonQuery();
        }
        return File.ReadAllBytes(path);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
