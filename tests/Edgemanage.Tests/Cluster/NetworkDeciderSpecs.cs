using System.Text.Json;
using System.Text.RegularExpressions;
using Edgemanage.Fleet;
using Edgemanage.Node;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Commands;
using Edgemanage.Tests.Metrics;
using Edgemanage.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Edgemanage.Tests.Cluster;

/// <summary>
/// One cluster serving several networks: three <c>serve --cluster</c> nodes in this process (each its own ActorSystem
/// on its own loopback port, state_dir, ctl and metrics endpoint), three networks, every node a vantage and a decider.
/// Cluster sharding places each network's decider on exactly one node and spreads them; a decider that leaves hands
/// its networks over; ctl and /metrics say who decides what. The exchange between nodes (sharding envelopes around
/// our messages, Akka's own sharding messages) runs under strict serialization.
/// </summary>
[Collection("cluster")]
public sealed partial class NetworkDeciderSpecs(ITestOutputHelper testOutput) : IAsyncLifetime
{
    private static readonly string[] Networks = ["alpha", "bravo", "charlie"];
    private static readonly string[] FleetEdges = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"];
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(90);

    private readonly TempDir _dir = new();
    private readonly int[] _ports = [ServeProcess.FreePort(), ServeProcess.FreePort(), ServeProcess.FreePort()];
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Node> _nodes = [];
    private TestFleet _fleet = null!;

    private sealed record Node(string Name, int Port, StringWriter Output, StringWriter Error, Task<int> Serving)
    {
        public string Address => $"akka.tcp://edgemanage@127.0.0.1:{Port}";
        public string Text => Output.ToString();
        public string Ctl => CtlLine().Match(Text).Groups[1].Value;
        public string Metrics => MetricsLine().Match(Text).Groups[1].Value;

        public string[] Deciding() => DecidingNow(Text, Networks);
    }

    /// <summary>The networks a node's printed lines say it decides now (the last line about each is "deciding … on this node").</summary>
    internal static string[] DecidingNow(string output, IEnumerable<string> networks) => networks.Where(n =>
    {
        var lines = output.Split('\n').Where(l => l.Contains($" {n}: ", StringComparison.Ordinal) && l.Contains("deciding", StringComparison.Ordinal)).ToArray();
        return lines.Length > 0 && lines[^1].Contains($"deciding {n} on this node", StringComparison.Ordinal)
                                && !lines[^1].Contains("no longer", StringComparison.Ordinal);
    }).ToArray();

    [GeneratedRegex(@"ctl endpoint on (\S+) ")]
    private static partial Regex CtlLine();

    [GeneratedRegex(@"metrics on (http://127\.0\.0\.1:\d+/metrics)")]
    private static partial Regex MetricsLine();

