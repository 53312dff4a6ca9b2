using System.Globalization;
using System.Text.Json;
using Edgemanage.Fleet;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Commands;
using Edgemanage.Node.Hosting;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Legacy;

/// <summary><c>edgemanage import-legacy</c> over the files an original installation leaves behind, read back with query, why and run.</summary>
public sealed class ImportLegacyCommandSpecs : IDisposable
{
    private static readonly string[] Edges = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"];
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Workspace(int port = 9, byte[]? body = null) =>
        DemoWorkspace.Write(_dir.Path, "testnet", port, body ?? "object"u8.ToArray(), Edges, extraYaml: "probe_timeout: 2\n", edgeCount: 3);

    private static string EdgeStore(string mode, string comment, string? entryTime, params (string Key, string Value)[] times) =>
        "{\n" +
        $"    \"comment\": \"{comment}\", \n" +
        "    \"fetch_times\": {\n" + string.Join(", \n", times.Select(t => $"        \"{t.Key}\": {t.Value}")) + "\n    }, \n" +
        "    \"health\": \"pass\", \n    \"historical_average\": {}, \n" +
        $"    \"mode\": \"{mode}\", \n" +
        "    \"rotation_history\": [\n        1795702611.526336\n    ], \n    \"state\": \"out\", \n" +
        $"    \"state_entry_time\": {entryTime ?? "null"}\n}}";

    /// <summary>What an original installation of testnet leaves: four health files, one stray, none for 127.0.0.6, a statefile.</summary>
    private void WriteLegacyFiles(long nowSeconds)
    {
        _dir.Write("health/127.0.0.2.edgestore", EdgeStore("unavailable", "[alice] flaky uplink", "1795702000.25",
            ("1795702611.52", "0.3"), ("1795702611.58", "10"), ("1795702611.64", "0.9")));
        foreach (var edge in new[] { "127.0.0.3", "127.0.0.4", "127.0.0.5" })
            _dir.Write($"health/{edge}.edgestore", EdgeStore("available", "", null, ("1795702611.52", "0.1"), ("1795702671.53", "0.2")));
        _dir.Write("health/127.0.0.99.edgestore", EdgeStore("available", "", null));
        _dir.Write("state/testnet.state", string.Create(CultureInfo.InvariantCulture,
            $"{{\"last_live\": [\"127.0.0.3\", \"127.0.0.4\", \"127.0.0.5\"], \"verification_failues\": [], \"zone_mtimes\": {{\"example.test\": 1795702615}}, " +
            $"\"last_run\": {nowSeconds - 60}.2, \"active_canaries\": {{}}, \"rotation_list\": [{nowSeconds - 100_000}.5, {nowSeconds - 60}.95868], \"verification_failures\": []}}"));
    }

    private static Task<Dictionary<string, JsonElement>> QueryAsync(string config) => EdgemanageProcess.QueryRowsAsync("testnet", config);

