using Edgemanage.Fleet;
using Edgemanage.Node;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Commands;
using Edgemanage.Tests.Edges;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Cli;

/// <summary>
/// <c>serve</c> on a shared PostgreSQL journal (persistence.provider: postgresql): it publishes, persists its samples
/// and decisions there, and a restarted node carries on from them. Runs where EDGEMANAGE_TEST_POSTGRES is set.
/// </summary>
public sealed class PostgresServeSpecs : IAsyncLifetime
{
    private static readonly string[] FleetEdges = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"];
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    // Persistence ids carry the network name: a fresh one per run keeps runs from seeing each other's rows.
    private readonly string _network = "pgserve" + Guid.NewGuid().ToString("N")[..8];
    private readonly TempDir _dir = new();
    private TestFleet _fleet = null!;
    private string _config = null!;

    public async Task InitializeAsync()
    {
        _fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = FleetEdges });
        var connection = Environment.GetEnvironmentVariable(PostgresFactAttribute.Variable) ?? "";
        _config = DemoWorkspace.Write(_dir.Path, _network, _fleet.Port, _fleet.Body, FleetEdges,
            extraYaml: ServeWorkspace.SteadyServeYaml + $"persistence:\n  provider: postgresql\n  connection_string: \"{connection}\"\nmetrics:\n  listen: off\n",
            goodEnough: 3, edgeCount: 2);
    }

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        _dir.Dispose();
    }

    private string[] ZoneA() => ZoneRecords.ApexA(Path.Combine(_dir.Path, "named", "example.test.zone"));

    private async Task ServeUntil(Func<Task<bool>> done, string what)
    {
        using var stop = new CancellationTokenSource();
        var output = new SharedOutput();
        var serve = Task.Run(() => EdgemanageCli.MainAsync(["serve", "-A", _network, "-c", _config, "--admin", "off"],
            output, TextWriter.Synchronized(new StringWriter()), stop.Token));
        try
        {
            await Eventually.True(async () => serve.IsCompleted || await done(), Within, what);
            Assert.False(serve.IsCompleted, output.ToString());
        }
        finally
        {
            stop.Cancel();
        }
        Assert.Equal(ExitCodes.Ok, await serve);
    }

    [PostgresFact]
    public async Task Serve_persists_to_postgresql_and_a_restarted_node_carries_on()
    {
        await ServeUntil(() => Task.FromResult(ZoneA().Length == 2), "the first zone");
        var live = ZoneA();
        Assert.False(File.Exists(Path.Combine(_dir.Path, "state", $"edgemanage-{_network}.journal.db")), "nothing goes to SQLite");

        var first = await EdgemanageProcess.QueryRowsAsync(_network, _config);
        var samples = first.Values.Sum(r => r.GetProperty("samples").GetInt32());
        Assert.True(samples >= FleetEdges.Length, $"{samples} samples persisted");
        // The node stopped right after writing the zone; the decision behind it was persisted before it exited.
        foreach (var edge in live)
        {
            var why = await EdgemanageProcess.RunInProcessAsync("why", "-A", _network, "-c", _config, edge);
            Assert.Contains($"{edge} is LIVE", why.Stdout);
        }

        // A second life: the history grows from where it was, and the live set is kept (keep rule, no churn).
        await ServeUntil(async () => (await EdgemanageProcess.QueryRowsAsync(_network, _config)).Values.Sum(r => r.GetProperty("samples").GetInt32()) > samples,
            "more samples after the restart");
        Assert.Equal(live, ZoneA());
    }
}
