using Edgemanage.Fleet;
using Edgemanage.Node;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Commands;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Cli;

/// <summary>
/// The guard (issue 13) on a serving node: a reload that takes most edges out of the list changes no zone, is printed
/// and shown by <c>check rotation</c> (asked of the node) as a WARNING; probing goes on, and a reload that restores the
/// list lets decisions through again.
/// </summary>
public sealed class GuardServeSpecs : IAsyncLifetime
{
    private const string Net = "guardserve";
    private static readonly string[] FleetEdges = Enumerable.Range(2, 10).Select(i => $"127.0.0.{i}").ToArray();
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    private readonly TempDir _dir = new();
    private TestFleet _fleet = null!;
    private string _config = null!;

    public async Task InitializeAsync()
    {
        _fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = FleetEdges });
        _config = DemoWorkspace.Write(_dir.Path, Net, _fleet.Port, _fleet.Body, FleetEdges,
            extraYaml: ServeWorkspace.SteadyServeYaml, goodEnough: 3, edgeCount: 3);
    }

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        _dir.Dispose();
    }

    private string ZonePath => Path.Combine(_dir.Path, "named", "example.test.zone");
    private string[] ZoneA() => ZoneRecords.ApexA(ZonePath);
    private string EdgeList => Path.Combine(_dir.Path, "edges", Net);

    private Task<EdgemanageProcess.Result> CheckRotation() =>
        EdgemanageProcess.RunInProcessAsync("check", "rotation", "-A", Net, "-c", _config, "-w", "20", "--critical", "30");

    [Fact]
    public async Task A_reload_that_shrinks_the_list_past_the_limit_is_held_and_a_restoring_reload_releases_it()
    {
        using var stop = new CancellationTokenSource();
        var output = new SharedOutput();
        var error = new SharedOutput();
        var control = new ServeControl();
        var serve = Task.Run(() => EdgemanageCli.MainAsync(["serve", "-A", Net, "-c", _config, "--admin", "127.0.0.1:0", "--metrics-listen", "off"],
            output, error, control, stop.Token));
        try
        {
            await Eventually.True(() => ZoneA().Length == 3 || serve.IsCompleted, Within, "the first zone");
            Assert.False(serve.IsCompleted, $"serve ended early: {error}");
            var live = ZoneA();
            var zone = File.ReadAllText(ZonePath);

            // Three edges left of ten, none of them live.
            File.WriteAllText(EdgeList, string.Join("\n", FleetEdges.Except(live).Take(3)) + "\n");
            control.RequestReload();
            const string held = "guardserve: DNS FROZEN: held by the guard: edge list shrank from 10 to 3 edges (70% > max_edge_list_shrink 50%): DNS held; " +
                                "restart serve with --accept-shrink if intended";
            await Eventually.True(() => output.ToString().Contains(held), Within, "the hold printed");
            var check = await CheckRotation();
            Assert.True(check.ExitCode == 1, check.ToString());
            Assert.Contains("edge list shrank from 10 to 3 edges", check.Stdout);
            var requests = _fleet.RequestCount(FleetEdges.Except(live).First());
            await Eventually.True(() => _fleet.RequestCount(FleetEdges.Except(live).First()) > requests + 1, Within, "probing going on while held");
            Assert.Equal(zone, File.ReadAllText(ZonePath));

            File.WriteAllText(EdgeList, string.Join("\n", FleetEdges) + "\n");
            control.RequestReload();
            await Eventually.True(async () => !(await CheckRotation()).Stdout.Contains("held by the guard"), Within, "the hold released");
            Assert.False(serve.IsCompleted);
        }
        finally
        {
            stop.Cancel();
        }
        var code = await serve;
        Assert.True(code == ExitCodes.Ok, $"exit {code}\n{output}\n{error}");
    }

    [Fact]
    public async Task A_start_on_a_shrunk_list_is_held_and_accept_shrink_publishes_it()
    {
        var first = await EdgemanageProcess.RunInProcessAsync("run", "-A", Net, "-c", _config);
        Assert.True(first.ExitCode == ExitCodes.Ok, first.ToString());
        var live = ZoneA();
        var kept = FleetEdges.Except(live).Take(3).ToArray();
        File.WriteAllText(EdgeList, string.Join("\n", kept) + "\n");

        // Without the flag: compared with the last recorded decision at start, held.
        var (heldOutput, _) = await ServeUntil(["--admin", "off"], o => o.Contains("held by the guard: edge list shrank from 10 to 3 edges"));
        Assert.Contains("held by the guard", heldOutput);
        Assert.Equal(live, ZoneA());

        // With --accept-shrink: the three are published.
        await ServeUntil(["--admin", "off", "--accept-shrink"], _ => ZoneA().Length == 3 && ZoneA().All(kept.Contains));
        Assert.All(ZoneA(), edge => Assert.Contains(edge, kept));
    }

    /// <summary>Serves until <paramref name="done"/> holds (of the output, or of the files), then stops the node.</summary>
    private async Task<(string Output, string Error)> ServeUntil(string[] extra, Func<string, bool> done)
    {
        using var stop = new CancellationTokenSource();
        var output = new SharedOutput();
        var error = new SharedOutput();
        var serve = Task.Run(() => EdgemanageCli.MainAsync(["serve", "-A", Net, "-c", _config, "--metrics-listen", "off", .. extra],
            output, error, new ServeControl(), stop.Token));
        try
        {
            await Eventually.True(() => done(output.ToString()) || serve.IsCompleted, Within, "the node's answer");
            Assert.False(serve.IsCompleted, $"serve ended early: {output}\n{error}");
        }
        finally
        {
            stop.Cancel();
        }
        var code = await serve;
        Assert.True(code == ExitCodes.Ok, $"exit {code}\n{output}\n{error}");
        return (output.ToString(), error.ToString());
    }
}
