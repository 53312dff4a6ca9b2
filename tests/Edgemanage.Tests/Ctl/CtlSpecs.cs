using System.Text.Json;
using System.Text.RegularExpressions;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Commands;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Ctl;

/// <summary>
/// Every <c>edgemanage ctl</c> command against a real <c>edgemanage serve</c> process over Akka.Remote on loopback:
/// reads, the admin secret on changes, draining an edge until it leaves the zone, the offline <c>edge mode</c> going
/// through the node, and the one-line errors (unknown command, silent node, unknown network, wrong secret).
/// </summary>
public sealed class CtlSpecs : IAsyncLifetime
{
    private const string Net = "ctlnet";
    private static readonly string[] FleetEdges = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"];
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);
    private static readonly Regex NetListOk = new(@"ctlnet\s+3/3\s+ok");

    private ServedNetwork _served = null!;

    public async Task InitializeAsync() =>
        _served = await ServedNetwork.StartAsync(Net, FleetEdges, extraYaml: "", goodEnough: 3, edgeCount: 3);

    public async Task DisposeAsync() => await _served.DisposeAsync();

    private string[] ZoneA() => _served.ZoneA();

    private Task<EdgemanageProcess.Result> Ctl(params string[] args) =>
        EdgemanageProcess.RunInProcessAsync(["ctl", "--node", _served.Address, .. args]);

    [Fact]
    public async Task Reads_show_the_node_its_network_an_edge_its_zones_and_its_actors()
    {
        var cluster = await Ctl("cluster", "show");
        Assert.True(cluster.ExitCode == 0, cluster.ToString());
        Assert.Contains("a node of its own (not clustered), serving ctlnet", cluster.Stdout);

        // Under a loaded machine a slow probe can make one decision DEGRADED; the next heals it.
        var list = await EdgemanageProcess.RunInProcessUntilAsync(r => NetListOk.IsMatch(r.Stdout), Within,
            "ctl", "--node", _served.Address, "net", "list");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Matches(NetListOk, list.Stdout);

        var show = await Ctl("net", "show", Net);
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Contains("throttle:", show.Stdout);
        Assert.Matches(@"127\.0\.0\.\d\s+yes\s+pass", show.Stdout);

        var json = await Ctl("--json", "net", "show", Net);
        using (var doc = JsonDocument.Parse(json.Stdout))
        {
            Assert.Equal(3, doc.RootElement.GetProperty("live").GetArrayLength());
            Assert.Equal("ctlnet", doc.RootElement.GetProperty("last_decision").GetProperty("network").GetString());
        }

        var live = ZoneA()[0];
        var edge = await Ctl("edge", "show", Net, live);
        Assert.True(edge.ExitCode == 0, edge.ToString());
        Assert.Contains($"edge {live} of ctlnet: LIVE", edge.Stdout);
        Assert.Matches(@"local\s+pass", edge.Stdout);

        var why = await Ctl("why", Net, live);
        Assert.True(why.ExitCode == 0, why.ToString());
        Assert.Contains($"{live} is LIVE in ctlnet", why.Stdout);

        // The offline command asks the serving node too (its newest decision, not the journal's last recorded one).
        var offlineWhy = await EdgemanageProcess.RunInProcessAsync("why", "-A", Net, "-c", _served.Config, live);
        Assert.True(offlineWhy.ExitCode == 0, offlineWhy.ToString());
        Assert.Contains($"{live} is LIVE in ctlnet", offlineWhy.Stdout);

        var whyJson = await Ctl("--json", "why", Net, live);
        using (var doc = JsonDocument.Parse(whyJson.Stdout))
        {
            Assert.True(doc.RootElement.GetProperty("live").GetBoolean());
            Assert.Contains(doc.RootElement.GetProperty("decision").GetProperty("reason").GetString(), new[] { "filled", "kept_healthy" });
            Assert.StartsWith("local ", Assert.Single(doc.RootElement.GetProperty("votes").EnumerateArray()).GetString());
        }

        var zones = await Ctl("zones", Net);
        Assert.True(zones.ExitCode == 0, zones.ToString());
        Assert.Matches(@"zones of ctlnet: serial \d+", zones.Stdout);
        Assert.Contains("example.test", zones.Stdout);

        var actors = await Ctl("actor", "hierarchy", "-d", "2");
        Assert.True(actors.ExitCode == 0, actors.ToString());
        Assert.Contains("akka://edgemanage-admin/user/admin", actors.Stdout);
        Assert.Contains("/user/edges-ctlnet", actors.Stdout);
        Assert.Contains("/user/network-ctlnet", actors.Stdout);

        // Every ctl call connects and leaves; the node's log must not call each departure a failure.
        for (var i = 0; i < 10; i++) Assert.Equal(0, (await Ctl("net", "list")).ExitCode);
        var log = File.ReadAllText(Path.Combine(_served.Dir.Path, "edgemanage.log"));
        Assert.DoesNotContain("Disassociated", log);
        Assert.DoesNotContain("Association with remote system", log);
    }

    [Fact]
    public async Task A_drained_edge_leaves_the_zone_and_changes_need_the_secret()
    {
        var victim = ZoneA()[0];

        var anonymous = await Ctl("edge", "mode", Net, victim, "unavailable", "-C", "maintenance");
        Assert.Equal(ExitCodes.Denied, anonymous.ExitCode);
        Assert.Contains("needs the admin secret", anonymous.Stderr);

        var wrongSecret = Path.Combine(_served.Dir.Path, "wrong.secret");
        File.WriteAllText(wrongSecret, "not-the-secret\n");
        var wrong = await Ctl("--secret-file", wrongSecret, "edge", "mode", Net, victim, "unavailable", "-C", "maintenance");
        Assert.Equal(ExitCodes.Denied, wrong.ExitCode);
        Assert.Contains("wrong admin secret", wrong.Stderr);

        var noComment = await Ctl("-c", _served.Config, "edge", "mode", Net, victim, "unavailable");
        Assert.Equal(ExitCodes.UsageOrConfig, noComment.ExitCode);
        Assert.Contains(EdgeModeCommand.CommentRequired, noComment.Stderr);

        var drain = await Ctl("-c", _served.Config, "edge", "mode", Net, victim, "unavailable", "-C", "maintenance", "--for", "2h");
        Assert.True(drain.ExitCode == 0, drain.ToString());
        Assert.Contains($"Set mode for {victim} to unavailable until", drain.Stdout);
        await Eventually.True(() => ZoneA().Length == 3 && !ZoneA().Contains(victim), Within, $"{victim} leaving the zone");

        var why = await EdgemanageProcess.RunInProcessUntilAsync(r => r.Stdout.Contains("is NOT live", StringComparison.Ordinal), Within,
            "ctl", "--node", _served.Address, "why", Net, victim);
        Assert.Contains($"{victim} is NOT live", why.Stdout);
        Assert.Contains("unavailable", why.Stdout);
        var edge = await Ctl("edge", "show", Net, victim);
        Assert.Matches(@"mode:\s+unavailable \(since .*, until .*, comment \[\S+\] maintenance\)", edge.Stdout);

        // The offline edge_conf-style command finds the serving node through the lock and goes through it.
        var back = await EdgemanageProcess.RunInProcessAsync("edge", "mode", "-A", Net, "-c", _served.Config, "-m", "available", victim);
        Assert.True(back.ExitCode == 0, back.ToString());
        Assert.Contains("through the node serving ctlnet", back.Stdout);
        var shown = await Ctl("--json", "edge", "show", Net, victim);
        using var doc = JsonDocument.Parse(shown.Stdout);
        Assert.Contains(doc.RootElement.GetProperty("reports").EnumerateArray(), r => r.GetProperty("mode").GetString() == "available");
    }

    [Fact]
    public async Task Mistakes_get_one_clear_line_and_an_exit_code_scripts_can_rely_on()
    {
        var unknown = await Ctl("net", "explode");
        Assert.Equal(ExitCodes.UsageOrConfig, unknown.ExitCode);
        Assert.Contains("ctl net: unknown sub-command 'explode': one of list, show", unknown.Stderr);
        Assert.Single(unknown.Stderr.Trim().Split('\n'));

        var noNetwork = await Ctl("net", "show", "nosuchnet");
        Assert.Equal(ExitCodes.NotFound, noNetwork.ExitCode);
        Assert.Contains("does not serve network 'nosuchnet' (it serves ctlnet)", noNetwork.Stderr);

        var noEdge = await Ctl("edge", "show", Net, "127.0.0.99");
        Assert.Equal(ExitCodes.NotFound, noEdge.ExitCode);

        var notClustered = await Ctl("-c", _served.Config, "cluster", "down", "127.0.0.1:1");
        Assert.Equal(ExitCodes.UsageOrConfig, notClustered.ExitCode);
        Assert.Contains("not part of a cluster", notClustered.Stderr);

        var silent = await EdgemanageProcess.RunInProcessAsync("ctl", "--node", $"127.0.0.1:{ServeProcess.FreePort()}", "--timeout", "2", "net", "list");
        Assert.Equal(ExitCodes.Unreachable, silent.ExitCode);
        Assert.Contains("nothing answers on", silent.Stderr);
        Assert.Single(silent.Stderr.Trim().Split('\n'));

        // A second node told to use the same ctl address serves without one and says why, instead of sharing the port.
        var otherDir = Path.Combine(_served.Dir.Path, "other");
        var otherConfig = DemoWorkspace.Write(otherDir, "othernet", _served.Fleet.Port, _served.Fleet.Body, FleetEdges,
            extraYaml: ServeWorkspace.SteadyServeYaml + "metrics:\n  listen: off\n", goodEnough: 3, edgeCount: 3);
        using (var stop = new CancellationTokenSource())
        {
            var output = new SharedOutput();
            var error = new SharedOutput();
            var other = Task.Run(() => Edgemanage.Node.EdgemanageCli.MainAsync(["serve", "-A", "othernet", "-c", otherConfig, "--admin", _served.Address],
                output, error, stop.Token));
            await Eventually.True(() => output.ToString().Contains("serving othernet") || other.IsCompleted, Within, "the second node serving");
            stop.Cancel();
            Assert.Equal(ExitCodes.Ok, await other);
            Assert.Contains($"edgemanage: warning: no ctl endpoint on {_served.Address}: {_served.Address} is already in use by another process; serving without it",
                error.ToString());
        }
        Assert.Contains("serving ctlnet", (await Ctl("cluster", "show")).Stdout.Replace("a node of its own (not clustered), ", ""));

        // Something listens but is not an edgemanage node: it accepts and never answers.
        using var mute = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        mute.Start();
        var accepted = new List<System.Net.Sockets.TcpClient>();
        _ = Task.Run(async () => { while (true) accepted.Add(await mute.AcceptTcpClientAsync()); });
        var notANode = await EdgemanageProcess.RunInProcessAsync("ctl", "--node", $"127.0.0.1:{((System.Net.IPEndPoint)mute.LocalEndpoint).Port}",
            "--timeout", "2", "net", "list");
        Assert.Equal(ExitCodes.Unreachable, notANode.ExitCode);
        Assert.Contains("accepted the connection but no edgemanage node answered within 2s", notANode.Stderr);
        Assert.Single(notANode.Stderr.Trim().Split('\n'));
    }
}
