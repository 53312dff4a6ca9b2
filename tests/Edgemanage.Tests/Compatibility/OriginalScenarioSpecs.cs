using System.Text.Json;
using Edgemanage.Fleet;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Commands;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Compatibility;

/// <summary>
/// The original's four integration scenarios (original-edgemanage.md §9.2), with the assertions they meant to
/// make and several they only pretended to (exact live sets, health of every edge and canary, which zones carry
/// which canary). Addresses are shifted by one (127.0.0.2 is the original's 127.0.0.1) because 127.0.0.1 is
/// left to other local services; canaries live at 127.0.0.102 and up.
/// </summary>
public sealed class OriginalScenarioSpecs : IAsyncLifetime
{
    private const string Net = "mynet";
    private readonly TempDir _dir = new();
    private TestFleet _fleet = null!;

    /// <summary>The original's edge n (1-based) → our address.</summary>
    private static string Edge(int n) => $"127.0.0.{n + 1}";

    private static string Canary(int n) => $"127.0.0.{n + 1}";

    private static readonly string[] MainEdges = Enumerable.Range(1, 20).Select(Edge).ToArray();
    private static readonly string[] ExtraEdges = Enumerable.Range(21, 20).Select(Edge).ToArray();
    private static readonly int[] CanaryIds = Enumerable.Range(101, 20).ToArray();

    public async Task InitializeAsync() =>
        _fleet = await TestFleet.StartAsync(new FleetOptions
        {
            Addresses = MainEdges.Concat(ExtraEdges).Concat(CanaryIds.Select(Canary)).ToArray(),
        });

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>The original's conf/edgemanage.yaml for the tests: edge_count 4, goodenough 0.7, plus a zone per canary.</summary>
    private string Workspace(double timeout, string canaryKiller)
    {
        var config = DemoWorkspace.Write(_dir.Path, Net, _fleet.Port, _fleet.Body, MainEdges,
            extraYaml: $"probe_timeout: {timeout}\nzone_check_command: false\ncanary_files: canaries.yaml\n", goodEnough: 0.7, edgeCount: 4);
        File.WriteAllText(config, File.ReadAllText(config).Replace("canary_killer: false", $"canary_killer: {canaryKiller}"));
        File.WriteAllText(Path.Combine(_dir.Path, "extra-edges", Net), string.Join("\n", ExtraEdges) + "\n");
        File.WriteAllText(Path.Combine(_dir.Path, "canaries.yaml"),
            string.Concat(CanaryIds.Select(id => $"canary{id}.com: {Canary(id)}\n")));
        foreach (var id in CanaryIds)
            File.WriteAllText(Path.Combine(_dir.Path, "zones", Net, $"canary{id}.com.zone"), "mail 60 IN A 127.0.0.1\n");
        return config;
    }

    private void Delay(IEnumerable<string> addresses, double seconds)
    {
        foreach (var a in addresses) _fleet.Set(a, seconds == 0 ? EdgeBehaviour.Ok() : EdgeBehaviour.Delay(TimeSpan.FromSeconds(seconds)));
    }

    /// <summary>The original's test server answered 404 for an id it had no config for.</summary>
    private void Unknown(IEnumerable<string> addresses)
    {
        foreach (var a in addresses) _fleet.Set(a, EdgeBehaviour.Status(404));
    }

    private async Task<(EdgemanageProcess.Result Run, Dictionary<string, string> Health)> RunAndQuery(string config)
    {
        var run = await EdgemanageProcess.RunInProcessAsync("run", "-A", Net, "-c", config, "-v");
        var query = await EdgemanageProcess.RunInProcessAsync("query", "-A", Net, "-c", config, "-f", "json", "-v");
        Assert.True(query.ExitCode == ExitCodes.Ok, query.ToString());
        var health = query.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .ToDictionary(e => e.GetProperty("edge").GetString()!, e => e.GetProperty("health").GetString()!);
        return (run, health);
    }

    private string[] ZoneA(string zone)
    {
        return ZoneRecords.ApexA(Path.Combine(_dir.Path, "named", zone + ".zone"));
    }

    private string[] LiveList() => File.ReadAllLines(Path.Combine(_dir.Path, "state", $"{Net}.live"));

