using Edgemanage.Fleet;
using Edgemanage.Node.Cli;
using Opt = Edgemanage.Node.Cli.CommandLine.Option;

namespace Edgemanage.Node.Commands;

/// <summary>
/// <c>edgemanage demo</c>: a newcomer's first minute. Starts the loopback test fleet with fast, slow and
/// failing edges, writes an original-style config into a working folder, and runs the real <c>run</c> job
/// against it a few times, changing some edges' behaviour between rounds, then shows <c>query</c>.
/// </summary>
public static class DemoCommand
{
    public const string Usage = """
        usage: edgemanage demo [--dir DIR] [--rounds N] [-v]
               edgemanage demo --serve [--dir DIR] [--admin HOST:PORT] [--metrics-listen HOST:PORT] [-v]
          --serve: instead of cron rounds, keep the demo fleet up and serve it as a long-running node until Ctrl-C,
                   to try 'edgemanage ctl', the metrics endpoint and the Nagios checks against it
               edgemanage demo --fleet-only [--port N] [--test-object FILE]
          --fleet-only: only the twelve loopback edges (127.0.0.2-127.0.0.13, port N, default 18080) until SIGTERM,
                   serving FILE as the test object: what the packaged edgemanage-demo-fleet.service runs
        """;

    private static readonly Opt[] Options =
    [
        new("dir", null, "--dir", true),
        new("rounds", null, "--rounds", true),
        new("verbose", "-v", "--verbose", false),
        new("serve", null, "--serve", false),
        new("admin", null, "--admin", true),
        new("metrics-listen", null, "--metrics-listen", true),
        new("fleet-only", null, "--fleet-only", false),
        new("port", null, "--port", true),
        new("test-object", null, "--test-object", true),
    ];

    public const string Network = "demo";

    /// <summary>The demo fleet: address, behaviour, and what an operator should notice about it.</summary>
    private static readonly (string Edge, EdgeBehaviour Behaviour, string Note)[] Fleet =
    [
        ("127.0.0.2", EdgeBehaviour.Delay(TimeSpan.FromMilliseconds(5)), "fast"),
        ("127.0.0.3", EdgeBehaviour.Delay(TimeSpan.FromMilliseconds(20)), "fast; starts refusing in round 2"),
        ("127.0.0.4", EdgeBehaviour.Delay(TimeSpan.FromMilliseconds(40)), "fast"),
        ("127.0.0.5", EdgeBehaviour.Delay(TimeSpan.FromMilliseconds(60)), "fast"),
        ("127.0.0.6", EdgeBehaviour.Delay(TimeSpan.FromMilliseconds(300)), "slower than goodenough (0.2 s)"),
        ("127.0.0.7", EdgeBehaviour.Delay(TimeSpan.FromMilliseconds(900)), "slow"),
        ("127.0.0.8", EdgeBehaviour.Status(500), "answers HTTP 500; recovers in round 3"),
        ("127.0.0.9", EdgeBehaviour.WrongBody(), "serves the wrong object"),
        ("127.0.0.10", EdgeBehaviour.Refuse(), "refuses connections"),
        ("127.0.0.11", EdgeBehaviour.Hang(), "accepts and never answers (costs one probe timeout, 2 s)"),
        ("127.0.0.12", EdgeBehaviour.Reset(), "resets the connection"),
        ("127.0.0.13", EdgeBehaviour.SlowBody(TimeSpan.FromMilliseconds(400)), "fast headers, slow body"),
    ];

