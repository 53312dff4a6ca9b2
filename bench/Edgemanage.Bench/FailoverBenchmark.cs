using System.Diagnostics;
using System.Globalization;
using Edgemanage.Fleet;
using static Edgemanage.Bench.DetectionBenchmark;

namespace Edgemanage.Bench;

/// <summary>
/// Failover time of a three-node cluster (every node vantage and decider, every node given every seed): in each
/// trial the deciding node (the oldest member) is killed with SIGKILL (crash) or stopped with SIGTERM (graceful),
/// and at the same instant one live edge starts refusing connections for every vantage. The time measured is from
/// the stop to the first zone written without that edge: the cluster must notice, down the node (crash), move the
/// singleton, recover it and decide on the surviving vantages' observations. The stopped node is then started
/// again with the same command line (it must rejoin, not form a second cluster), the edge restored, and the zone
/// left to settle before the next trial. Aims: crash ≤ 20 s, graceful ≤ 6 s.
/// </summary>
public static class FailoverBenchmark
{
    private const string Network = "bench";
    private static readonly TimeSpan EdgeDelay = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan StartupWithin = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan FailoverWithin = TimeSpan.FromSeconds(120);

    private sealed record Options(string Edgemanage, string Mode, int Trials, double ProbeInterval, double DecisionInterval, string? WorkDir);

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var o = Parse(args);
        var work = Path.GetFullPath(o.WorkDir ?? Path.Combine("artifacts", "bench", $"failover-{o.Mode}"));
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        Directory.CreateDirectory(work);
        var edgemanage = Path.GetFullPath(o.Edgemanage);
        if (!File.Exists(edgemanage)) throw new ArgumentException($"--edgemanage: no such file '{o.Edgemanage}'");

