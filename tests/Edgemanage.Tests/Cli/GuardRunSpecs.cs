using Edgemanage.Fleet;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Commands;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Cli;

/// <summary>
/// The guard (issue 13) on the cron job, end to end: real <c>run</c> rounds against forty loopback edges, a real
/// journal, the real zone file. An edge list that lost most of its edges, or a round in which every edge fails, changes
/// no zone and says why; <c>--accept-shrink</c>, or a round in which the condition is gone, publishes again.
/// </summary>
public sealed class GuardRunSpecs : IAsyncLifetime
{
    private const string Network = "guardnet";
    private static readonly string[] Edges = Enumerable.Range(2, 40).Select(i => $"127.0.0.{i}").ToArray();
    private readonly TempDir _dir = new();
    private TestFleet _fleet = null!;
    private string _config = null!;

    public async Task InitializeAsync()
    {
        _fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = Edges });
        foreach (var edge in Edges) _fleet.Set(edge, EdgeBehaviour.Ok());
        _config = DemoWorkspace.Write(_dir.Path, Network, _fleet.Port, _fleet.Body, Edges, extraYaml: "probe_timeout: 2\n");
    }

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        _dir.Dispose();
    }

    private string ZoneFile => Path.Combine(_dir.Path, "named", "example.test.zone");
    private string LiveList => Path.Combine(_dir.Path, "state", $"{Network}.live");
    private string MetricsFile => Path.Combine(_dir.Path, "state", $"{Network}.prom");
    private string[] Live() => File.ReadAllLines(LiveList).Where(l => l.Length > 0).ToArray();

    private void ListEdges(IEnumerable<string> edges) =>
        File.WriteAllText(Path.Combine(_dir.Path, "edges", Network), string.Join("\n", edges) + "\n");

    private Task<EdgemanageProcess.Result> Run(params string[] extra) =>
        EdgemanageProcess.RunInProcessAsync(["run", "-A", Network, "-c", _config, .. extra]);

    private Task<EdgemanageProcess.Result> CheckRotation(params string[] extra) =>
        EdgemanageProcess.RunInProcessAsync(["check", "rotation", "-A", Network, "-c", _config, .. extra]);

    [Fact]
    public async Task A_list_that_shrank_from_40_to_12_is_held_on_every_run_until_accepted()
    {
        var first = await Run();
        Assert.True(first.ExitCode == ExitCodes.Ok, first.ToString());
        var zone = File.ReadAllBytes(ZoneFile);
        var live = Live();
        Assert.Equal(4, live.Length);

        // Twelve edges are left, none of them live: publishing them would change every record.
        var kept = Edges.Except(live).Take(12).ToArray();
        ListEdges(kept);
        const string expected = "edgemanage: guardnet: edge list shrank from 40 to 12 edges (70% > max_edge_list_shrink 50%): DNS held; rerun with --accept-shrink if intended";

        var held = await Run();
        Assert.True(held.ExitCode == ExitCodes.Degraded, held.ToString());
        Assert.Contains(expected, held.Stderr);
        Assert.Equal(zone, File.ReadAllBytes(ZoneFile));
        Assert.Equal(live, Live());
        Assert.Contains("edgemanage_guard_holding{network=\"guardnet\",reason=\"edge_list_shrink\"} 1", File.ReadAllText(MetricsFile));

        // Read from the journal (no node serves it): a WARNING that says why DNS has not moved.
        var check = await CheckRotation();
        Assert.True(check.ExitCode == 1, check.ToString());
        Assert.Contains("EDGE_ROTATE WARNING", check.Stdout);
        Assert.Contains("edge list shrank from 40 to 12 edges", check.Stdout);

        // The second run compares with the same list the last real decision was made from: still held.
        var again = await Run();
        Assert.True(again.ExitCode == ExitCodes.Degraded, again.ToString());
        Assert.Contains(expected, again.Stderr);
        Assert.Equal(zone, File.ReadAllBytes(ZoneFile));

        var accepted = await Run("--accept-shrink");
        Assert.True(accepted.ExitCode == ExitCodes.Ok, accepted.ToString());
        Assert.DoesNotContain("DNS held", accepted.Stderr);
        Assert.NotEqual(zone, File.ReadAllBytes(ZoneFile));
        Assert.All(Live(), edge => Assert.Contains(edge, kept));
        Assert.DoesNotContain("edgemanage_guard_holding", File.ReadAllText(MetricsFile));

        // From now on the twelve are the baseline.
        var after = await Run();
        Assert.True(after.ExitCode == ExitCodes.Ok, after.ToString());
        var ok = await CheckRotation("-w", "20", "--critical", "30"); // the accepted list replaced four live edges
        Assert.DoesNotContain("held", ok.Stdout);
        Assert.True(ok.ExitCode == 0, ok.ToString());
    }

    [Fact]
    public async Task A_list_that_grows_back_within_the_limit_publishes_without_accepting()
    {
        var first = await Run();
        Assert.True(first.ExitCode == ExitCodes.Ok, first.ToString());
        ListEdges(Edges.Take(12));
        Assert.Equal(ExitCodes.Degraded, (await Run()).ExitCode);
        ListEdges(Edges.Take(30)); // lost 25% of the forty: within max_edge_list_shrink
        var back = await Run();
        Assert.True(back.ExitCode == ExitCodes.Ok, back.ToString());
        Assert.DoesNotContain("DNS held", back.Stderr);
    }

    [Fact]
    public async Task A_round_in_which_every_edge_fails_changes_no_zone_and_the_next_good_round_publishes()
    {
        var first = await Run();
        Assert.True(first.ExitCode == ExitCodes.Ok, first.ToString());
        var zone = File.ReadAllBytes(ZoneFile);
        var live = Live();

        // Our own network is down, as far as this node can tell: every edge refuses.
        foreach (var edge in Edges) _fleet.Set(edge, EdgeBehaviour.Refuse());
        var held = await Run();
        Assert.True(held.ExitCode == ExitCodes.Degraded, held.ToString());
        Assert.Contains("edgemanage: guardnet: every one of the 40 edges failed from every vantage at once (more likely our own network than the edges): DNS held",
            held.Stderr);
        Assert.Equal(zone, File.ReadAllBytes(ZoneFile));
        Assert.Equal(live, Live());
        Assert.Contains("reason=\"all_edges_failing\"} 1", File.ReadAllText(MetricsFile));
        var check = await CheckRotation();
        Assert.True(check.ExitCode == 1, check.ToString());
        Assert.Contains("every one of the 40 edges failed", check.Stdout);

        // Probing went on: the failures are in the history.
        var rows = await EdgemanageProcess.QueryRowsAsync(Network, _config);
        Assert.Equal("refused", rows[Edges[0]].GetProperty("last_outcome").GetString());

        foreach (var edge in Edges) _fleet.Set(edge, EdgeBehaviour.Ok());
        var back = await Run();
        Assert.True(back.ExitCode == ExitCodes.Ok, back.ToString());
        Assert.DoesNotContain("DNS held", back.Stderr);
        var ok = await CheckRotation();
        Assert.True(ok.ExitCode == 0, ok.ToString());
    }
}
