using System.Text.Json;
using Edgemanage.Fleet;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Commands;
using Edgemanage.Node.Hosting;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Cli;

/// <summary><c>edgemanage edge mode</c> (edge_conf) as an operator uses it, read back through <c>query</c>.</summary>
public sealed class EdgeModeCommandSpecs : IDisposable
{
    private static readonly string[] Edges = ["127.0.0.2", "127.0.0.3", "127.0.0.4"];
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    // What edge_conf records as the author; computed the same way so the specs pass under sudo too.
    private static string User => Environment.GetEnvironmentVariable("SUDO_USER") is { Length: > 0 } u ? u : Environment.UserName;

    /// <summary>A workspace whose test object port only matters to the spec that runs a round.</summary>
    private string Workspace(int port = 9, byte[]? body = null) =>
        DemoWorkspace.Write(_dir.Path, "testnet", port, body ?? "object"u8.ToArray(), Edges, extraYaml: "probe_timeout: 2\n");

    private static Task<Dictionary<string, JsonElement>> QueryAsync(string config) => EdgemanageProcess.QueryRowsAsync("testnet", config);

    [Fact]
    public async Task Sets_a_mode_with_a_comment_signed_by_the_operator()
    {
        var config = Workspace();
        var set = await EdgemanageProcess.RunInProcessAsync("edge", "mode", "-A", "testnet", "-c", config, "-m", "force", "-C", "pinned for the migration", "127.0.0.3");

        Assert.True(set.ExitCode == ExitCodes.Ok, set.ToString());
        Assert.Equal("Set mode for 127.0.0.3 to force\n", set.Stdout.ReplaceLineEndings("\n"));
        var rows = await QueryAsync(config);
        Assert.Equal("force", rows["127.0.0.3"].GetProperty("mode").GetString());
        Assert.Equal($"[{User}] pinned for the migration", rows["127.0.0.3"].GetProperty("comment").GetString());
        Assert.Equal("available", rows["127.0.0.2"].GetProperty("mode").GetString());
        // the operator log gets what the original sent to syslog
        Assert.Contains($"Edge 127.0.0.3 changed mode to force with comment [{User}] pinned for the migration",
            File.ReadAllText(_dir.File("edgemanage.log")));
    }

    [Fact]
    public async Task Available_without_a_comment_clears_the_comment()
    {
        var config = Workspace();
        Assert.Equal(0, (await EdgemanageProcess.RunInProcessAsync("edge", "mode", "-A", "testnet", "-c", config, "-m", "unavailable", "-C", "broken disk", "127.0.0.2")).ExitCode);

        var back = await EdgemanageProcess.RunInProcessAsync("edge", "mode", "-A", "testnet", "-c", config, "-m", "available", "--no-syslog", "127.0.0.2");

        Assert.True(back.ExitCode == ExitCodes.Ok, back.ToString());
        var row = (await QueryAsync(config))["127.0.0.2"];
        Assert.Equal("available", row.GetProperty("mode").GetString());
        Assert.Equal("", row.GetProperty("comment").GetString());
    }

    [Theory]
    [InlineData("force")]
    [InlineData("blindforce")]
    [InlineData("unavailable")]
    public async Task Any_mode_but_available_needs_a_comment(string mode)
    {
        var config = Workspace();
        var result = await EdgemanageProcess.RunInProcessAsync("edge", "mode", "-A", "testnet", "-c", config, "-m", mode, "127.0.0.2");

        Assert.Equal(ExitCodes.UsageOrConfig, result.ExitCode);
        Assert.Contains(EdgeModeCommand.CommentRequired, result.Stderr);
        Assert.False(File.Exists(_dir.File("state/edgemanage-testnet.journal.db")));
    }

    [Theory]
    [InlineData(new[] { "edge" }, "a sub-command is required")]
    [InlineData(new[] { "edge", "moed" }, "unknown sub-command 'moed'")]
    [InlineData(new[] { "edge", "mode", "-m", "force", "-C", "x", "e1" }, "-A DNET is required")]
    [InlineData(new[] { "edge", "mode", "-A", "n", "-C", "x", "e1" }, "-m MODE is required")]
    [InlineData(new[] { "edge", "mode", "-A", "n", "-m", "gone", "e1" }, "-m must be one of available, force, blindforce, unavailable")]
    [InlineData(new[] { "edge", "mode", "-A", "n", "-m", "available" }, "EDGE is required")]
    [InlineData(new[] { "edge", "mode", "-A", "n", "-m", "available", "e1", "e2" }, "one EDGE at a time")]
    public async Task Bad_command_lines_exit_2(string[] args, string message)
    {
        var result = await EdgemanageProcess.RunInProcessAsync(args);
        Assert.Equal(ExitCodes.UsageOrConfig, result.ExitCode);
        Assert.Contains(message, result.Stderr);
    }

    [Fact]
    public async Task An_edge_not_in_the_edge_lists_is_refused_naming_the_lists()
    {
        var config = Workspace();
        var result = await EdgemanageProcess.RunInProcessAsync("edge", "mode", "-A", "testnet", "-c", config, "-m", "force", "-C", "x", "127.0.0.99");

        Assert.Equal(ExitCodes.UsageOrConfig, result.ExitCode);
        Assert.Contains("edge 127.0.0.99 is not listed in", result.Stderr);
        Assert.Contains(_dir.File("edges/testnet"), result.Stderr);
        Assert.Contains(_dir.File("extra-edges/testnet"), result.Stderr);
        Assert.False(File.Exists(_dir.File("state/edgemanage-testnet.journal.db")));
    }

