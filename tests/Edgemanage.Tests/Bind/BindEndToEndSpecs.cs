using Edgemanage.Fleet;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Commands;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Bind;

/// <summary>
/// The whole chain an operator relies on: edgemanage probes a loopback fleet, writes the zone (checked by the
/// real named-checkzone), reloads a real named through run_after_changes, and named answers with the chosen
/// edges; when a live edge starts refusing, the next round replaces it and named serves the new set with a
/// higher serial.
/// </summary>
public sealed class BindEndToEndSpecs : IAsyncLifetime
{
    private const string Net = "bindnet";
    private const string Zone = "example.test";
    private static readonly string[] FleetEdges = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"];

    private readonly TempDir _dir = new();
    private TestFleet _fleet = null!;

    public async Task InitializeAsync() => _fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = FleetEdges });

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        _dir.Dispose();
    }

    private string Workspace(string reloadCommand) =>
        // No zone_check_command: the automatic named-checkzone check is part of what this test exercises.
        DemoWorkspace.Write(_dir.Path, Net, _fleet.Port, _fleet.Body, FleetEdges,
            extraYaml: "probe_timeout: 2\n", goodEnough: 0.5, edgeCount: 3,
            commandsYaml: reloadCommand.Length == 0 ? null : $"commands:\n  run_after_changes: [\"{reloadCommand}\"]");

    private static string[] ARecords(string zoneText) => ZoneRecords.ApexAIn(zoneText).Order(StringComparer.Ordinal).ToArray();

    private static uint Serial(string zoneText) => ZoneRecords.Serial(zoneText);

    [NamedFact]
    public async Task Named_serves_the_chosen_edges_and_the_replacement_after_an_edge_fails()
    {
        var config = Workspace("");
        var first = await EdgemanageProcess.RunInProcessAsync("run", "-A", Net, "-c", config);
        Assert.True(first.ExitCode == ExitCodes.Ok, first.ToString());
        var zonePath = Path.Combine(_dir.Path, "named", Zone + ".zone");
        var zone = File.ReadAllText(zonePath);

        await using var named = await NamedServer.StartAsync(Path.Combine(_dir.Path, "named"), [Zone]);
        Assert.Equal(ARecords(zone), (await named.QueryAsync(Zone, "A")).Order(StringComparer.Ordinal));
        Assert.Equal(ARecords(zone), (await named.QueryAsync("www." + Zone, "A")).Order(StringComparer.Ordinal));
        Assert.Equal(Serial(zone), (uint)(await named.SerialAsync(Zone))!.Value);

        config = Workspace(named.ReloadCommandLine);
        var victim = ARecords(zone)[1];
        _fleet.Set(victim, EdgeBehaviour.Refuse());
        var second = await EdgemanageProcess.RunInProcessAsync("run", "-A", Net, "-c", config);
        Assert.True(second.ExitCode == ExitCodes.Ok, second.ToString());
        var after = File.ReadAllText(zonePath);
        Assert.True(Serial(after) > Serial(zone));

        await named.WaitForSerialAsync(Zone, Serial(after), TimeSpan.FromSeconds(20));
        var served = (await named.QueryAsync(Zone, "A")).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(ARecords(after), served);
        Assert.DoesNotContain(victim, served);
        Assert.Equal(3, served.Length);
    }

    [NamedFact]
    public async Task A_serial_at_the_top_of_32_bits_wraps_and_named_loads_the_next_zone_as_newer()
    {
        var config = Workspace("");
        Assert.Equal(ExitCodes.Ok, (await EdgemanageProcess.RunInProcessAsync("run", "-A", Net, "-c", config)).ExitCode);
        var zonePath = Path.Combine(_dir.Path, "named", Zone + ".zone");
        var zone = File.ReadAllText(zonePath);
        // A serial someone set by hand at 2^32 - 1 (named serves it); the next serial must still be newer to named.
        File.WriteAllText(zonePath, zone.Replace($" {Serial(zone)} ", $" {uint.MaxValue} "));
        await using var named = await NamedServer.StartAsync(Path.Combine(_dir.Path, "named"), [Zone]);
        Assert.Equal(uint.MaxValue, (uint)(await named.SerialAsync(Zone))!.Value);

        config = Workspace(named.ReloadCommandLine);
        _fleet.Set(ARecords(zone)[0], EdgeBehaviour.Refuse());
        var next = await EdgemanageProcess.RunInProcessAsync("run", "-A", Net, "-c", config);
        Assert.True(next.ExitCode == ExitCodes.Ok, next + "\n--- edgemanage.log\n" + File.ReadAllText(Path.Combine(_dir.Path, "edgemanage.log")));
        var after = File.ReadAllText(zonePath);
        Assert.True(Serial(after) < uint.MaxValue);
        await named.WaitForSerialAsync(Zone, Serial(after), TimeSpan.FromSeconds(20));
        Assert.DoesNotContain("backward", named.Output, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("wraps", File.ReadAllText(Path.Combine(_dir.Path, "edgemanage.log")));
    }
}
