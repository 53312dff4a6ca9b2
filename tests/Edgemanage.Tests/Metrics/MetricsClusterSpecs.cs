using System.Text.RegularExpressions;
using Edgemanage.Fleet;
using Edgemanage.Node;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Commands;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Metrics;

/// <summary>
/// Two cluster nodes (vantages a and b) served in-process: the decider's /metrics shows both members up and, from
/// the last decision's vote matrix, vantage b's view of every edge beside its own.
/// </summary>
[Collection("cluster")]
public sealed partial class MetricsClusterSpecs : IAsyncLifetime
{
    private const string Net = "metricluster";
    private static readonly string[] FleetEdges = ["127.0.0.2", "127.0.0.3", "127.0.0.4"];
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);

    private readonly TempDir _dir = new();
    private TestFleet _fleet = null!;
    private string _config = null!;

    public async Task InitializeAsync()
    {
        _fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = FleetEdges });
        _config = DemoWorkspace.Write(_dir.Path, Net, _fleet.Port, _fleet.Body, FleetEdges,
            extraYaml: ServeWorkspace.FastServeYaml,
            goodEnough: 0.5, edgeCount: 2);
        ServeWorkspace.WriteNodeConfigs(_dir.Path, _config, "a", "b");
    }

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        _dir.Dispose();
    }

    private string NodeConfig(string node) => ServeWorkspace.NodeConfig(_dir.Path, node);

    [GeneratedRegex(@"metrics on (http://127\.0\.0\.1:\d+/metrics)")]
    private static partial Regex MetricsLine();

    [Fact]
    public async Task A_cluster_node_exposes_its_members_and_the_other_vantages_view()
    {
        var portA = ServeProcess.FreePort();
        var portB = ServeProcess.FreePort();
        using var stop = new CancellationTokenSource();
        var outputA = new SharedOutput();
        var outputB = new SharedOutput();
        var errorA = new SharedOutput();
        var errorB = new SharedOutput();
        var a = Task.Run(() => EdgemanageCli.MainAsync(["serve", "-A", Net, "-c", NodeConfig("a"), "--port", portA.ToString(), "--vantage", "a",
            "--seed", $"127.0.0.1:{portA}", "--seed", $"127.0.0.1:{portB}", "--metrics-listen", "127.0.0.1:0"], outputA, errorA, stop.Token));
        Task<int>? b = null;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            await Eventually.True(() => outputA.ToString().Contains("serving metricluster") || a.IsCompleted, Within, "node a serving");
            Assert.False(a.IsCompleted, $"{outputA}\n{errorA}");
            b = Task.Run(() => EdgemanageCli.MainAsync(["serve", "-A", Net, "-c", NodeConfig("b"), "--port", portB.ToString(),
                "--vantage", "b", "--seed", $"127.0.0.1:{portA}", "--seed", $"127.0.0.1:{portB}", "--metrics-listen", "off"], outputB, errorB, stop.Token));
            var url = MetricsLine().Match(outputA.ToString()).Groups[1].Value;

            PromText p = null!;
            (string, string) n = ("network", Net);
            await Eventually.True(() =>
            {
                p = PromText.Parse(http.GetStringAsync(url).GetAwaiter().GetResult());
                return p.Value("edgemanage_cluster_members", ("status", "up")) == 2
                       && FleetEdges.All(e => p.All("edgemanage_edge_health", n, ("edge", e), ("vantage", "b")).Count(s => s.Value == 1) == 1)
                       && FleetEdges.All(e => p.Value("edgemanage_edge_last_seconds", n, ("edge", e), ("vantage", "a")) is not null)
                       // The placement of the network's decider is known within a second or two of it starting.
                       && p.Value("edgemanage_decider", n, ("node", $"akka.tcp://edgemanage@127.0.0.1:{portA}")) == 1;
            }, Within, "two members up, vantage b's votes, vantage a's own probes and the decider in node a's metrics");

            Assert.Equal(2, p.All("edgemanage_cluster_member_up").Count(s => s.Value == 1 && s.Labels["roles"] == "decider,vantage"));
            Assert.Contains(p.All("edgemanage_cluster_member_up"), s => s.Labels["address"].EndsWith($"@127.0.0.1:{portA}", StringComparison.Ordinal));
            Assert.Equal(0, p.Value("edgemanage_cluster_unreachable_members"));
            // Both are deciders; sharding placed the network on a, which took it first (b joined later), and it stays there.
            Assert.Equal(1, p.Value("edgemanage_decider", n, ("node", $"akka.tcp://edgemanage@127.0.0.1:{portA}")));
            Assert.Equal(1, p.Value("edgemanage_vantage_status", n, ("vantage", "b"), ("status", "voting")));
            // Node a's own vantage comes from its edges, with times; b's only as health.
            Assert.Empty(p.All("edgemanage_edge_last_seconds", n, ("vantage", "b")));
            Assert.Equal(2, p.Value("edgemanage_network_live_edges", n));
            Assert.Equal(0, p.Value("edgemanage_scrape_failed", n, ("source", "network")));
        }
        finally
        {
            stop.Cancel();
        }
        var codeA = await a;
        Assert.True(codeA == ExitCodes.Ok, $"node a exit {codeA}\n{outputA}\n{errorA}");
        if (b is not null)
        {
            var codeB = await b;
            Assert.True(codeB == ExitCodes.Ok, $"node b exit {codeB}\n{outputB}\n{errorB}");
        }
    }
}
