using System.Text.Json;
using Edgemanage.Fleet;
using Edgemanage.Node;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Commands;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Cli;

/// <summary>
/// <c>edgemanage serve</c> in-process against the loopback fleet: it publishes, replaces a live edge that starts
/// failing without waiting for a cron round, refuses a concurrent <c>run</c>, re-reads includes on reload, and
/// persists its last samples when stopped.
/// </summary>
public sealed class ServeSpecs : IAsyncLifetime
{
    private const string Net = "servenet";
    private static readonly string[] FleetEdges = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"];
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    private readonly TempDir _dir = new();
    private TestFleet _fleet = null!;
    private string _config = null!;

    public async Task InitializeAsync()
    {
        _fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = FleetEdges });
        _config = DemoWorkspace.Write(_dir.Path, Net, _fleet.Port, _fleet.Body, FleetEdges,
            extraYaml: ServeWorkspace.SteadyServeYaml,
            goodEnough: 3, edgeCount: 3);
    }

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        _dir.Dispose();
    }

    private string ZonePath => Path.Combine(_dir.Path, "named", "example.test.zone");

    private string[] ZoneA() => ZoneRecords.ApexA(ZonePath);

    [Fact]
    public async Task Serves_replaces_a_failing_live_edge_and_persists_its_history_when_stopped()
    {
        using var stop = new CancellationTokenSource();
        var output = new SharedOutput();
        var error = new SharedOutput();
        var dropped = "";
        var control = new ServeControl();
        var serve = Task.Run(() => EdgemanageCli.MainAsync(["serve", "-A", Net, "-c", _config], output, error,
            control, stop.Token));
        try
        {
            await Eventually.True(() => ZoneA().Length == 3 || serve.IsCompleted, Within, "the first zone");
            Assert.False(serve.IsCompleted, $"serve ended early: {error}");

            // A cron round of the same network is refused while the node serves it.
            var cron = await EdgemanageProcess.RunInProcessAsync("run", "-A", Net, "-c", _config);
            Assert.Equal(ExitCodes.Locked, cron.ExitCode);
            Assert.Contains("edgemanage serve -A servenet", cron.Stderr);

            var victim = ZoneA()[0];
            _fleet.Set(victim, EdgeBehaviour.Refuse());
            await Eventually.True(() => ZoneA().Length == 3 && !ZoneA().Contains(victim), Within, $"{victim} leaving the zone");

            // Reload: an edited include is published without a restart.
            File.AppendAllText(Path.Combine(_dir.Path, "zones", Net, "example.test.zone"), "reloaded 60 IN A 127.0.0.1\n");
            control.RequestReload();
            await Eventually.True(() => File.ReadAllText(ZonePath).Contains("reloaded 60 IN A"), Within, "the reloaded include");

            // Reload: an edge taken out of the edge list leaves the zone; a broken edge list is reported and skipped.
            var edgeList = Path.Combine(_dir.Path, "edges", Net);
            dropped = ZoneA()[0];
            File.WriteAllText(edgeList, string.Join("\n", FleetEdges.Where(e => e != dropped)) + "\n");
            control.RequestReload();
            await Eventually.True(() => ZoneA().Length == 3 && !ZoneA().Contains(dropped), Within, $"{dropped} leaving with the edge list");
            var before = File.ReadAllText(ZonePath);
            File.WriteAllText(edgeList, "127.0.0.2\nnot an edge!\n");
            control.RequestReload();
            await Eventually.True(() => output.ToString().Contains("keeping the last good version"), Within, "the broken edge list reported");
            Assert.Contains($"{edgeList}:2:", error.ToString());
            Assert.Equal(ZoneA(), ZoneRecords.ApexAIn(before));
            Assert.False(serve.IsCompleted);
        }
        finally
        {
            stop.Cancel();
        }
        var code = await serve;
        Assert.True(code == ExitCodes.Ok, $"exit {code}\n{output}\n{error}");
        Assert.Contains("stopped servenet: the last samples", output.ToString());

        // What the node probed is in the journal: several samples per edge, the refusing edge judged fail. The edge
        // taken out of the edge list may have been probed only once before it left (on a fast machine, all of the
        // above fits in one probe interval).
        File.WriteAllText(Path.Combine(_dir.Path, "edges", Net), string.Join("\n", FleetEdges) + "\n");
        var query = await EdgemanageProcess.RunInProcessAsync("query", "-A", Net, "-c", _config, "-f", "json", "-v");
        var rows = query.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.All(rows, r => Assert.True(r.GetProperty("samples").GetInt32() >= (r.GetProperty("edge").GetString() == dropped ? 1 : 2), r.ToString()));
        Assert.Contains(rows, r => r.GetProperty("health").GetString() == "fail");
    }

    [Fact]
    public async Task Without_a_network_it_serves_every_network_with_an_edge_list_and_stops_them_all()
    {
        // A second network beside the first, publishing its own zone (the rewritten config asks 2 edges of each).
        DemoWorkspace.Write(_dir.Path, "othernet", _fleet.Port, _fleet.Body, FleetEdges[..3],
            extraYaml: ServeWorkspace.SteadyServeYaml,
            goodEnough: 3, edgeCount: 2);
        File.Move(Path.Combine(_dir.Path, "zones", "othernet", "example.test.zone"), Path.Combine(_dir.Path, "zones", "othernet", "other.test.zone"));
        var otherZone = Path.Combine(_dir.Path, "named", "other.test.zone");

        using var stop = new CancellationTokenSource();
        var output = new SharedOutput();
        var error = new SharedOutput();
        var serve = Task.Run(() => EdgemanageCli.MainAsync(["serve", "-c", _config], output, error, stop.Token));
        try
        {
            await Eventually.True(() => (ZoneA().Length == 2 && File.Exists(otherZone)) || serve.IsCompleted, Within, "both networks' zones");
            Assert.False(serve.IsCompleted, $"serve ended early: {output}\n{error}");
        }
        finally
        {
            stop.Cancel();
        }
        Assert.Equal(ExitCodes.Ok, await serve);
        Assert.Contains("stopped servenet:", output.ToString());
        Assert.Contains("stopped othernet:", output.ToString());
    }

    [Fact]
    public async Task A_cluster_node_may_serve_several_networks_but_needs_its_seeds()
    {
        DemoWorkspace.Write(_dir.Path, "othernet", _fleet.Port, _fleet.Body, FleetEdges[..3], extraYaml: ServeWorkspace.SteadyServeYaml, goodEnough: 3, edgeCount: 2);
        var result = await EdgemanageProcess.RunInProcessAsync("serve", "-A", Net, "-A", "othernet", "-c", _config, "--cluster");
        Assert.Equal(ExitCodes.UsageOrConfig, result.ExitCode);
        Assert.DoesNotContain("serves one network", result.Stderr);
        Assert.Contains("needs its seed nodes", result.Stderr);
    }
}
