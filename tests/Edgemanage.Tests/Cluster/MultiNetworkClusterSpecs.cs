using Edgemanage.Fleet;
using Edgemanage.Node.Commands;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Cluster;

/// <summary>
/// One cluster serving three networks: three <c>edgemanage serve</c> processes on loopback ports, a and b with the
/// decider role, c a vantage only; each probes from its own source address (127.0.0.101–103), so the fleet can
/// refuse one vantage and not the others. Every network's decider is a sharding entity, placed on a or b.
/// </summary>
[Collection("cluster")]
public sealed class MultiNetworkClusterSpecs : IAsyncLifetime
{
    private static readonly string[] Networks = ["alpha", "beta", "gamma"];
    private static readonly string[] FleetEdges = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6", "127.0.0.7"];
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);

    private readonly TempDir _dir = new();
    private readonly Dictionary<string, ServeProcess> _nodes = new(StringComparer.Ordinal);
    private readonly List<ServeProcess> _started = [];
    private readonly int[] _ports = [ServeProcess.FreePort(), ServeProcess.FreePort(), ServeProcess.FreePort()];
    private TestFleet _fleet = null!;

    public async Task InitializeAsync()
    {
        _fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = FleetEdges });
        // Three networks in one workspace, four edges each (overlapping), two live; each zone file its own name.
        string config = null!;
        for (var i = 0; i < Networks.Length; i++)
        {
            var network = Networks[i];
            config = DemoWorkspace.Write(_dir.Path, network, _fleet.Port, _fleet.Body, FleetEdges[i..(i + 4)],
                extraYaml: ServeWorkspace.SteadyServeYaml + "quorum: majority\nmin_vantages: 2\n", goodEnough: 3, edgeCount: 2);
            File.Move(Path.Combine(_dir.Path, "zones", network, "example.test.zone"), Path.Combine(_dir.Path, "zones", network, $"{network}.test.zone"));
        }
        ServeWorkspace.WriteNodeConfigs(_dir.Path, config, "a", "b", "c");
    }

    public async Task DisposeAsync()
    {
        foreach (var n in _started) await n.DisposeAsync();
        await _fleet.DisposeAsync();
        _dir.Dispose();
    }

    private string ZonePath(string network) => Path.Combine(_dir.Path, "named", $"{network}.test.zone");

    private string[] ZoneA(string network) => ZoneRecords.ApexA(ZonePath(network));

    private string ZoneText(string network) => File.Exists(ZonePath(network)) ? File.ReadAllText(ZonePath(network)) : "";

    private static uint Serial(string zoneText) => uint.Parse(zoneText.Split('\n')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries)[6]);

    /// <summary>What every node printed, and what its log says about where each decider started from.</summary>
    private string Diagnostics() => string.Join("\n", _started.Select(n => n.Output)) + "\n" + string.Join("\n",
        new[] { "a", "b", "c" }.Select(node => Path.Combine(_dir.Path, $"edgemanage-{node}.log")).Where(File.Exists)
            .SelectMany(log => File.ReadLines(log).Where(IsAboutTakeovers).Select(line => $"[{Path.GetFileName(log)}] {line}")));

    private static bool IsAboutTakeovers(string line) =>
        new[] { "replicated", "starting from", "start-up hold", "zone", "deciding", "handed" }.Any(w => line.Contains(w, StringComparison.OrdinalIgnoreCase));

    private ServeProcess StartNode(string node)
    {
        var index = node[0] - 'a';
        List<string> args = ["-c", ServeWorkspace.NodeConfig(_dir.Path, node), "--port", _ports[index].ToString(), "--vantage", node,
            "--source-address", $"127.0.0.{101 + index}", "--roles", node == "c" ? "vantage" : "vantage,decider", "--admin", "off",
            "--metrics-listen", "off"];
        foreach (var network in Networks) args.AddRange(["-A", network]);
        foreach (var seed in _ports) args.AddRange(["--seed", $"127.0.0.1:{seed}"]);
        var process = ServeProcess.Start(node, args.ToArray());
        _nodes[node] = process;
        _started.Add(process);
        return process;
    }

    private async Task StartClusterAsync()
    {
        var a = StartNode("a");
        await a.WaitForOutputAsync("serving", Within);
        StartNode("b");
        StartNode("c");
        foreach (var node in new[] { "b", "c" }) await _nodes[node].WaitForOutputAsync("serving", Within);
    }

    /// <summary>
    /// Whether <paramref name="node"/> decides <paramref name="network"/> now, from what it printed: its last line about
    /// the network's decider says it started deciding, not that it stopped.
    /// </summary>
    private bool Decides(string node, string network)
    {
        if (!_nodes.TryGetValue(node, out var process) || process.HasExited) return false;
        var output = process.Output;
        var started = output.LastIndexOf($"{network}: deciding {network} on this node", StringComparison.Ordinal);
        var stopped = Math.Max(output.LastIndexOf($"{network}: handed {network} over", StringComparison.Ordinal),
            output.LastIndexOf($"{network}: no longer deciding {network}", StringComparison.Ordinal));
        return started >= 0 && started > stopped;
    }

    private Dictionary<string, string[]> Placement() =>
        Networks.ToDictionary(n => n, n => new[] { "a", "b", "c" }.Where(node => Decides(node, n)).ToArray(), StringComparer.Ordinal);

    /// <summary>Every network decided by exactly one node, and the networks spread over both deciders.</summary>
    private bool SpreadOverBothDeciders()
    {
        var placement = Placement();
        return placement.Values.All(p => p.Length == 1) && placement.Values.Select(p => p[0]).Distinct().Count() == 2;
    }

    private async Task Surely(Task waiting)
    {
        try
        {
            await waiting;
        }
        catch (Exception e)
        {
            throw new InvalidOperationException(e.Message + "\n" + Diagnostics(), e);
        }
    }

    [Fact]
    public async Task Every_network_is_decided_once_a_quorum_not_one_vantage_replaces_an_edge_and_a_crashed_decider_hands_its_networks_over()
    {
        await StartClusterAsync();
        await Surely(Eventually.True(() => Networks.All(n => ZoneA(n).Length == 2), Within, "every network's first zone"));
        await Surely(Eventually.True(SpreadOverBothDeciders, TimeSpan.FromSeconds(90), "the three networks spread over a and b"));

        // Every vantage votes on alpha (and no rebalance is pending) before one of them is made to disagree.
        await Surely(Eventually.True(() => _started.Any(p => p.Output.Contains("alpha: vantages voting: a b c", StringComparison.Ordinal))
                                           && SpreadOverBothDeciders(), Within, "alpha hearing all three vantages"));
        var settled = ZoneText("alpha");
        await Surely(Eventually.True(() =>
        {
            var now = ZoneText("alpha");
            var same = now == settled;
            settled = now;
            return same && SpreadOverBothDeciders();
        }, Within, "alpha's zone settled"));

        // One vantage alone loses a live edge of alpha: a minority of the votes, the edge stays.
        var edge = ZoneA("alpha")[0];
        _fleet.SetForPeer(edge, "127.0.0.103", EdgeBehaviour.Refuse());
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(4);
        while (DateTime.UtcNow < until)
        {
            Assert.True(ZoneA("alpha").Contains(edge), $"{edge} left alpha on one vantage's word\n{Diagnostics()}");
            await Task.Delay(100);
        }
        _fleet.Set(edge, EdgeBehaviour.Ok());

        // The node deciding two networks is killed: both move to the other decider, which acts on an outage with a
        // later serial.
        var placement = Placement();
        var victim = placement.Values.Select(p => p[0]).GroupBy(n => n).Single(g => g.Count() == 2).Key;
        var survivor = victim == "a" ? "b" : "a";
        var moved = Networks.Where(n => placement[n][0] == victim).ToArray();
        var before = moved.ToDictionary(n => n, n => Serial(ZoneText(n)));
        await _nodes[victim].KillAsync();
        var gone = moved.ToDictionary(n => n, n => ZoneA(n)[0]);
        foreach (var (_, e) in gone) _fleet.Set(e, EdgeBehaviour.Refuse());
        await Surely(Eventually.True(() => moved.All(n => ZoneA(n).Length == 2 && !ZoneA(n).Contains(gone[n])), TimeSpan.FromSeconds(120),
            $"{string.Join(", ", moved)} replacing their refusing edge after the failover"));
        foreach (var n in moved)
        {
            Assert.True(Decides(survivor, n), $"{survivor} should decide {n}\n{Diagnostics()}");
            Assert.True(Serial(ZoneText(n)) > before[n], $"{n}: the serial went from {before[n]} to {Serial(ZoneText(n))}");
        }

        // The killed node, started again with the same command line, rejoins: the vantages voting include it again.
        var mark = _nodes[survivor].Output.Length;
        await Surely(StartNode(victim).WaitForOutputAsync("joined the cluster as", Within));
        await Surely(Eventually.True(() => _nodes[survivor].Output[mark..].Contains("vantages voting: a b c", StringComparison.Ordinal), Within,
            $"{victim} voting again"));
    }

    [Fact]
    public async Task Restarting_each_node_of_a_steady_cluster_in_turn_writes_no_zone()
    {
        await StartClusterAsync();
        await Surely(Eventually.True(() => Networks.All(n => ZoneA(n).Length == 2), Within, "every network's first zone"));
        await Surely(Eventually.True(SpreadOverBothDeciders, TimeSpan.FromSeconds(90), "the three networks spread over a and b"));
        await Surely(Eventually.True(() => Networks.All(n => _started.Any(p => p.Output.Contains($"{n}: vantages voting: a b c", StringComparison.Ordinal))),
            Within, "every network hearing all three vantages"));
        var published = Networks.ToDictionary(n => n, ZoneText);

        foreach (var node in new[] { "c", "a", "b" })
        {
            Assert.Equal(0, await _nodes[node].StopAsync());
            await Surely(StartNode(node).WaitForOutputAsync("joined the cluster as", Within));
            // A decider's networks went to the other decider when it left; one comes back once it has rejoined.
            await Surely(Eventually.True(SpreadOverBothDeciders, TimeSpan.FromSeconds(90), $"the networks spread again after restarting {node}"));
            foreach (var n in Networks)
                Assert.True(ZoneText(n) == published[n], $"restarting {node} rewrote {n}'s zone\n{Diagnostics()}");
        }
    }
}
