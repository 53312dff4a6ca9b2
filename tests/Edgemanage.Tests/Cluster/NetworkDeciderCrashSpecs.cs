using Edgemanage.Fleet;
using Edgemanage.Node.Commands;
using Edgemanage.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Edgemanage.Tests.Cluster;

/// <summary>
/// Three <c>edgemanage serve</c> processes, three networks, two deciders: the decider hosting two networks is killed
/// (SIGKILL, no hand-over); once the split-brain resolver downs it, both of its networks are decided by the other
/// decider, which acts on a fleet change with a higher serial.
/// </summary>
[Collection("cluster")]
public sealed class NetworkDeciderCrashSpecs(ITestOutputHelper testOutput) : IAsyncLifetime
{
    private static readonly string[] Networks = ["alpha", "bravo", "charlie"];
    private static readonly string[] FleetEdges = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"];
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(90);

    private readonly TempDir _dir = new();
    private readonly List<ServeProcess> _nodes = [];
    private readonly int[] _ports = [ServeProcess.FreePort(), ServeProcess.FreePort(), ServeProcess.FreePort()];
    private TestFleet _fleet = null!;

    public async Task InitializeAsync()
    {
        _fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = FleetEdges });
        var config = "";
        foreach (var network in Networks)
        {
            config = DemoWorkspace.Write(_dir.Path, network, _fleet.Port, _fleet.Body, FleetEdges,
                extraYaml: ServeWorkspace.FastServeYaml, goodEnough: 0.5, edgeCount: 2);
            File.Move(Path.Combine(_dir.Path, "zones", network, "example.test.zone"), Path.Combine(_dir.Path, "zones", network, $"{network}.test.zone"));
        }
        ServeWorkspace.WriteNodeConfigs(_dir.Path, config, "a", "b", "c");
    }

    public async Task DisposeAsync()
    {
        foreach (var n in _nodes) await n.DisposeAsync();
        await _fleet.DisposeAsync();
        _dir.Dispose();
    }

    private string Zone(string network) => Path.Combine(_dir.Path, "named", $"{network}.test.zone");

    private static uint Serial(string zoneText) => uint.Parse(zoneText.Split('\n')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries)[6]);

    private string Diagnostics() => string.Join("\n", _nodes.Select(n => n.Output));

    private ServeProcess StartNode(string node, string roles)
    {
        List<string> args = ["-c", ServeWorkspace.NodeConfig(_dir.Path, node), "--port", _ports[node[0] - 'a'].ToString(), "--vantage", node,
            "--roles", roles, "--admin", "off", "--metrics-listen", "off"];
        foreach (var seed in _ports) args.AddRange(["--seed", $"127.0.0.1:{seed}"]);
        var process = ServeProcess.Start(node, args.ToArray());
        _nodes.Add(process);
        return process;
    }

    [Fact]
    public async Task Killing_the_decider_of_two_networks_moves_both_to_the_other_decider()
    {
        var a = StartNode("a", "vantage");
        await a.WaitForOutputAsync("serving charlie", Within);
        var b = StartNode("b", "vantage,decider");
        var c = StartNode("c", "vantage,decider");
        await b.WaitForOutputAsync("serving charlie", Within);
        await c.WaitForOutputAsync("serving charlie", Within);
        await Eventually.True(() => Networks.All(n => ZoneRecords.ApexA(Zone(n)).Length == 2), Within, "every network's zone")
            .ContinueWith(t => { if (t.IsFaulted) throw new InvalidOperationException(Diagnostics(), t.Exception); });

        // Three networks on two deciders: two on one, one on the other; a (no decider role) decides none.
        ServeProcess[] deciders = [b, c];
        await Eventually.True(() => Networks.All(n => deciders.Count(d => NetworkDeciderSpecs.DecidingNow(d.Output, Networks).Contains(n)) == 1)
                                    && deciders.Any(d => NetworkDeciderSpecs.DecidingNow(d.Output, Networks).Length == 2),
            Within, "two networks on one decider, one on the other")
            .ContinueWith(t => { if (t.IsFaulted) throw new InvalidOperationException(Diagnostics(), t.Exception); });
        Assert.Empty(NetworkDeciderSpecs.DecidingNow(a.Output, Networks));
        var victim = deciders.Single(d => NetworkDeciderSpecs.DecidingNow(d.Output, Networks).Length == 2);
        var survivor = deciders.Single(d => d != victim);
        var moving = NetworkDeciderSpecs.DecidingNow(victim.Output, Networks);
        var before = moving.ToDictionary(n => n, n => File.ReadAllText(Zone(n)));

        var killed = DateTime.UtcNow;
        await victim.KillAsync();
        // A live edge of the first moving network starts refusing everyone: its new decider must replace it.
        var edge = ZoneRecords.ApexA(Zone(moving[0]))[0];
        _fleet.Set(edge, EdgeBehaviour.Refuse());
        await Eventually.True(() => moving.All(n => NetworkDeciderSpecs.DecidingNow(survivor.Output, Networks).Contains(n)), Within,
            "the survivor deciding both networks").ContinueWith(t => { if (t.IsFaulted) throw new InvalidOperationException(Diagnostics(), t.Exception); });
        var takenOver = DateTime.UtcNow;
        await Eventually.True(() => moving.All(n => !ZoneRecords.ApexA(Zone(n)).Contains(edge) && ZoneRecords.ApexA(Zone(n)).Length == 2), Within,
            $"{edge} leaving the moved networks' zones").ContinueWith(t => { if (t.IsFaulted) throw new InvalidOperationException(Diagnostics(), t.Exception); });
        testOutput.WriteLine($"SIGKILL to both networks decided by the survivor: {(takenOver - killed).TotalSeconds:0.0} s; " +
                             $"to {edge} out of both zones: {(DateTime.UtcNow - killed).TotalSeconds:0.0} s");
        Assert.True(Serial(File.ReadAllText(Zone(moving[0]))) > Serial(before[moving[0]]));
        foreach (var n in moving.Where(n => before[n].Contains(edge, StringComparison.Ordinal)))
            Assert.True(Serial(File.ReadAllText(Zone(n))) > Serial(before[n]), $"{n}'s serial went backwards or stayed");

        Assert.Equal(0, await a.StopAsync());
        Assert.Equal(0, await survivor.StopAsync());
    }
}
