using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Edgemanage.Fleet;
using Edgemanage.Node;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Commands;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Metrics;

/// <summary>
/// <c>serve</c> in-process against the loopback fleet with <c>metrics.listen: 127.0.0.1:0</c>, scraped over real HTTP;
/// and <c>run</c> writing the node_exporter textfile.
/// </summary>
public sealed partial class MetricsServeSpecs : IAsyncLifetime
{
    private const string Net = "metricnet";
    private static readonly string[] FleetEdges = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"];
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);
    private const string ServeYaml = ServeWorkspace.FastServeYaml;

    private readonly TempDir _dir = new();
    private TestFleet _fleet = null!;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public async Task InitializeAsync() => _fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = FleetEdges });

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _fleet.DisposeAsync();
        _dir.Dispose();
    }

    private string Config(string extraYaml = "", string serveYaml = ServeYaml, double goodEnough = 0.5) =>
        DemoWorkspace.Write(_dir.Path, Net, _fleet.Port, _fleet.Body, FleetEdges, extraYaml: serveYaml + extraYaml, goodEnough: goodEnough, edgeCount: 3);

    private string ZonePath => Path.Combine(_dir.Path, "named", "example.test.zone");

    private string[] ZoneA() => ZoneRecords.ApexA(ZonePath).Order().ToArray();

    [GeneratedRegex(@"metrics on (http://127\.0\.0\.1:\d+/metrics)")]
    private static partial Regex MetricsLine();

    private async Task<PromText> ScrapeAsync(string url)
    {
        using var response = await _http.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return PromText.Parse(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Serve_exposes_per_edge_gauges_live_flags_and_probe_counters_over_http()
    {
        var config = Config("metrics:\n  listen: 127.0.0.1:0\n");
        using var stop = new CancellationTokenSource();
        var output = new SharedOutput();
        var error = new SharedOutput();
        var serve = Task.Run(() => EdgemanageCli.MainAsync(["serve", "-A", Net, "-c", config], output, error, stop.Token));
        try
        {
            await Eventually.True(() => ZoneA().Length == 3 || serve.IsCompleted, Within, "the first zone");
            Assert.False(serve.IsCompleted, $"serve ended early: {output}\n{error}");
            var url = MetricsLine().Match(output.ToString()) is { Success: true } m ? m.Groups[1].Value
                : throw new Xunit.Sdk.XunitException($"no metrics line in the output:\n{output}");

            PromText p = null!;
            (string, string) n = ("network", Net);
            string[] LiveIn(PromText scraped) =>
                scraped.All("edgemanage_edge_live", n).Where(s => s.Value == 1).Select(s => s.Labels["edge"]).Order(StringComparer.Ordinal).ToArray();
            // The zone is written before the decision is persisted and counted: wait for both.
            await Eventually.True(() =>
            {
                p = ScrapeAsync(url).GetAwaiter().GetResult();
                // A decision landing between the scrape and the zone read would make them differ: ask again.
                return p.Sum("edgemanage_decisions_total", n) >= 1 && p.Sum("edgemanage_edge_live", n) == 3 && LiveIn(p).SequenceEqual(ZoneA());
            }, Within, "a counted decision with three live edges, as in the zone");

            Assert.Equal(1, p.Value("edgemanage_build_info", ("version", EdgemanageCli.Version)));
            foreach (var edge in FleetEdges)
            {
                (string, string)[] ev = [n, ("edge", edge), ("vantage", "local")];
                Assert.True(p.Value("edgemanage_edge_last_seconds", ev) is > 0 and <= 1, edge); // at most probe_timeout
                Assert.NotNull(p.Value("edgemanage_edge_average_seconds", ev));
                Assert.NotNull(p.Value("edgemanage_edge_window_average_seconds", ev));
                Assert.True(p.Value("edgemanage_edge_last_probe_timestamp_seconds", ev) > DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds());
                Assert.Equal(1, p.Value("edgemanage_edge_mode", [.. ev, ("mode", "available")]));
                var health = Assert.Single(p.All("edgemanage_edge_health", ev)); // exactly one current health
                Assert.Equal(1, health.Value);
                Assert.Contains(health.Labels["health"], new[] { "pass_threshold", "pass_window", "pass_average", "pass", "fail" });
            }
            Assert.Equal(5, p.All("edgemanage_edge_live", n).Count());
            Assert.Equal(3, p.Value("edgemanage_network_live_edges", n));
            Assert.Equal(3, p.Value("edgemanage_network_edge_count", n));
            Assert.Equal(0, p.Value("edgemanage_network_frozen", n));
            Assert.True(p.Value("edgemanage_network_rotation_budget_remaining", n) is > 0 and <= 10);
            Assert.True(p.Value("edgemanage_network_last_decision_timestamp_seconds", n) > 0);
            Assert.True(p.Value("edgemanage_zone_serial", n, ("zone", "example.test")) > 0);
            Assert.Equal(0, p.Value("edgemanage_scrape_failed", n, ("source", "edges")));
            Assert.Equal(0, p.Value("edgemanage_scrape_failed", n, ("source", "network")));
            Assert.Null(p.Value("edgemanage_cluster_members", ("status", "up"))); // not clustered

            // Probe counters by outcome go up: ok all along, refused once an edge refuses.
            (string, string)[] local = [n, ("vantage", "local")];
            var okBefore = p.Value("edgemanage_probes_total", [.. local, ("outcome", "ok")])!.Value;
            Assert.Equal(0, p.Value("edgemanage_probes_total", [.. local, ("outcome", "refused")]));
            var victim = ZoneA()[0];
            _fleet.Set(victim, EdgeBehaviour.Refuse());
            await Eventually.True(() =>
            {
                p = ScrapeAsync(url).GetAwaiter().GetResult();
                return p.Value("edgemanage_probes_total", [.. local, ("outcome", "refused")]) > 0
                       && p.Value("edgemanage_probes_total", [.. local, ("outcome", "ok")]) > okBefore
                       && p.Value("edgemanage_edge_live", n, ("edge", victim)) == 0;
            }, Within, $"refused probes of {victim} counted and {victim} out of the live set");
            Assert.NotNull(p.Value("edgemanage_edge_health", n, ("edge", victim), ("vantage", "local"), ("health", "fail")));
            Assert.True(p.Sum("edgemanage_substitutions_total", n) >= 1);
            Assert.True(p.Value("edgemanage_zone_writes_total", n, ("action", "written")) >= 2);

            using var other = await _http.GetAsync(url.Replace("/metrics", "/other"));
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        }
        finally
        {
            stop.Cancel();
        }
        Assert.Equal(ExitCodes.Ok, await serve);
    }

    [Fact]
    public async Task A_steady_network_counts_every_decision_but_persists_only_those_that_say_something_new()
    {
        var config = Config("metrics:\n  listen: 127.0.0.1:0\n", ServeWorkspace.SteadyServeYaml, goodEnough: 3);
        using var stop = new CancellationTokenSource();
        var output = new SharedOutput();
        var serve = Task.Run(() => EdgemanageCli.MainAsync(["serve", "-A", Net, "-c", config], output,
            TextWriter.Synchronized(new StringWriter()), stop.Token));
        double decisions;
        try
        {
            await Eventually.True(() => MetricsLine().IsMatch(output.ToString()) || serve.IsCompleted, Within, "the metrics line");
            Assert.False(serve.IsCompleted, output.ToString());
            var url = MetricsLine().Match(output.ToString()).Groups[1].Value;
            PromText p = null!;
            await Eventually.True(async () => (p = await ScrapeAsync(url)).Sum("edgemanage_decisions_total", ("network", Net)) >= 10,
                Within, "ten decisions");
            decisions = p.Sum("edgemanage_decisions_total", ("network", Net));
        }
        finally
        {
            stop.Cancel();
        }
        Assert.Equal(ExitCodes.Ok, await serve);

        // The first decision fills the set, the next keeps it; after that nothing changes and nothing is written
        // (a few more for healths settling while the windows fill).
        using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_dir.Path, "state", $"edgemanage-{Net}.journal.db")};Pooling=false");
        db.Open();
        using var count = db.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM journal WHERE persistence_id = $id";
        count.Parameters.AddWithValue("$id", Edgemanage.Actors.Networks.NetworkActor.PersistenceIdFor(Net));
        var persisted = (long)count.ExecuteScalar()!;
        Assert.True(persisted >= 1 && persisted <= decisions / 2, $"{persisted} of {decisions} decisions persisted");

        // What the journal keeps still answers why.
        var why = await EdgemanageProcess.RunInProcessAsync("why", "-A", Net, "-c", config, ZoneA()[0]);
        Assert.Contains($"{ZoneA()[0]} is LIVE", why.Stdout);
    }

    [Fact]
    public async Task A_metrics_port_in_use_does_not_stop_serve()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var config = Config();
        using var stop = new CancellationTokenSource();
        var output = new SharedOutput();
        var error = new SharedOutput();
        var serve = Task.Run(() => EdgemanageCli.MainAsync(["serve", "-A", Net, "-c", config, "--metrics-listen", $"127.0.0.1:{port}"],
            output, error, stop.Token));
        try
        {
            await Eventually.True(() => ZoneA().Length == 3 || serve.IsCompleted, Within, "the first zone");
            Assert.False(serve.IsCompleted, $"serve ended early: {output}\n{error}");
            Assert.Contains($"metrics endpoint not started: cannot listen on 127.0.0.1:{port}", error.ToString());
            Assert.DoesNotContain("metrics on ", output.ToString());
        }
        finally
        {
            stop.Cancel();
        }
        Assert.Equal(ExitCodes.Ok, await serve);
    }

    [Fact]
    public async Task Metrics_listen_off_and_a_bad_override()
    {
        var config = Config();
        var bad = await EdgemanageProcess.RunInProcessAsync("serve", "-A", Net, "-c", config, "--metrics-listen", "nowhere");
        Assert.Equal(ExitCodes.UsageOrConfig, bad.ExitCode);
        Assert.Contains("--metrics-listen must be HOST:PORT or off", bad.Stderr);

        using var stop = new CancellationTokenSource();
        var output = new SharedOutput();
        var serve = Task.Run(() => EdgemanageCli.MainAsync(["serve", "-A", Net, "-c", config, "--metrics-listen", "off"],
            output, TextWriter.Null, stop.Token));
        try
        {
            await Eventually.True(() => output.ToString().Contains("serving metricnet") || serve.IsCompleted, Within, "serve starting");
            Assert.DoesNotContain("metrics", output.ToString());
        }
        finally
        {
            stop.Cancel();
        }
        Assert.Equal(ExitCodes.Ok, await serve);
    }

    [Fact]
    public async Task Run_writes_the_rounds_metrics_as_a_textfile_but_not_in_a_dry_run()
    {
        var config = Config();
        var prom = Path.Combine(_dir.Path, "state", $"{Net}.prom");

        var dry = await EdgemanageProcess.RunInProcessAsync("run", "-A", Net, "-c", config, "-n");
        Assert.True(dry.ExitCode == ExitCodes.Ok, dry.ToString());
        Assert.False(File.Exists(prom));

        var run = await EdgemanageProcess.RunInProcessAsync("run", "-A", Net, "-c", config);
        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.True(File.Exists(prom), run.ToString());
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(prom));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(prom)!, "*.tmp"));
        var p = PromText.Parse(File.ReadAllText(prom));
        (string, string) n = ("network", Net);
        // Counters are this run's: each edge probed once, one decision.
        Assert.Equal(FleetEdges.Length, p.Sum("edgemanage_probes_total", n));
        Assert.Equal(10, p.All("edgemanage_probes_total", n, ("vantage", "local")).Count()); // every outcome has a series
        Assert.Equal(1, p.Value("edgemanage_decisions_total", n));
        Assert.Equal(1, p.Value("edgemanage_zone_writes_total", n, ("action", "written")));
        Assert.Equal(3, p.Sum("edgemanage_edge_live", n));
        Assert.Equal(3, p.Value("edgemanage_network_live_edges", n));
        Assert.All(FleetEdges, e => Assert.NotNull(p.Value("edgemanage_edge_last_seconds", n, ("edge", e), ("vantage", "local"))));
        Assert.Contains("edgemanage_build_info", p.Types.Keys);

        // A second run replaces the file with its own counts.
        var again = await EdgemanageProcess.RunInProcessAsync("run", "-A", Net, "-c", config);
        Assert.True(again.ExitCode == ExitCodes.Ok, again.ToString());
        p = PromText.Parse(File.ReadAllText(prom));
        Assert.Equal(FleetEdges.Length, p.Sum("edgemanage_probes_total", n));
        Assert.Equal(1, p.Sum("edgemanage_zone_writes_total", n)); // one zone, once: written or unchanged
    }

    [Fact]
    public async Task Run_counts_hook_runs_and_failures()
    {
        var config = DemoWorkspace.Write(_dir.Path, Net, _fleet.Port, _fleet.Body, FleetEdges, extraYaml: ServeYaml, goodEnough: 0.5, edgeCount: 3,
            commandsYaml: "commands:\n  run_before: [\"false\"]\n  run_after: [\"true\"]\n  run_after_changes: [\"true\", \"false\"]");
        var run = await EdgemanageProcess.RunInProcessAsync("run", "-A", Net, "-c", config);
        Assert.Equal(ExitCodes.Degraded, run.ExitCode); // run_after_changes failed
        var p = PromText.Parse(File.ReadAllText(Path.Combine(_dir.Path, "state", $"{Net}.prom")));
        (string, string) n = ("network", Net);
        Assert.Equal(1, p.Value("edgemanage_hook_runs_total", n, ("hook", "run_before")));
        Assert.Equal(1, p.Value("edgemanage_hook_failures_total", n, ("hook", "run_before")));
        Assert.Equal(1, p.Value("edgemanage_hook_runs_total", n, ("hook", "run_after")));
        Assert.Null(p.Value("edgemanage_hook_failures_total", n, ("hook", "run_after")));
        Assert.Equal(2, p.Value("edgemanage_hook_runs_total", n, ("hook", "run_after_changes")));
        Assert.Equal(1, p.Value("edgemanage_hook_failures_total", n, ("hook", "run_after_changes")));
    }

    [Fact]
    public async Task Run_textfile_path_substitutes_dnet_and_off_disables_it()
    {
        var custom = Config("metrics:\n  textfile: textfiles/edgemanage-{dnet}.prom\n");
        var run = await EdgemanageProcess.RunInProcessAsync("run", "-A", Net, "-c", custom);
        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.True(File.Exists(Path.Combine(_dir.Path, "textfiles", $"edgemanage-{Net}.prom")), run.ToString());

        // A textfile that cannot be written is a warning; the round's exit code stands.
        var broken = Config("metrics:\n  textfile: test_object/{dnet}.prom\n"); // test_object is a file, not a directory
        run = await EdgemanageProcess.RunInProcessAsync("run", "-A", Net, "-c", broken);
        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Contains("warning: writing the metrics textfile failed", run.Stderr);

        var off = Config("metrics:\n  textfile: off\n");
        run = await EdgemanageProcess.RunInProcessAsync("run", "-A", Net, "-c", off);
        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.False(File.Exists(Path.Combine(_dir.Path, "state", $"{Net}.prom")));
    }
}
