using System.Text.RegularExpressions;
using Edgemanage.Node.Commands;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Commands;

/// <summary><c>edgemanage demo</c> for a newcomer: something visibly happens on every run, not only the first.</summary>
public sealed class DemoSpecs : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Round_two_replaces_a_live_edge_on_the_first_and_on_a_later_demo()
    {
        foreach (var run in new[] { "first", "second" })
        {
            var demo = await EdgemanageProcess.RunInProcessAsync("demo", "--dir", _dir.Path, "--rounds", "2");
            Assert.True(demo.ExitCode == 0, demo.ToString());
            var broken = Regex.Match(demo.Stdout, @"== round 2: (\S+), live until now, refuses connections");
            Assert.True(broken.Success, $"{run} demo: {demo.Stdout}");
            // The round-2 summary line takes the broken edge out of the live set.
            Assert.Matches($@"(?m)^demo: live .*-{Regex.Escape(broken.Groups[1].Value)}\b.*\[ok\]$", demo.Stdout);
        }
    }

    [Theory]
    [InlineData("/work/em/src/Node/bin/Debug/net10.0/edgemanage", "/work/em", "dotnet run --project src/Node --")]
    [InlineData("/work/em/src/Node/bin/Debug/net10.0/edgemanage", "/tmp/x", "dotnet run --project /work/em/src/Node --")]
    [InlineData("/opt/em/edgemanage", "/opt/em", "./edgemanage")]
    [InlineData("/opt/em/edgemanage", "/var/lib", "/opt/em/edgemanage")]
    [InlineData("/usr/bin/dotnet", "/opt/em", "dotnet ./edgemanage.dll")]
    public void Hints_name_a_command_that_works_here(string processPath, string cwd, string expected) =>
        Assert.Equal(expected, CommandHint.Prefix(processPath, processPath.EndsWith("dotnet") ? "/opt/em" : Path.GetDirectoryName(processPath)!,
            pathVariable: "/nonexistent-bin", cwd));

    [Fact]
    public void The_program_on_path_is_just_edgemanage()
    {
        var bin = _dir.Dir("bin");
        var program = Path.Combine(bin, "edgemanage");
        File.WriteAllText(program, "");
        Assert.Equal("edgemanage", CommandHint.Prefix(program, bin, $"/nonexistent-bin:{bin}", "/"));
    }
}