        var addresses = FleetAddresses.Range(2, 8);
        error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"# failover ({o.Mode}): 3 nodes, probe_interval {o.ProbeInterval} s, decision_interval {o.DecisionInterval} s, history_batch_window 1 s; fleet {addresses.Count} edges; work dir {work}"));
        await using var fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = addresses });
        foreach (var a in addresses) fleet.Set(a, EdgeBehaviour.Delay(EdgeDelay));

        var config = Edgemanage.Node.Commands.DemoWorkspace.Write(work, Network, fleet.Port, fleet.Body, addresses,
            extraYaml: string.Create(CultureInfo.InvariantCulture,
                $"probe_timeout: 1\nzone_check_command: false\nprobe_interval: {o.ProbeInterval}\ndecision_interval: {o.DecisionInterval}\nhistory_batch_window: 1\nmin_vantages: 1\nmetrics:\n  listen: off\nadmin:\n  enabled: false\n"),
            goodEnough: 0.5, edgeCount: 3);
        var zonePath = Path.Combine(work, "named", "example.test.zone");
        string[] names = ["a", "b", "c"];
        BenchWorkspace.WriteNodeConfigs(work, config, names);
        string NodeConfig(string node) => BenchWorkspace.NodeConfig(work, node);
        var ports = BenchWorkspace.LowPorts(3);
        string[] NodeArgs(int i) =>
        [
            "serve", "-A", Network, "-c", NodeConfig(names[i]), "--port", ports[i].ToString(CultureInfo.InvariantCulture),
            "--vantage", names[i], "--roles", "vantage,decider",
            .. ports.SelectMany(s => new[] { "--seed", $"127.0.0.1:{s.ToString(CultureInfo.InvariantCulture)}" }),
        ];

        // The running nodes; the decider is the oldest (a at first, as it starts alone). Which survivor takes over is
        // Akka's choice (the oldest by up-number, which two nodes joining together may share), so it is read from
        // the output: the new decider's first decision prints "vantages voting".
        var byAge = new List<(int Index, ServeChild Child)>();
        var deciderAt = 0;
        var all = new List<ServeChild>();
        var starts = new int[3];
        ServeChild Start(int i)
        {
            var child = ServeChild.Start(names[i], edgemanage, work, NodeArgs(i), $"serve-{names[i]}-{++starts[i]}", keepStdout: true, error);
            all.Add(child);
            return child;
        }
        bool AnyExited() => byAge.Any(n => n.Child.Exited);
        var ok = false;
        try
        {
            var a = Start(0);
            byAge.Add((0, a));
            if (!await WaitAsync(() => a.Stdout.Contains($"serving {Network}", StringComparison.Ordinal) || a.Exited, StartupWithin) || a.Exited)
                return Fail(error, "node a did not start serving");
            byAge.Add((1, Start(1)));
            byAge.Add((2, Start(2)));
            if (!await WaitAsync(() => a.Stdout.Contains("vantages voting: a b c", StringComparison.Ordinal) || AnyExited(), StartupWithin) || AnyExited())
                return Fail(error, "the three vantages never voted together");
            var settleFor = TimeSpan.FromSeconds(Math.Max(3, 3 * o.DecisionInterval));
            var settleWithin = TimeSpan.FromSeconds(120);
            if (!await WaitStableAsync(zonePath, settleFor, settleWithin)) return Fail(error, "the first zone did not settle");

            var figures = new List<double>();
            for (var trial = 1; trial <= o.Trials; trial++)
            {
                var (index, decider) = byAge[deciderAt];
                var live = ZoneA(zonePath);
                if (live is not { Length: 3 }) return Fail(error, $"trial {trial}: the zone does not list 3 edges");
                var edge = live[(trial - 1) % live.Length];
                var sw = Stopwatch.StartNew();
                if (o.Mode == "crash") decider.Kill();
                else
                {
                    // The leaving node decides until it hands over: the edge fails only once it has exited, so the
                    // write measured is the new decider's.
                    var code = await decider.StopAsync(TimeSpan.FromSeconds(30), error);
                    if (code != 0) return Fail(error, $"trial {trial}: {names[index]} exited {code} after SIGTERM");
                    error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"#   {names[index]} exited {sw.Elapsed.TotalSeconds:F2} s after SIGTERM"));
                }
                fleet.Set(edge, EdgeBehaviour.Refuse());
                byAge.RemoveAt(deciderAt);
                var marks = byAge.Select(n => n.Child.Stdout.Length).ToArray();
                string[]? after = null;
                var moved = await WaitAsync(() =>
                {
                    after = ZoneA(zonePath);
                    return (after is { Length: 3 } && !after.Contains(edge, StringComparer.Ordinal)) || AnyExited();
                }, FailoverWithin);
                var seconds = sw.Elapsed.TotalSeconds;
                if (!moved || AnyExited()) return Fail(error, $"trial {trial}: {edge} still in the zone {FailoverWithin.TotalSeconds:F0} s after {names[index]} stopped (or a node exited)");
                figures.Add(seconds);
                error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"# trial {trial}: decider {names[index]} {(o.Mode == "crash" ? "killed (SIGKILL)" : "stopped (SIGTERM)")}, {edge} refusing → zone without it after {seconds:F2} s"));

                // The same node again, with the same command line: it rejoins (it is a seed; the others answer).
                fleet.Set(edge, EdgeBehaviour.Delay(EdgeDelay));
                int NewDecider() => Enumerable.Range(0, marks.Length).FirstOrDefault(i => byAge[i].Child.Stdout[marks[i]..].Contains("vantages voting", StringComparison.Ordinal), -1);
                // Its output may trail the zone file by a moment.
                await WaitAsync(() => NewDecider() >= 0, TimeSpan.FromSeconds(10));
                deciderAt = NewDecider();
                if (deciderAt < 0) return Fail(error, $"trial {trial}: no surviving node printed a decision");
                var newDecider = byAge[deciderAt].Child;
                var again = Start(index);
                byAge.Add((index, again));
                var voting = string.Join(" ", names);
                var mark = newDecider.Stdout.Length;
                if (!await WaitAsync(() => newDecider.Stdout[mark..].Contains($"vantages voting: {voting}", StringComparison.Ordinal) || AnyExited(), StartupWithin)
                    || AnyExited())
                    return Fail(error, $"trial {trial}: the restarted {names[index]} never voted again (decider {newDecider.Name})");
                if (!await WaitStableAsync(zonePath, settleFor, settleWithin)) return Fail(error, $"trial {trial}: the zone did not settle");
            }

            foreach (var (_, child) in Enumerable.Reverse(byAge)) await child.StopAsync(TimeSpan.FromSeconds(30), error);
            figures.Sort();
            var aim = o.Mode == "crash" ? 20 : 6;
            output.WriteLine("| failover | probe_interval | decision_interval | trials | stop → first correct zone write, min / median / max s | aim s |");
            output.WriteLine("|---|---:|---:|---:|---|---:|");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {o.Mode} | {o.ProbeInterval} | {o.DecisionInterval} | {figures.Count} | {figures[0]:F2} / {Median(figures):F2} / {figures[^1]:F2} | {aim} |"));
            ok = true;
            return figures[^1] <= aim ? 0 : 1;
        }
        finally
        {
            foreach (var child in all.Where(c => !c.Exited)) await child.StopAsync(TimeSpan.FromSeconds(30), error);
            if (!ok)
                foreach (var c in all) error.WriteLine(c.Tail());
            foreach (var c in all) c.Dispose();
        }
    }

    private static int Fail(TextWriter error, string message)
    {
        error.WriteLine($"edgemanage-bench: failover: {message}");
        return 1;
    }

    private static Options Parse(string[] args)
    {
        string? edgemanage = null, work = null;
        var mode = "crash";
        int trials = 3;
        double probe = 1, decision = 1;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--edgemanage": edgemanage = Next(); break;
                case "--mode": mode = Next(); break;
                case "--trials": trials = BenchArgs.PositiveInt("--trials", Next()); break;
                case "--probe-interval": probe = BenchArgs.PositiveDouble("--probe-interval", Next()); break;
                case "--decision-interval": decision = BenchArgs.PositiveDouble("--decision-interval", Next()); break;
                case "--work": work = Next(); break;
                default: throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }
        if (edgemanage is null) throw new ArgumentException("failover needs --edgemanage PATH");
        if (mode is not ("crash" or "graceful")) throw new ArgumentException("--mode must be crash or graceful");
        return new Options(edgemanage, mode, trials, probe, decision, work);
    }
}