    public async Task InitializeAsync()
    {
        _fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = FleetEdges });
        string config = "";
        foreach (var network in Networks)
        {
            config = DemoWorkspace.Write(_dir.Path, network, _fleet.Port, _fleet.Body, FleetEdges,
                extraYaml: ServeWorkspace.SteadyServeYaml, goodEnough: 3, edgeCount: 2);
            // One zone per network in the shared named_dir.
            File.Move(Path.Combine(_dir.Path, "zones", network, "example.test.zone"), Path.Combine(_dir.Path, "zones", network, $"{network}.test.zone"));
        }
        ServeWorkspace.WriteNodeConfigs(_dir.Path, config, "a", "b", "c");
    }

    public async Task DisposeAsync()
    {
        _stop.Cancel();
        foreach (var n in _nodes)
        {
            try { await n.Serving.WaitAsync(TimeSpan.FromSeconds(30)); } catch (Exception) { }
        }
        await _fleet.DisposeAsync();
        _dir.Dispose();
    }

    private string Diagnostics() => string.Join("\n", _nodes.Select(n => $"--- {n.Name}\n{n.Text}\n{n.Error}"));

    private Node StartNode(string name, CancellationToken? stop = null)
    {
        var port = _ports[name[0] - 'a'];
        List<string> args = ["serve", "-c", ServeWorkspace.NodeConfig(_dir.Path, name), "--port", port.ToString(), "--vantage", name,
            "--roles", "vantage,decider", "--admin", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"];
        foreach (var seed in _ports) args.AddRange(["--seed", $"127.0.0.1:{seed}"]);
        var output = new SharedOutput();
        var error = new SharedOutput();
        var serving = Task.Run(() => EdgemanageCli.MainAsync(args.ToArray(), output, error, stop ?? _stop.Token));
        var node = new Node(name, port, output, error, serving);
        _nodes.Add(node);
        return node;
    }

    private static async Task<EdgemanageProcess.Result> Ctl(params string[] args) => await EdgemanageProcess.RunInProcessAsync(["ctl", .. args]);

    /// <summary>network → deciding member, as one node's ctl cluster show says.</summary>
    private static async Task<Dictionary<string, string?>> Deciders(Node node)
    {
        var show = await Ctl("--node", node.Ctl, "--json", "cluster", "show");
        if (show.ExitCode != 0) return [];
        return JsonDocument.Parse(show.Stdout).RootElement.GetProperty("deciders").EnumerateArray()
            .ToDictionary(d => d.GetProperty("network").GetString()!, d => d.GetProperty("address").ValueKind == JsonValueKind.Null ? null : d.GetProperty("address").GetString());
    }

    [Fact]
    public async Task Three_nodes_decide_three_networks_one_node_each_spread_and_a_leaving_decider_hands_its_networks_over()
    {
        using var stopB = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        var a = StartNode("a");
        var b = StartNode("b", stopB.Token);
        var c = StartNode("c");
        var nodes = new[] { a, b, c };
        await Eventually.True(() => nodes.All(n => Networks.All(net => n.Text.Contains($"serving {net} as cluster node"))) || nodes.Any(n => n.Serving.IsCompleted),
            Within, "every node serving every network");
        Assert.False(nodes.Any(n => n.Serving.IsCompleted), Diagnostics());
        var serving = DateTime.UtcNow;

        // Every network publishes its zone.
        await Eventually.True(() => Networks.All(net => ZoneRecords.ApexA(Path.Combine(_dir.Path, "named", $"{net}.test.zone")).Length == 2), Within,
            "every network's zone").ContinueWith(t => { if (t.IsFaulted) throw new InvalidOperationException(Diagnostics(), t.Exception); });

        // Exactly one node decides each network, and the networks are spread over at least two nodes (rebalanced as
        // b and c joined a, which started the cluster and took every network first). Every node's ctl says the same,
        // and so do the nodes' own lines.
        Dictionary<string, string?> deciders = [];
        await Eventually.True(async () =>
        {
            deciders = await Deciders(a);
            var fromB = await Deciders(b);
            var fromC = await Deciders(c);
            return Networks.All(n => deciders.GetValueOrDefault(n) is not null)
                   && deciders.Values.Distinct().Count() >= 2
                   && Networks.All(n => fromB.GetValueOrDefault(n) == deciders[n] && fromC.GetValueOrDefault(n) == deciders[n])
                   && Networks.All(n => nodes.Count(node => node.Deciding().Contains(n)) == 1)
                   && Networks.All(n => nodes.Single(node => node.Deciding().Contains(n)).Address == deciders[n]);
        }, Within, "each network decided by exactly one node, over at least two nodes")
            .ContinueWith(t => { if (t.IsFaulted) throw new InvalidOperationException(Diagnostics(), t.Exception); });

        var spreadOverTwo = DateTime.UtcNow;

        // Least-shard allocation with rebalancing (hocon/edgemanage.conf) ends with one network per decider.
        await Eventually.True(async () =>
        {
            deciders = await Deciders(a);
            return Networks.All(n => deciders.GetValueOrDefault(n) is not null) && deciders.Values.Distinct().Count() == 3
                   && Networks.All(n => nodes.Count(node => node.Deciding().Contains(n)) == 1);
        }, Within, "one network per node").ContinueWith(t => { if (t.IsFaulted) throw new InvalidOperationException(Diagnostics(), t.Exception); });
        testOutput.WriteLine($"spread over two nodes {(spreadOverTwo - serving).TotalSeconds:0.0} s after every node served, " +
                             $"one per node {(DateTime.UtcNow - serving).TotalSeconds:0.0} s after");

        // ctl cluster show and net list name the decider of each network.
        // Each node's ctl reads placement a second or two old: ask until c's agrees with a's.
        EdgemanageProcess.Result table = null!, list = null!;
        await Eventually.True(async () =>
        {
            deciders = await Deciders(a);
            table = await Ctl("--node", c.Ctl, "cluster", "show");
            list = await Ctl("--node", c.Ctl, "net", "list");
            return list.ExitCode == 0 && Networks.All(n => deciders.GetValueOrDefault(n) is { } d
                       && table.Stdout.Contains($"{n} is decided by {d}")
                       && Regex.IsMatch(list.Stdout, $@"(?m)^{n}\s.*{Regex.Escape(d)}"));
        }, Within, "ctl cluster show and net list naming each network's decider")
            .ContinueWith(t => { if (t.IsFaulted) throw new InvalidOperationException($"{table?.Stdout}\n{list?.Stdout}\n{Diagnostics()}", t.Exception); });

        // edgemanage_decider: for each network, 1 on exactly one node, the one ctl names.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await Eventually.True(async () =>
        {
            var scrapes = await Task.WhenAll(nodes.Select(async n => (n, PromText.Parse(await http.GetStringAsync(n.Metrics)))));
            return Networks.All(net =>
                scrapes.Count(s => s.Item2.Value("edgemanage_decider", ("network", net), ("node", s.n.Address)) == 1) == 1
                && scrapes.Single(s => s.Item2.Value("edgemanage_decider", ("network", net), ("node", s.n.Address)) == 1).n.Address == deciders[net]);
        }, Within, "edgemanage_decider 1 on the deciding node only");

        // A network's decider answers ctl on a node that does not host it (through the region, strict serialization).
        var hostOfAlpha = deciders["alpha"];
        var elsewhere = nodes.First(n => n.Address != hostOfAlpha);
        var show = await Ctl("--node", elsewhere.Ctl, "net", "show", "alpha");
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Matches(@"live:\s+127\.0\.0\.\d+ 127\.0\.0\.\d+", show.Stdout);

        // A decider other than a (whose ctl we ask) leaves gracefully: b if it decides something, else c (the networks
        // are on two nodes at least, so one of them does). Its networks move to the others, which say they decide them.
        var leaver = deciders.Values.Contains(b.Address) ? b : c;
        Assert.True(deciders.Values.Contains(leaver.Address), $"no network on b or c: {string.Join(", ", deciders)}");
        var moving = deciders.Where(d => d.Value == leaver.Address).Select(d => d.Key).ToArray();
        var leave = await Ctl("--node", a.Ctl, "-c", ServeWorkspace.NodeConfig(_dir.Path, "a"), "cluster", "leave", $"127.0.0.1:{leaver.Port}");
        Assert.True(leave.ExitCode == 0, leave.ToString());
        var leaving = DateTime.UtcNow;
        await Eventually.True(() => leaver.Text.Contains("this node left the cluster; stopped"), Within, "the leaver stopping");
        // The hand-over is printed, or (when the node's printer stopped first, as its system terminates) at least logged.
        var leaverLog = Path.Combine(_dir.Path, $"edgemanage-{leaver.Name}.log");
        await Eventually.True(() => moving.All(n => leaver.Text.Contains($"handed {n} over")
                                                 || (File.Exists(leaverLog) && File.ReadAllText(leaverLog).Contains($"handed {n} over"))),
            TimeSpan.FromSeconds(10), "the leaver saying it handed its networks over")
            .ContinueWith(t => { if (t.IsFaulted) throw new InvalidOperationException(Diagnostics(), t.Exception); });
        var stayers = nodes.Where(n => n != leaver).ToArray();
        await Eventually.True(async () =>
        {
            var now = await Deciders(a);
            return Networks.All(n => now.GetValueOrDefault(n) is { } d && stayers.Any(s => s.Address == d))
                   && Networks.All(n => stayers.Count(s => s.Deciding().Contains(n)) == 1);
        }, Within, $"{string.Join(", ", moving)} decided by a remaining node")
            .ContinueWith(t => { if (t.IsFaulted) throw new InvalidOperationException(Diagnostics(), t.Exception); });
        testOutput.WriteLine($"{string.Join(", ", moving)} decided elsewhere {(DateTime.UtcNow - leaving).TotalSeconds:0.0} s after ctl cluster leave");
        Assert.Equal(ExitCodes.Ok, await leaver.Serving.WaitAsync(Within));

        _stop.Cancel();
        foreach (var n in stayers) Assert.True(await n.Serving.WaitAsync(Within) == ExitCodes.Ok, Diagnostics());
        // Nothing that crossed between the nodes was refused by strict serialization (it would be logged, not thrown).
        foreach (var node in nodes)
        {
            var log = File.ReadAllText(Path.Combine(_dir.Path, $"edgemanage-{node.Name}.log"));
            Assert.DoesNotMatch("(?i)serializ", log);
            foreach (var line in log.Split('\n').Where(l => l.Contains("WARN", StringComparison.OrdinalIgnoreCase) || l.Contains("ERROR", StringComparison.OrdinalIgnoreCase)))
                testOutput.WriteLine($"{node.Name}: {line}");
        }
    }
}
