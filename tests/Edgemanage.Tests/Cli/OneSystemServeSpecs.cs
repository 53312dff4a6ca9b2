using System.Text.RegularExpressions;
using Edgemanage.Fleet;
using Edgemanage.Node;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Commands;
using Edgemanage.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Edgemanage.Tests.Cli;

/// <summary>
/// <c>edgemanage serve</c> of two networks, in-process: one ActorSystem hosts both (ctl's actor hierarchy walks one
/// system), each network writes only its own journal file, a reload that changes one network's edges swaps them behind
/// the same edges reference (ctl, told once, still reaches the new edges) and leaves the other network's edges alone,
/// and stopping ends both.
/// </summary>
public sealed class OneSystemServeSpecs : IAsyncLifetime
{
    private const string First = "alphanet";
    private const string Second = "beta.net";
    private static readonly string[] FleetEdges = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"];
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);

    private readonly TempDir _dir = new();
    private TestFleet _fleet = null!;
    private string _config = null!;

    public async Task InitializeAsync()
    {
        _fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = FleetEdges });
        // Two networks in one workspace: the second Write rewrites the shared config (2 edges of each) and adds its edges.
        DemoWorkspace.Write(_dir.Path, First, _fleet.Port, _fleet.Body, FleetEdges[..3],
            extraYaml: ServeWorkspace.SteadyServeYaml + "metrics:\n  listen: off\n", goodEnough: 3, edgeCount: 2);
        _config = DemoWorkspace.Write(_dir.Path, Second, _fleet.Port, _fleet.Body, FleetEdges[1..],
            extraYaml: ServeWorkspace.SteadyServeYaml + "metrics:\n  listen: off\n", goodEnough: 3, edgeCount: 2);
        File.Move(Path.Combine(_dir.Path, "zones", Second, "example.test.zone"), Path.Combine(_dir.Path, "zones", Second, "other.test.zone"));
    }

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        _dir.Dispose();
    }

    private string[] Zone(string file) => ZoneRecords.ApexA(Path.Combine(_dir.Path, "named", file));

    private string JournalOf(string network) => NetworkContext.Load(_config, network, TextWriter.Null)!.Paths.Journal;

    private static Task<EdgemanageProcess.Result> Ctl(string address, params string[] args) =>
        EdgemanageProcess.RunInProcessAsync(["ctl", "--node", address, .. args]);

    [Fact]
    public async Task Two_networks_share_one_actor_system_keep_their_own_journals_and_reload_apart()
    {
        using var stop = new CancellationTokenSource();
        var output = new SharedOutput();
        var error = new SharedOutput();
        var control = new ServeControl();
        var serve = Task.Run(() => EdgemanageCli.MainAsync(["serve", "-A", First, "-A", Second, "-c", _config, "--admin", "127.0.0.1:0"],
            output, error, control, stop.Token));
        try
        {
            await Eventually.True(() => (Zone("example.test.zone").Length == 2 && Zone("other.test.zone").Length == 2) || serve.IsCompleted,
                Within, "both networks' zones");
            Assert.False(serve.IsCompleted, $"serve ended early: {output}\n{error}");
            var address = Regex.Match(output.ToString(), @"ctl endpoint on (\S+)").Groups[1].Value;

            // One system: its printers exist once, and both networks' actors are under its /user.
            var tree = await Ctl(address, "actor", "hierarchy", "-d", "3");
            Assert.True(tree.ExitCode == 0, tree.ToString());
            var paths = tree.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.Single(paths, p => p.EndsWith("/user/decision-printer", StringComparison.Ordinal));
            var system = paths.Single(p => p.EndsWith("/user/decision-printer", StringComparison.Ordinal))[..^"/user/decision-printer".Length];
            foreach (var network in new[] { First, Uri.EscapeDataString(Second) })
            {
                Assert.Contains($"{system}/user/network-{network}", paths);
                Assert.Contains($"{system}/user/edges-{network}/edges-1", paths);
            }

            // Reload with a new edge in the first network's list only: its edges are replaced behind the same
            // reference (ctl was told of it once and reaches the new edge), the second network keeps its edges.
            const string added = "127.0.0.5";
            File.WriteAllText(Path.Combine(_dir.Path, "edges", First), string.Join("\n", FleetEdges) + "\n");
            control.RequestReload();
            await Eventually.True(() => output.ToString().Contains($"reloaded {First}: 4 edges"), Within, "the first network reloaded");
            var show = await EdgemanageProcess.RunInProcessUntilAsync(r => r.ExitCode == 0 && Regex.IsMatch(r.Stdout, @"local\s+pass"), Within,
                "ctl", "--node", address, "edge", "show", First, added);
            Assert.True(show.ExitCode == 0, show.ToString());
            var after = (await Ctl(address, "actor", "hierarchy", "-d", "3")).Stdout;
            Assert.Contains($"/user/edges-{First}/edges-2", after);
            Assert.DoesNotContain($"/user/edges-{First}/edges-1", after);
            Assert.Contains($"/user/edges-{Uri.EscapeDataString(Second)}/edges-1", after);
            Assert.DoesNotContain($"/user/edges-{Uri.EscapeDataString(Second)}/edges-2", after);
        }
        finally
        {
            stop.Cancel();
        }
        var code = await serve;
        Assert.True(code == ExitCodes.Ok, $"exit {code}\n{output}\n{error}");
        Assert.Contains($"stopped {First}: the last samples", output.ToString());
        Assert.Contains($"stopped {Second}: the last samples", output.ToString());

        // Each network's events are in its own file, and only there.
        Assert.NotEqual(JournalOf(First), JournalOf(Second));
        foreach (var (network, other) in new[] { (First, Second), (Second, First) })
        {
            var ids = PersistenceIds(JournalOf(network));
            Assert.Contains($"net-{network}", ids);
            Assert.Contains($"zones-{network}", ids);
            Assert.Contains(ids, id => id.StartsWith($"hist-{network}-", StringComparison.Ordinal));
            Assert.DoesNotContain(ids, id => id.Contains(other, StringComparison.Ordinal));
        }
    }

    private static List<string> PersistenceIds(string journal)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = journal, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT DISTINCT persistence_id FROM journal UNION SELECT DISTINCT persistence_id FROM snapshot";
        using var reader = command.ExecuteReader();
        var ids = new List<string>();
        while (reader.Read()) ids.Add(reader.GetString(0));
        return ids;
    }
}
