using System.Diagnostics;
using System.Globalization;
using Edgemanage.Fleet;
using static Edgemanage.Bench.DetectionBenchmark;

namespace Edgemanage.Bench;

/// <summary>
/// Cluster soak: one loopback fleet, one workspace with NETWORKS networks of EDGES edges each, and three
/// <c>edgemanage serve --cluster</c> processes (vantage and decider each, every node given every seed) serving every
/// network. After a warm-up (until every network has published, and at least WARMUP seconds after the start) it
/// reads each node's CPU time (the node and its child processes), resident memory and state_dir size every
/// SAMPLE seconds for DURATION, and reports per node: the CPU share of one core, RSS at the start / end / peak,
/// the networks it decides, and its journals' growth, extrapolated to one hour. The fleet runs in this process;
/// its CPU is reported separately. Linux only.
/// </summary>
public static class ClusterSoakBenchmark
{
    private const double Mb = 1024.0 * 1024.0;
    private static readonly TimeSpan EdgeDelay = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan StartupWithin = TimeSpan.FromSeconds(180);
    private static readonly TimeSpan StopWithin = TimeSpan.FromSeconds(30);
    private static readonly string[] Names = ["a", "b", "c"];

    private sealed record Options(string Edgemanage, int Networks, int Edges, double WarmupSeconds, double Seconds, double SampleSeconds, string? WorkDir);

    /// <summary>One node at one instant: CPU ticks of its process tree, RSS and peak RSS (kB), state_dir bytes.</summary>
    private sealed record Sample(double T, long Ticks, long RssKb, long PeakKb, long StateBytes, long WalBytes);

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var o = Parse(args);
        if (!OperatingSystem.IsLinux()) throw new ArgumentException("cluster-soak reads /proc: Linux only");
        var edgemanage = Path.GetFullPath(o.Edgemanage);
        if (!File.Exists(edgemanage)) throw new ArgumentException($"--edgemanage: no such file '{o.Edgemanage}'");
        var work = Path.GetFullPath(o.WorkDir ?? Path.Combine("artifacts", "bench", $"cluster-soak-{o.Networks}x{o.Edges}"));
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        Directory.CreateDirectory(work);
        var (clkTck, _) = ProcFs.ClockTicks();
        var loadBefore = ProcFs.LoadAverage();

