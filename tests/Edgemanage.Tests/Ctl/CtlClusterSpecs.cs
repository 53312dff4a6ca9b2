using System.Text.Json;
using System.Text.RegularExpressions;
using Edgemanage.Fleet;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Commands;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Ctl;

/// <summary>ctl's cluster palette against two real <c>edgemanage serve --cluster</c> processes.</summary>
[Collection("cluster")]
public sealed class CtlClusterSpecs : IAsyncLifetime
{
    private const string Net = "ctlcluster";
    private static readonly string[] FleetEdges = ["127.0.0.2", "127.0.0.3", "127.0.0.4"];
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(90);

    private readonly TempDir _dir = new();
    private readonly List<ServeProcess> _nodes = [];
    private TestFleet _fleet = null!;

    public async Task InitializeAsync()
    {
        _fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = FleetEdges });
        var config = DemoWorkspace.Write(_dir.Path, Net, _fleet.Port, _fleet.Body, FleetEdges,
            extraYaml: ServeWorkspace.FastServeYaml +
                       "metrics:\n  listen: off\n",
            goodEnough: 0.5, edgeCount: 2);
        ServeWorkspace.WriteNodeConfigs(_dir.Path, config, "a", "b");
    }

    public async Task DisposeAsync()
    {
        foreach (var n in _nodes) await n.DisposeAsync();
        await _fleet.DisposeAsync();
        _dir.Dispose();
    }

    private string NodeConfig(string node) => ServeWorkspace.NodeConfig(_dir.Path, node);

    private async Task<(ServeProcess Process, string Ctl)> StartNode(string node, int port, int[] seeds, string roles)
    {
        List<string> args = ["-A", Net, "-c", NodeConfig(node), "--port", port.ToString(), "--vantage", node, "--roles", roles, "--admin", "127.0.0.1:0"];
        foreach (var seed in seeds) args.AddRange(["--seed", $"127.0.0.1:{seed}"]);
        var process = ServeProcess.Start(node, args.ToArray());
        _nodes.Add(process);
        await process.WaitForOutputAsync("ctl endpoint on ", Within);
        return (process, Regex.Match(process.Output, @"ctl endpoint on (\S+)").Groups[1].Value);
    }

    [Fact]
    public async Task Cluster_show_lists_the_members_and_leave_takes_one_out_gracefully()
    {
        var portA = ServeProcess.FreePort();
        var portB = ServeProcess.FreePort();
        var (a, ctlA) = await StartNode("a", portA, [portA, portB], "vantage,decider");
        await a.WaitForOutputAsync("serving ctlcluster", Within);
        var (b, ctlB) = await StartNode("b", portB, [portA, portB], "vantage");
        await b.WaitForOutputAsync("serving ctlcluster", Within);

        JsonElement[] Members(EdgemanageProcess.Result r) =>
            JsonDocument.Parse(r.Stdout).RootElement.GetProperty("members").EnumerateArray().ToArray();
        EdgemanageProcess.Result show = null!;
        await Eventually.True(async () =>
        {
            show = await EdgemanageProcess.RunInProcessAsync("ctl", "--node", ctlA, "--json", "cluster", "show");
            return show.ExitCode == 0 && Members(show).Count(m => m.GetProperty("status").GetString() == "Up") == 2;
        }, Within, "two members up");
        var self = Members(show).Single(m => m.GetProperty("self").GetBoolean());
        Assert.EndsWith($":{portA}", self.GetProperty("address").GetString());

        // a is the only decider: sharding places the network's decider there (once a node's first message asks for
        // it), and every node's ctl says so.
        var deciderA = $"akka.tcp://edgemanage@127.0.0.1:{portA}";
        EdgemanageProcess.Result table = null!;
        await Eventually.True(async () =>
        {
            table = await EdgemanageProcess.RunInProcessAsync("ctl", "--node", ctlA, "cluster", "show");
            show = await EdgemanageProcess.RunInProcessAsync("ctl", "--node", ctlA, "--json", "cluster", "show");
            return table.Stdout.Contains($"{Net} is decided by {deciderA}", StringComparison.Ordinal)
                   && JsonDocument.Parse(show.Stdout).RootElement.GetProperty("deciders").EnumerateArray()
                       .Any(d => d.GetProperty("address").GetString() == deciderA);
        }, Within, "the decider placed on a");
        Assert.Matches($@"\*\s+akka\.tcp://edgemanage@127\.0\.0\.1:{portA}\s+Up\s+yes", table.Stdout);
        Assert.Contains("2 members, 2 up", table.Stdout);
        Assert.Matches($@"\*\s+akka\.tcp://edgemanage@127\.0\.0\.1:{portA}\s+Up\s+yes\s+(leader\s+)?decider,vantage\s+{Net}", table.Stdout);
        var deciders = JsonDocument.Parse(show.Stdout).RootElement.GetProperty("deciders").EnumerateArray().ToArray();
        Assert.Equal(deciderA, Assert.Single(deciders).GetProperty("address").GetString());

        // b only probes; the network's decider (a singleton on a) answers b's ctl through the proxy, with both vantages.
        await Eventually.True(async () =>
        {
            var edge = await EdgemanageProcess.RunInProcessAsync("ctl", "--node", ctlB, "--json", "edge", "show", Net, FleetEdges[0]);
            return edge.ExitCode == 0 && JsonDocument.Parse(edge.Stdout).RootElement.GetProperty("reports").EnumerateArray()
                .Select(r => r.GetProperty("vantage").GetString()).Order().SequenceEqual(["a", "b"]);
        }, Within, "both vantages' reports of one edge through b");
        // The reports can reach the decider before its first decision: ask until there is one.
        await Eventually.True(async () =>
        {
            var net = await EdgemanageProcess.RunInProcessAsync("ctl", "--node", ctlB, "net", "show", Net);
            return net.ExitCode == 0 && System.Text.RegularExpressions.Regex.IsMatch(net.Stdout, @"live:\s+127\.0\.0\.\d+ 127\.0\.0\.\d+ \(2 of edge_count 2\)");
        }, Within, "net show through b with the live set");

        // b's placement cache is refreshed every second or so: ask until it names a.
        EdgemanageProcess.Result list = null!;
        await Eventually.True(async () =>
        {
            list = await EdgemanageProcess.RunInProcessAsync("ctl", "--node", ctlB, "net", "list");
            return list.ExitCode == 0 && Regex.IsMatch(list.Stdout, $@"DECIDER[\s\S]*{Net}\s.*{Regex.Escape(deciderA)}");
        }, Within, "net list through b naming a as the decider");

        var stranger = await EdgemanageProcess.RunInProcessAsync("ctl", "--node", ctlA, "-c", NodeConfig("a"), "cluster", "leave", "127.0.0.1:1");
        Assert.Equal(ExitCodes.NotFound, stranger.ExitCode);

        var leave = await EdgemanageProcess.RunInProcessAsync("ctl", "--node", ctlA, "-c", NodeConfig("a"), "cluster", "leave", $"127.0.0.1:{portB}");
        Assert.True(leave.ExitCode == 0, leave.ToString());
        Assert.Contains($"asked akka.tcp://edgemanage@127.0.0.1:{portB} to leave", leave.Stdout);
        await b.WaitForOutputAsync("this node left the cluster; stopped", Within);
        await Eventually.True(async () =>
        {
            var now = await EdgemanageProcess.RunInProcessAsync("ctl", "--node", ctlA, "--json", "cluster", "show");
            return now.ExitCode == 0 && Members(now).Length == 1;
        }, Within, "one member left");
        var bExit = await b.StopAsync();
        Assert.True(bExit == 0, $"b exited {bExit}:\n{b.Output}");
        Assert.Equal(0, await a.StopAsync());
    }
}
