using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Edgemanage.Fleet;

namespace Edgemanage.Bench;

/// <summary>
/// One configuration of the round benchmark: fleet in this process, the published edgemanage as a child
/// process, so the child's wall/CPU/RSS figures do not include the fleet's work.
/// </summary>
public static class RoundBenchmark
{
    public const string Network = "bench";
    private const string Vantage = "local";
    private const string TimeBinary = "/usr/bin/time";

    private sealed record RunMeasurement(int Run, double WallS, double CpuS, double PeakRssMb, bool ExactRss,
        double? StartupS, double? RoundS, double? ShutdownS, string Summary);

    public static async Task<int> RunAsync(RoundOptions o, TextWriter output, TextWriter error)
    {
        var work = Path.GetFullPath(o.WorkDir ?? Path.Combine("artifacts", "bench", $"round-{o.Edges}-h{o.History}-hang{o.HangingPercent}"));
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        Directory.CreateDirectory(work);

        var addresses = FleetAddresses.Range(2, o.Edges);
        var hanging = HangingSet(addresses, o.HangingPercent);
        // Refusing edges are spread like the hanging ones, over the addresses not already hanging.
        var refusing = HangingSet(addresses.Where(a => !hanging.Contains(a)).ToList(),
            Math.Min(100, o.RefusingPercent * o.Edges / Math.Max(1, o.Edges - hanging.Count)));
        // The fleet listens only on the served addresses; with every edge refusing it keeps one address past the
        // edge list, since it needs at least one.
        var served = addresses.Where(a => !refusing.Contains(a)).ToList();
        if (served.Count == 0) served = [FleetAddresses.Range(2, o.Edges + 1)[^1]];
        error.WriteLine($"# probe_concurrency {o.Concurrency}, probe_start_rate {o.StartRate}; fleet: {addresses.Count} edges {addresses[0]}..{addresses[^1]}, delay {o.DelayMs} ms, {hanging.Count} hanging, {refusing.Count} refusing; work dir {work}");
        await using var fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = served });
        var delay = EdgeBehaviour.Delay(TimeSpan.FromMilliseconds(o.DelayMs));
        foreach (var a in served) fleet.Set(a, hanging.Contains(a) ? EdgeBehaviour.Hang() : delay);
        // Refusing edges make a round degraded when too few edges are left to fill the live set: exit 3 is expected.
        var acceptable = refusing.Count > 0 ? new[] { 0, 3 } : [0];

        var config = Edgemanage.Node.Commands.DemoWorkspace.Write(work, Network, fleet.Port, fleet.Body, addresses,
            extraYaml: $"probe_timeout: 10\nprobe_concurrency: {o.Concurrency}\nprobe_start_rate: {o.StartRate}\nhistory_length: {Math.Max(2000, o.History)}\n", goodEnough: 0.2);
        for (var z = 1; z < o.Zones; z++)
            File.WriteAllText(Path.Combine(work, "zones", Network, $"zone{z}.example.zone"), "mail 60 IN A 127.0.0.1\n");
        var state = Path.Combine(work, "state");
        var seed = Path.Combine(work, "state-seed");
        Directory.CreateDirectory(seed);
        if (o.History > 0)
        {
            var sw = Stopwatch.StartNew();
            await HistorySeeder.SeedAsync(Path.Combine(seed, $"edgemanage-{Network}.journal.db"), Network, Vantage, addresses,
                o.History, o.DelayMs, TimeSpan.FromMinutes(10));
            error.WriteLine($"# seeded {o.History} samples x {o.Edges} edges in {sw.Elapsed.TotalSeconds:F1} s, journal {MiB(JournalBytes(seed)):F1} MB");
        }
        // The seeding's garbage must not be collected while the child runs.
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();

        // One unmeasured round first: it writes (and checks) every zone once, as a deployment's first round does,
        // so the measured rounds are steady-state cron rounds over an existing live set and existing zones.
        CopyFresh(seed, state);
        var warmup = await RunChildAsync(o.Edgemanage, work, ["run", "-A", Network, "-c", config]);
        error.WriteLine($"# warm-up round: exit {warmup.Code} in {warmup.WallS:F2} s ({o.Zones} zones written and checked)");
        if (!acceptable.Contains(warmup.Code))
        {
            error.WriteLine(warmup.Stdout + warmup.Stderr);
            return 1;
        }
        CopyFresh(state, seed);
        if (o.Hold)
        {
            error.WriteLine($"# holding the fleet until stdin closes; a round against it (fresh state: cp -a {seed}/. {state}/):");
            error.WriteLine($"#   cd {work} && {o.Edgemanage} run -A {Network} -c {config} -v");
            await Console.In.ReadToEndAsync();
            return 0;
        }
        var useTime = File.Exists(TimeBinary);
        if (!useTime) error.WriteLine($"# {TimeBinary} not found: CPU from getrusage(RUSAGE_CHILDREN), peak RSS is the max over all runs so far");
        // With --baseline the two executables take turns (baseline first on odd runs, second on even ones), so that a
        // busy machine's load falls on both alike; each gets its own row.
        string[] binaries = o.Baseline is null ? [o.Edgemanage] : [o.Baseline, o.Edgemanage];
        var runs = binaries.ToDictionary(b => b, _ => new List<RunMeasurement>());
        var accuracy = new Dictionary<string, (List<double> Errors, string Outcomes)>();
        for (var run = 1; run <= o.Runs; run++)
        {
            foreach (var binary in run % 2 == 1 ? binaries : binaries.Reverse())
            {
                CopyFresh(seed, state);
                var fleetCpu = Process.GetCurrentProcess().TotalProcessorTime;
                var m = await MeasureRunAsync(o, binary, work, config, run, useTime, acceptable, error);
                fleetCpu = Process.GetCurrentProcess().TotalProcessorTime - fleetCpu;
                if (m is null) return 1;
                runs[binary].Add(m);
                error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"# run {run}{Label(o, binary)} (loadavg {LoadAverage()}): wall {m.WallS:F3} s, cpu {m.CpuS:F2} s, rss {m.PeakRssMb:F0} MB, startup→first log {Fmt(m.StartupS)} s, first log→round logged {Fmt(m.RoundS)} s, →exit {Fmt(m.ShutdownS)} s; fleet (bench process) cpu {fleetCpu.TotalSeconds:F2} s; {m.Summary}"));
                if (run < o.Runs) continue;
                // Accuracy: what this executable's last run recorded, read back through query.
                var (queryCode, queryOut, queryErr, queryWall) = await RunChildAsync(binary, work, ["query", "-A", Network, "-c", config, "-f", "json"]);
                if (queryCode != 0)
                {
                    error.WriteLine($"edgemanage-bench: query exited {queryCode}: {queryErr}");
                    return 1;
                }
                File.WriteAllText(Path.Combine(work, binary == o.Edgemanage ? "query.jsonl" : "query-baseline.jsonl"), queryOut);
                var errors = new List<double>();
                var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
                foreach (var line in queryOut.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    using var doc = JsonDocument.Parse(line);
                    var root = doc.RootElement;
                    var outcome = root.GetProperty("last_outcome").ValueKind == JsonValueKind.String ? root.GetProperty("last_outcome").GetString()! : "none";
                    outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
                    if (outcome == "ok" && root.GetProperty("last_time").ValueKind == JsonValueKind.Number)
                        errors.Add(root.GetProperty("last_time").GetDouble() * 1000 - o.DelayMs);
                }
                errors.Sort();
                var outcomeText = string.Join(" ", outcomes.OrderBy(k => k.Key).Select(k => $"{k.Key}:{k.Value}"));
                error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"# query{Label(o, binary)}: {queryWall:F3} s; last outcomes {outcomeText}; error min {Pct(errors, 0):F2} p50 {Pct(errors, 50):F2} p90 {Pct(errors, 90):F2} p99 {Pct(errors, 99):F2} max {Pct(errors, 100):F2} ms"));
                accuracy[binary] = (errors, outcomeText);
            }
        }
        var journalBytes = JournalBytes(state);

        if (o.Header)
        {
            output.WriteLine("| edges | history | hanging | zones | runs | wall median (min–max) s | CPU user+sys s | peak RSS MB | startup / round / exit s | error p50 / p99 ms | journal MB | zones written per run | last outcomes |");
            output.WriteLine("|---:|---:|---:|---:|---:|---|---:|---:|---|---|---:|---|---|");
        }
        foreach (var binary in binaries)
        {
            var series = runs[binary];
            var (errors, outcomeText) = accuracy[binary];
            var walls = series.Select(r => r.WallS).Order().ToList();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {o.Edges}{Label(o, binary)} | {o.History} | {o.HangingPercent}% | {o.Zones} | {series.Count} | {Median(walls):F2} ({walls[0]:F2}–{walls[^1]:F2}) | {Median(series.Select(r => r.CpuS)):F2} | {(series.All(r => r.ExactRss) ? "" : "≤")}{Median(series.Select(r => r.PeakRssMb)):F0} | {Fmt(MedianOrNull(series.Select(r => r.StartupS)))} / {Fmt(MedianOrNull(series.Select(r => r.RoundS)))} / {Fmt(MedianOrNull(series.Select(r => r.ShutdownS)))} | {Pct(errors, 50):F2} / {Pct(errors, 99):F2} | {MiB(journalBytes):F1} | {string.Join(",", series.Select(r => r.Summary))} | {outcomeText} |"));
        }
        return 0;
    }

    /// <summary>" (baseline)" for the baseline's rows and lines when two executables are compared, else nothing.</summary>
    private static string Label(RoundOptions o, string binary) => o.Baseline is not null && binary == o.Baseline ? " (baseline)" : "";

    private static async Task<RunMeasurement?> MeasureRunAsync(RoundOptions o, string edgemanage, string work, string config, int run, bool useTime,
        int[] acceptable, TextWriter error)
    {
        var logPath = Path.Combine(work, "edgemanage.log");
        File.Delete(logPath);
        var timeFile = Path.Combine(work, $"time-{run}.txt");
        string[] runArgs = o.Timing ? ["run", "-A", Network, "-c", config, "-v"] : ["run", "-A", Network, "-c", config];
        var before = useTime ? default : ChildUsage.Get();
        var zonesBefore = ZoneStamps(work);
        var started = DateTime.Now;
        var (code, stdout, stderr, wall) = useTime
            ? await RunChildAsync(TimeBinary, work, ["-f", "%e %U %S %M", "-o", timeFile, .. Command(edgemanage, runArgs)])
            : await RunChildAsync(edgemanage, work, runArgs);
        File.WriteAllText(Path.Combine(work, $"run-{run}.out"), stdout + stderr);
        if (!acceptable.Contains(code))
        {
            error.WriteLine($"edgemanage-bench: run {run} exited {code}; output in {Path.Combine(work, $"run-{run}.out")}");
            error.WriteLine(stderr);
            return null;
        }
        double cpu, rss;
        if (useTime)
        {
            // Last line: "%e %U %S %M" (M in KiB).
            var parts = File.ReadAllLines(timeFile).Last(l => l.Trim().Length > 0).Split(' ');
            cpu = double.Parse(parts[1], CultureInfo.InvariantCulture) + double.Parse(parts[2], CultureInfo.InvariantCulture);
            rss = double.Parse(parts[3], CultureInfo.InvariantCulture) / 1024;
        }
        else
        {
            var after = ChildUsage.Get();
            cpu = after.CpuSeconds - before.CpuSeconds;
            rss = after.MaxRssKb / 1024.0;
        }

        // Where the wall time goes, from the operator log's millisecond timestamps.
        double? startup = null, round = null, shutdown = null;
        var log = File.Exists(logPath) ? File.ReadAllLines(logPath) : [];
        var first = log.Select(LogTime).FirstOrDefault(t => t is not null);
        var roundLine = log.Where(l => l.Contains(" INFO Round for ", StringComparison.Ordinal)).Select(LogTime).LastOrDefault();
        if (first is { } f)
        {
            startup = (f - started).TotalSeconds;
            if (roundLine is { } r)
            {
                round = (r - f).TotalSeconds;
                shutdown = (started.AddSeconds(wall) - r).TotalSeconds;
            }
        }
        if (o.Timing)
            // -v sends the operator log to stderr instead of log_file (so startup / round / exit are "-" for these runs).
            foreach (var line in log.Concat(stderr.Split('\n')).Where(l => l.Contains("Timing: ", StringComparison.Ordinal) || l.Contains(" history groups recovered in ", StringComparison.Ordinal)))
                error.WriteLine($"# run {run}{Label(o, edgemanage)}: {line}");
        var zonesAfter = ZoneStamps(work);
        var summary = zonesAfter.Count(z => zonesBefore.GetValueOrDefault(z.Key) != z.Value).ToString(CultureInfo.InvariantCulture);
        error.WriteLine($"# run {run}{Label(o, edgemanage)}: exit {code}, {WithoutSample(stderr)} edges without a sample of this round");
        return new RunMeasurement(run, wall, cpu, rss, useTime, startup, round, shutdown, summary);
    }

    /// <summary>
    /// Edges the round gave no sample: one warning each ("no sample recorded") where a round lets them go missing,
    /// and the "not probed in time" failed samples counted on the per-network summary line where it records them.
    /// </summary>
    private static int WithoutSample(string stderr)
    {
        var missing = 0;
        foreach (var line in stderr.Split('\n'))
        {
            if (line.Contains("no sample recorded", StringComparison.Ordinal)) missing++;
            var m = System.Text.RegularExpressions.Regex.Match(line, @"(\d+) of \d+ edges were not probed in time");
            if (m.Success) missing += int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        }
        return missing;
    }

    /// <summary>Last-write times of the zone files, to count what a round rewrote.</summary>
    private static Dictionary<string, DateTime> ZoneStamps(string work) =>
        Directory.GetFiles(Path.Combine(work, "named"), "*.zone").ToDictionary(f => f, File.GetLastWriteTimeUtc);

    private static DateTime? LogTime(string line) =>
        line.Length >= 23 && DateTime.TryParseExact(line[..23], "yyyy-MM-dd HH:mm:ss,fff", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeLocal, out var t) ? t : null;

    private static string[] Command(string edgemanage, string[] args) =>
        edgemanage.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? ["dotnet", edgemanage, .. args] : [edgemanage, .. args];

    private static async Task<(int Code, string Stdout, string Stderr, double WallS)> RunChildAsync(string file, string workDir, string[] args)
    {
        var command = file == TimeBinary ? [file, .. args] : Command(file, args);
        var psi = new ProcessStartInfo(command[0])
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in command.Skip(1)) psi.ArgumentList.Add(a);
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {command[0]}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
            return (-1, await stdout, await stderr + "\n(killed after 5 minutes)", sw.Elapsed.TotalSeconds);
        }
        var wall = sw.Elapsed.TotalSeconds;
        return (p.ExitCode, await stdout, await stderr, wall);
    }

    private static HashSet<string> HangingSet(IReadOnlyList<string> addresses, double percent)
    {
        var count = (int)Math.Round(addresses.Count * percent / 100);
        var set = new HashSet<string>(StringComparer.Ordinal);
        // Spread evenly over the list (and so over the history groups).
        for (var k = 0; k < count; k++) set.Add(addresses[(int)((long)k * addresses.Count / count)]);
        return set;
    }

    private static void CopyFresh(string from, string to)
    {
        if (Directory.Exists(to)) Directory.Delete(to, recursive: true);
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }

    /// <summary>Other work on the machine distorts every figure here; print it next to each run.</summary>
    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private static long JournalBytes(string dir) =>
        Directory.Exists(dir) ? Directory.GetFiles(dir, $"edgemanage-{Network}.journal.db*").Sum(f => new FileInfo(f).Length) : 0;

    private static double MiB(long bytes) => bytes / 1024.0 / 1024.0;

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToList();
        return v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
    }

    private static double? MedianOrNull(IEnumerable<double?> values)
    {
        var v = values.Where(x => x is not null).Select(x => x!.Value).ToList();
        return v.Count == 0 ? null : Median(v);
    }

    /// <summary>Nearest-rank percentile of a sorted list.</summary>
    private static double Pct(List<double> sorted, double p)
    {
        if (sorted.Count == 0) return double.NaN;
        var rank = (int)Math.Ceiling(p / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    private static string Fmt(double? s) => s is { } v ? v.ToString("F2", CultureInfo.InvariantCulture) : "-";

    /// <summary>Fallback when /usr/bin/time is missing: cumulative resources of waited-for children.</summary>
    private static class ChildUsage
    {
        [StructLayout(LayoutKind.Sequential)]
        private struct Timeval { public long Sec; public long Usec; }

        [StructLayout(LayoutKind.Sequential)]
        private struct Rusage
        {
            public Timeval Utime;
            public Timeval Stime;
            public long MaxRss;
            public long Ixrss, Idrss, Isrss, Minflt, Majflt, Nswap, Inblock, Oublock, Msgsnd, Msgrcv, Nsignals, Nvcsw, Nivcsw;
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int getrusage(int who, out Rusage usage);

        public static (double CpuSeconds, long MaxRssKb) Get()
        {
            const int RusageChildren = -1;
            if (getrusage(RusageChildren, out var u) != 0) return (double.NaN, 0);
            return (u.Utime.Sec + u.Utime.Usec / 1e6 + u.Stime.Sec + u.Stime.Usec / 1e6, u.MaxRss);
        }
    }
}
