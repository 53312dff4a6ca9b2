using System.Text.RegularExpressions;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Ctl;

/// <summary>
/// README's "Operating a node" walk, step by step, against <c>edgemanage demo --serve</c> in its own process: see the
/// node, drain an edge with a comment and watch it leave the zone, ask why, and run a Nagios check.
/// </summary>
public sealed class DemoWalkthroughSpecs : IDisposable
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string ZonePath => Path.Combine(_dir.Path, "named", "example.test.zone");

    private string[] ZoneA() => ZoneRecords.ApexA(ZonePath);

    [Fact]
    public async Task The_readme_walk_through_a_serving_demo_node()
    {
        await using var demo = ServeProcess.StartCommand("demo", "demo", "--serve", "--dir", _dir.Path, "--admin", "127.0.0.1:0",
            "--metrics-listen", "127.0.0.1:0");
        await demo.WaitForOutputAsync("ctl endpoint on ", Within);
        await demo.WaitForOutputAsync("metrics on ", Within);
        var metricsUrl = Regex.Match(demo.Output, @"metrics on (\S+)").Groups[1].Value;
        var node = Regex.Match(demo.Output, @"ctl endpoint on (\S+)").Groups[1].Value;
        var config = Path.Combine(_dir.Path, "edgemanage.yaml");
        await Eventually.True(() => ZoneA().Length == 4 || demo.HasExited, Within, "the demo zone");
        Assert.False(demo.HasExited, demo.Output);
        // The README drains 127.0.0.2, the fastest edge; on a loaded machine another fast one may be live instead.
        var edge = ZoneA().Contains("127.0.0.2") ? "127.0.0.2" : ZoneA()[0];

        var show = await EdgemanageProcess.RunInProcessAsync("ctl", "--node", node, "cluster", "show");
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Contains("a node of its own (not clustered), serving demo", show.Stdout);

        var drain = await EdgemanageProcess.RunInProcessAsync("ctl", "--node", node, "-c", config,
            "edge", "mode", "demo", edge, "unavailable", "-C", "disk swap", "--for", "2h");
        Assert.True(drain.ExitCode == 0, drain.ToString());
        Assert.Contains($"Set mode for {edge} to unavailable until", drain.Stdout);
        await Eventually.True(() => ZoneA().Length == 4 && !ZoneA().Contains(edge), Within, $"{edge} leaving the zone");

        var why = await EdgemanageProcess.RunInProcessUntilAsync(r => r.Stdout.Contains("is NOT live", StringComparison.Ordinal), Within,
            "ctl", "--node", node, "why", "demo", edge);
        Assert.True(why.ExitCode == 0, why.ToString());
        Assert.Contains($"{edge} is NOT live in demo", why.Stdout);
        Assert.Contains("reason: unavailable", why.Stdout);

        using var http = new HttpClient();
        var live = new Regex($@"(?m)^edgemanage_edge_live\{{network=""demo"",edge=""{Regex.Escape(edge)}""\}} 0$");
        var scraped = "";
        await Eventually.True(async () => live.IsMatch(scraped = await http.GetStringAsync(metricsUrl)), Within, $"{edge} not live in /metrics");
        Assert.Matches(@"(?m)^edgemanage_network_live_edges\{network=""demo""\} 4$", scraped);

        var check = await EdgemanageProcess.RunInProcessAsync("check", "latency", "-A", "demo", "-c", config);
        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.StartsWith("ACTIVE_EDGE_LATENCY OK Slowest active edge", check.Stdout);

        Assert.Equal(0, await demo.StopAsync());
    }
}
