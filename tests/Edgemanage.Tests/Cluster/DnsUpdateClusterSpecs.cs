using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Edgemanage.Fleet;
using Edgemanage.Node.Commands;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Cluster;

/// <summary>
/// The "done when" of issue 12: three <c>serve --cluster</c> processes on one machine, each with its own named_dir and
/// state_dir as on three machines, all publishing by DNS UPDATE to one real named primary. dig answers the decided
/// set; the decider is killed with SIGKILL; a survivor takes over, the answer stays correct throughout, and the new
/// decider publishes the next change of the fleet through the same primary.
/// </summary>
[Collection("cluster")]
public sealed class DnsUpdateClusterSpecs : IAsyncLifetime
{
    private const string Net = "clusternet";
    private const string Zone = "example.test";
    private static readonly string[] Nodes = ["a", "b", "c"];
    private static readonly string[] FleetEdges = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"];
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);

    private readonly TempDir _dir = new();
    private readonly Dictionary<string, ServeProcess> _nodes = new(StringComparer.Ordinal);
    private readonly List<ServeProcess> _started = [];
    private readonly int[] _ports = [ServeProcess.FreePort(), ServeProcess.FreePort(), ServeProcess.FreePort()];
    private readonly NamedServer.DynamicKey _key = NamedServer.DynamicKey.Generate();
    private TestFleet _fleet = null!;
    private NamedServer _named = null!;

    public async Task InitializeAsync()
    {
        _fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = FleetEdges });
        // The primary's zone: SOA, NS and glue only; the deciders add the addresses and their claim marker.
        _dir.Write($"primary/{Zone}.zone",
            "$TTL 60\n" +
            $"@ IN SOA ns1.{Zone}. hostmaster.{Zone}. 1 3600 600 86400 60\n" +
            $"@ IN NS ns1.{Zone}.\n" +
            "ns1 IN A 127.0.0.1\n");
        _named = await NamedServer.StartAsync(_dir.Dir("primary"), [Zone], _key);
        var keyFile = _key.WriteTo(_dir.File("edgemanage.key"));
        var config = DemoWorkspace.Write(_dir.Path, Net, _fleet.Port, _fleet.Body, FleetEdges,
            extraYaml: ServeWorkspace.SteadyServeYaml + ServeWorkspace.DnsUpdateYaml(_named.Endpoint, keyFile), goodEnough: 3, edgeCount: 2);
        ServeWorkspace.WriteNodeConfigs(_dir.Path, config, ownNamedDir: true, Nodes);
    }

    public async Task DisposeAsync()
    {
        foreach (var n in _started) await n.DisposeAsync();
        await _named.DisposeAsync();
        await _fleet.DisposeAsync();
        _dir.Dispose();
    }

    private ServeProcess StartNode(string node)
    {
        var index = node[0] - 'a';
        List<string> args = ["-A", Net, "-c", ServeWorkspace.NodeConfig(_dir.Path, node), "--port", _ports[index].ToString(), "--vantage", node,
            "--roles", "vantage,decider", "--admin", "off", "--metrics-listen", "off"];
        foreach (var seed in _ports) args.AddRange(["--seed", $"127.0.0.1:{seed}"]);
        var process = ServeProcess.Start(node, args.ToArray());
        _nodes[node] = process;
        _started.Add(process);
        return process;
    }

    /// <summary>The live nodes whose last printed line about the network's decider says they decide it now.</summary>
    private string[] Deciders() =>
        Nodes.Where(n => _nodes.TryGetValue(n, out var p) && !p.HasExited && NetworkDeciderSpecs.DecidingNow(p.Output, [Net]).Length == 1).ToArray();

    private async Task<string[]> Served(string name) => (await _named.QueryAsync(name, "A")).Order(StringComparer.Ordinal).ToArray();

    private async Task<int?> Claim()
    {
        var marker = (await _named.QueryAsync($"_edgemanage.{Zone}", "TXT")).SingleOrDefault();
        return marker is null ? null : int.Parse(Regex.Match(marker, @"claim=(\d+)").Groups[1].Value);
    }

    private string Diagnostics() =>
        string.Join("\n", _started.Select(n => n.Output)) + "\n--- named\n" + string.Join('\n', _named.Output.Split('\n').TakeLast(30)) + "\n" +
        string.Join("\n", Nodes.Select(n => _dir.File($"edgemanage-{n}.log")).Where(File.Exists)
            .SelectMany(log => File.ReadLines(log).Where(l => l.Contains("zone", StringComparison.OrdinalIgnoreCase) || l.Contains("ERROR", StringComparison.Ordinal))
                .TakeLast(30).Select(l => $"[{Path.GetFileName(log)}] {l}")));

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

    [NamedFact]
    public async Task Three_nodes_with_their_own_directories_publish_through_one_primary_and_keep_answering_through_kill_9_of_the_decider()
    {
        await Surely(StartNode("a").WaitForOutputAsync("serving", Within));
        StartNode("b");
        StartNode("c");
        // b and c joined (a killed before they are members would leave them no cluster to join), and the decider
        // hears all three vantages, so the two survivors of a kill are a majority that keeps the cluster.
        foreach (var node in new[] { "b", "c" }) await Surely(_nodes[node].WaitForOutputAsync("joined the cluster as", Within));
        await Surely(Eventually.True(() => Deciders() is [var first] && _nodes[first].Output.Contains($"{Net}: vantages voting: a b c", StringComparison.Ordinal),
            Within, "one decider hearing all three vantages"));

        // One decider, and the primary answers its decision at the apex and at www.
        string[] answer = [];
        await Surely(Eventually.True(async () => Deciders().Length == 1 && (answer = await Served(Zone)).Length == 2
                                                 && Enumerable.SequenceEqual(answer, await Served("www." + Zone)), Within, "the decided set served by the primary"));
        var decider = Deciders()[0];
        var claim = await Claim();
        var serial = await _named.SerialAsync(Zone);
        Assert.True(claim is not null, Diagnostics());
        // Each node has its own named_dir, and none of them holds a zone: the primary is the only copy.
        foreach (var node in Nodes) Assert.Empty(Directory.GetFiles(_dir.Dir($"named-{node}")));

        // dig, all through the takeover: every answer is two edges of the fleet (never empty, never a partial UPDATE).
        var wrong = new ConcurrentQueue<string>();
        using var stopWatching = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            while (!stopWatching.IsCancellationRequested)
            {
                var apex = await Served(Zone);
                if (apex.Length != 2 || apex.Except(FleetEdges).Any()) wrong.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {Zone} A: {string.Join(' ', apex)}");
                await Task.Delay(100);
            }
        });

        await _nodes[decider].KillAsync();
        var survivors = Nodes.Where(n => n != decider).ToArray();
        await Surely(Eventually.True(() => Deciders() is [var d] && survivors.Contains(d), TimeSpan.FromSeconds(90),
            $"a survivor of {decider}'s kill deciding {Net}"));
        var successor = Deciders()[0];

        // A change in the fleet: a served edge refuses, and the new decider publishes the replacement through the primary.
        var victim = answer[0];
        _fleet.Set(victim, EdgeBehaviour.Refuse());
        string[] after = [];
        await Surely(Eventually.True(async () => (after = await Served(Zone)).Length == 2 && !after.Contains(victim, StringComparer.Ordinal)
                                                 && Enumerable.SequenceEqual(after, await Served("www." + Zone)), Within,
            $"{successor} publishing the replacement of {victim}"));
        // The new decider's first UPDATE claimed the zone anew, and it was the only UPDATE since the kill: the takeover
        // sent none of its own (no serial bump, no churn), only the change of the fleet.
        Assert.True(await Claim() == claim + 1, $"claim {claim} -> {await Claim()}\n{Diagnostics()}");
        Assert.True(await _named.SerialAsync(Zone) == serial + 1, $"serial {serial} -> {await _named.SerialAsync(Zone)}\n{Diagnostics()}");
        Assert.Equal(["127.0.0.1"], await _named.QueryAsync($"ns1.{Zone}", "A"));

        stopWatching.Cancel();
        await watcher;
        Assert.True(wrong.IsEmpty, $"dig answered wrongly during the takeover:\n{string.Join('\n', wrong)}\n{Diagnostics()}");
        foreach (var node in survivors) Assert.Empty(Directory.GetFiles(_dir.Dir($"named-{node}")));
    }
}
