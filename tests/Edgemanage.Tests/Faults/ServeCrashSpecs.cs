using Edgemanage.Fleet;
using Edgemanage.Node.Cli;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Faults;

/// <summary>
/// kill -9 of a serving node at a step of publishing, then a restart: the restarted node publishes what it decides,
/// and zones, live list and the recorded decision agree (a real <c>serve</c> process SIGKILLs itself at the armed step).
/// The two steps here are those a node that trusted its journal never recovered from; every step, and kills at random
/// instants, run in <c>edgemanage-bench faults</c> (docs/reliability.md).
/// </summary>
public sealed class ServeCrashSpecs
{
    private const string ServeYaml = "probe_timeout: 5\nzone_check_command: false\nprobe_interval: 1\ndecision_interval: 1\nhistory_batch_window: 0.3\n";
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("zone-renamed@1")]
    [InlineData("hooks-ran")]
    public async Task A_node_killed_while_publishing_converges_after_a_restart(string point)
    {
        await using var ws = await CrashWorkspace.CreateAsync(ServeYaml);
        var first = await ws.RunInProcessAsync();
        Assert.True(first.ExitCode == ExitCodes.Ok, first.ToString());
        var before = ws.ApexA("example.test");

        ws.Fleet.Set(before[0], EdgeBehaviour.Refuse());
        string[] args = ["-A", CrashWorkspace.Net, "-c", ws.Config, "--admin", "off", "--metrics-listen", "off"];
        await using (var crashing = ServeProcess.StartWith("crashing", CrashWorkspace.CrashAt(point), args))
        {
            var code = await crashing.WaitForExitAsync(Within);
            Assert.True(code == CrashWorkspace.KilledExitCode, $"serve was not killed at {point} (exit {code}):\n{crashing.Output}");
        }

        ws.OnlyHealthy(before);
        await using var node = ServeProcess.Start("restarted", args);
        await Eventually.True(() => CrashWorkspace.Zones.All(z => ws.ApexA(z).SequenceEqual(before)) && ws.LiveListEdges().SequenceEqual(before)
            || node.HasExited, Within, $"the zones back on {string.Join(" ", before)}");
        Assert.Equal(0, await node.StopAsync());
        await ws.AssertConvergedOnAsync(before, point);
    }
}