    private static string CanaryLine(string stdout, int id) =>
        stdout.Split('\n').Single(l => l.StartsWith($"canary {Canary(id)} for canary{id}.com:", StringComparison.Ordinal));

    [Fact]
    public async Task All_fast_every_edge_and_canary_is_pass_threshold_and_fast_canaries_are_used()
    {
        var config = Workspace(timeout: 10, canaryKiller: "6");
        Delay(MainEdges.Concat(ExtraEdges).Concat(CanaryIds.Select(Canary)), 0);

        var (run, health) = await RunAndQuery(config);
        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Equal(40, health.Count);
        Assert.All(health, h => Assert.Equal("pass_threshold", h.Value));
        foreach (var id in CanaryIds)
        {
            Assert.Contains("pass_threshold, used", CanaryLine(run.Stdout, id));
            // The original's bug #26: a fast canary was never published. Here it replaces one live edge.
            var records = ZoneA($"canary{id}.com");
            Assert.Equal(4, records.Length);
            Assert.Equal(Canary(id), records[^1]);
        }
        Assert.Equal(4, LiveList().Length);
    }

    [Fact]
    public async Task All_slow_past_the_timeout_everything_fails_and_nothing_is_published()
    {
        var config = Workspace(timeout: 2, canaryKiller: "false");
        Delay(MainEdges.Concat(CanaryIds.Select(Canary)), 3);
        Unknown(ExtraEdges);

        var (run, health) = await RunAndQuery(config);
        Assert.Equal(ExitCodes.Degraded, run.ExitCode);
        Assert.All(health, h => Assert.Equal("fail", h.Value));
        foreach (var id in CanaryIds) Assert.Contains("fail, not used", CanaryLine(run.Stdout, id));
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir.Path, "named")));
        Assert.Contains("NOT PUBLISHED", run.Stdout);
    }

    [Fact]
    public async Task Canary_killer_disables_every_canary_when_enough_of_them_fail()
    {
        var config = Workspace(timeout: 2, canaryKiller: "6");
        Delay(Enumerable.Range(1, 10).Select(Edge).Concat(Enumerable.Range(101, 10).Select(Canary)), 0);
        Delay(Enumerable.Range(11, 10).Select(Edge).Concat(Enumerable.Range(111, 10).Select(Canary)), 5);
        Unknown(ExtraEdges);

        var (run, health) = await RunAndQuery(config);
        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.All(Enumerable.Range(1, 10).Select(Edge), e => Assert.Equal("pass_threshold", health[e]));
        Assert.All(Enumerable.Range(11, 30).Select(Edge), e => Assert.Equal("fail", health[e]));
        foreach (var id in CanaryIds)
        {
            Assert.Contains("canary_killer", CanaryLine(run.Stdout, id));
            Assert.DoesNotContain(Canary(id), ZoneA($"canary{id}.com"));
        }
        var live = LiveList();
        Assert.Equal(4, live.Length);
        Assert.All(live, e => Assert.Contains(e, Enumerable.Range(1, 10).Select(Edge)));
    }

    [Fact]
    public async Task Staggered_delays_choose_the_two_fast_edges_then_the_two_best_by_average()
    {
        var config = Workspace(timeout: 5, canaryKiller: "false");
        double[] delays = [0.1, 0.2, 1, 2, 3, 4, 5, 6, 7, 8];
        for (var i = 0; i < delays.Length; i++)
        {
            Delay([Edge(i + 1)], delays[i]);
            Delay([Canary(101 + i)], delays[i]);
        }
        Unknown(Enumerable.Range(11, 30).Select(Edge));
        Unknown(Enumerable.Range(111, 10).Select(Canary));

        var (run, health) = await RunAndQuery(config);
        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Equal([Edge(1), Edge(2), Edge(3), Edge(4)], LiveList());
        Assert.Equal([Edge(1), Edge(2), Edge(3), Edge(4)], ZoneA("canary115.com")); // a failing canary leaves its zone alone
        Assert.Equal("pass_threshold", health[Edge(1)]);
        Assert.Equal("pass", health[Edge(3)]);
        Assert.Equal("fail", health[Edge(8)]);
    }
}
