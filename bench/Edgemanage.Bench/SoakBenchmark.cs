using System.Diagnostics;
using System.Globalization;
using Edgemanage.Fleet;

namespace Edgemanage.Bench;

/// <summary>
/// Soak: one <c>edgemanage serve</c> node probing a large loopback fleet for a long time. Every sample interval it
/// reads the child's CPU time and resident memory from /proc and the journal's size on disk (db + wal + shm), so
/// the run shows the steady CPU share, whether memory grows, and whether the journal stays bounded (snapshots
/// delete the events they cover). Linux only. The fleet runs in this process, so its work is not in the figures.
/// </summary>
public static class SoakBenchmark
{
    private const string Network = "bench";
    private const double Mb = 1024.0 * 1024.0;
    private static readonly TimeSpan EdgeDelay = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan StartupWithin = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan StopWithin = TimeSpan.FromSeconds(30);

    private sealed record Options(string Edgemanage, int Edges, double ProbeInterval, double DecisionInterval,
        double BatchWindow, double Minutes, double SampleSeconds, string? WorkDir, int History, double WarmupSeconds);

    private sealed record Sample(double T, double? CpuPercent, double RssMb, double JournalMb, long Probes);

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var o = Parse(args);
        if (!OperatingSystem.IsLinux()) throw new ArgumentException("soak reads /proc: Linux only");
        var work = Path.GetFullPath(o.WorkDir ?? Path.Combine("artifacts", "bench",
            string.Create(CultureInfo.InvariantCulture, $"soak-{o.Edges}e-p{o.ProbeInterval}-d{o.DecisionInterval}-b{o.BatchWindow}-h{o.History}")));
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        Directory.CreateDirectory(work);
        var edgemanage = Path.GetFullPath(o.Edgemanage);
        if (!File.Exists(edgemanage)) throw new ArgumentException($"--edgemanage: no such file '{o.Edgemanage}'");
        var (clkTck, clkTckSource) = ProcFs.ClockTicks();

