using Edgemanage.Fleet;
using Edgemanage.Node.Cli;
using Xunit;

namespace Edgemanage.Tests.Faults;

/// <summary>
/// kill -9 of a cron <c>run</c> at each step of publishing (docs/architecture.md, "Writing and recording"), then a clean
/// round: zones, live list and the recorded decision agree, named was reloaded after the last write, no temp file is
/// left and no serial went backwards. The killed run is a real process that SIGKILLs itself at the armed step.
/// </summary>
public sealed class RunCrashSpecs
{
    public static TheoryData<string> Points =>
    [
        "zones-staged", "zone-renamed@1", "zone-renamed@2", "live-list-written", "hooks-ran", "zones-recorded", "decision-recorded",
    ];

    [Theory]
    [MemberData(nameof(Points))]
    public async Task A_run_killed_while_publishing_converges_when_the_old_set_is_healthy_again(string point)
    {
        await using var ws = await CrashWorkspace.CreateAsync();
        var first = await ws.RunInProcessAsync();
        Assert.True(first.ExitCode == ExitCodes.Ok, first.ToString());
        var before = ws.ApexA("example.test");
        Assert.Equal(2, before.Length);
        var serials = CrashWorkspace.Zones.ToDictionary(z => z, ws.Serial);

        ws.Fleet.Set(before[0], EdgeBehaviour.Refuse());
        var crashed = await ws.RunCrashingAsync(point);
        Assert.True(crashed.ExitCode == CrashWorkspace.KilledExitCode, $"the run was not killed at {point}: {crashed}");

        // The sharpest case: the replaced edge is healthy again and every other edge fails, so the next round must
        // publish the first set again, whatever the crash left on disk or in the journal.
        ws.OnlyHealthy(before);
        var next = await ws.RunInProcessAsync();
        Assert.True(next.ExitCode == ExitCodes.Ok, next.ToString());
        await ws.AssertConvergedOnAsync(before, point);
        foreach (var zone in CrashWorkspace.Zones)
            Assert.True(ws.Serial(zone) >= serials[zone], $"{point}: the serial of {zone} went from {serials[zone]} to {ws.Serial(zone)}");
    }

}

/// <summary>The same crash as <see cref="RunCrashSpecs"/>, with the failure still there when the next round runs.</summary>
public sealed class RunCrashLastingFailureSpecs
{
    [Theory]
    [InlineData("zone-renamed@1")]
    [InlineData("zones-recorded")]
    public async Task A_run_killed_while_publishing_converges_when_the_failure_lasts(string point)
    {
        await using var ws = await CrashWorkspace.CreateAsync();
        Assert.Equal(ExitCodes.Ok, (await ws.RunInProcessAsync()).ExitCode);
        var victim = ws.ApexA("example.test")[0];
        ws.Fleet.Set(victim, EdgeBehaviour.Refuse());
        var crashed = await ws.RunCrashingAsync(point);
        Assert.True(crashed.ExitCode == CrashWorkspace.KilledExitCode, $"the run was not killed at {point}: {crashed}");

        var next = await ws.RunInProcessAsync();
        Assert.True(next.ExitCode == ExitCodes.Ok, next.ToString());
        var decided = await ws.RecordedLiveAsync();
        Assert.Equal(2, decided.Length);
        Assert.DoesNotContain(victim, decided);
        await ws.AssertConvergedOnAsync(decided, point);
    }
}
