using System.Text.Json;
using Edgemanage.Fleet;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Commands;
using Edgemanage.Node.Hosting;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Cli;

/// <summary>
/// <c>edgemanage run</c> and <c>query</c> as an operator runs them: real processes, real HTTP over loopback
/// to a fleet that misbehaves on purpose, a real SQLite journal.
/// </summary>
public sealed class RunCommandSpecs : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private TestFleet _fleet = null!;
    private string _config = null!;

    private static readonly (string Edge, EdgeBehaviour Behaviour, string Outcome)[] Edges =
    [
        ("127.0.0.2", EdgeBehaviour.Ok(), "ok"),
        ("127.0.0.3", EdgeBehaviour.Delay(TimeSpan.FromMilliseconds(1200)), "ok"),
        ("127.0.0.4", EdgeBehaviour.Status(500), "http-status"),
        ("127.0.0.5", EdgeBehaviour.WrongBody(), "checksum"),
        ("127.0.0.6", EdgeBehaviour.Refuse(), "refused"),
        ("127.0.0.7", EdgeBehaviour.Hang(), "timeout"),
        ("127.0.0.8", EdgeBehaviour.Reset(), "reset"),
    ];

    public async Task InitializeAsync()
    {
        _fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = Edges.Select(e => e.Edge).ToArray() });
        foreach (var (edge, behaviour, _) in Edges) _fleet.Set(edge, behaviour);
        _config = DemoWorkspace.Write(_dir.Path, "testnet", _fleet.Port, _fleet.Body, Edges.Select(e => e.Edge).ToArray(),
            // goodenough 1.0 s: a healthy edge's probe from a process started while the whole suite starts up on two
            // cores once took over 0.5 s (CI), and this spec is about what is recorded, not about load.
            extraYaml: "probe_timeout: 2\n", goodEnough: 1.0);
    }

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        _dir.Dispose();
    }

    private string Journal => Path.Combine(_dir.Path, "state", "edgemanage-testnet.journal.db");

    private static Dictionary<string, JsonElement> ParseJsonLines(string stdout) =>
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .ToDictionary(e => e.GetProperty("edge").GetString()!);

    [Fact]
    public async Task Records_every_outcome_and_the_history_survives_a_process_restart()
    {
        var first = await EdgemanageProcess.RunAsync("run", "-A", "testnet", "-c", _config);
        // Only 2 of the 7 edges are usable and edge_count is 4: they are published, and the round says it is degraded.
        Assert.True(first.ExitCode == ExitCodes.Degraded, first.ToString());
        Assert.Contains("live 127.0.0.2 127.0.0.3 (2 of edge_count 4; +127.0.0.2 +127.0.0.3) [DEGRADED]", first.Stdout);

        // the slow edge becomes fast between the two processes
        _fleet.Set("127.0.0.3", EdgeBehaviour.Ok());
        var second = await EdgemanageProcess.RunAsync("run", "-A", "testnet", "-c", _config);
        Assert.True(second.ExitCode == ExitCodes.Degraded, second.ToString());

        var query = await EdgemanageProcess.RunAsync("query", "-A", "testnet", "-c", _config, "-f", "json", "-v");
        Assert.True(query.ExitCode == ExitCodes.Ok, query.ToString());
        var rows = ParseJsonLines(query.Stdout);
        Assert.Equal(Edges.Select(e => e.Edge), rows.Keys);
        foreach (var (edge, _, outcome) in Edges)
        {
            // On failure, show both runs' tables: they say which outcome each probe had and why.
            var context = $"{edge}: {rows[edge]}\n{first}\n{second}";
            Assert.True(outcome == rows[edge].GetProperty("last_outcome").GetString(), context);
            Assert.True(2 == rows[edge].GetProperty("samples").GetInt32(), context);
        }
        // failures are stored as the timeout value, as the original stores FETCH_TIMEOUT
        Assert.Equal(2.0, rows["127.0.0.7"].GetProperty("last_time").GetDouble());
        Assert.Equal("fail", rows["127.0.0.4"].GetProperty("health").GetString());
        Assert.Equal("pass_threshold", rows["127.0.0.2"].GetProperty("health").GetString());
        // 127.0.0.3 took 1.2 s, then was fast: pass_threshold now, and its average remembers the slow probe
        Assert.Equal("pass_threshold", rows["127.0.0.3"].GetProperty("health").GetString());
        Assert.InRange(rows["127.0.0.3"].GetProperty("average").GetDouble(), 0.6, 1.9);
    }

    [Fact]
    public async Task A_dry_run_probes_but_records_nothing()
    {
        var dry = await EdgemanageProcess.RunInProcessAsync("run", "-A", "testnet", "-c", _config, "-n");
        Assert.True(dry.ExitCode == ExitCodes.Degraded, dry.ToString());
        Assert.Contains("dry run", dry.Stdout);
        Assert.True(_fleet.RequestCount("127.0.0.2") >= 1);

        var query = await EdgemanageProcess.RunInProcessAsync("query", "-A", "testnet", "-c", _config, "-f", "json");
        Assert.All(ParseJsonLines(query.Stdout).Values, row => Assert.Equal(0, row.GetProperty("samples").GetInt32()));
    }

    [Fact]
    public async Task A_broken_config_is_reported_with_its_line_and_nothing_is_probed_or_written()
    {
        var text = File.ReadAllText(_config).Replace("edge_count: 4", "edge_count: four").Replace("goodenough: 1", "goodenough: fast");
        File.WriteAllText(_config, text);
        var lines = text.Split('\n');
        var edgeCountLine = Array.FindIndex(lines, l => l.StartsWith("edge_count:", StringComparison.Ordinal)) + 1;
        var goodEnoughLine = Array.FindIndex(lines, l => l.StartsWith("goodenough:", StringComparison.Ordinal)) + 1;

        var result = await EdgemanageProcess.RunInProcessAsync("run", "-A", "testnet", "-c", _config);

        Assert.Equal(ExitCodes.UsageOrConfig, result.ExitCode);
        Assert.Contains($"{_config}:{edgeCountLine}:", result.Stderr);
        Assert.Contains($"{_config}:{goodEnoughLine}:", result.Stderr);
        Assert.Contains("nothing was probed or written", result.Stderr);
        Assert.Equal(0, _fleet.TotalRequests);
        Assert.False(File.Exists(Journal));
    }

    [Fact]
    public async Task A_bad_edge_list_line_is_reported_and_nothing_is_probed()
    {
        File.AppendAllText(Path.Combine(_dir.Path, "edges", "testnet"), "not an edge!\n");
        var result = await EdgemanageProcess.RunInProcessAsync("run", "-A", "testnet", "-c", _config);
        Assert.Equal(ExitCodes.UsageOrConfig, result.ExitCode);
        Assert.Contains(Path.Combine(_dir.Path, "edges", "testnet") + ":9:", result.Stderr);
        Assert.Equal(0, _fleet.TotalRequests);
    }

    [Fact]
    public async Task A_second_run_of_a_locked_network_says_who_holds_it()
    {
        var lockPath = Path.Combine(_dir.Path, "state", "edgemanage-testnet.lock");
        Assert.True(NetworkLock.TryAcquire(lockPath, "a test", out var held, out _));
        using (held)
        {
            var result = await EdgemanageProcess.RunAsync("run", "-A", "testnet", "-c", _config);
            Assert.Equal(ExitCodes.Locked, result.ExitCode);
            Assert.Contains($"pid {Environment.ProcessId} (a test)", result.Stderr);
        }
        Assert.Equal(0, _fleet.TotalRequests);
    }

    [Theory]
    [InlineData(new[] { "run" }, "-A DNET is required")]
    [InlineData(new[] { "run", "-A", "x", "--bogus" }, "unknown option '--bogus'")]
    [InlineData(new[] { "run", "-A" }, "needs a value")]
    [InlineData(new[] { "query", "-A", "x", "-f", "xml" }, "-f must be one of flat, csv, json")]
    [InlineData(new[] { "query", "-A", "x", "-H", "great" }, "-H must be one of allpass, pass_threshold")]
    [InlineData(new[] { "run", "-A", "../etc" }, "not usable as a file name")]
    [InlineData(new[] { "frobnicate" }, "unknown command 'frobnicate'")]
    public async Task Bad_command_lines_get_a_one_line_error_and_exit_2(string[] args, string message)
    {
        var result = await EdgemanageProcess.RunInProcessAsync(args);
        Assert.Equal(ExitCodes.UsageOrConfig, result.ExitCode);
        Assert.Contains(message, result.Stderr);
    }

    [Fact]
    public async Task Query_speaks_the_edge_query_formats()
    {
        Assert.Equal(ExitCodes.Degraded, (await EdgemanageProcess.RunInProcessAsync("run", "-A", "testnet", "-c", _config)).ExitCode);

        var flat = await EdgemanageProcess.RunInProcessAsync("query", "-A", "testnet", "-c", _config);
        Assert.Equal("127.0.0.2\t-1", flat.Stdout.Split('\n')[0]);

        var quiet = await EdgemanageProcess.RunInProcessAsync("query", "-A", "testnet", "-c", _config, "-q", "-H", "allpass");
        Assert.Equal(["127.0.0.2", "127.0.0.3"], quiet.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var csv = await EdgemanageProcess.RunInProcessAsync("query", "-A", "testnet", "-c", _config, "-f", "csv", "-v", "--header", "-H", "fail");
        var csvLines = csv.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("mode,state,health,edgename,duration,comment", csvLines[0]);
        Assert.Equal("available,out,fail,127.0.0.4,-1,", csvLines[1]);
        Assert.Equal(6, csvLines.Length);

        // state "in" = in the last published live set, as edge_query's state field
        var inState = await EdgemanageProcess.RunInProcessAsync("query", "-A", "testnet", "-c", _config, "-q", "-s", "in");
        Assert.Equal(["127.0.0.2", "127.0.0.3"], inState.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var none = await EdgemanageProcess.RunInProcessAsync("query", "-A", "testnet", "-c", _config, "--header", "-m", "force");
        Assert.Equal("", none.Stdout);

        var json = await EdgemanageProcess.RunInProcessAsync("query", "-A", "testnet", "-c", _config, "-f", "json", "-q");
        var first = JsonDocument.Parse(json.Stdout.Split('\n')[0]).RootElement;
        Assert.Equal("127.0.0.2", first.GetProperty("edge").GetString());
        Assert.False(first.TryGetProperty("time_since_state_change", out _));
        Assert.Equal("ok", first.GetProperty("last_outcome").GetString());
    }

    [Fact]
    public async Task Validate_checks_without_probing_and_names_the_broken_line()
    {
        var ok = await EdgemanageProcess.RunInProcessAsync("validate", "-c", _config, "-A", "testnet");
        Assert.True(ok.ExitCode == ExitCodes.Ok, ok.ToString());

        File.WriteAllText(Path.Combine(_dir.Path, "zones", "testnet", "bad.zone"), "@ IN SOA ns1. host. 1 2 3 4 5\n");
        var broken = await EdgemanageProcess.RunInProcessAsync("validate", "-c", _config, "-A", "testnet");
        Assert.Equal(ExitCodes.UsageOrConfig, broken.ExitCode);
        Assert.Contains(Path.Combine(_dir.Path, "zones", "testnet", "bad.zone") + ":1:", broken.Stderr);
        Assert.Equal(0, _fleet.TotalRequests);
        Assert.False(File.Exists(Journal));
    }

    [Fact]
    public async Task Sigterm_during_a_round_exits_1_and_releases_the_lock()
    {
        var result = await EdgemanageProcess.RunAsync(["run", "-A", "testnet", "-c", _config], async process =>
        {
            // The hanging edge has accepted the probe: the round is under way.
            await Eventually.True(() => _fleet.RequestCount("127.0.0.7") > 0, TimeSpan.FromSeconds(60));
            using var kill = System.Diagnostics.Process.Start("kill", ["-TERM", process.Id.ToString()]);
            await kill.WaitForExitAsync();
        });

        Assert.True(result.ExitCode == ExitCodes.Error, result.ToString());
        Assert.Contains("interrupted", result.Stderr);
        var lockPath = Path.Combine(_dir.Path, "state", "edgemanage-testnet.lock");
        Assert.True(NetworkLock.TryAcquire(lockPath, "after the run", out var again, out _));
        again!.Dispose();
    }
}