    /// <param name="control">Steers the serve of <c>demo --serve</c> (SIGHUP reloads it).</param>
    public static async Task<int> ExecuteAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, ServeControl control,
        CancellationToken ct = default)
    {
        var cl = CommandLine.Parse("demo", args, Options);
        cl.NoPositionals("demo");
        if (cl.Flag("fleet-only")) return await FleetOnlyAsync(cl, output, error, ct);
        var rounds = cl.Int("demo", "rounds", "--rounds", 3, 1, 50);
        var dir = Path.GetFullPath(cl.Value("dir") ?? Path.Combine(Environment.CurrentDirectory, "edgemanage-demo"));

        output.WriteLine($"Starting a loopback fleet of {Fleet.Length} edges (127.0.0.2-127.0.0.13):");
        await using var fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = Fleet.Select(f => f.Edge).ToArray() }, ct);
        foreach (var (edge, behaviour, note) in Fleet)
        {
            fleet.Set(edge, behaviour);
            output.WriteLine($"  {edge,-11} {note}");
        }
        var configPath = DemoWorkspace.Write(dir, Network, fleet.Port, fleet.Body, Fleet.Select(f => f.Edge).ToArray(),
            extraYaml: "probe_timeout: 2\nprobe_concurrency: 100\nprobe_interval: 2\ndecision_interval: 2\nhistory_batch_window: 1\n", goodEnough: 0.2);
        output.WriteLine();
        if (cl.Flag("serve")) return await ServeAsync(cl, configPath, output, error, control, ct);
        output.WriteLine($"Wrote {configPath} (an original-style edgemanage.yaml) and the demo edge list.");
        output.WriteLine($"Each round below is what 'edgemanage run -A {Network} -c {configPath}' does.");

        for (var round = 1; round <= rounds; round++)
        {
            output.WriteLine();
            if (round == 2)
            {
                fleet.Set("127.0.0.3", EdgeBehaviour.Refuse());
                output.WriteLine("== round 2: 127.0.0.3 now refuses connections");
            }
            else if (round == 3)
            {
                fleet.Set("127.0.0.8", EdgeBehaviour.Delay(TimeSpan.FromMilliseconds(10)));
                output.WriteLine("== round 3: 127.0.0.8 recovered (its average still remembers the failures)");
            }
            else
            {
                output.WriteLine($"== round {round}");
            }
            var context = NetworkContext.Load(configPath, Network, error);
            if (context is null) return ExitCodes.UsageOrConfig;
            var code = await RunCommand.RunRoundAsync(context, new RunCommand.RunOptions(DryRun: false, Verbose: cl.Flag("verbose"), ShowDecision: true), output, error, ct);
            if (code is not (ExitCodes.Ok or ExitCodes.Degraded)) return code;
        }

        output.WriteLine();
        output.WriteLine($"== the persisted state, as 'edgemanage query -A {Network} -c {configPath} -v --header' shows it:");
        var queryCode = await QueryCommand.ExecuteAsync(["-A", Network, "-c", configPath, "-v", "--header"], output, error, ct);
        output.WriteLine();
        output.WriteLine($"History lives in {Path.Combine(dir, "state")}; run the demo again and the averages carry on from there.");
        return queryCode;
    }

    /// <summary>The fleet stays up while a real <c>serve</c> node probes it; the operator pokes at it from another terminal.</summary>
    private static async Task<int> ServeAsync(CommandLine cl, string configPath, TextWriter output, TextWriter error, ServeControl control,
        CancellationToken ct)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, configPath);
        output.WriteLine($"Serving it as 'edgemanage serve -A {Network} -c {relative}' does, until Ctrl-C. From another terminal, try:");
        output.WriteLine($"  edgemanage ctl cluster show");
        output.WriteLine($"  edgemanage ctl net show {Network}");
        output.WriteLine($"  edgemanage ctl -c {relative} edge mode {Network} 127.0.0.2 unavailable -C \"disk swap\" --for 2h");
        output.WriteLine($"  edgemanage ctl why {Network} 127.0.0.2");
        output.WriteLine($"  curl -s http://127.0.0.1:9469/metrics | grep '^edgemanage_edge_live'");
        output.WriteLine($"  edgemanage check latency -A {Network} -c {relative}");
        output.WriteLine();
        List<string> serveArgs = ["-A", Network, "-c", configPath];
        if (cl.Value("admin") is { } admin) serveArgs.AddRange(["--admin", admin]);
        if (cl.Value("metrics-listen") is { } metrics) serveArgs.AddRange(["--metrics-listen", metrics]);
        if (cl.Flag("verbose")) serveArgs.Add("-v");
        return await ServeCommand.ExecuteAsync(serveArgs, output, error, control, ct);
    }

    /// <summary>The packaged demo's edges (edgemanage-demo-fleet.service): the fleet alone, fixed port, until SIGTERM.</summary>
    private static async Task<int> FleetOnlyAsync(CommandLine cl, TextWriter output, TextWriter error, CancellationToken ct)
    {
        var port = cl.Int("demo", "port", "--port", 18080, 1, 65535);
        byte[]? body = null;
        if (cl.Value("test-object") is { } file)
        {
            try { body = File.ReadAllBytes(file); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"edgemanage: demo: --test-object {file}: {e.Message}");
                return ExitCodes.UsageOrConfig;
            }
            if (body.Length == 0) throw new UsageException($"--test-object {file} is empty");
        }
        await using var fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = Fleet.Select(f => f.Edge).ToArray(), Port = port, Body = body }, ct);
        output.WriteLine($"demo fleet: {Fleet.Length} edges on port {fleet.Port} ({fleet.Body.Length}-byte test object), until SIGTERM:");
        foreach (var (edge, behaviour, note) in Fleet)
        {
            fleet.Set(edge, behaviour);
            output.WriteLine($"  {edge,-11} {note.Split(';')[0]}");
        }
        output.Flush();
        Hosting.SystemdNotify.Ready($"demo fleet on 127.0.0.2-127.0.0.13 port {fleet.Port}");
        try { await Task.Delay(Timeout.Infinite, ct); }
        catch (OperationCanceledException) { }
        output.WriteLine("demo fleet: stopped");
        return ExitCodes.Ok;
    }
}
