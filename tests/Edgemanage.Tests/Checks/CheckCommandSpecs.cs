using Edgemanage.Fleet;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Commands;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Checks;

/// <summary>
/// <c>edgemanage check …</c> as Nagios runs it, after real <c>run</c> rounds against the loopback fleet: the status
/// line and the exit code, read from the journal the rounds wrote.
/// </summary>
public sealed class CheckCommandSpecs : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private TestFleet _fleet = null!;
    private string _config = null!;

    // edge_count 3: round 1 publishes .2 .3 .6; .4 serves the wrong object, .5 and .7 refuse.
    private static readonly (string Edge, EdgeBehaviour Behaviour)[] Edges =
    [
        ("127.0.0.2", EdgeBehaviour.Ok()),
        ("127.0.0.3", EdgeBehaviour.Delay(TimeSpan.FromMilliseconds(600))),
        ("127.0.0.4", EdgeBehaviour.WrongBody()),
        ("127.0.0.5", EdgeBehaviour.Refuse()),
        ("127.0.0.6", EdgeBehaviour.Ok()),
        ("127.0.0.7", EdgeBehaviour.Refuse()),
    ];

    /// <summary>Not in the edge list; a canary only in <see cref="A_canary_serving_the_wrong_object_fails_integrity_too"/>.</summary>
    private const string Canary = "127.0.0.8";

    public async Task InitializeAsync()
    {
        _fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = [.. Edges.Select(e => e.Edge), Canary] });
        foreach (var (edge, behaviour) in Edges) _fleet.Set(edge, behaviour);
        _fleet.Set(Canary, EdgeBehaviour.WrongBody());
        _config = DemoWorkspace.Write(_dir.Path, "testnet", _fleet.Port, _fleet.Body, Edges.Select(e => e.Edge).ToArray(),
            extraYaml: "probe_timeout: 2\nzone_check_command: false\n", goodEnough: 0.5, edgeCount: 3);
    }

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        _dir.Dispose();
    }

    private string Journal => Path.Combine(_dir.Path, "state", "edgemanage-testnet.journal.db");

    private static Task<EdgemanageProcess.Result> Check(params string[] args) =>
        EdgemanageProcess.RunInProcessAsync(["check", .. args]);

    private async Task Round()
    {
        var run = await EdgemanageProcess.RunInProcessAsync("run", "-A", "testnet", "-c", _config);
        Assert.True(run.ExitCode is ExitCodes.Ok or ExitCodes.Degraded, run.ToString());
    }

    private static void AssertStatus(EdgemanageProcess.Result r, int exit, string startsWith)
    {
        Assert.True(r.ExitCode == exit, r.ToString());
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"one status line expected\n{r}");
        Assert.True(lines[0].StartsWith(startsWith, StringComparison.Ordinal), r.ToString());
    }

    [Fact]
    public async Task After_a_round_each_check_reports_what_the_fleet_did()
    {
        await Round();

        var integrity = await Check("integrity", "-A", "testnet", "-c", _config);
        AssertStatus(integrity, 2, "EDGE_TESTMATCH CRITICAL Verification failures on 1 of 6 edges: 127.0.0.4");
        Assert.EndsWith("| notok=1;1;1;0", integrity.Stdout.TrimEnd());

        // the slow live edge, named (the original named the last edge it iterated)
        var latency = await Check("latency", "-A", "testnet", "-c", _config, "-w", "0.3", "--critical", "5");
        AssertStatus(latency, 1, "ACTIVE_EDGE_LATENCY WARNING Slowest active edge 127.0.0.3 responded in 0.");
        Assert.Contains(";0.3;5;0", latency.Stdout);

        // every edge: the failures count as probe_timeout (2 s); the checksum failure comes first by name
        var all = await Check("latency", "-A", "testnet", "-c", _config, "-a", "-w", "0.3", "-C", "1.5");
        AssertStatus(all, 2, "ACTIVE_EDGE_LATENCY CRITICAL Slowest edge 127.0.0.4 failed its last probe (checksum), counted as 2.000 s");

        var rotation = await Check("rotation", "-A", "testnet", "-c", _config);
        AssertStatus(rotation, 0, "EDGE_ROTATE OK 0 substitutions in the last 600 s; dnschange_maxfreq 10 per 600 s, 10 left | frequency=0;4;8;0");
    }

    [Fact]
    public async Task Rotation_counts_a_substitution_and_honours_the_thresholds()
    {
        await Round();
        _fleet.Set("127.0.0.6", EdgeBehaviour.Refuse());
        _fleet.Set("127.0.0.7", EdgeBehaviour.Ok());
        await Round();   // the failing live .6 is replaced by .7

        var warn = await Check("rotation", "-A", "testnet", "-c", _config, "-w", "1", "--critical", "2");
        AssertStatus(warn, 1, "EDGE_ROTATE WARNING 1 substitution in the last 600 s; dnschange_maxfreq 10 per 600 s, 9 left | frequency=1;1;2;0");

        var longer = await Check("rotation", "-A", "testnet", "-c", _config, "--window", "3600");
        AssertStatus(longer, 0, "EDGE_ROTATE OK 1 substitution in the last 600 s (asked for 3600 s, but only dnschange_window = 600 s is kept)");

        // the edge that now fails is live no more: latency is about the live set
        var latency = await Check("latency", "-A", "testnet", "-c", _config, "-w", "1", "-C", "3");
        AssertStatus(latency, 0, "ACTIVE_EDGE_LATENCY OK Slowest active edge 127.0.0.3 responded in 0.");
    }

    [Fact]
    public async Task A_canary_serving_the_wrong_object_fails_integrity_too()
    {
        File.WriteAllText(_config, File.ReadAllText(_config) + "canary_files: canaries.yaml\n");
        File.WriteAllText(Path.Combine(_dir.Path, "canaries.yaml"), $"example.test: {Canary}\n");
        await Round();

        var r = await Check("integrity", "-A", "testnet", "-c", _config, "-w", "1", "--critical", "3");
        AssertStatus(r, 1, $"EDGE_TESTMATCH WARNING Verification failures on 2 of 7 edges: 127.0.0.4, {Canary} | notok=2;1;3;0");
    }

    [Fact]
    public async Task While_serve_holds_the_network_the_checks_ask_the_node()
    {
        var dir = Path.Combine(_dir.Path, "serve");
        var config = DemoWorkspace.Write(dir, "servenet", _fleet.Port, _fleet.Body, Edges.Select(e => e.Edge).ToArray(),
            extraYaml: ServeWorkspace.SteadyServeYaml, // no healthy edge timing out on a loaded machine: the substitutions counted are ours
            goodEnough: 0.5, edgeCount: 3);
        var zone = Path.Combine(dir, "named", "example.test.zone");
        string[] ZoneA() => ZoneRecords.ApexA(zone);
        var within = TimeSpan.FromSeconds(30);

        using var stop = new CancellationTokenSource();
        var output = new SharedOutput();
        var error = new SharedOutput();
        var serve = Task.Run(() => Edgemanage.Node.EdgemanageCli.MainAsync(["serve", "-A", "servenet", "-c", config, "--admin", "127.0.0.1:0"],
            output, error, stop.Token));
        try
        {
            await Eventually.True(() => ZoneA().Length == 3 || serve.IsCompleted, within, "the first zone");
            Assert.Contains("ctl endpoint on 127.0.0.1:", output.ToString());
            Assert.False(serve.IsCompleted, $"serve ended early: {error}");

            var integrity = await Check("integrity", "-A", "servenet", "-c", config);
            AssertStatus(integrity, 2, "EDGE_TESTMATCH CRITICAL Verification failures on 1 of 6 edges: 127.0.0.4");

            _fleet.Set("127.0.0.6", EdgeBehaviour.Refuse());
            _fleet.Set("127.0.0.7", EdgeBehaviour.Ok());
            // .7 comes in for the failing .6, or first for the slow .3 (then .3 may come back for .6): 1 or 2 substitutions.
            await Eventually.True(() => ZoneA().Contains("127.0.0.7"), within, "127.0.0.7 coming in");
            // The zone is written just before the decision is persisted: ask until the journal has it too.
            var deadline = DateTime.UtcNow + within;
            EdgemanageProcess.Result rotation;
            while (!(rotation = await Check("rotation", "-A", "servenet", "-c", config, "-w", "1", "-C", "5")).Stdout.StartsWith("EDGE_ROTATE WARNING", StringComparison.Ordinal)
                   && DateTime.UtcNow < deadline)
            {
            }
            AssertStatus(rotation, 1, "EDGE_ROTATE WARNING ");
            Assert.Matches(@"substitutions? in the last 600 s; dnschange_maxfreq 10 per 600 s, [89] left \| frequency=[12];1;5;0", rotation.Stdout);
            Assert.False(serve.IsCompleted, $"serve ended: {error}");
        }
        finally
        {
            stop.Cancel();
        }
        Assert.Equal(ExitCodes.Ok, await serve);
    }

    [Fact]
    public async Task A_stale_lock_holder_naming_a_dead_node_falls_back_to_the_journal()
    {
        await Round();
        // What a serve node killed with SIGKILL leaves behind: its holder line, naming a ctl endpoint nobody answers on.
        File.WriteAllText(Path.Combine(_dir.Path, "state", "edgemanage-testnet.lock.holder"),
            $"pid 999999 (edgemanage serve -A testnet, ctl at 127.0.0.1:{ServeProcess.FreePort()}) since 2026-11-27 07:00:00Z\n");
        var integrity = await Check("integrity", "-A", "testnet", "-c", _config);
        AssertStatus(integrity, 2, "EDGE_TESTMATCH CRITICAL Verification failures on 1 of 6 edges: 127.0.0.4");
    }

    [Fact]
    public async Task A_frozen_network_is_a_rotation_warning_that_says_why()
    {
        // One node that wants two vantages: it probes but never publishes, and says DNS is frozen.
        var dir = Path.Combine(_dir.Path, "frozen");
        var config = DemoWorkspace.Write(dir, "frozennet", _fleet.Port, _fleet.Body, Edges.Select(e => e.Edge).ToArray(),
            extraYaml: ServeWorkspace.FastServeYaml + "min_vantages: 2\n", goodEnough: 0.5, edgeCount: 3);
        using var stop = new CancellationTokenSource();
        var output = new SharedOutput();
        string Output() => output.ToString();
        var serve = Task.Run(() => Edgemanage.Node.EdgemanageCli.MainAsync(["serve", "-A", "frozennet", "-c", config, "--admin", "127.0.0.1:0"],
            output, TextWriter.Null, stop.Token));
        try
        {
            await Eventually.True(() => Output().Contains("DNS FROZEN") || serve.IsCompleted, TimeSpan.FromSeconds(30), "the freeze");
            Assert.False(serve.IsCompleted, Output());
            var rotation = await Check("rotation", "-A", "frozennet", "-c", config);
            AssertStatus(rotation, 1, "EDGE_ROTATE WARNING DNS FROZEN: only 1 of 1 vantages vote (min_vantages is 2); no decision recorded yet");
        }
        finally
        {
            stop.Cancel();
        }
        Assert.Equal(ExitCodes.Ok, await serve);
    }

    [Theory]
    [InlineData("rotation", "EDGE_ROTATE")]
    [InlineData("integrity", "EDGE_TESTMATCH")]
    [InlineData("latency", "ACTIVE_EDGE_LATENCY")]
    public async Task Without_a_journal_each_check_is_unknown_and_creates_nothing(string kind, string label)
    {
        var r = await Check(kind, "-A", "testnet", "-c", _config);
        AssertStatus(r, 3, $"{label} UNKNOWN no state yet for testnet (no journal at {Journal})");
        Assert.False(File.Exists(Journal));
        Assert.Equal(0, _fleet.TotalRequests);
    }

    [Fact]
    public async Task A_broken_config_is_unknown_and_names_the_line()
    {
        var text = File.ReadAllText(_config).Replace("edge_count: 3", "edge_count: three");
        File.WriteAllText(_config, text);
        var line = Array.FindIndex(text.Split('\n'), l => l.StartsWith("edge_count:", StringComparison.Ordinal)) + 1;

        var r = await Check("integrity", "-A", "testnet", "-c", _config);
        AssertStatus(r, 3, $"EDGE_TESTMATCH UNKNOWN configuration error: {_config}:{line}:");
    }

    [Theory]
    [InlineData("latency", new[] { "-w", "4.0", "-C", "2.0" }, "ACTIVE_EDGE_LATENCY UNKNOWN invalid thresholds: the warning level (4) is above the critical level (2)")]
    [InlineData("rotation", new[] { "-w", "many" }, "EDGE_ROTATE UNKNOWN invalid thresholds: -w/--warning must be a whole number")]
    [InlineData("integrity", new[] { "--bogus" }, "EDGE_TESTMATCH UNKNOWN check integrity: unknown option '--bogus'")]
    [InlineData("rotation", new[] { "--window", "0" }, "EDGE_ROTATE UNKNOWN check rotation: --window must be")]
    [InlineData("uptime", new string[0], "EDGEMANAGE_CHECK UNKNOWN unknown check 'uptime'")]
    public async Task Usage_errors_are_unknown_exit_3_never_critical(string kind, string[] extra, string expected)
    {
        var r = await Check([kind, "-A", "testnet", "-c", _config, .. extra]);
        AssertStatus(r, 3, expected);
    }

    [Fact]
    public async Task The_originals_dash_c_for_critical_gets_a_hint()
    {
        var r = await Check("rotation", "-A", "testnet", "-c", "8");
        AssertStatus(r, 3, "EDGE_ROTATE UNKNOWN configuration error:");
        Assert.Contains("the critical level is --critical or -C", r.Stdout);
    }

    [Fact]
    public async Task The_originals_command_line_gets_hints_not_a_crash()
    {
        AssertStatus(await Check("rotation", "/var/lib/edgemanage/mynet.state", "-w", "4"), 3,
            "EDGE_ROTATE UNKNOWN check rotation: unexpected argument '/var/lib/edgemanage/mynet.state' (the network is -A DNET; the original's statefile is --statefile FILE)");
        AssertStatus(await Check("integrity", "--statefile", "x.state", "-c", "8"), 3,
            "EDGE_TESTMATCH UNKNOWN check integrity: -c is the config file here; the critical level is --critical or -C");
        AssertStatus(await Check("latency", "--statefile", "x.state"), 3, "ACTIVE_EDGE_LATENCY UNKNOWN check latency: --statefile applies to rotation and integrity");
    }

    [Fact]
    public async Task The_originals_statefile_can_be_checked_during_a_migration()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        var statefile = _dir.Write("old.state", FormattableString.Invariant(
            $$"""{"last_live": ["10.0.0.2"], "verification_failues": [], "last_run": {{now}}, "rotation_list": [{{now - 5000}}, {{now - 30}}, {{now - 20}}, {{now - 10}}, {{now - 5}}], "verification_failures": ["10.0.0.9"]}"""));

        AssertStatus(await Check("rotation", "--statefile", statefile), 1, "EDGE_ROTATE WARNING 4 live-set changes in the last 600 s | frequency=4;4;8;0");
        AssertStatus(await Check("integrity", "--statefile", statefile), 2, "EDGE_TESTMATCH CRITICAL Verification failures on 1 edge: 10.0.0.9 | notok=1;1;1;0");

        // a statefile without the key: UNKNOWN (the original crashed with a KeyError)
        var old = _dir.Write("older.state", """{"last_live": [], "rotation_list": []}""");
        AssertStatus(await Check("integrity", "--statefile", old), 3, $"EDGE_TESTMATCH UNKNOWN statefile {old} has no 'verification_failures'");
        AssertStatus(await Check("rotation", "--statefile", _dir.File("missing.state")), 3, "EDGE_ROTATE UNKNOWN cannot read statefile");
    }
}