    [Fact]
    public async Task A_locked_network_is_refused_naming_the_holder()
    {
        var config = Workspace();
        Assert.True(NetworkLock.TryAcquire(_dir.File("state/edgemanage-testnet.lock"), "a test", out var held, out _));
        using (held)
        {
            var result = await EdgemanageProcess.RunInProcessAsync("edge", "mode", "-A", "testnet", "-c", config, "-m", "force", "-C", "x", "127.0.0.2");
            Assert.Equal(ExitCodes.Locked, result.ExitCode);
            Assert.Contains($"pid {Environment.ProcessId} (a test)", result.Stderr);
        }
        Assert.Equal("available", (await QueryAsync(config))["127.0.0.2"].GetProperty("mode").GetString());
    }

    [Fact]
    public async Task A_mode_set_before_the_first_probe_survives_the_next_run()
    {
        await using var fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = Edges });
        fleet.Set("127.0.0.4", EdgeBehaviour.Status(500));
        var config = Workspace(fleet.Port, fleet.Body);

        var set = await EdgemanageProcess.RunInProcessAsync("edge", "mode", "-A", "testnet", "-c", config, "-m", "blindforce", "-C", "keep it in", "127.0.0.4");
        Assert.True(set.ExitCode == ExitCodes.Ok, set.ToString());
        Assert.Equal(0, fleet.TotalRequests);

        // Three edges for an edge_count of 4: degraded, and the failing blindforce edge is live anyway.
        var run = await EdgemanageProcess.RunInProcessAsync("run", "-A", "testnet", "-c", config);
        Assert.True(run.ExitCode == ExitCodes.Degraded, run.ToString());
        Assert.Contains("+127.0.0.4", run.Stdout);

        var row = (await QueryAsync(config))["127.0.0.4"];
        Assert.Equal("blindforce", row.GetProperty("mode").GetString());
        Assert.Equal($"[{User}] keep it in", row.GetProperty("comment").GetString());
        Assert.Equal("http-status", row.GetProperty("last_outcome").GetString());
        Assert.Equal(1, row.GetProperty("samples").GetInt32());
    }

    [Fact]
    public async Task A_mode_set_for_a_duration_is_in_force_until_then_and_available_after()
    {
        var config = Workspace();
        var set = await EdgemanageProcess.RunInProcessAsync("edge", "mode", "-A", "testnet", "-c", config, "-m", "unavailable", "-C", "reboot", "--for", "1h30m", "127.0.0.2");
        Assert.True(set.ExitCode == ExitCodes.Ok, set.ToString());
        Assert.Matches(@"^Set mode for 127\.0\.0\.2 to unavailable until \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\n$", set.Stdout.ReplaceLineEndings("\n"));
        var row = (await QueryAsync(config))["127.0.0.2"];
        Assert.Equal("unavailable", row.GetProperty("mode").GetString());
        var expires = row.GetProperty("mode_expires_at").GetDouble();
        Assert.InRange(expires - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 5300, 5410);

        // Set two hours ago (an injected clock) for one hour: query, on the real clock, shows it expired.
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-2));
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await EdgeModeCommand.ExecuteAsync(["-A", "testnet", "-c", config, "-m", "force", "-C", "short pin", "--for", "1h", "127.0.0.3"],
            stdout, stderr, clock);
        Assert.True(code == ExitCodes.Ok, stderr.ToString());
        var expired = (await QueryAsync(config))["127.0.0.3"];
        Assert.Equal("available", expired.GetProperty("mode").GetString());
        Assert.StartsWith($"[{User}] short pin (force expired at ", expired.GetProperty("comment").GetString());
        Assert.False(expired.TryGetProperty("mode_expires_at", out _));
    }

    [Theory]
    [InlineData("available", "1h", "available never expires")]
    [InlineData("force", "0s", "--for must be a duration")]
    [InlineData("force", "1.5h", "--for must be a duration")]
    [InlineData("force", "30m1h", "--for must be a duration")]
    [InlineData("force", "h", "--for must be a duration")]
    [InlineData("force", "", "--for must be a duration")]
    public async Task Bad_durations_exit_2(string mode, string duration, string message)
    {
        var result = await EdgemanageProcess.RunInProcessAsync("edge", "mode", "-A", "testnet", "-m", mode, "-C", "x", "--for", duration, "127.0.0.2");
        Assert.Equal(ExitCodes.UsageOrConfig, result.ExitCode);
        Assert.Contains(message, result.Stderr);
    }

    [Fact]
    public async Task The_next_run_after_an_expiry_uses_available_and_logs_the_expiry_once()
    {
        await using var fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = Edges });
        var config = Workspace(fleet.Port, fleet.Body);
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-2));
        var stderr = new StringWriter();
        Assert.Equal(ExitCodes.Ok, await EdgeModeCommand.ExecuteAsync(
            ["-A", "testnet", "-c", config, "-m", "unavailable", "-C", "maintenance", "--for", "1h", "127.0.0.4"], new StringWriter(), stderr, clock));

        // Three healthy edges for an edge_count of 4: degraded, but the expired edge is live again.
        var first = await EdgemanageProcess.RunInProcessAsync("run", "-A", "testnet", "-c", config);
        Assert.True(first.ExitCode == ExitCodes.Degraded, first.ToString());
        Assert.Contains("+127.0.0.4", first.Stdout);
        var second = await EdgemanageProcess.RunInProcessAsync("run", "-A", "testnet", "-c", config);
        Assert.True(second.ExitCode == ExitCodes.Degraded, second.ToString());

        var log = File.ReadAllText(_dir.File("edgemanage.log"));
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(log, @"Edge 127\.0\.0\.4 mode unavailable expired; now available"));
        var row = (await QueryAsync(config))["127.0.0.4"];
        Assert.Equal("available", row.GetProperty("mode").GetString());
        Assert.Equal("in", row.GetProperty("state").GetString());
    }
}
