using Edgemanage.Fleet;
using Edgemanage.Node.Commands;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Cluster;

/// <summary>
/// Three <c>edgemanage serve</c> processes on loopback ports form a vantage cluster. Each probes from its own
/// source address (127.0.0.101–103), so the fleet can refuse one vantage and not the others. (That one vantage alone
/// cannot remove an edge, and a quorum can, is in <see cref="MultiNetworkClusterSpecs"/>.)
/// </summary>
[Collection("cluster")]
public sealed class VantageClusterSpecs : IAsyncLifetime
{
    private const string Net = "clusternet";
    private static readonly string[] FleetEdges = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"];
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);

    private readonly TempDir _dir = new();
    private readonly List<ServeProcess> _nodes = [];
    private TestFleet _fleet = null!;

    public async Task InitializeAsync()
    {
        _fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = FleetEdges });
        var config = DemoWorkspace.Write(_dir.Path, Net, _fleet.Port, _fleet.Body, FleetEdges,
            extraYaml: ServeWorkspace.FastServeYaml +
                       "quorum: majority\nmin_vantages: 2\n",
            goodEnough: 0.5, edgeCount: 3);
        ServeWorkspace.WriteNodeConfigs(_dir.Path, config, "a", "b", "c");
    }

    public async Task DisposeAsync()
    {
        foreach (var n in _nodes) await n.DisposeAsync();
        await _fleet.DisposeAsync();
        _dir.Dispose();
    }

    private string NodeConfig(string node) => ServeWorkspace.NodeConfig(_dir.Path, node);

    private string ZonePath => Path.Combine(_dir.Path, "named", "example.test.zone");

    private string[] ZoneA() => ZoneRecords.ApexA(ZonePath);

    private string Diagnostics() => string.Join("\n", _nodes.Select(n => n.Output));

    /// <summary>Every node is given every seed, a's first: a starts the cluster, b and c join it.</summary>
    private readonly int[] _ports = [ServeProcess.FreePort(), ServeProcess.FreePort(), ServeProcess.FreePort()];

    private ServeProcess StartNode(string node, int sourceOctet)
    {
        var port = _ports[node[0] - 'a'];
        List<string> args = ["-A", Net, "-c", NodeConfig(node), "--port", port.ToString(), "--vantage", node,
            "--source-address", $"127.0.0.{sourceOctet}", "--roles", "vantage,decider"];
        foreach (var seed in _ports) args.AddRange(["--seed", $"127.0.0.1:{seed}"]);
        var process = ServeProcess.Start(node, args.ToArray());
        _nodes.Add(process);
        return process;
    }

    private static uint Serial(string zoneText) => uint.Parse(zoneText.Split('\n')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries)[6]);

    [Fact]
    public async Task A_broken_vantage_abstains_the_singleton_survives_its_node_and_too_few_vantages_freeze_dns()
    {
        var a = StartNode("a", 101);
        await a.WaitForOutputAsync("serving clusternet", Within);
        var b = StartNode("b", 102);
        await b.WaitForOutputAsync("serving clusternet", Within);
        var c = StartNode("c", 103);
        await c.WaitForOutputAsync("serving clusternet", Within);
        await Eventually.True(() => ZoneA().Length == 3, Within, "the first zone from the cluster");
        // Every vantage is heard before one is broken (two vote as soon as they can, the third a moment later).
        await a.WaitForOutputAsync("vantages voting: a b c", Within);
        var zone = File.ReadAllText(ZonePath);

        // Vantage a loses every edge (its uplink, say): it abstains, and DNS does not churn.
        foreach (var e in FleetEdges) _fleet.SetForPeer(e, "127.0.0.101", EdgeBehaviour.Refuse());
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(6);
        while (DateTime.UtcNow < until)
        {
            Assert.True(File.ReadAllText(ZonePath) == zone, $"the zone churned while one vantage was broken\n{Diagnostics()}");
            await Task.Delay(100);
        }

        // The node hosting the singleton (the oldest, a) crashes. Once the cluster downs it (split-brain resolver,
        // 5 s stable-after), the singleton restarts on the next oldest; a real outage seen by b and c is then still acted on, with a
        // higher serial.
        await a.KillAsync();
        var edge = ZoneA()[0];
        _fleet.SetForPeer(edge, "127.0.0.102", EdgeBehaviour.Refuse());
        _fleet.SetForPeer(edge, "127.0.0.103", EdgeBehaviour.Refuse());
        await Eventually.True(() => ZoneA().Length == 3 && !ZoneA().Contains(edge), TimeSpan.FromSeconds(150), $"{edge} leaving the zone after failover")
            .ContinueWith(t => { if (t.IsFaulted) throw new InvalidOperationException(Diagnostics(), t.Exception); });
        Assert.True(Serial(File.ReadAllText(ZonePath)) > Serial(zone));

        // The other vantage leaves: one vantage is below min_vantages 2, and the singleton's node says DNS is frozen.
        // Which of b and c took the singleton over depends on which one the cluster saw Up first; its node prints the
        // substitution just after writing the zone, so wait for the line rather than race it.
        await Eventually.True(() => b.Output.Contains("substituted", StringComparison.Ordinal) || c.Output.Contains("substituted", StringComparison.Ordinal),
            Within, "the new singleton's node printing its substitution");
        var (host, other, otherName) = b.Output.Contains("substituted", StringComparison.Ordinal) ? (b, c, "c") : (c, b, "b");
        Assert.Equal(0, await other.StopAsync());
        await host.WaitForOutputAsync($"DNS FROZEN: only 1 of 2 vantages vote (min_vantages is 2); {otherName} stale", Within)
            .ContinueWith(t => { if (t.IsFaulted) throw new InvalidOperationException(Diagnostics(), t.Exception); });
        Assert.Equal(0, await host.StopAsync());
    }
}

/// <summary>
/// The multi-process cluster specs run alone: three nodes, a fleet and a split-brain resolver's 20 s timer are
/// timing-sensitive enough that sharing two cores with the rest of the suite made a failover miss its window.
/// </summary>
[CollectionDefinition("cluster", DisableParallelization = true)]
public sealed class ClusterCollection;
