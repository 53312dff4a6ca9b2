using System.Diagnostics;
using System.Globalization;
using Edgemanage.Fleet;

namespace Edgemanage.Bench;

/// <summary>
/// Several networks in one <c>edgemanage serve</c> process: how long until every network has published its first zone
/// (start-up, on empty journals), the node's resident memory then and after a settle time, and how long SIGTERM takes.
/// Each network has its own edges of the loopback fleet and its own zone. Linux only (VmRSS from /proc).
/// </summary>
public static class NetworksBenchmark
{
    private static readonly TimeSpan StartupWithin = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan StopWithin = TimeSpan.FromSeconds(30);

    private sealed record Options(string Edgemanage, int Networks, int Edges, int Runs, double SettleSeconds, string? WorkDir);

    private sealed record Run(double StartupSeconds, double RssAtStartMb, double RssSettledMb, double PeakRssMb, double StopSeconds, int Exit);

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var o = Parse(args);
        if (!OperatingSystem.IsLinux()) throw new ArgumentException("networks reads /proc: Linux only");
        var edgemanage = Path.GetFullPath(o.Edgemanage);
        if (!File.Exists(edgemanage)) throw new ArgumentException($"--edgemanage: no such file '{o.Edgemanage}'");
        var root = Path.GetFullPath(o.WorkDir ?? Path.Combine("artifacts", "bench", $"networks-{o.Networks}x{o.Edges}"));
        var addresses = FleetAddresses.Range(2, o.Networks * o.Edges);
        await using var fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = addresses });
        var names = Enumerable.Range(1, o.Networks).Select(i => $"net{i}").ToArray();
        error.WriteLine($"# networks: {o.Networks} networks x {o.Edges} edges in one serve process, {o.Runs} runs, settle {o.SettleSeconds} s; work {root}");

        var runs = new List<Run>();
        for (var run = 1; run <= o.Runs; run++)
        {
            var work = Path.Combine(root, $"run{run}");
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
            Directory.CreateDirectory(work);
            var config = BenchWorkspace.WriteNetworks(work, names, names.Select((_, n) => (IReadOnlyList<string>)addresses.Skip(n * o.Edges).Take(o.Edges).ToList()).ToList(),
                fleet.Port, fleet.Body,
                extraYaml: "probe_timeout: 10\nzone_check_command: false\nprobe_interval: 10\ndecision_interval: 10\nhistory_batch_window: 5\nprobe_concurrency: 1000\nmetrics:\n  listen: off\nadmin:\n  enabled: false\n",
                goodEnough: 0.2, edgeCount: 4);
            var zones = names.Select(n => Path.Combine(work, "named", $"{n}.test.zone")).ToArray();
            string[] serveArgs = ["serve", .. names.SelectMany(n => new[] { "-A", n }), "-c", config];
            var clock = Stopwatch.StartNew();
            using var child = ServeChild.Start("node", edgemanage, work, serveArgs, "serve", keepStdout: false, error);
            while (!zones.All(File.Exists) && !child.Exited && clock.Elapsed < StartupWithin)
                await Task.Delay(TimeSpan.FromMilliseconds(50));
            if (!zones.All(File.Exists) || child.Exited)
            {
                error.WriteLine($"edgemanage-bench: not every zone within {StartupWithin.TotalSeconds:F0} s (or the node exited)");
                error.WriteLine(child.Tail());
                return 1;
            }
            var startup = clock.Elapsed.TotalSeconds;
            var (rssStart, _) = ReadRss(child.Pid);
            await Task.Delay(TimeSpan.FromSeconds(o.SettleSeconds));
            var (rssSettled, peak) = ReadRss(child.Pid);
            var stopping = Stopwatch.StartNew();
            var exit = await child.StopAsync(StopWithin, error);
            var result = new Run(startup, rssStart, rssSettled, peak, stopping.Elapsed.TotalSeconds, exit);
            runs.Add(result);
            error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"# run {run}: every zone after {result.StartupSeconds:F2} s; RSS {result.RssAtStartMb:F0} MB then, {result.RssSettledMb:F0} MB after {o.SettleSeconds} s (peak {result.PeakRssMb:F0}); stop {result.StopSeconds:F2} s, exit {exit}"));
        }

        static string Span(IEnumerable<double> values, string format)
        {
            var sorted = values.Order().ToArray();
            return string.Create(CultureInfo.InvariantCulture,
                $"{sorted[sorted.Length / 2].ToString(format, CultureInfo.InvariantCulture)} ({sorted[0].ToString(format, CultureInfo.InvariantCulture)}–{sorted[^1].ToString(format, CultureInfo.InvariantCulture)})");
        }
        output.WriteLine("| networks × edges | runs | every first zone s: median (min–max) | RSS MB then | RSS MB settled | peak RSS MB | stop s |");
        output.WriteLine("|---|---:|---|---|---|---|---|");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {o.Networks} × {o.Edges} | {runs.Count} | {Span(runs.Select(r => r.StartupSeconds), "F2")} | {Span(runs.Select(r => r.RssAtStartMb), "F0")} | {Span(runs.Select(r => r.RssSettledMb), "F0")} | {Span(runs.Select(r => r.PeakRssMb), "F0")} | {Span(runs.Select(r => r.StopSeconds), "F2")} |"));
        return runs.All(r => r.Exit == 0) ? 0 : 1;
    }

    private static Options Parse(string[] args)
    {
        string? edgemanage = null, work = null;
        int networks = 3, edges = 100, runs = 3;
        double settle = 20;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--edgemanage": edgemanage = Next(); break;
                case "--networks": networks = BenchArgs.PositiveInt("--networks", Next()); break;
                case "--edges": edges = BenchArgs.PositiveInt("--edges", Next()); break;
                case "--runs": runs = BenchArgs.PositiveInt("--runs", Next()); break;
                case "--settle-seconds": settle = BenchArgs.PositiveDouble("--settle-seconds", Next()); break;
                case "--work": work = Next(); break;
                default: throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }
        if (edgemanage is null) throw new ArgumentException("networks needs --edgemanage PATH");
        if (edges < 4) throw new ArgumentException("--edges must be at least 4 (edge_count is 4)");
        return new Options(edgemanage, networks, edges, runs, settle, work);
    }

    /// <summary>VmRSS and VmHWM (peak) of a process, in MB.</summary>
    private static (double Rss, double Peak) ReadRss(int pid) =>
        ProcFs.TryRead(pid, out var r) ? (r.RssKb / 1024.0, r.PeakKb / 1024.0) : throw new InvalidOperationException($"cannot read /proc/{pid}");
}
