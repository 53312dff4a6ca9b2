using Edgemanage.Fleet;
using Edgemanage.Node;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Commands;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Cluster;

/// <summary>
/// The operator's mistake end to end, both nodes served in-process: a node of network <c>othernet</c> is seeded at
/// the cluster of <c>clusternet</c>. It must not join: it prints why and exits 2, and the cluster goes on alone.
/// </summary>
[Collection("cluster")]
public sealed class ClusterRefusalSpecs : IAsyncLifetime
{
    private static readonly string[] FleetEdges = ["127.0.0.2", "127.0.0.3"];
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);

    private readonly TempDir _dir = new();
    private TestFleet _fleet = null!;
    private string _configA = null!;
    private string _configX = null!;

    public async Task InitializeAsync()
    {
        _fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = FleetEdges });
        var extra = ServeWorkspace.FastServeYaml + "metrics:\n  listen: off\nadmin:\n  enabled: false\n";
        _configA = DemoWorkspace.Write(Path.Combine(_dir.Path, "a"), "clusternet", _fleet.Port, _fleet.Body, FleetEdges, extraYaml: extra,
            goodEnough: 0.5, edgeCount: 1);
        _configX = DemoWorkspace.Write(Path.Combine(_dir.Path, "x"), "othernet", _fleet.Port, _fleet.Body, FleetEdges, extraYaml: extra,
            goodEnough: 0.5, edgeCount: 1);
    }

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_node_of_another_network_seeded_at_the_cluster_prints_why_and_exits_2()
    {
        var portA = ServeProcess.FreePort();
        var portX = ServeProcess.FreePort();
        string[] seeds = ["--seed", $"127.0.0.1:{portA}", "--seed", $"127.0.0.1:{portX}"];
        using var stop = new CancellationTokenSource();
        var outputA = new SharedOutput();
        var errorA = new SharedOutput();
        var outputX = new SharedOutput();
        var errorX = new SharedOutput();
        var a = Task.Run(() => EdgemanageCli.MainAsync(["serve", "-A", "clusternet", "-c", _configA, "--port", portA.ToString(), "--vantage", "a", .. seeds],
            outputA, errorA, stop.Token));
        try
        {
            await Eventually.True(() => outputA.ToString().Contains("serving clusternet") || a.IsCompleted, Within, "node a serving");
            Assert.False(a.IsCompleted, $"{outputA}\n{errorA}");

            var x = await EdgemanageCli.MainAsync(["serve", "-A", "othernet", "-c", _configX, "--port", portX.ToString(), "--vantage", "x", .. seeds],
                outputX, errorX, stop.Token).WaitAsync(Within);
            Assert.True(x == ExitCodes.UsageOrConfig, $"x exited {x}\n{outputX}\n{errorX}");
            Assert.Contains($"edgemanage: serve: othernet: refused to join the cluster: the node at 127.0.0.1:{portA} is 'edgemanage/clusternet' " +
                            "but this node is 'edgemanage/othernet'", errorX.ToString());
            Assert.False(a.IsCompleted, $"node a stopped\n{outputA}\n{errorA}");
        }
        finally
        {
            stop.Cancel();
        }
        Assert.Equal(ExitCodes.Ok, await a);
    }

    [Fact]
    public async Task A_cluster_node_without_seeds_is_a_usage_error()
    {
        var result = await EdgemanageProcess.RunInProcessAsync("serve", "-A", "clusternet", "-c", _configA, "--cluster");
        Assert.Equal(ExitCodes.UsageOrConfig, result.ExitCode);
        Assert.Contains("a cluster node needs its seed nodes", result.Stderr);
    }
}
