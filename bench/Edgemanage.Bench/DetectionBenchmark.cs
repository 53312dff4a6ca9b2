using System.Diagnostics;
using System.Globalization;
using Edgemanage.Fleet;

namespace Edgemanage.Bench;

/// <summary>
/// Detection latency: a live edge starts refusing connections; how long until the zone no longer lists it.
/// The fleet runs in this process, the published edgemanage runs as <c>serve</c> child processes (one node, or a
/// cluster of three vantages that all see the same fleet). Aim: one probe interval plus one decision interval
/// plus 1 s.
/// </summary>
public static class DetectionBenchmark
{
    private const string Network = "bench";
    private const string ARecord = "@\t\tIN\tA\t";
    private static readonly TimeSpan EdgeDelay = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan StartupWithin = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan DetectWithin = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

    private sealed record Options(string Edgemanage, int Nodes, double ProbeInterval, double DecisionInterval,
        double BatchWindow, int Trials, int Edges, string? WorkDir);

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var o = Parse(args);
        var work = Path.GetFullPath(o.WorkDir ?? Path.Combine("artifacts", "bench",
            string.Create(CultureInfo.InvariantCulture, $"detect-{o.Nodes}n-p{o.ProbeInterval}-d{o.DecisionInterval}-b{o.BatchWindow}")));
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        Directory.CreateDirectory(work);
        var edgemanage = Path.GetFullPath(o.Edgemanage);
        if (!File.Exists(edgemanage)) throw new ArgumentException($"--edgemanage: no such file '{o.Edgemanage}'");

