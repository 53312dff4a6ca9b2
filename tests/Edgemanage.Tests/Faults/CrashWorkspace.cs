using Edgemanage.Actors.Faults;
using Edgemanage.Fleet;
using Edgemanage.Node.Commands;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Faults;

/// <summary>
/// A network of two zones over a five-edge loopback fleet, with a <c>run_after_changes</c> hook that logs every
/// reload, for the crash trials: publish a live set, kill -9 a process at a chosen step of publishing the next one,
/// then let a clean round run and check that zones, live list, recorded decision and reloads agree.
/// </summary>
public sealed class CrashWorkspace : IAsyncDisposable
{
    public const string Net = "crashnet";
    public static readonly string[] Edges = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"];
    public static readonly string[] Zones = ["example.test", "second.test"];

    /// <summary>What a process killed by SIGKILL exits with, as .NET reports it (128 + 9).</summary>
    public const int KilledExitCode = 137;

    private readonly TempDir _dir = new();

    private CrashWorkspace(TestFleet fleet, string yaml)
    {
        Fleet = fleet;
        var hook = $"/bin/sh -c 'echo reload >> {ReloadLog}'";
        Config = DemoWorkspace.Write(_dir.Path, Net, fleet.Port, fleet.Body, Edges, extraYaml: yaml, goodEnough: 3, edgeCount: 2,
            commandsYaml: $"commands:\n  run_before: []\n  run_after: []\n  run_after_changes: [\"{hook}\"]");
        File.WriteAllText(Path.Combine(_dir.Path, "zones", Net, "second.test.zone"), "mail 60 IN A 127.0.0.1\n");
    }

    /// <param name="yaml">Extra config keys (a serve spec's fast intervals, say).</param>
    public static async Task<CrashWorkspace> CreateAsync(string yaml = "probe_timeout: 5\nzone_check_command: false\n") =>
        new(await TestFleet.StartAsync(new FleetOptions { Addresses = Edges }), yaml);

    public TestFleet Fleet { get; }
    public string Config { get; }
    public string Dir => _dir.Path;
    public string ReloadLog => Path.Combine(_dir.Path, "reloads.log");
    public string LiveList => Path.Combine(_dir.Path, "state", $"{Net}.live");
    public string NamedDir => Path.Combine(_dir.Path, "named");
    public string ZonePath(string zone) => Path.Combine(NamedDir, zone + ".zone");

    public static Dictionary<string, string> CrashAt(string point) => new() { [CrashPoints.EnvironmentVariable] = point };

    public Task<EdgemanageProcess.Result> RunInProcessAsync() => EdgemanageProcess.RunInProcessAsync("run", "-A", Net, "-c", Config);

    /// <summary>A real <c>run</c> process armed to kill itself at <paramref name="point"/>.</summary>
    public Task<EdgemanageProcess.Result> RunCrashingAsync(string point) =>
        EdgemanageProcess.RunAsync(["run", "-A", Net, "-c", Config], whileRunning: null, CrashAt(point));

    /// <summary>Every edge but <paramref name="healthy"/> refuses connections; those answer.</summary>
    public void OnlyHealthy(IReadOnlyCollection<string> healthy)
    {
        foreach (var edge in Edges) Fleet.Set(edge, healthy.Contains(edge) ? EdgeBehaviour.Ok() : EdgeBehaviour.Refuse());
    }

    public string[] ApexA(string zone) => ZoneRecords.ApexA(ZonePath(zone)).Order(StringComparer.Ordinal).ToArray();

    public string[] LiveListEdges() => File.Exists(LiveList)
        ? File.ReadAllLines(LiveList).Where(l => l.Length > 0).Order(StringComparer.Ordinal).ToArray()
        : [];

    public uint Serial(string zone) => ZoneRecords.Serial(File.ReadAllText(ZonePath(zone)));

    /// <summary>The edges the journal's last decision has live (query's state "in").</summary>
    public async Task<string[]> RecordedLiveAsync()
    {
        var rows = await EdgemanageProcess.QueryRowsAsync(Net, Config);
        return rows.Where(r => r.Value.GetProperty("state").GetString() == "in").Select(r => r.Key).Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>
    /// What a converged network looks like: every zone publishes <paramref name="expected"/>, the live list says the
    /// same, so does the recorded decision; no temp file of ours is left; and the reload hook ran after the last zone
    /// write, so named was told about what is on disk.
    /// </summary>
    public async Task AssertConvergedOnAsync(string[] expected, string context)
    {
        foreach (var zone in Zones) Assert.True(expected.SequenceEqual(ApexA(zone)), $"{context}: zone {zone} publishes {string.Join(" ", ApexA(zone))}, expected {string.Join(" ", expected)}");
        Assert.True(expected.SequenceEqual(LiveListEdges()), $"{context}: live list says {string.Join(" ", LiveListEdges())}");
        var recorded = await RecordedLiveAsync();
        Assert.True(expected.SequenceEqual(recorded), $"{context}: the recorded decision says {string.Join(" ", recorded)}");
        Assert.Empty(Directory.GetFiles(NamedDir, ".*.tmp"));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(LiveList)!, ".*.tmp"));
        var lastZoneWrite = Zones.Max(z => File.GetLastWriteTimeUtc(ZonePath(z)));
        Assert.True(File.GetLastWriteTimeUtc(ReloadLog) >= lastZoneWrite, $"{context}: a zone was written after the last reload");
    }

    public async ValueTask DisposeAsync()
    {
        await Fleet.DisposeAsync();
        _dir.Dispose();
    }
}