    [Fact]
    public async Task Imports_history_modes_and_the_live_set_once_and_a_run_keeps_that_live_set()
    {
        await using var fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = Edges });
        var config = Workspace(fleet.Port, fleet.Body);
        WriteLegacyFiles(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

        var first = await EdgemanageProcess.RunInProcessAsync("import-legacy", "-A", "testnet", "-c", config);

        Assert.True(first.ExitCode == ExitCodes.Ok, first.ToString());
        Assert.Contains("127.0.0.2: 3 new samples; mode unavailable", first.Stdout);
        Assert.Contains("decision: imported: live 127.0.0.3 127.0.0.4 127.0.0.5; 1 substitution inside dnschange_window", first.Stdout);
        Assert.Contains("imported: 9 new samples; 1 mode; 0 edges already up to date; decision imported", first.Stdout);
        Assert.Contains("127.0.0.6.edgestore: warning: no health file for 127.0.0.6: a previously untracked edge", first.Stderr);
        Assert.Contains("127.0.0.99.edgestore: warning: 127.0.0.99 is not in the edge lists of testnet or its canary file; ignored", first.Stderr);
        Assert.Contains("ignored in the health files (recomputed here, or never used): health, historical_average, rotation_history, state", first.Stderr);
        Assert.Contains("verification_failues", first.Stderr);
        Assert.Equal(0, fleet.TotalRequests);

        var rows = await QueryAsync(config);
        Assert.Equal("unavailable", rows["127.0.0.2"].GetProperty("mode").GetString());
        Assert.Equal("[alice] flaky uplink", rows["127.0.0.2"].GetProperty("comment").GetString());
        Assert.Equal(3.733333, rows["127.0.0.2"].GetProperty("average").GetDouble(), 5);
        Assert.Equal("ok", rows["127.0.0.2"].GetProperty("last_outcome").GetString());
        Assert.Equal(3, rows["127.0.0.2"].GetProperty("samples").GetInt32());
        Assert.Equal("out", rows["127.0.0.2"].GetProperty("state").GetString());
        Assert.Equal(0.15, rows["127.0.0.3"].GetProperty("average").GetDouble(), 5);
        Assert.Equal("in", rows["127.0.0.3"].GetProperty("state").GetString());
        Assert.Equal(0, rows["127.0.0.6"].GetProperty("samples").GetInt32());

        var why = await EdgemanageProcess.RunInProcessAsync("why", "-A", "testnet", "-c", config, "127.0.0.4");
        Assert.True(why.ExitCode == ExitCodes.Ok, why.ToString());
        Assert.Contains("127.0.0.4 is LIVE in testnet", why.Stdout);
        Assert.Contains("reason: imported: imported from legacy statefile " + _dir.File("state/testnet.state"), why.Stdout);

        // Safe to run twice: nothing new, and the decision is not recorded again.
        var second = await EdgemanageProcess.RunInProcessAsync("import-legacy", "-A", "testnet", "-c", config);
        Assert.True(second.ExitCode == ExitCodes.Ok, second.ToString());
        Assert.Contains("imported: 0 new samples; 0 modes; 4 edges already up to date; decision not imported: the journal already has one", second.Stdout);
        Assert.Contains("a recorded decision is never overwritten", second.Stdout);
        Assert.Equal(3, (await QueryAsync(config))["127.0.0.2"].GetProperty("samples").GetInt32());

        // The next cron run starts from the imported live set and keeps it while it is healthy (keep rule).
        var run = await EdgemanageProcess.RunInProcessAsync("run", "-A", "testnet", "-c", config);
        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        var after = await QueryAsync(config);
        Assert.Equal(["127.0.0.3", "127.0.0.4", "127.0.0.5"], after.Values.Where(r => r.GetProperty("state").GetString() == "in")
            .Select(r => r.GetProperty("edge").GetString()).Order());
        Assert.Equal(3, after["127.0.0.3"].GetProperty("samples").GetInt32());
        var kept = await EdgemanageProcess.RunInProcessAsync("why", "-A", "testnet", "-c", config, "127.0.0.3");
        Assert.Contains("reason: kept", kept.Stdout);
    }

    [Fact]
    public async Task A_dry_run_says_what_it_would_import_and_writes_nothing()
    {
        var config = Workspace();
        WriteLegacyFiles(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

        var dry = await EdgemanageProcess.RunInProcessAsync("import-legacy", "-A", "testnet", "-c", config, "-n");

        Assert.True(dry.ExitCode == ExitCodes.Ok, dry.ToString());
        Assert.Contains("would import: 9 new samples; 1 mode; 0 edges already up to date; decision would import (dry run: nothing was written)", dry.Stdout);
        Assert.False(File.Exists(_dir.File("state/edgemanage-testnet.journal.db")));
    }

    [Fact]
    public async Task Corrupt_files_are_reported_with_their_position_and_the_rest_is_imported()
    {
        var config = Workspace();
        WriteLegacyFiles(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        _dir.Write("health/127.0.0.3.edgestore", "{\n    \"comment\": \"\", \n    \"fetch_times\": {\n        \"1795702611.52\": 0.3, ");
        _dir.Write("health/127.0.0.4.edgestore", "{\"fetch_times\": [0.3], \"mode\": \"force\", \"comment\": \"[bob] pinned\", \"state_entry_time\": 1795702000}");
        _dir.Write("health/127.0.0.6.edgestore", "");

        var result = await EdgemanageProcess.RunInProcessAsync("import-legacy", "-A", "testnet", "-c", config);

        Assert.True(result.ExitCode == ExitCodes.Degraded, result.ToString());
        Assert.Matches(@"127\.0\.0\.3\.edgestore:4:\d+: error: not valid JSON", result.Stderr);
        Assert.Contains("127.0.0.4.edgestore: error: fetch_times must be an object of time: seconds, got a list", result.Stderr);
        Assert.Contains("127.0.0.6.edgestore: warning: empty file", result.Stderr);
        Assert.Contains("2 files could not be read completely (see above); the rest was imported", result.Stderr);
        var rows = await QueryAsync(config);
        Assert.Equal(0, rows["127.0.0.3"].GetProperty("samples").GetInt32());
        Assert.Equal("force", rows["127.0.0.4"].GetProperty("mode").GetString());
        Assert.Equal(2, rows["127.0.0.5"].GetProperty("samples").GetInt32());
        Assert.Equal("in", rows["127.0.0.5"].GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_locked_network_is_refused_naming_the_holder_and_nothing_is_imported()
    {
        var config = Workspace();
        WriteLegacyFiles(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Assert.True(NetworkLock.TryAcquire(_dir.File("state/edgemanage-testnet.lock"), "edgemanage serve -A testnet", out var held, out _));
        using (held)
        {
            var result = await EdgemanageProcess.RunInProcessAsync("import-legacy", "-A", "testnet", "-c", config);
            Assert.Equal(ExitCodes.Locked, result.ExitCode);
            Assert.Contains($"pid {Environment.ProcessId} (edgemanage serve -A testnet)", result.Stderr);
            Assert.Contains("nothing was imported", result.Stderr);
        }
        Assert.False(File.Exists(_dir.File("state/edgemanage-testnet.journal.db")));
    }

    [Theory]
    [InlineData(new[] { "import-legacy", "-c", "x.yaml" }, "-A DNET is required")]
    [InlineData(new[] { "import-legacy", "-A", "n", "stray" }, "unexpected argument 'stray'")]
    [InlineData(new[] { "import-legacy", "-A", "n", "--bogus" }, "unknown option '--bogus'")]
    public async Task Bad_command_lines_exit_2(string[] args, string message)
    {
        var result = await EdgemanageProcess.RunInProcessAsync(args);
        Assert.Equal(ExitCodes.UsageOrConfig, result.ExitCode);
        Assert.Contains(message, result.Stderr);
    }

    [Fact]
    public async Task A_missing_healthdata_directory_given_on_the_command_line_exits_2()
    {
        var config = Workspace();
        var result = await EdgemanageProcess.RunInProcessAsync("import-legacy", "-A", "testnet", "-c", config, "--healthdata", _dir.File("nope"));
        Assert.Equal(ExitCodes.UsageOrConfig, result.ExitCode);
        Assert.Contains("is not a directory", result.Stderr);
    }
}