        // Every network has its own edges (127.0.0.2 onwards, into 127.0.x.y: all loopback).
        var networks = Enumerable.Range(1, o.Networks).Select(i => $"net{i}").ToArray();
        var addresses = FleetAddresses.Range(2, o.Networks * o.Edges);
        var edgesByNetwork = networks.Select((_, n) => (IReadOnlyList<string>)addresses.Skip(n * o.Edges).Take(o.Edges).ToList()).ToList();
        error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"# cluster-soak: 3 nodes × {o.Networks} networks × {o.Edges} edges ({addresses[0]}..{addresses[^1]}, {EdgeDelay.TotalMilliseconds} ms each), probe_interval 10, decision_interval 10; warm-up {o.WarmupSeconds} s, measure {o.Seconds} s every {o.SampleSeconds} s; loadavg {loadBefore}; work {work}"));
        await using var fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = addresses });
        foreach (var a in addresses) fleet.Set(a, EdgeBehaviour.Delay(EdgeDelay));

        var config = BenchWorkspace.WriteNetworks(work, networks, edgesByNetwork, fleet.Port, fleet.Body,
            extraYaml: "probe_timeout: 10\nzone_check_command: false\nprobe_interval: 10\ndecision_interval: 10\nprobe_concurrency: 1000\nmetrics:\n  listen: off\nadmin:\n  enabled: false\n",
            goodEnough: 0.2, edgeCount: 4);
        BenchWorkspace.WriteNodeConfigs(work, config, Names);
        var zones = networks.Select(n => Path.Combine(work, "named", $"{n}.test.zone")).ToArray();
        var ports = BenchWorkspace.LowPorts(3);
        string[] NodeArgs(int i) =>
        [
            "serve", "--cluster", .. networks.SelectMany(n => new[] { "-A", n }), "-c", BenchWorkspace.NodeConfig(work, Names[i]),
            "--port", BenchWorkspace.Invariant(ports[i]), "--vantage", Names[i], "--roles", "vantage,decider",
            "--admin", "off", "--metrics-listen", "off",
            .. ports.SelectMany(p => new[] { "--seed", $"127.0.0.1:{BenchWorkspace.Invariant(p)}" }),
        ];

        string StateDir(int i) => Path.Combine(work, $"state-{Names[i]}");
        var nodes = new List<ServeChild>();
        var ok = false;
        try
        {
            var clock = Stopwatch.StartNew();
            // a first, alone (the oldest node), then b and c once it serves.
            nodes.Add(ServeChild.Start(Names[0], edgemanage, work, NodeArgs(0), $"serve-{Names[0]}", keepStdout: true, error));
            if (!await WaitAsync(() => nodes[0].Stdout.Contains("serving", StringComparison.Ordinal) || nodes[0].Exited, StartupWithin) || nodes[0].Exited)
                return Fail(error, "node a did not start serving");
            for (var i = 1; i < Names.Length; i++)
                nodes.Add(ServeChild.Start(Names[i], edgemanage, work, NodeArgs(i), $"serve-{Names[i]}", keepStdout: true, error));
            bool AnyExited() => nodes.Any(n => n.Exited);
            if (!await WaitAsync(() => zones.All(File.Exists) || AnyExited(), StartupWithin) || AnyExited())
                return Fail(error, $"not every network published within {StartupWithin.TotalSeconds:F0} s (or a node exited): missing {string.Join(", ", zones.Where(z => !File.Exists(z)).Select(Path.GetFileName))}");
            var published = clock.Elapsed.TotalSeconds;
            var warmupLeft = TimeSpan.FromSeconds(o.WarmupSeconds) - clock.Elapsed;
            error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"# every network published {published:F1} s after the first start; warm-up {Math.Max(0, warmupLeft.TotalSeconds):F0} s more; loadavg {ProcFs.LoadAverage()}"));
            if (warmupLeft > TimeSpan.Zero) await Task.Delay(warmupLeft);

            // Sample 0 is the baseline; then one per interval on a fixed schedule, the last at the end of the duration.
            var samples = Names.Select(_ => new List<Sample>()).ToArray();
            var duration = TimeSpan.FromSeconds(o.Seconds);
            var interval = TimeSpan.FromSeconds(o.SampleSeconds);
            var marks = nodes.Select(n => n.Stdout.Length).ToArray();
            var measure = Stopwatch.StartNew();
            var fleetCpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var probes0 = fleet.TotalRequests;
            for (var k = 0; ; k++)
            {
                var due = k == 0 ? TimeSpan.Zero : TimeSpan.FromTicks(Math.Min(interval.Ticks * k, duration.Ticks));
                var wait = due - measure.Elapsed;
                if (wait > TimeSpan.Zero) await Task.Delay(wait);
                if (AnyExited()) return Fail(error, $"a node exited after {measure.Elapsed.TotalSeconds:F1} s of measuring");
                var t = measure.Elapsed.TotalSeconds;
                var line = new System.Text.StringBuilder(string.Create(CultureInfo.InvariantCulture, $"# t {t,6:F1} s"));
                for (var i = 0; i < nodes.Count; i++)
                {
                    if (!ProcFs.TryRead(nodes[i].Pid, out var r)) return Fail(error, $"cannot read /proc/{nodes[i].Pid} ({Names[i]})");
                    var (state, wal) = ProcFs.DirectoryBytes(StateDir(i));
                    var s = new Sample(t, ProcFs.TreeTicks(nodes[i].Pid), r.RssKb, r.PeakKb, state, wal);
                    var cpu = k == 0 ? "-" : ((s.Ticks - samples[i][^1].Ticks) / (double)clkTck / (t - samples[i][^1].T) * 100).ToString("F1", CultureInfo.InvariantCulture);
                    samples[i].Add(s);
                    line.Append(string.Create(CultureInfo.InvariantCulture, $" | {Names[i]}: cpu {cpu,5} % rss {s.RssKb / 1024.0,6:F0} MB state {s.StateBytes / Mb,7:F2} MB (wal {s.WalBytes / Mb:F2})"));
                }
                error.WriteLine(line.ToString());
                if (due >= duration) break;
            }
            var wall = measure.Elapsed.TotalSeconds;
            var fleetCpu = (Process.GetCurrentProcess().TotalProcessorTime - fleetCpu0).TotalSeconds;
            // Whether the nodes kept up: every node probes every edge once per probe interval.
            var probesPerSecond = (fleet.TotalRequests - probes0) / wall;
            var expectedPerSecond = 3.0 * o.Networks * o.Edges / 10;
            var loadAfter = ProcFs.LoadAverage();

            // Which networks each node decides at the end, and how many hand-overs the measured period saw.
            var decides = nodes.Select(n => networks.Where(net => Decides(n.Stdout, net)).ToArray()).ToArray();
            var moves = nodes.Select((n, i) => CountOf(n.Stdout[marks[i]..], ": deciding ")).ToArray();

            var exits = new int[nodes.Count];
            var stopSeconds = new double[nodes.Count];
            // The stop is part of the check: every node must exit 0 after SIGTERM within StopWithin.
            for (var i = nodes.Count - 1; i >= 0; i--)
            {
                var sw = Stopwatch.StartNew();
                exits[i] = await nodes[i].StopAsync(StopWithin, error);
                stopSeconds[i] = sw.Elapsed.TotalSeconds;
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"3 nodes × {o.Networks} networks × {o.Edges} edges, probe_interval 10 s, decision_interval 10 s; measured {wall:F0} s after a {Math.Max(o.WarmupSeconds, published):F0} s warm-up; loadavg before {loadBefore}, after {loadAfter} ({Environment.ProcessorCount} cores); the fleet answered {probesPerSecond:F0} probes/s (all three nodes keeping up: {expectedPerSecond:F0}/s)"));
            output.WriteLine();
            output.WriteLine("| node | decides | CPU % of one core (mean) | RSS MB start / end / peak | state_dir MB start → end (WAL at end) | growth MB/h, extrapolated: all / without WAL | state_dir MB after exit | SIGTERM → exit |");
            output.WriteLine("|---|---|---:|---|---|---|---:|---|");
            for (var i = 0; i < nodes.Count; i++)
            {
                var (first, last) = (samples[i][0], samples[i][^1]);
                var span = last.T - first.T;
                var cpu = (last.Ticks - first.Ticks) / (double)clkTck / span * 100;
                var growthPerHour = (last.StateBytes - first.StateBytes) / Mb / span * 3600;
                var growthWithoutWal = (last.StateBytes - last.WalBytes - (first.StateBytes - first.WalBytes)) / Mb / span * 3600;
                var afterExit = ProcFs.DirectoryBytes(StateDir(i)).Total / Mb;
                var peak = Math.Max(samples[i].Max(s => s.RssKb), last.PeakKb);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {Names[i]} | {(decides[i].Length == 0 ? "–" : string.Join(", ", decides[i]))}{(moves[i] > 0 ? $" ({moves[i]} take-overs while measured)" : "")} | {cpu:F1} | {first.RssKb / 1024.0:F0} / {last.RssKb / 1024.0:F0} / {peak / 1024.0:F0} | {first.StateBytes / Mb:F2} → {last.StateBytes / Mb:F2} ({last.WalBytes / Mb:F2}) | {growthPerHour:F1} / {growthWithoutWal:F1} | {afterExit:F2} | {stopSeconds[i]:F1} s, exit {exits[i]} |"));
            }
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| fleet (bench process) | – | {fleetCpu / wall * 100:F1} | – | – | – | – | – |"));
            output.WriteLine();
            output.WriteLine("The growth per hour is extrapolated linearly from the measured period, not measured over an hour. The WAL (SQLite's");
            output.WriteLine("write-ahead log) is checkpointed into the database and reused, so it levels off; \"without WAL\" is the databases alone.");
            ok = exits.All(e => e == 0);
            if (!ok) error.WriteLine($"edgemanage-bench: cluster-soak: exit codes after SIGTERM {string.Join(", ", exits)} (expected 0)");
            return ok ? 0 : 1;
        }
        finally
        {
            for (var i = nodes.Count - 1; i >= 0; i--)
                if (!nodes[i].Exited) await nodes[i].StopAsync(StopWithin, error);
            if (!ok) foreach (var n in nodes) error.WriteLine(n.Tail());
            foreach (var n in nodes) n.Dispose();
        }
    }

    /// <summary>Whether a node's output says it decides <paramref name="network"/> now: its last line about the network's
    /// decider says it started deciding, not that it stopped.</summary>
    private static bool Decides(string stdout, string network)
    {
        var started = stdout.LastIndexOf($"{network}: deciding {network} on this node", StringComparison.Ordinal);
        var stopped = Math.Max(stdout.LastIndexOf($"{network}: handed {network} over", StringComparison.Ordinal),
            stdout.LastIndexOf($"{network}: no longer deciding {network}", StringComparison.Ordinal));
        return started >= 0 && started > stopped;
    }

    private static int CountOf(string text, string what)
    {
        var count = 0;
        for (var at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    private static int Fail(TextWriter error, string message)
    {
        error.WriteLine($"edgemanage-bench: cluster-soak: {message}");
        return 1;
    }

    private static Options Parse(string[] args)
    {
        string? edgemanage = null, work = null;
        int networks = 5, edges = 2000;
        double warmup = 60, seconds = 180, sample = 10;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--edgemanage": edgemanage = Next(); break;
                case "--networks": networks = BenchArgs.PositiveInt("--networks", Next()); break;
                case "--edges": edges = BenchArgs.PositiveInt("--edges", Next()); break;
                case "--warmup-seconds": warmup = BenchArgs.PositiveDouble("--warmup-seconds", Next()); break;
                case "--seconds": seconds = BenchArgs.PositiveDouble("--seconds", Next()); break;
                case "--sample-seconds": sample = BenchArgs.PositiveDouble("--sample-seconds", Next()); break;
                case "--work": work = Next(); break;
                default: throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }
        if (edgemanage is null) throw new ArgumentException("cluster-soak needs --edgemanage PATH");
        if (edges < 4) throw new ArgumentException("--edges must be at least 4 (edge_count is 4)");
        if (sample > seconds) throw new ArgumentException("--sample-seconds must not be longer than --seconds");
        if (seconds > 3600) throw new ArgumentException("--seconds must be at most 3600 (the run is bounded)");
        return new Options(edgemanage, networks, edges, warmup, seconds, sample, work);
    }
}
