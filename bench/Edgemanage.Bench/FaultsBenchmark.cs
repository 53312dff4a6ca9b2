using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Edgemanage.Actors.Faults;
using Edgemanage.Actors.Zones;
using Edgemanage.Fleet;
using Edgemanage.Node.Commands;

namespace Edgemanage.Bench;

/// <summary>
/// The crash half of the fault suite, at a scale the test run cannot afford: kill -9 of <c>run</c> at every step of
/// publishing (armed with EDGEMANAGE_CRASH_AT) and at random instants, and of <c>serve</c> at random instants after a
/// live edge fails, each followed by a clean round (or a restarted node) that must leave zones, live list, recorded
/// decision and reloads in agreement, with no temp file left and no serial gone backwards. Two zones, five edges,
/// edge_count 2; all traffic on 127.0.0.0/8.
/// </summary>
public static class FaultsBenchmark
{
    private const string Network = "faults";
    private static readonly string[] Edges = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"];
    private static readonly string[] Zones = ["example.test", "second.test"];
    private const int Killed = 137;

    private sealed record Options(string Edgemanage, int Trials, int RandomRuns, int RandomServes, string? WorkDir, int Seed);

    private sealed record Trial(string Scenario, bool CrashedAsArmed, string? Failure, TimeSpan Converge);

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var o = Parse(args);
        var edgemanage = Path.GetFullPath(o.Edgemanage);
        if (!File.Exists(edgemanage)) throw new ArgumentException($"--edgemanage: no such file '{o.Edgemanage}'");
        var root = Path.GetFullPath(o.WorkDir ?? Path.Combine("artifacts", "bench", "faults"));
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        Directory.CreateDirectory(root);
        var random = new Random(o.Seed);
        await using var fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = Edges });
        var trials = new List<Trial>();
        var n = 0;

        foreach (var point in new[] { CrashPoints.ZonesStaged, CrashPoints.ZoneRenamed + "@1", CrashPoints.ZoneRenamed + "@2", CrashPoints.LiveListWritten,
                     CrashPoints.HooksRan, CrashPoints.ZonesRecorded, CrashPoints.DecisionRecorded })
            for (var t = 0; t < o.Trials; t++)
            {
                var trial = await RunTrialAsync(new Workspace(Path.Combine(root, $"t{++n}"), fleet, edgemanage), $"run killed at {point}",
                    w => w.Edgemanage(point, "run", "-A", Network, "-c", w.Config), killAfter: null, lasting: t % 2 == 1, random);
                trials.Add(trial);
                error.WriteLine($"{trial.Scenario}: {(trial.Failure ?? "converged")} in {trial.Converge.TotalSeconds:F2} s");
            }

        var runTime = o.RandomRuns == 0 ? TimeSpan.Zero : await TimeOneRunAsync(new Workspace(Path.Combine(root, $"t{++n}"), fleet, edgemanage));
        if (o.RandomRuns > 0) error.WriteLine($"# a publishing run takes {runTime.TotalSeconds:F2} s here; random kills fall within 1.2 times that");
        for (var t = 0; t < o.RandomRuns; t++)
        {
            var delay = TimeSpan.FromMilliseconds(random.NextDouble() * runTime.TotalMilliseconds * 1.2);
            var trial = await RunTrialAsync(new Workspace(Path.Combine(root, $"t{++n}"), fleet, edgemanage), "run killed at a random instant",
                w => w.Edgemanage(null, "run", "-A", Network, "-c", w.Config), delay, lasting: random.Next(2) == 1, random);
            trials.Add(trial);
            error.WriteLine($"{trial.Scenario} ({delay.TotalMilliseconds:F0} ms): {(trial.Failure ?? "converged")} in {trial.Converge.TotalSeconds:F2} s");
        }

        for (var t = 0; t < o.RandomServes; t++)
        {
            var delay = TimeSpan.FromMilliseconds(random.NextDouble() * 3000);
            var trial = await ServeTrialAsync(new Workspace(Path.Combine(root, $"t{++n}"), fleet, edgemanage), delay, lasting: random.Next(2) == 1, error);
            trials.Add(trial);
            error.WriteLine($"{trial.Scenario} ({delay.TotalMilliseconds:F0} ms after the failure): {(trial.Failure ?? "converged")} in {trial.Converge.TotalSeconds:F2} s");
        }

        output.WriteLine("| scenario | trials | killed as armed | converged | converge median / max (s) |");
        output.WriteLine("|---|---:|---:|---:|---|");
        foreach (var g in trials.GroupBy(t => t.Scenario))
        {
            var times = g.Select(t => t.Converge.TotalSeconds).Order().ToArray();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {g.Key} | {g.Count()} | {g.Count(t => t.CrashedAsArmed)} | {g.Count(t => t.Failure is null)} | {times[times.Length / 2]:F2} / {times[^1]:F2} |"));
        }
        var failures = trials.Where(t => t.Failure is not null).ToArray();
        foreach (var f in failures) error.WriteLine($"FAILED: {f.Scenario}: {f.Failure}");
        return failures.Length == 0 ? 0 : 1;
    }

    /// <summary>
    /// Publish a first live set, make one of its edges refuse, start the crashing process, then either restore the old
    /// set (every other edge refuses: the next round must publish it again) or leave the failure (the next round must
    /// not publish the failing edge), run a clean round and check the network converged.
    /// </summary>
    private static async Task<Trial> RunTrialAsync(Workspace w, string scenario, Func<Workspace, Process> start, TimeSpan? killAfter, bool lasting,
        Random random)
    {
        w.OnlyHealthy(Edges);
        var first = await w.RunAsync(null, "run", "-A", Network, "-c", w.Config);
        if (first.Code != 0) return new Trial(scenario, false, $"the first run exited {first.Code}: {first.Stderr}", TimeSpan.Zero);
        var before = w.ApexA(Zones[0]);
        var serials = Zones.ToDictionary(z => z, w.Serial);
        var victim = before[random.Next(before.Length)];
        w.Fleet.Set(victim, EdgeBehaviour.Refuse());

        using var crashing = start(w);
        var crashingExit = crashing.WaitForExitAsync();
        if (killAfter is { } delay && await Task.WhenAny(crashingExit, Task.Delay(delay)) != crashingExit)
            crashing.Kill(entireProcessTree: true);
        await crashingExit;
        var crashed = crashing.ExitCode == Killed;

        if (!lasting) w.OnlyHealthy(before);
        var clock = Stopwatch.StartNew();
        var next = await w.RunAsync(null, "run", "-A", Network, "-c", w.Config);
        var took = clock.Elapsed;
        var suffix = lasting ? " (failure lasts)" : " (old set healthy again)";
        if (next.Code != 0) return new Trial(scenario + suffix, crashed, $"the next run exited {next.Code}: {next.Stderr}", took);
        var failure = await w.ConvergedAsync(lasting ? null : before, victim, serials);
        return new Trial(scenario + suffix, crashed, failure, took);
    }

    /// <summary>serve: a live edge fails, the node is killed at a random instant after that, a restarted node must converge.</summary>
    private static async Task<Trial> ServeTrialAsync(Workspace w, TimeSpan delay, bool lasting, TextWriter log)
    {
        const string scenario = "serve killed at a random instant after a live edge fails";
        w.OnlyHealthy(Edges);
        var first = await w.RunAsync(null, "run", "-A", Network, "-c", w.Config);
        if (first.Code != 0) return new Trial(scenario, false, $"the first run exited {first.Code}", TimeSpan.Zero);
        var before = w.ApexA(Zones[0]);
        var serials = Zones.ToDictionary(z => z, w.Serial);
        string[] serveArgs = ["serve", "-A", Network, "-c", w.Config, "--admin", "off", "--metrics-listen", "off"];

        using (var node = ServeChild.Start("crashing", w.EdgemanagePath, w.Dir, serveArgs, "serve-crashing", keepStdout: true, log))
        {
            if (!await WaitAsync(() => node.Stdout.Contains($"serving {Network}", StringComparison.Ordinal) || node.Exited, TimeSpan.FromSeconds(60)) || node.Exited)
                return new Trial(scenario, false, "the node did not start serving:\n" + node.Tail(), TimeSpan.Zero);
            w.Fleet.Set(before[0], EdgeBehaviour.Refuse());
            await Task.Delay(delay);
            node.Kill();
        }

        if (!lasting) w.OnlyHealthy(before);
        var suffix = lasting ? " (failure lasts)" : " (old set healthy again)";
        var clock = Stopwatch.StartNew();
        using var restarted = ServeChild.Start("restarted", w.EdgemanagePath, w.Dir, serveArgs, "serve-restarted", keepStdout: true, log);
        // Converged means: serving, and the zones as expected (they may already be, when the kill came before a write).
        var converged = await WaitAsync(() => restarted.Stdout.Contains($"serving {Network}", StringComparison.Ordinal) && (lasting
            ? !w.ApexA(Zones[0]).Contains(before[0]) && Zones.All(z => w.ApexA(z).SequenceEqual(w.LiveListEdges()))
            : Zones.All(z => w.ApexA(z).SequenceEqual(before)) && w.LiveListEdges().SequenceEqual(before)), TimeSpan.FromSeconds(60));
        var took = clock.Elapsed;
        var stopped = Stopwatch.StartNew();
        var code = await restarted.StopAsync(TimeSpan.FromSeconds(15), log);
        if (code != 0) return new Trial(scenario + suffix, true, $"the restarted node exited {code} {stopped.Elapsed.TotalSeconds:F1} s after SIGTERM", took);
        if (!converged) return new Trial(scenario + suffix, true, "the zones did not converge within 60 s:\n" + restarted.Tail(), took);
        return new Trial(scenario + suffix, true, await w.ConvergedAsync(lasting ? null : before, before[0], serials), took);
    }

    private static async Task<TimeSpan> TimeOneRunAsync(Workspace w)
    {
        w.OnlyHealthy(Edges);
        await w.RunAsync(null, "run", "-A", Network, "-c", w.Config);
        w.Fleet.Set(w.ApexA(Zones[0])[0], EdgeBehaviour.Refuse());
        var clock = Stopwatch.StartNew();
        await w.RunAsync(null, "run", "-A", Network, "-c", w.Config);
        return clock.Elapsed;
    }

    private static async Task<bool> WaitAsync(Func<bool> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(50);
        }
        return true;
    }

    private sealed class Workspace
    {
        public Workspace(string dir, TestFleet fleet, string edgemanage)
        {
            Dir = dir;
            Fleet = fleet;
            EdgemanagePath = edgemanage;
            var hook = $"/bin/sh -c 'echo reload >> {ReloadLog}'";
            Config = DemoWorkspace.Write(dir, Network, fleet.Port, fleet.Body, Edges,
                extraYaml: "probe_timeout: 5\nzone_check_command: false\nprobe_interval: 1\ndecision_interval: 1\nhistory_batch_window: 0.3\n",
                goodEnough: 3, edgeCount: 2,
                commandsYaml: $"commands:\n  run_before: []\n  run_after: []\n  run_after_changes: [\"{hook}\"]");
            File.WriteAllText(Path.Combine(dir, "zones", Network, "second.test.zone"), "mail 60 IN A 127.0.0.1\n");
        }

        public string Dir { get; }
        public TestFleet Fleet { get; }
        public string EdgemanagePath { get; }
        public string Config { get; }
        public string ReloadLog => Path.Combine(Dir, "reloads.log");
        public string LiveList => Path.Combine(Dir, "state", $"{Network}.live");
        private string ZonePath(string zone) => Path.Combine(Dir, "named", zone + ".zone");

        public void OnlyHealthy(IReadOnlyCollection<string> healthy)
        {
            foreach (var edge in Edges) Fleet.Set(edge, healthy.Contains(edge) ? EdgeBehaviour.Ok() : EdgeBehaviour.Refuse());
        }

        public string[] ApexA(string zone)
        {
            var path = ZonePath(zone);
            if (!File.Exists(path)) return [];
            return File.ReadAllLines(path).Where(l => l.StartsWith("@\t\tIN\tA\t", StringComparison.Ordinal)).Select(l => l.Split('\t')[^1])
                .Order(StringComparer.Ordinal).ToArray();
        }

        public string[] LiveListEdges() =>
            File.Exists(LiveList) ? File.ReadAllLines(LiveList).Where(l => l.Length > 0).Order(StringComparer.Ordinal).ToArray() : [];

        public uint Serial(string zone) => ZoneFiles.ReadSerial(ZonePath(zone)) ?? 0;

        public Process Edgemanage(string? crashAt, params string[] args)
        {
            string[] command = EdgemanagePath.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? ["dotnet", EdgemanagePath, .. args] : [EdgemanagePath, .. args];
            var psi = new ProcessStartInfo(command[0])
            {
                WorkingDirectory = Dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            foreach (var a in command.Skip(1)) psi.ArgumentList.Add(a);
            if (crashAt is not null) psi.Environment[CrashPoints.EnvironmentVariable] = crashAt;
            var process = Process.Start(psi)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return process;
        }

        public async Task<(int Code, string Stdout, string Stderr)> RunAsync(string? crashAt, params string[] args)
        {
            string[] command = EdgemanagePath.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? ["dotnet", EdgemanagePath, .. args] : [EdgemanagePath, .. args];
            var psi = new ProcessStartInfo(command[0])
            {
                WorkingDirectory = Dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            foreach (var a in command.Skip(1)) psi.ArgumentList.Add(a);
            if (crashAt is not null) psi.Environment[CrashPoints.EnvironmentVariable] = crashAt;
            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, await stdout, await stderr);
        }

        /// <summary>Null when the network converged (on <paramref name="expected"/> when given), else what is wrong.</summary>
        public async Task<string?> ConvergedAsync(string[]? expected, string victim, IReadOnlyDictionary<string, uint> serialsBefore)
        {
            var query = await RunAsync(null, "query", "-A", Network, "-c", Config, "-f", "json", "-v");
            if (query.Code != 0) return $"query exited {query.Code}: {query.Stderr}";
            var recorded = query.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
                .Where(e => e.GetProperty("state").GetString() == "in").Select(e => e.GetProperty("edge").GetString()!)
                .Order(StringComparer.Ordinal).ToArray();
            var want = expected ?? recorded;
            if (expected is null && recorded.Contains(victim)) return $"the recorded decision keeps the failing {victim}";
            if (want.Length != 2) return $"the recorded decision has {recorded.Length} edges";
            foreach (var zone in Zones)
            {
                if (!ApexA(zone).SequenceEqual(want)) return $"zone {zone} publishes {string.Join(" ", ApexA(zone))}, expected {string.Join(" ", want)}";
                if (Serial(zone) != serialsBefore[zone] && !ZoneSerial.IsNewer(Serial(zone), serialsBefore[zone]))
                    return $"the serial of {zone} went from {serialsBefore[zone]} to {Serial(zone)}";
            }
            if (!LiveListEdges().SequenceEqual(want)) return $"the live list says {string.Join(" ", LiveListEdges())}";
            if (!recorded.SequenceEqual(want)) return $"the recorded decision says {string.Join(" ", recorded)}";
            var temps = Directory.GetFiles(Path.Combine(Dir, "named"), ".*.tmp").Concat(Directory.GetFiles(Path.Combine(Dir, "state"), ".*.tmp")).ToArray();
            if (temps.Length > 0) return $"temp files left: {string.Join(", ", temps.Select(Path.GetFileName))}";
            var lastZoneWrite = Zones.Max(z => File.GetLastWriteTimeUtc(ZonePath(z)));
            if (!File.Exists(ReloadLog) || File.GetLastWriteTimeUtc(ReloadLog) < lastZoneWrite) return "a zone was written after the last reload";
            return null;
        }
    }

    private static Options Parse(string[] args)
    {
        string? edgemanage = null, work = null;
        int trials = 2, randomRuns = 20, randomServes = 5, seed = 1;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.TryParse(Next(), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : throw new ArgumentException($"{args[i]} needs a whole number");
            switch (args[i])
            {
                case "--edgemanage": edgemanage = Next(); break;
                case "--trials": trials = Int(); break;
                case "--random-runs": randomRuns = Int(); break;
                case "--random-serves": randomServes = Int(); break;
                case "--seed": seed = Int(); break;
                case "--work": work = Next(); break;
                default: throw new ArgumentException($"faults: unknown option '{args[i]}'");
            }
        }
        return new Options(edgemanage ?? throw new ArgumentException("faults: --edgemanage PATH is required"), trials, randomRuns, randomServes, work, seed);
    }
}