        var addresses = FleetAddresses.Range(2, o.Edges);
        error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"# detect: {o.Nodes} node(s), probe_interval {o.ProbeInterval} s, decision_interval {o.DecisionInterval} s, history_batch_window {o.BatchWindow} s; fleet {addresses.Count} edges {addresses[0]}..{addresses[^1]}, delay {EdgeDelay.TotalMilliseconds} ms; work dir {work}"));
        await using var fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = addresses });
        foreach (var a in addresses) fleet.Set(a, EdgeBehaviour.Delay(EdgeDelay));

        var config = Edgemanage.Node.Commands.DemoWorkspace.Write(work, Network, fleet.Port, fleet.Body, addresses,
            extraYaml: string.Create(CultureInfo.InvariantCulture,
                $"probe_timeout: 2\nzone_check_command: false\nprobe_interval: {o.ProbeInterval}\ndecision_interval: {o.DecisionInterval}\nhistory_batch_window: {o.BatchWindow}\nmin_vantages: 1\n"),
            goodEnough: 0.5, edgeCount: 3);
        var zonePath = Path.Combine(work, "named", "example.test.zone");

        var children = new List<ServeChild>();
        var ok = false;
        try
        {
            if (o.Nodes == 1)
            {
                children.Add(ServeChild.Start("node", edgemanage, work, ["serve", "-A", Network, "-c", config], "serve-node", keepStdout: true, error));
            }
            else
            {
                // One config per node: each keeps its own journal and lock (state_dir) and log; zones go to one named_dir.
                var text = File.ReadAllText(config);
                if (!text.Contains("state_dir: state\n", StringComparison.Ordinal) || !text.Contains("logpath: edgemanage.log", StringComparison.Ordinal))
                    throw new InvalidOperationException("the demo config no longer has 'state_dir: state' and 'logpath: edgemanage.log'");
                string NodeConfig(string node) => Path.Combine(work, $"edgemanage-{node}.yaml");
                foreach (var node in new[] { "a", "b", "c" })
                    File.WriteAllText(NodeConfig(node), text
                        .Replace("state_dir: state\n", $"state_dir: state-{node}\n", StringComparison.Ordinal)
                        .Replace("logpath: edgemanage.log", $"logpath: edgemanage-{node}.log", StringComparison.Ordinal));
                var ports = BenchWorkspace.LowPorts(3);
                // Every node is given every seed, a's first: a starts the cluster, b and c join it.
                string[] NodeArgs(string node, int port) =>
                [
                    "serve", "-A", Network, "-c", NodeConfig(node), "--port", port.ToString(CultureInfo.InvariantCulture),
                    "--vantage", node, "--roles", "vantage,decider",
                    .. ports.SelectMany(s => new[] { "--seed", $"127.0.0.1:{s.ToString(CultureInfo.InvariantCulture)}" }),
                ];
                // a first, so it is the oldest member and hosts the decider singleton.
                var a = ServeChild.Start("a", edgemanage, work, NodeArgs("a", ports[0]), "serve-a", keepStdout: true, error);
                children.Add(a);
                if (!await WaitAsync(() => a.Stdout.Contains($"serving {Network}", StringComparison.Ordinal) || a.Exited, StartupWithin) || a.Exited)
                {
                    error.WriteLine($"edgemanage-bench: node a did not start serving within {StartupWithin.TotalSeconds:F0} s");
                    return 1;
                }
                children.Add(ServeChild.Start("b", edgemanage, work, NodeArgs("b", ports[1]), "serve-b", keepStdout: true, error));
                children.Add(ServeChild.Start("c", edgemanage, work, NodeArgs("c", ports[2]), "serve-c", keepStdout: true, error));
            }

            var startup = Stopwatch.StartNew();
            if (!await WaitAsync(() => ZoneA(zonePath) is { Length: 3 } || children.Any(c => c.Exited), StartupWithin) || children.Any(c => c.Exited))
            {
                error.WriteLine($"edgemanage-bench: no zone with 3 A records within {StartupWithin.TotalSeconds:F0} s (or a node exited)");
                return 1;
            }
            error.WriteLine($"# first zone with 3 A records after {startup.Elapsed.TotalSeconds:F1} s: {string.Join(" ", ZoneA(zonePath)!)}");
            if (o.Nodes == 3)
            {
                const string voting = "vantages voting: a b c";
                if (!await WaitAsync(() => children[0].Stdout.Contains(voting, StringComparison.Ordinal) || children.Any(c => c.Exited), StartupWithin)
                    || children.Any(c => c.Exited))
                {
                    error.WriteLine($"edgemanage-bench: node a never printed '{voting}' within {StartupWithin.TotalSeconds:F0} s");
                    return 1;
                }
                error.WriteLine($"# all three vantages voting after {startup.Elapsed.TotalSeconds:F1} s");
            }
            // The nodes have just started: let the zone settle before the first trial.
            var settleFor = TimeSpan.FromSeconds(2 * o.DecisionInterval);
            var settleWithin = SettleWithin(o);
            if (!await WaitStableAsync(zonePath, settleFor, settleWithin))
            {
                error.WriteLine($"edgemanage-bench: the zone did not stay unchanged for {settleFor.TotalSeconds:F1} s within {settleWithin.TotalSeconds:F0} s");
                return 1;
            }

            var latencies = new List<double>();
            for (var trial = 1; trial <= o.Trials; trial++)
            {
                // The settle wait ends a fixed time after the last zone write, which itself follows a probe: without
                // a random offset every trial would start at the same phase of the probe schedule.
                var phase = Random.Shared.NextDouble() * o.ProbeInterval;
                await Task.Delay(TimeSpan.FromSeconds(phase));
                var live = ZoneA(zonePath);
                if (live is not { Length: 3 })
                {
                    error.WriteLine($"edgemanage-bench: trial {trial}: the zone does not list 3 edges ({(live is null ? "unreadable" : string.Join(" ", live))})");
                    return 1;
                }
                var edge = live[(trial - 1) % live.Length];
                var sw = Stopwatch.StartNew();
                fleet.Set(edge, EdgeBehaviour.Refuse());
                string[]? after = null;
                var gone = await WaitAsync(() =>
                {
                    after = ZoneA(zonePath);
                    return (after is { Length: 3 } && !after.Contains(edge, StringComparer.Ordinal)) || children.Any(c => c.Exited);
                }, DetectWithin);
                var latency = sw.Elapsed.TotalSeconds;
                fleet.Set(edge, EdgeBehaviour.Delay(EdgeDelay));
                if (!gone || children.Any(c => c.Exited))
                {
                    error.WriteLine($"edgemanage-bench: trial {trial}: {edge} still in the zone after {DetectWithin.TotalSeconds:F0} s (or a node exited); zone: {(after is null ? "unreadable" : string.Join(" ", after))}");
                    return 1;
                }
                latencies.Add(latency);
                error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"# trial {trial} (after a random {phase:F2} s): {edge} refusing → out of the zone after {latency:F3} s (zone now {string.Join(" ", after!)}); restored"));
                var settle = Stopwatch.StartNew();
                if (!await WaitStableAsync(zonePath, settleFor, settleWithin))
                {
                    error.WriteLine($"edgemanage-bench: trial {trial}: the zone did not stay unchanged for {settleFor.TotalSeconds:F1} s within {settleWithin.TotalSeconds:F0} s after the edge was restored");
                    return 1;
                }
                if (children.Any(c => c.Exited))
                {
                    error.WriteLine($"edgemanage-bench: trial {trial}: a node exited");
                    return 1;
                }
                error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"#   settled after {settle.Elapsed.TotalSeconds:F1} s: {string.Join(" ", ZoneA(zonePath) ?? [])}"));
            }

            var exits = await StopAllAsync(children, error);
            if (exits.Any(e => e != 0))
            {
                error.WriteLine($"edgemanage-bench: node exit codes {string.Join(" ", exits)} (expected 0 after SIGTERM)");
                return 1;
            }

            latencies.Sort();
            var aim = o.ProbeInterval + o.DecisionInterval + 1;
            output.WriteLine("| nodes | probe_interval | decision_interval | batch window | trials | latency min / median / max s | aim s |");
            output.WriteLine("|---:|---:|---:|---:|---:|---|---:|");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {o.Nodes} | {o.ProbeInterval} | {o.DecisionInterval} | {o.BatchWindow} | {latencies.Count} | {latencies[0]:F2} / {Median(latencies):F2} / {latencies[^1]:F2} | {aim} |"));
            if (latencies[^1] > aim) error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# slowest trial {latencies[^1]:F2} s is over the aim {aim} s"));
            ok = true;
            return 0;
        }
        finally
        {
            if (children.Any(c => !c.Exited)) await StopAllAsync(children, error);
            if (!ok)
                foreach (var c in children) error.WriteLine(c.Tail());
            foreach (var c in children) c.Dispose();
        }
    }

    private static Options Parse(string[] args)
    {
        string? edgemanage = null, work = null;
        int nodes = 1, trials = 3, edges = 10;
        double probe = 5, decision = 10, batch = 5;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--edgemanage": edgemanage = Next(); break;
                case "--nodes": nodes = BenchArgs.PositiveInt("--nodes", Next()); break;
                case "--probe-interval": probe = BenchArgs.PositiveDouble("--probe-interval", Next()); break;
                case "--decision-interval": decision = BenchArgs.PositiveDouble("--decision-interval", Next()); break;
                case "--batch-window": batch = BenchArgs.PositiveDouble("--batch-window", Next()); break;
                case "--trials": trials = BenchArgs.PositiveInt("--trials", Next()); break;
                case "--edges": edges = BenchArgs.PositiveInt("--edges", Next()); break;
                case "--work": work = Next(); break;
                default: throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }
        if (edgemanage is null) throw new ArgumentException("detect needs --edgemanage PATH");
        if (nodes is not (1 or 3)) throw new ArgumentException("--nodes must be 1 or 3");
        if (edges < 4) throw new ArgumentException("--edges must be at least 4 (3 live edges and a spare)");
        return new Options(edgemanage, nodes, probe, decision, batch, trials, edges, work);
    }

    /// <summary>Bound on waiting for the zone to settle: generous, but finite.</summary>
    private static TimeSpan SettleWithin(Options o) => TimeSpan.FromSeconds(Math.Max(120, 10 * (o.ProbeInterval + o.DecisionInterval)));

    /// <summary>The zone's A record addresses, or null when the file is missing or unreadable.</summary>
    internal static string[]? ZoneA(string path)
    {
        try
        {
            return File.ReadAllLines(path).Where(l => l.StartsWith(ARecord, StringComparison.Ordinal)).Select(l => l.Split('\t')[^1].Trim()).ToArray();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    internal static async Task<bool> WaitAsync(Func<bool> condition, TimeSpan within)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            if (condition()) return true;
            if (sw.Elapsed >= within) return false;
            await Task.Delay(Poll);
        }
    }

    /// <summary>Waits until the zone lists 3 edges and its A records have not changed for <paramref name="quiet"/>.</summary>
    internal static async Task<bool> WaitStableAsync(string zonePath, TimeSpan quiet, TimeSpan within)
    {
        var sw = Stopwatch.StartNew();
        string? last = null;
        var since = TimeSpan.Zero;
        while (sw.Elapsed < within)
        {
            var now = ZoneA(zonePath) is { Length: 3 } a ? string.Join(" ", a.Order(StringComparer.Ordinal)) : null;
            if (now is null || now != last)
            {
                last = now;
                since = sw.Elapsed;
            }
            else if (sw.Elapsed - since >= quiet)
            {
                return true;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
        return false;
    }

    private static async Task<int[]> StopAllAsync(List<ServeChild> children, TextWriter error)
    {
        // Deciders last: b and c first, then a (the singleton's host), so the cluster does not fail over on the way out.
        var exits = new int[children.Count];
        for (var i = children.Count - 1; i >= 0; i--)
        {
            exits[i] = await children[i].StopAsync(TimeSpan.FromSeconds(30), error);
            if (exits[i] != 0) error.WriteLine($"# node {children[i].Name} exited {exits[i]}");
        }
        return exits;
    }

    internal static double Median(List<double> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}
