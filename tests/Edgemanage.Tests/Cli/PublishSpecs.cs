using Edgemanage.Fleet;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Commands;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Cli;

/// <summary>
/// <c>edgemanage run</c> deciding and publishing, end to end in-process: a real loopback fleet, a real SQLite
/// journal, real zone files, real hook processes. Each test builds its own workspace.
/// </summary>
public sealed class PublishSpecs : IAsyncLifetime
{
    private const string Net = "pubnet";
    private static readonly string[] FleetEdges = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6", "127.0.0.7"];

    private readonly TempDir _dir = new();
    private TestFleet _fleet = null!;
    private string _config = null!;

    public async Task InitializeAsync()
    {
        _fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = FleetEdges });
        WriteWorkspace();
    }

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>The demo workspace, with <paramref name="extraYaml"/> replacing the demo's own keys of the same name.</summary>
    private void WriteWorkspace(string extraYaml = "", int edgeCount = 3, IReadOnlyList<string>? edges = null, string? commands = null)
    {
        if (!extraYaml.Contains("zone_check_command:")) extraYaml += "zone_check_command: false\n";
        _config = DemoWorkspace.Write(_dir.Path, Net, _fleet.Port, _fleet.Body, edges ?? FleetEdges,
            extraYaml: "probe_timeout: 2\n" + extraYaml, goodEnough: 0.5, edgeCount: edgeCount, commandsYaml: commands);
        var text = File.ReadAllText(_config);
        if (extraYaml.Contains("canary_killer:")) text = text.Replace("canary_killer: false\n", "");
        File.WriteAllText(_config, text);
    }

    private string ZonePath => Path.Combine(_dir.Path, "named", "example.test.zone");
    private string LiveListPath => Path.Combine(_dir.Path, "state", $"{Net}.live");

    private Task<EdgemanageProcess.Result> Run(params string[] extra) =>
        EdgemanageProcess.RunInProcessAsync(["run", "-A", Net, "-c", _config, .. extra]);

    private static string[] ARecords(string zoneText) =>
        zoneText.Split('\n').Where(l => l.StartsWith("@\t\tIN\tA\t", StringComparison.Ordinal)).Select(l => l.Split('\t')[^1]).ToArray();

    private static uint Serial(string zoneText) => uint.Parse(zoneText.Split('\n')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries)[6]);

    [Fact]
    public async Task The_first_run_publishes_edge_count_edges_and_an_unchanged_run_writes_nothing()
    {
        var first = await Run();
        Assert.True(first.ExitCode == ExitCodes.Ok, first.ToString());
        var zone = File.ReadAllText(ZonePath);
        var live = ARecords(zone);
        Assert.Equal(3, live.Length);
        Assert.Equal(live.OrderBy(e => e, StringComparer.Ordinal), live);
        Assert.InRange(Serial(zone), (uint)DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), uint.MaxValue);
        Assert.Equal(string.Join("\n", live) + "\n", File.ReadAllText(LiveListPath));
        Assert.Equal(Convert.ToInt32("644", 8), (int)File.GetUnixFileMode(ZonePath));
        Assert.Contains("written", first.Stdout);

        var before = File.GetLastWriteTimeUtc(ZonePath);
        var second = await Run();
        Assert.True(second.ExitCode == ExitCodes.Ok, second.ToString());
        Assert.Equal(zone, File.ReadAllText(ZonePath));
        Assert.Equal(before, File.GetLastWriteTimeUtc(ZonePath));
        Assert.Equal("", second.Stdout); // quiet when nothing changed: cron mails only on change
    }

    [Fact]
    public async Task A_live_edge_that_starts_refusing_is_replaced_with_a_higher_serial()
    {
        Assert.Equal(ExitCodes.Ok, (await Run()).ExitCode);
        var zone = File.ReadAllText(ZonePath);
        var victim = ARecords(zone)[0];
        _fleet.Set(victim, EdgeBehaviour.Refuse());

        var second = await Run();
        Assert.True(second.ExitCode == ExitCodes.Ok, second.ToString());
        var after = File.ReadAllText(ZonePath);
        Assert.DoesNotContain(victim, ARecords(after));
        Assert.Equal(3, ARecords(after).Length);
        Assert.True(Serial(after) > Serial(zone));
        Assert.Contains($"-{victim}", second.Stdout);

        var why = await EdgemanageProcess.RunInProcessAsync("why", "-A", Net, "-c", _config, victim);
        Assert.True(why.ExitCode == ExitCodes.Ok, why.ToString());
        Assert.Contains("NOT live", why.Stdout);
        Assert.Contains("fail", why.Stdout);
    }

    [Fact]
    public async Task Force_update_rewrites_unchanged_zones_with_a_higher_serial()
    {
        Assert.Equal(ExitCodes.Ok, (await Run()).ExitCode);
        var serial = Serial(File.ReadAllText(ZonePath));
        var forced = await Run("--force-update");
        Assert.True(forced.ExitCode == ExitCodes.Ok, forced.ToString());
        Assert.True(Serial(File.ReadAllText(ZonePath)) > serial);
    }

    [Fact]
    public async Task A_dry_run_prints_the_diff_and_writes_and_runs_nothing()
    {
        var marker = _dir.File("hook-ran");
        WriteWorkspace(commands: $"commands:\n  run_before: [\"/usr/bin/touch {marker}\"]\n  run_after: [\"/usr/bin/touch {marker}\"]\n  run_after_changes: [\"/usr/bin/touch {marker}\"]");
        var dry = await Run("-n");
        Assert.True(dry.ExitCode == ExitCodes.Ok, dry.ToString());
        Assert.Contains("+@\t\tIN\tA\t", dry.Stdout);
        Assert.Contains("nothing was persisted, written or run", dry.Stdout);
        Assert.False(File.Exists(ZonePath));
        Assert.False(File.Exists(LiveListPath));
        Assert.False(File.Exists(marker));
        var why = await EdgemanageProcess.RunInProcessAsync("why", "-A", Net, "-c", _config, "127.0.0.2");
        Assert.Contains("no decision has been recorded", why.Stderr);
    }

    [Fact]
    public async Task Hooks_run_without_a_shell_after_changes_only_when_something_changed()
    {
        var always = _dir.File("after");
        var changes = _dir.File("after-changes");
        WriteWorkspace(commands: $"commands:\n  run_after: [\"/usr/bin/touch '{always}'\"]\n  run_after_changes: [\"/usr/bin/touch {changes}\", \"/bin/false\"]");
        var first = await Run();
        Assert.True(File.Exists(always) && File.Exists(changes), first.ToString());
        // a failing run_after_changes means named may not serve the new zones: degraded, and said so
        Assert.Equal(ExitCodes.Degraded, first.ExitCode);
        Assert.Contains("run_after_changes '/bin/false' exited 1", first.Stderr);

        File.Delete(always);
        File.Delete(changes);
        var second = await Run();
        Assert.True(File.Exists(always), second.ToString());
        Assert.False(File.Exists(changes));
        Assert.Equal(ExitCodes.Ok, second.ExitCode);
    }

    [Fact]
    public async Task A_broken_include_holds_its_zone_and_the_old_file_stays()
    {
        Assert.Equal(ExitCodes.Ok, (await Run()).ExitCode);
        var zone = File.ReadAllText(ZonePath);
        var victim = ARecords(zone)[0];
        _fleet.Set(victim, EdgeBehaviour.Refuse());
        var include = Path.Combine(_dir.Path, "zones", Net, "example.test.zone");
        File.AppendAllText(include, "@ 60 IN SOA ns1.example.test. hostmaster.example.test. 1 2 3 4 5\n");

        var second = await Run();
        Assert.Equal(ExitCodes.Degraded, second.ExitCode);
        Assert.Contains($"{include}:5:", second.Stderr);
        Assert.Contains("zone example.test not published", second.Stderr);
        Assert.Equal(zone, File.ReadAllText(ZonePath));
    }

    [Fact]
    public async Task A_broken_canary_file_holds_every_zone_and_names_the_line()
    {
        Assert.Equal(ExitCodes.Ok, (await Run()).ExitCode);
        var zone = File.ReadAllText(ZonePath);
        var canaries = _dir.Write("canaries.yaml", "example.test: 127.0.0.7\nother.test: 999.0.0.1\n");
        WriteWorkspace($"canary_files: {canaries}\n");
        _fleet.Set(ARecords(zone)[0], EdgeBehaviour.Refuse());

        var second = await Run();
        Assert.Equal(ExitCodes.Degraded, second.ExitCode);
        Assert.Contains($"{canaries}:2:", second.Stderr);
        Assert.Equal(zone, File.ReadAllText(ZonePath));
    }

    [Fact]
    public async Task A_broken_template_is_a_configuration_error_and_nothing_is_probed()
    {
        var template = _dir.Write("zone.liquid", "{% for x in live_edge_ips %}\n{{ x }}\n");
        WriteWorkspace($"zone_template: {template}\n");
        var result = await Run();
        Assert.Equal(ExitCodes.UsageOrConfig, result.ExitCode);
        Assert.Contains(template, result.Stderr);
        Assert.Equal(0, _fleet.TotalRequests);
        Assert.False(File.Exists(ZonePath));
    }

    [Fact]
    public async Task A_zone_that_fails_its_check_is_not_published_and_the_old_file_stays()
    {
        Assert.Equal(ExitCodes.Ok, (await Run()).ExitCode);
        var zone = File.ReadAllText(ZonePath);
        _fleet.Set(ARecords(zone)[0], EdgeBehaviour.Refuse());
        WriteWorkspace("zone_check_command: \"/bin/sh -c 'echo bad zone {zone} >&2; exit 1' check {file}\"\n");

        var second = await Run();
        Assert.Equal(ExitCodes.Degraded, second.ExitCode);
        Assert.Contains("bad zone example.test", second.Stderr);
        Assert.Equal(zone, File.ReadAllText(ZonePath));
    }

    [Fact]
    public async Task With_fewer_usable_edges_than_edge_count_the_usable_ones_are_published_and_the_run_is_degraded()
    {
        foreach (var edge in FleetEdges.Skip(2)) _fleet.Set(edge, EdgeBehaviour.Refuse());
        var result = await Run();
        Assert.Equal(ExitCodes.Degraded, result.ExitCode);
        Assert.Equal(["127.0.0.2", "127.0.0.3"], ARecords(File.ReadAllText(ZonePath)));
    }

    [Fact]
    public async Task With_nothing_usable_nothing_is_written()
    {
        foreach (var edge in FleetEdges) _fleet.Set(edge, EdgeBehaviour.Refuse());
        var result = await Run();
        Assert.Equal(ExitCodes.Degraded, result.ExitCode);
        Assert.False(File.Exists(ZonePath));
        Assert.Contains("NOT PUBLISHED", result.Stdout);
    }

    [Fact]
    public async Task A_usable_canary_replaces_one_live_edge_in_its_zone_only_and_stays_put()
    {
        var canaries = _dir.Write("canaries.yaml", "example.test: 127.0.0.7\n");
        WriteWorkspace($"canary_files: {canaries}\ncanary_killer: 2\n", edges: FleetEdges[..6].Where(e => e != "127.0.0.7").ToArray());
        File.WriteAllText(Path.Combine(_dir.Path, "zones", Net, "plain.test.zone"), "ns1 60 IN A 127.0.0.1\nns2 60 IN A 127.0.0.1\n");

        var first = await Run();
        Assert.True(first.ExitCode == ExitCodes.Ok, first.ToString());
        var withCanary = ARecords(File.ReadAllText(ZonePath));
        var plain = ARecords(File.ReadAllText(Path.Combine(_dir.Path, "named", "plain.test.zone")));
        Assert.Equal("127.0.0.7", withCanary[^1]);
        Assert.Equal(3, withCanary.Length);
        Assert.DoesNotContain("127.0.0.7", plain);
        Assert.Equal(2, withCanary.Intersect(plain).Count());

        var second = await Run();
        Assert.Equal(ExitCodes.Ok, second.ExitCode);
        Assert.Equal(withCanary, ARecords(File.ReadAllText(ZonePath)));
    }

    [Fact]
    public async Task An_ipv6_edge_is_published_as_an_aaaa_record()
    {
        await using var v6 = await TestFleet.StartAsync(new FleetOptions { Addresses = ["::1"], Port = _fleet.Port });
        WriteWorkspace(edgeCount: 1, edges: ["::1"]);
        var result = await Run();
        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Contains("@\t\tIN\tAAAA\t::1\n", File.ReadAllText(ZonePath));
    }
}