        var addresses = FleetAddresses.Range(2, o.Edges);
        error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"# soak: {o.Minutes} min, sample every {o.SampleSeconds} s; probe_interval {o.ProbeInterval} s, decision_interval {o.DecisionInterval} s, history_batch_window {o.BatchWindow} s, history_length {o.History} (rings full after ~{o.History * o.ProbeInterval / 60:F0} min); fleet {addresses.Count} edges {addresses[0]}..{addresses[^1]}, delay {EdgeDelay.TotalMilliseconds} ms (expect ~{addresses.Count / o.ProbeInterval:F0} probes/s); CLK_TCK {clkTck} ({clkTckSource}); work dir {work}"));
        await using var fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = addresses });
        foreach (var a in addresses) fleet.Set(a, EdgeBehaviour.Delay(EdgeDelay));

        var config = Edgemanage.Node.Commands.DemoWorkspace.Write(work, Network, fleet.Port, fleet.Body, addresses,
            extraYaml: string.Create(CultureInfo.InvariantCulture,
                $"probe_timeout: 10\nzone_check_command: false\nprobe_interval: {o.ProbeInterval}\ndecision_interval: {o.DecisionInterval}\nhistory_batch_window: {o.BatchWindow}\nprobe_concurrency: 1000\nhistory_length: {o.History}\n"),
            goodEnough: 0.2, edgeCount: 4);
        var zonePath = Path.Combine(work, "named", "example.test.zone");
        var stateDir = Path.Combine(work, "state");

        using var child = ServeChild.Start("node", edgemanage, work, ["serve", "-A", Network, "-c", config], "serve", keepStdout: false, error);
        var ok = false;
        try
        {
            var startup = Stopwatch.StartNew();
            while (!File.Exists(zonePath) && !child.Exited && startup.Elapsed < StartupWithin)
                await Task.Delay(TimeSpan.FromMilliseconds(100));
            if (!File.Exists(zonePath) || child.Exited)
            {
                error.WriteLine($"edgemanage-bench: no {zonePath} within {StartupWithin.TotalSeconds:F0} s (or the node exited)");
                return 1;
            }
            error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# first zone after {startup.Elapsed.TotalSeconds:F1} s; loadavg {ProcFs.LoadAverage()}; warm-up {o.WarmupSeconds} s, then sampling"));
            // The warm-up leaves out the JIT's tiering, the first batches' snapshots and the rings' first growth: the
            // figure is the steady state. Its length is not part of --minutes.
            if (o.WarmupSeconds > 0) await Task.Delay(TimeSpan.FromSeconds(o.WarmupSeconds));

            // Sample 0 is the baseline at the first zone (startup excluded from the CPU share); then one sample per
            // interval, on a fixed schedule from the baseline, the last one at the end of the duration.
            var duration = TimeSpan.FromMinutes(o.Minutes);
            var interval = TimeSpan.FromSeconds(o.SampleSeconds);
            var samples = new List<Sample>();
            var clock = Stopwatch.StartNew();
            var fleetCpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            long prevTicks = 0, firstTicks = 0;
            var prevT = 0.0;
            for (var k = 0; ; k++)
            {
                var due = k == 0 ? TimeSpan.Zero : TimeSpan.FromTicks(Math.Min(interval.Ticks * k, duration.Ticks));
                var wait = due - clock.Elapsed;
                if (wait > TimeSpan.Zero) await Task.Delay(wait);
                if (child.Exited)
                {
                    error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"edgemanage-bench: the node exited after {clock.Elapsed.TotalSeconds:F1} s of the soak"));
                    return 1;
                }
                var t = clock.Elapsed.TotalSeconds;
                var probes = fleet.TotalRequests;
                if (!ProcFs.TryRead(child.Pid, out var reading))
                {
                    error.WriteLine($"edgemanage-bench: cannot read /proc/{child.Pid} (the node exited?)");
                    return 1;
                }
                var (ticks, rssKb) = (reading.Ticks, reading.RssKb);
                var journal = JournalBytes(stateDir);
                double? cpu = k == 0 ? null : (ticks - prevTicks) / (double)clkTck / (t - prevT) * 100;
                var sample = new Sample(t, cpu, rssKb / 1024.0, journal.Total / Mb, probes);
                var probeRate = k == 0 ? 0 : (probes - samples[^1].Probes) / (t - prevT);
                samples.Add(sample);
                error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"# t {t,7:F1} s  cpu {(cpu is { } c ? c.ToString("F1", CultureInfo.InvariantCulture) : "-"),6} %  rss {sample.RssMb,7:F1} MB  journal {sample.JournalMb,8:F2} MB (db {journal.Db / Mb:F2} + wal {journal.Wal / Mb:F2})  probes {probes,9} ({probeRate,6:F0}/s)"));
                if (k == 0) firstTicks = ticks;
                prevTicks = ticks;
                prevT = t;
                if (due >= duration) break;
            }
            var fleetCpu = (Process.GetCurrentProcess().TotalProcessorTime - fleetCpu0).TotalSeconds;

            var exit = await child.StopAsync(StopWithin, error);
            var cpus = samples.Where(s => s.CpuPercent is not null).Select(s => s.CpuPercent!.Value).ToList();
            var wall = samples[^1].T - samples[0].T;
            // Mean over the whole window from the first and last readings (not a mean of the per-interval shares).
            var meanCpu = (double)(prevTicks - firstTicks) / clkTck / wall * 100;
            output.WriteLine("| edges | probe_interval | minutes | CPU % of one core: mean / max | RSS MB: first / max / last | journal MB: first / max / last | probes/s |");
            output.WriteLine("|---:|---:|---:|---|---|---|---:|");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {o.Edges} | {o.ProbeInterval} | {o.Minutes} | {meanCpu:F1} / {cpus.Max():F1} | {samples[0].RssMb:F0} / {samples.Max(s => s.RssMb):F0} / {samples[^1].RssMb:F0} | {samples[0].JournalMb:F2} / {samples.Max(s => s.JournalMb):F2} / {samples[^1].JournalMb:F2} | {(samples[^1].Probes - samples[0].Probes) / wall:F0} |"));
            error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"# {samples.Count} samples over {wall:F1} s; fleet (bench process) cpu {fleetCpu:F1} s = {fleetCpu / wall * 100:F1} % of one core on the same {Environment.ProcessorCount}-cpu machine; loadavg {ProcFs.LoadAverage()}; node exit {exit}"));
            if (exit != 0)
            {
                error.WriteLine($"edgemanage-bench: node exit code {exit} (expected 0 after SIGTERM)");
                return 1;
            }
            ok = true;
            return 0;
        }
        finally
        {
            if (!child.Exited) await child.StopAsync(StopWithin, error);
            if (!ok) error.WriteLine(child.Tail());
        }
    }

    private static Options Parse(string[] args)
    {
        string? edgemanage = null, work = null;
        var edges = 5000;
        var history = 2000;
        double probe = 10, decision = 10, batch = 5, minutes = 10, sample = 10, warmup = 0;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--edgemanage": edgemanage = Next(); break;
                case "--edges": edges = BenchArgs.PositiveInt("--edges", Next()); break;
                case "--probe-interval": probe = BenchArgs.PositiveDouble("--probe-interval", Next()); break;
                case "--decision-interval": decision = BenchArgs.PositiveDouble("--decision-interval", Next()); break;
                case "--batch-window": batch = BenchArgs.PositiveDouble("--batch-window", Next()); break;
                case "--minutes": minutes = BenchArgs.PositiveDouble("--minutes", Next()); break;
                case "--sample-seconds": sample = BenchArgs.PositiveDouble("--sample-seconds", Next()); break;
                case "--history": history = BenchArgs.PositiveInt("--history", Next()); break;
                case "--work": work = Next(); break;
                case "--warmup-seconds":
                    warmup = double.TryParse(Next(), NumberStyles.Float, CultureInfo.InvariantCulture, out var w) && w >= 0 && double.IsFinite(w) ? w
                        : throw new ArgumentException($"--warmup-seconds must be a number of seconds, 0 or more, got '{args[i]}'");
                    break;
                default: throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }
        if (edgemanage is null) throw new ArgumentException("soak needs --edgemanage PATH");
        if (edges < 4) throw new ArgumentException("--edges must be at least 4 (edge_count is 4)");
        if (sample > minutes * 60) throw new ArgumentException("--sample-seconds must not be longer than --minutes");
        if (history < 10) throw new ArgumentException("--history must be at least 10 (history_length's minimum)");
        return new Options(edgemanage, edges, probe, decision, batch, minutes, sample, work, history, warmup);
    }

    /// <summary>Bytes of the journal database, its WAL and its shared-memory file (the total, and db and WAL alone).</summary>
    private static (long Total, long Db, long Wal) JournalBytes(string stateDir)
    {
        long total = 0, db = 0, wal = 0;
        foreach (var path in Directory.GetFiles(stateDir, $"edgemanage-{Network}.journal.db*"))
        {
            long length;
            try { length = new FileInfo(path).Length; }
            catch (IOException) { continue; }
            total += length;
            if (path.EndsWith(".db", StringComparison.Ordinal)) db = length;
            else if (path.EndsWith(".db-wal", StringComparison.Ordinal)) wal = length;
        }
        return (total, db, wal);
    }
}
