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
    internal static readonly Opt[] Options =
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
        ("127.0.0.3", EdgeBehaviour.Delay(TimeSpan.FromMilliseconds(20)), "fast"),
        ("127.0.0.4", EdgeBehaviour.Delay(TimeSpan.FromMilliseconds(40)), "fast"),
        ("127.0.0.5", EdgeBehaviour.Delay(TimeSpan.FromMilliseconds(60)), "fast"),
        ("127.0.0.6", EdgeBehaviour.Delay(TimeSpan.FromMilliseconds(300)), "300 ms (slower than the demo's goodenough, 0.2 s)"),
        ("127.0.0.7", EdgeBehaviour.Delay(TimeSpan.FromMilliseconds(900)), "slow"),
        (Recovering, EdgeBehaviour.Status(500), "answers HTTP 500 (until it recovers, below)"),
        ("127.0.0.9", EdgeBehaviour.WrongBody(), "serves the wrong object"),
        ("127.0.0.10", EdgeBehaviour.Refuse(), "refuses connections"),
        ("127.0.0.11", EdgeBehaviour.Hang(), "accepts and never answers (costs one probe timeout, 2 s)"),
        ("127.0.0.12", EdgeBehaviour.Reset(), "resets the connection"),
        ("127.0.0.13", EdgeBehaviour.SlowBody(TimeSpan.FromMilliseconds(400)), "fast headers, slow body"),
    ];

    /// <summary>The failing edge the script brings back.</summary>
    private const string Recovering = "127.0.0.8";

    /// <summary>When <c>demo --serve</c> breaks a live edge (and brings 127.0.0.8 back), and when it mends it again.</summary>
    private static readonly TimeSpan ServeBreakAfter = TimeSpan.FromSeconds(30), ServeMendAfter = TimeSpan.FromSeconds(90);

    /// <param name="control">Steers the serve of <c>demo --serve</c> (SIGHUP reloads it).</param>
    public static async Task<int> ExecuteAsync(CommandLine cl, TextWriter output, TextWriter error, ServeControl control,
        CancellationToken ct = default)
    {
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
        var serve = cl.Flag("serve");
        output.WriteLine(serve
            ? $"While it serves: after {ServeBreakAfter.TotalSeconds:0} s one live edge starts refusing connections and {Recovering} recovers;"
              + $" {ServeMendAfter.TotalSeconds:0} s in, the refusing edge answers again."
            : $"Round 2 breaks an edge of the live set (it starts refusing connections); round 3 brings {Recovering} back.");
        var configPath = DemoWorkspace.Write(dir, Network, fleet.Port, fleet.Body, Fleet.Select(f => f.Edge).ToArray(),
            extraYaml: "probe_timeout: 2\nprobe_concurrency: 100\nprobe_interval: 2\ndecision_interval: 2\nhistory_batch_window: 1\n", goodEnough: 0.2);
        var liveList = Path.Combine(dir, "state", Network + ".live");
        var em = CommandHint.Prefix();
        output.WriteLine();
        if (serve) return await ServeAsync(cl, fleet, em, configPath, liveList, output, error, control, ct);
        output.WriteLine($"Wrote {configPath} (an original-style edgemanage.yaml) and the demo edge list.");
        output.WriteLine($"Each round below is what '{em} run -A {Network} -c {configPath}' does.");

        for (var round = 1; round <= rounds; round++)
        {
            output.WriteLine();
            if (round == 2)
            {
                // A live edge, so every demo (the tenth as much as the first) shows the live set repairing itself;
                // a fixed edge stayed out after the first demo, its average still remembering the failures.
                var victim = Victim(liveList, prefer: "127.0.0.3");
                fleet.Set(victim, EdgeBehaviour.Refuse());
                output.WriteLine($"== round 2: {victim}, live until now, refuses connections from here on");
            }
            else if (round == 3)
            {
                fleet.Set(Recovering, EdgeBehaviour.Delay(TimeSpan.FromMilliseconds(10)));
                output.WriteLine($"== round 3: {Recovering} recovered (its average still remembers the failures)");
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
        output.WriteLine($"== the persisted state, as '{em} query -A {Network} -c {configPath} -v --header' shows it:");
        var queryCode = await QueryCommand.ExecuteAsync(["-A", Network, "-c", configPath, "-v", "--header"], output, error, ct);
        output.WriteLine();
        output.WriteLine($"History lives in {Path.Combine(dir, "state")}; run the demo again and the averages carry on from there.");
        return queryCode;
    }

    /// <summary>The edge the script breaks: <paramref name="prefer"/> when it is live, else the first live edge in
    /// address order, else <paramref name="prefer"/> (nothing published yet).</summary>
    private static string Victim(string liveList, string prefer, string? spare = null)
    {
        var live = File.Exists(liveList)
            ? File.ReadAllLines(liveList).Select(l => l.Trim()).Where(l => l.Length > 0 && l != spare).ToArray()
            : [];
        return live.Contains(prefer) || live.Length == 0 ? prefer : Output.EdgeOrder.Sort(live).First();
    }

    /// <summary>The fleet stays up while a real <c>serve</c> node probes it; the operator pokes at it from another terminal
    /// while the script breaks a live edge and mends it again.</summary>
    private static async Task<int> ServeAsync(CommandLine cl, TestFleet fleet, string em, string configPath, string liveList, TextWriter output,
        TextWriter error, ServeControl control, CancellationToken ct)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, configPath);
        output.WriteLine($"Serving it as '{em} serve -A {Network} -c {relative}' does, until Ctrl-C. From another terminal, try:");
        output.WriteLine($"  {em} ctl cluster show");
        output.WriteLine($"  {em} ctl net show {Network}");
        output.WriteLine($"  {em} ctl -c {relative} edge mode {Network} 127.0.0.2 unavailable -C \"disk swap\" --for 2h");
        output.WriteLine($"  {em} ctl why {Network} 127.0.0.2");
        output.WriteLine($"  curl -s http://127.0.0.1:9469/metrics | grep '^edgemanage_edge_live'");
        output.WriteLine($"  {em} check latency -A {Network} -c {relative}");
        output.WriteLine();
        List<string> serveArgs = ["-A", Network, "-c", configPath];
        if (cl.Value("admin") is { } admin) serveArgs.AddRange(["--admin", admin]);
        if (cl.Value("metrics-listen") is { } metrics) serveArgs.AddRange(["--metrics-listen", metrics]);
        if (cl.Flag("verbose")) serveArgs.Add("-v");
        using var stopScript = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var script = ServeScriptAsync(fleet, em, liveList, output, stopScript.Token);
        try
        {
            return await ServeCommand.ExecuteAsync(serveArgs, output, error, control, ct);
        }
        finally
        {
            await stopScript.CancelAsync();
            await script;
        }
    }

    /// <summary>What <c>demo --serve</c> does to the fleet while it serves, so there is a change to watch.</summary>
    private static async Task ServeScriptAsync(TestFleet fleet, string em, string liveList, TextWriter output, CancellationToken ct)
    {
        try
        {
            await Task.Delay(ServeBreakAfter, ct);
            // Not 127.0.0.2: the walk above drains that one by hand.
            var victim = Victim(liveList, prefer: "127.0.0.3", spare: "127.0.0.2");
            var before = Fleet.First(f => f.Edge == victim).Behaviour;
            fleet.Set(victim, EdgeBehaviour.Refuse());
            fleet.Set(Recovering, EdgeBehaviour.Delay(TimeSpan.FromMilliseconds(10)));
            output.WriteLine($"demo: {victim} (live) now refuses connections and {Recovering} answers again; watch '{em} ctl net show {Network}'");
            await Task.Delay(ServeMendAfter - ServeBreakAfter, ct);
            fleet.Set(victim, before);
            output.WriteLine($"demo: {victim} answers again (its average remembers the failures for a while)");
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Ctrl-C or the serve ended: the script simply stops.
        }
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
            // The notes' remarks in parentheses are about the demo's own rounds and config, not this fleet's users.
            output.WriteLine($"  {edge,-11} {System.Text.RegularExpressions.Regex.Replace(note, @"\s*\(.*\)$", "")}");
        }
        output.Flush();
        Hosting.SystemdNotify.Ready($"demo fleet on 127.0.0.2-127.0.0.13 port {fleet.Port}");
        try { await Task.Delay(Timeout.Infinite, ct); }
        catch (OperationCanceledException) { }
        output.WriteLine("demo fleet: stopped");
        return ExitCodes.Ok;
    }
}
