using System.Diagnostics;
using System.Globalization;
using Edgemanage.Fleet;

namespace Edgemanage.Bench;

/// <summary>
/// From decision to answer: how long after edgemanage decides does a real named (on a 127.0.0.1 port) answer with the
/// new set, publishing by zone files (<c>publish: files</c>, run_after_changes runs <c>rndc reload</c>) and by DNS UPDATE
/// (<c>publish: dns-update</c> to a dynamic zone with a TSIG key). For each mode, against the in-process loopback fleet:
/// <list type="number">
/// <item>rounds that change nothing: <c>run</c> wall time, CPU, and what named saw (queries, UPDATEs) per round;</item>
/// <item>rounds that change the live set: one live edge starts refusing, <c>run</c> starts, and <c>dig</c> polls until
/// the apex answers without it; the timeline is run start, the log line of the publish, the answer, the exit;</item>
/// <item>the same under <c>serve</c> (probe and decision interval 1 s): edge refusing → answer, and log line → answer.</item>
/// </list>
/// The dns-update zone is made the way docs/publishing.md migrates one: a files round writes the zone file, named then
/// loads it as a dynamic zone, and the config switches to <c>publish: dns-update</c>.
/// </summary>
public static class DnsUpdateBenchmark
{
    private const string Network = "bench";
    private const string Zone = "example.test";
    private const string KeyName = "edgemanage-key";
    private const string TimeBinary = "/usr/bin/time";
    private static readonly TimeSpan EdgeDelay = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan RunWithin = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan AnswerWithin = TimeSpan.FromSeconds(60);

    private sealed record Options(string Edgemanage, int Runs, int Trials, int ServeTrials, int Edges, int Zones, string[] Modes, string? WorkDir);

    private sealed record Unchanged(double WallS, double CpuS, int Exit, int Queries, int TcpQueries, int Updates);

    /// <summary>One decision that changed the set: seconds from the run's start (or the edge's refusal, in serve).</summary>
    /// <param name="DecisionToAnswerMs">run: from the log line that ends the round's probing ("Round N of bench: … probed and
    /// recorded"; the decision follows at once) to the answer.</param>
    /// <param name="PublishLineToAnswerMs">From the log line of the publish (files: "Wrote N zone(s)", before the reload hook;
    /// dns-update: "UPDATE NOERROR", after the primary answered and its serial was read back) to the answer.</param>
    private sealed record Change(double AnswerS, double? DecisionToAnswerMs, double? PublishLineToAnswerMs, double? ExitS, int Exit, double PollMs);

    /// <param name="ServeQuietSteps">serve: the seconds of each publish step that changed nothing (a decision that found
    /// the zones as decided: files compare in memory and with the disk, dns-update reads the primary).</param>
    private sealed record ModeResult(string Mode, List<Unchanged> Unchanged, List<Change> Runs, List<Change> Serves, List<double> ServeQuietSteps);

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var o = Parse(args);
        var baseWork = Path.GetFullPath(o.WorkDir ?? Path.Combine("artifacts", "bench", "dns-update"));
        if (Directory.Exists(baseWork)) Directory.Delete(baseWork, recursive: true);
        Directory.CreateDirectory(baseWork);
        var edgemanage = Path.GetFullPath(o.Edgemanage);
        if (!File.Exists(edgemanage)) throw new ArgumentException($"--edgemanage: no such file '{o.Edgemanage}'");

        var addresses = FleetAddresses.Range(2, o.Edges);
        error.WriteLine($"# dns-update: fleet of {addresses.Count} edges {addresses[0]}..{addresses[^1]} ({EdgeDelay.TotalMilliseconds} ms each), edge_count 3; {o.Zones} zone(s); " +
                        $"modes {string.Join(", ", o.Modes)}; work dir {baseWork}; loadavg {LoadAverage()}");
        await using var fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = addresses });
        foreach (var a in addresses) fleet.Set(a, EdgeBehaviour.Delay(EdgeDelay));

        var results = new List<ModeResult>();
        foreach (var mode in o.Modes)
        {
            var result = await MeasureModeAsync(mode, o, edgemanage, Path.Combine(baseWork, mode), fleet, addresses, error);
            if (result is null) return 1;
            results.Add(result);
        }

        output.WriteLine("Rounds that change nothing (`run`, every edge answering):");
        output.WriteLine();
        output.WriteLine("| publish | zones | runs | wall median (min–max) s | CPU user+sys s (median) | DNS queries to named per round (of them TCP) | UPDATEs per round | exit codes |");
        output.WriteLine("|---|---:|---:|---|---:|---|---:|---|");
        foreach (var r in results)
        {
            var walls = r.Unchanged.Select(u => u.WallS).Order().ToList();
            output.WriteLine(Inv($"| {r.Mode} | {o.Zones} | {r.Unchanged.Count} | {Median(walls):F2} ({walls[0]:F2}–{walls[^1]:F2}) | {Median(r.Unchanged.Select(u => u.CpuS)):F2} | " +
                                 $"{Median(r.Unchanged.Select(u => (double)u.Queries)):F0} ({Median(r.Unchanged.Select(u => (double)u.TcpQueries)):F0}) | " +
                                 $"{Median(r.Unchanged.Select(u => (double)u.Updates)):F0} | {string.Join(",", r.Unchanged.Select(u => u.Exit))} |"));
        }
        output.WriteLine();
        output.WriteLine("Rounds that change the live set (one live edge refuses; `run` starts; the apex is polled, dig confirms):");
        output.WriteLine();
        output.WriteLine("| publish | zones | trials | run start → answer s: median (min–max) | decision → answer ms: median (min–max) | publish log line → answer ms: median (min–max) | run start → exit s (median) | poll ms (median) | exit codes |");
        output.WriteLine("|---|---:|---:|---|---|---|---:|---:|---|");
        foreach (var r in results.Where(r => r.Runs.Count > 0))
            output.WriteLine(Inv($"| {r.Mode} | {o.Zones} | {r.Runs.Count} | {Range(r.Runs.Select(c => c.AnswerS), "F2")} | {Range(r.Runs.Select(c => c.DecisionToAnswerMs), "F0")} | {Range(r.Runs.Select(c => c.PublishLineToAnswerMs), "F0")} | " +
                                 $"{Median(r.Runs.Where(c => c.ExitS is not null).Select(c => c.ExitS!.Value)):F2} | {Median(r.Runs.Select(c => c.PollMs)):F1} | {string.Join(",", r.Runs.Select(c => c.Exit))} |"));
        if (results.Any(r => r.Serves.Count > 0))
        {
            output.WriteLine();
            output.WriteLine("`serve` (probe_interval 1 s, decision_interval 1 s): one live edge refuses; the apex is polled, dig confirms:");
            output.WriteLine();
            output.WriteLine("| publish | zones | trials | edge refusing → answer s: median (min–max) | decision → answer ms: median (min–max) | zone file written (files) or publish step ended (dns-update) → answer ms: median (min–max) | poll ms (median) | publish step of a decision that changed nothing ms: median (max), steps |");
            output.WriteLine("|---|---:|---:|---|---|---|---:|---|");
            foreach (var r in results.Where(r => r.Serves.Count > 0))
                output.WriteLine(Inv($"| {r.Mode} | {o.Zones} | {r.Serves.Count} | {Range(r.Serves.Select(c => c.AnswerS), "F2")} | {Range(r.Serves.Select(c => c.DecisionToAnswerMs), "F0")} | {Range(r.Serves.Select(c => c.PublishLineToAnswerMs), "F0")} | {Median(r.Serves.Select(c => c.PollMs)):F1} | " +
                                 $"{Median(r.ServeQuietSteps.Select(x => x * 1000)):F1} ({(r.ServeQuietSteps.Count == 0 ? double.NaN : r.ServeQuietSteps.Max() * 1000):F1}), {r.ServeQuietSteps.Count} |"));
        }
        return 0;
    }

    private static async Task<ModeResult?> MeasureModeAsync(string mode, Options o, string edgemanage, string work, TestFleet fleet,
        IReadOnlyList<string> addresses, TextWriter error)
    {
        Directory.CreateDirectory(work);
        // Serve's intervals are in the config for the serve part; run ignores them.
        const string common = "probe_timeout: 2\nprobe_interval: 1\ndecision_interval: 1\nhistory_batch_window: 1\nmin_vantages: 1\n" +
                              "metrics:\n  listen: off\n  textfile: off\nadmin:\n  enabled: false\n";
        string WriteConfig(string extra, string? commands) =>
            Edgemanage.Node.Commands.DemoWorkspace.Write(work, Network, fleet.Port, fleet.Body, addresses,
                extraYaml: common + extra, goodEnough: 0.5, edgeCount: 3, commandsYaml: commands);
        var config = WriteConfig("", null);
        // More zones: each include holds one record of its own; the zones are published in name order, example.test first.
        var zones = new List<string> { Zone };
        for (var z = 1; z < o.Zones; z++)
        {
            zones.Add($"zone{z}.example");
            File.WriteAllText(Path.Combine(work, "zones", Network, $"zone{z}.example.zone"), "mail 60 IN A 127.0.0.1\n");
        }
        var zoneFile = Path.Combine(work, "named", Zone + ".zone");
        var logPath = Path.Combine(work, "edgemanage.log");

        // 1. A files round writes the zone file named starts from (for dns-update: the migration of docs/publishing.md).
        var first = await RunOnceAsync(edgemanage, work, config, useTime: false);
        if (first.Code != 0 || !File.Exists(zoneFile))
            return Fail(error, $"{mode}: the first (files) round exited {first.Code} without {zoneFile}:\n{first.Output}");

        await using var named = await BenchNamed.StartAsync(Path.Combine(work, "bind"), zones, Path.Combine(work, "named"),
            mode == "dns-update" ? KeyName : null, error);
        config = mode == "dns-update"
            ? WriteConfig(Inv($"publish: dns-update\ndns_update:\n  primary: 127.0.0.1:{named.Port}\n  key_file: {named.UpdateKeyFile}\n  ttl: 60\n  timeout: 5\n"), null)
            : WriteConfig("", $"commands:\n  run_before: []\n  run_after: []\n  run_after_changes: [\"{named.ReloadCommand}\"]");

        // 2. A warm-up round in the final mode (dns-update: reads the primary; the set is already served).
        // A round that did not publish every zone is retried (up to 5 rounds), each failure reported: with many zones a
        // lost read fails the rest of the step, and what the measured rounds find should be a primary that serves the set.
        RunResult warm = null!;
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            warm = await RunOnceAsync(edgemanage, work, config, useTime: false);
            File.WriteAllText(Path.Combine(work, $"warm-up-{attempt}.out"), warm.Output);
            if (warm.Code == 0) break;
            error.WriteLine($"# {mode}: warm-up round {attempt} exited {warm.Code}: {FirstFailure(warm.Output)}");
        }
        if (warm.Code != 0) return Fail(error, $"{mode}: 5 warm-up rounds did not publish every zone; the last one's output is in {work}/warm-up-5.out\n--- named\n{named.Tail()}");
        var served = await named.AddressesAsync(Zone);
        error.WriteLine($"# {mode}: warm-up round exit 0; named serves {Zone} A {Join(served)} serial {await named.SerialAsync(Zone)}; output: {OneLine(warm.Output)}");
        if (served is not { Length: 3 }) return Fail(error, $"{mode}: named does not serve 3 A records after the warm-up round");

        // 3. Rounds that change nothing.
        var unchanged = new List<Unchanged>();
        var useTime = File.Exists(TimeBinary);
        for (var run = 1; run <= o.Runs; run++)
        {
            var mark = named.LineCount;
            var r = await RunOnceAsync(edgemanage, work, config, useTime);
            File.WriteAllText(Path.Combine(work, $"unchanged-{run}.out"), r.Output);
            await Task.Delay(200); // named's last log lines
            var lines = named.LinesSince(mark);
            var queries = lines.Where(l => l.Contains(" query: ", StringComparison.Ordinal)).ToList();
            // querylog flags: T = over TCP (e.g. "IN SOA -E(0)T"). UPDATE requests are logged by the update category.
            var tcp = queries.Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, @" [+-][A-Z]*(\(\d+\))?[A-Z]*T[A-Z]* "));
            // named logs each change an UPDATE makes ("updating zone 'Z/IN': adding an RR ...") or its refusal ("update 'Z/IN'
            // denied", "update failed: ..."), with the client's "@0x... ADDRESS#PORT": one UPDATE = one client and port. An
            // UPDATE whose prerequisites hold and that changes nothing leaves no line; edgemanage sends none of those.
            var updates = lines.Where(l => l.Contains("updating zone '", StringComparison.Ordinal) || l.Contains(": update '", StringComparison.Ordinal))
                .Select(l => System.Text.RegularExpressions.Regex.Match(l, @"client @0x[0-9a-f]+ [^ ]+#\d+").Value).Distinct().Count();
            unchanged.Add(new Unchanged(r.WallS, r.CpuS, r.Code, queries.Count, tcp, updates));
            error.WriteLine(Inv($"# {mode}: unchanged run {run}: exit {r.Code}, wall {r.WallS:F3} s, cpu {r.CpuS:F2} s, named saw {queries.Count} queries ({tcp} TCP), {updates} UPDATEs; loadavg {LoadAverage()}") +
                            (r.Code != 0 ? $"; {FirstFailure(r.Output)}" : ""));
        }

        // 4. Rounds that change the set: one live edge refuses, the run replaces it.
        var changes = new List<Change>();
        for (var trial = 1; trial <= o.Trials; trial++)
        {
            var live = await named.AddressesAsync(Zone);
            if (live is not { Length: 3 }) return Fail(error, $"{mode}: trial {trial}: named serves {Join(live)}, not 3 addresses");
            var edge = live[(trial - 1) % live.Length];
            fleet.Set(edge, EdgeBehaviour.Refuse());
            File.Delete(logPath);
            var start = DateTime.Now;
            var runTask = RunOnceAsync(edgemanage, work, config, useTime: false);
            var exitAt = runTask.ContinueWith(_ => DateTime.Now, TaskScheduler.Default);
            var (answerAt, after, digMs) = await PollUntilGoneAsync(named, edge, () => runTask.IsCompleted, AnswerWithin);
            var r = await runTask;
            var exit = await exitAt;
            File.WriteAllText(Path.Combine(work, $"trial-{trial}.out"), r.Output);
            if (File.Exists(logPath)) File.Copy(logPath, Path.Combine(work, $"trial-{trial}.log"), overwrite: true);
            fleet.Set(edge, EdgeBehaviour.Delay(EdgeDelay));
            if (answerAt is null)
                return Fail(error, $"{mode}: trial {trial}: named still answers {Join(after)} ({edge} refusing); run exited {r.Code}:\n{r.Output}\n--- named\n{named.Tail()}");
            var publishLine = PublishLineTime(logPath, mode, start);
            var decisionLine = RoundLineTime(logPath, start);
            var change = new Change((answerAt.Value - start).TotalSeconds, decisionLine is { } d ? (answerAt.Value - d).TotalMilliseconds : null,
                publishLine is { } p ? (answerAt.Value - p).TotalMilliseconds : null, (exit - start).TotalSeconds, r.Code, digMs);
            changes.Add(change);
            error.WriteLine(Inv($"# {mode}: run trial {trial}: {edge} refusing; answer {Join(after)} {change.AnswerS:F3} s after the run started, {Fmt(change.DecisionToAnswerMs)} ms after the decision, " +
                                $"{Fmt(change.PublishLineToAnswerMs)} ms after the publish log line, exit {r.Code} at {change.ExitS:F3} s; poll {digMs:F1} ms; loadavg {LoadAverage()}"));
            if (r.Code != 0) error.WriteLine($"#   {FirstFailure(r.Output)}");
        }

        // 5. serve: decisions every second; one live edge refuses.
        var serves = new List<Change>();
        var quietSteps = new List<double>();
        if (o.ServeTrials > 0)
        {
            File.Delete(logPath);
            // -v: the publish step's debug line says how long the step took ("Publishing bench: …"); it arrives when the
            // step ends, so the decision was that long before it arrived. (-v sends the log to stderr instead of logpath.)
            var serve = ServeChild.Start($"serve-{mode}", edgemanage, work, ["serve", "-A", Network, "-c", config, "-v"], $"serve-{mode}", keepStdout: true, error,
                keepStderr: l => l.Contains("DEBUG Publishing " + Network + ": ", StringComparison.Ordinal));
            try
            {
                if (!await DetectionBenchmark.WaitAsync(() => serve.Stdout.Contains($"serving {Network}", StringComparison.Ordinal) || serve.Exited, RunWithin) || serve.Exited)
                    return Fail(error, $"{mode}: serve did not start\n{serve.Tail()}");
                if (!await StableAsync(named, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(90)))
                    return Fail(error, $"{mode}: serve: the answer did not settle\n{serve.Tail()}");
                for (var trial = 1; trial <= o.ServeTrials; trial++)
                {
                    await Task.Delay(TimeSpan.FromSeconds(Random.Shared.NextDouble())); // a random phase of the 1 s schedule
                    var live = await named.AddressesAsync(Zone);
                    if (live is not { Length: 3 }) return Fail(error, $"{mode}: serve trial {trial}: named serves {Join(live)}");
                    var edge = live[(trial - 1) % live.Length];
                    var start = DateTime.Now;
                    fleet.Set(edge, EdgeBehaviour.Refuse());
                    var (answerAt, after, digMs) = await PollUntilGoneAsync(named, edge, () => serve.Exited, AnswerWithin);
                    fleet.Set(edge, EdgeBehaviour.Delay(EdgeDelay));
                    if (answerAt is null) return Fail(error, $"{mode}: serve trial {trial}: named still answers {Join(after)}\n{serve.Tail()}");
                    // The step's debug line comes at its end, after the hooks (with many zones, seconds after the first zone's answer).
                    (DateTime At, Step? Step) step = default;
                    await DetectionBenchmark.WaitAsync(() =>
                    {
                        step = serve.KeptStderr.Where(k => k.At >= start).Select(k => (k.At, Step: PublishStep(k.Line, mode))).FirstOrDefault(k => k.Step is not null);
                        return step.Step is not null || serve.Exited;
                    }, TimeSpan.FromSeconds(120));
                    double? decisionToAnswer = step.Step is { } st ? (answerAt.Value - (step.At - TimeSpan.FromSeconds(st.Total))).TotalMilliseconds : null;
                    double? publishedToAnswer = step.Step is { } st2 ? (answerAt.Value - (step.At - TimeSpan.FromSeconds(st2.Total - st2.Published))).TotalMilliseconds : null;
                    var change = new Change((answerAt.Value - start).TotalSeconds, decisionToAnswer, publishedToAnswer, null, 0, digMs);
                    serves.Add(change);
                    error.WriteLine(Inv($"# {mode}: serve trial {trial}: {edge} refusing → answer {Join(after)} after {change.AnswerS:F3} s; {Fmt(decisionToAnswer)} ms after the decision, " +
                                        $"{Fmt(publishedToAnswer)} ms after the {(mode == "files" ? "zone file was written" : "publish step ended")}; step: {step.Step?.Text ?? "(no debug line)"}; poll {digMs:F1} ms"));
                    if (!await StableAsync(named, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(60)))
                        return Fail(error, $"{mode}: serve trial {trial}: the answer did not settle\n{serve.Tail()}");
                }
                quietSteps.AddRange(serve.KeptStderr.Select(k => QuietStepSeconds(k.Line, mode)).OfType<double>());
                var code = await serve.StopAsync(TimeSpan.FromSeconds(30), error);
                if (code != 0) return Fail(error, $"{mode}: serve exited {code} after SIGTERM\n{serve.Tail()}");
            }
            finally
            {
                serve.Dispose();
            }
        }
        return new ModeResult(mode, unchanged, changes, serves, quietSteps);
    }

    /// <summary>
    /// The time of the first log line at or after <paramref name="since"/> saying this mode published a change: files,
    /// the zone written (the reload hook runs after it); dns-update, the primary's answer to the UPDATE.
    /// </summary>
    private static DateTime? PublishLineTime(string logPath, string mode, DateTime since)
    {
        if (!File.Exists(logPath)) return null;
        foreach (var line in File.ReadAllLines(logPath))
        {
            if (LogTime(line) is not { } t || t < since.AddMilliseconds(-1)) continue;
            var match = mode == "files"
                ? line.Contains(" zone(s) of " + Network, StringComparison.Ordinal) && line.Contains("Wrote ", StringComparison.Ordinal)
                : line.Contains("UPDATE", StringComparison.Ordinal) && line.Contains("NOERROR", StringComparison.Ordinal);
            if (match) return t;
        }
        return null;
    }

    private sealed record Step(double Total, double Published, string Text);

    /// <summary>
    /// The debug line of a publish step that changed something, "Publishing bench: …": files, the time of each phase
    /// ("resolve+compare 1 0.001s, serial …, render 1 …, check …, write 1 0.012s, live list and hooks 0.045s"; the zone
    /// files are in place after "write", the rndc reload hook runs after it); dns-update, "dns-update 1 zone(s), 1
    /// UPDATE(s) 0.012s" (the UPDATE is answered just before the end: only the serial read-back, the live list and
    /// hooks follow; with many zones, the first zone's UPDATE is answered long before the step ends).
    /// </summary>
    private static Step? PublishStep(string line, string mode)
    {
        var text = line[(line.IndexOf("Publishing ", StringComparison.Ordinal) + "Publishing ".Length)..];
        if (mode == "files")
        {
            // Each phase's own time (the clock restarts at each phase): the step is their sum.
            var phases = FilePhases(text);
            var write = phases.FindIndex(p => System.Text.RegularExpressions.Regex.IsMatch(p.Name, @"^write [1-9]"));
            return write < 0 ? null : new Step(phases.Sum(p => p.Seconds), phases.Take(write + 1).Sum(p => p.Seconds), text);
        }
        var update = System.Text.RegularExpressions.Regex.Match(text, @", [1-9]\d* UPDATE\(s\) ([\d.]+)s");
        if (!update.Success) return null;
        var seconds = double.Parse(update.Groups[1].Value, CultureInfo.InvariantCulture);
        return new Step(seconds, seconds, text);
    }

    /// <summary>The files publisher's phases, "NAME 0.012s" separated by ", ", each with its own time.</summary>
    private static List<(string Name, double Seconds)> FilePhases(string text) =>
        System.Text.RegularExpressions.Regex.Matches(text, @"(?:^|, )(?<name>[^,]+?) (?<s>[\d.]+)s(?=,|$)")
            .Select(m => (m.Groups["name"].Value, double.Parse(m.Groups["s"].Value, CultureInfo.InvariantCulture))).ToList();

    /// <summary>The seconds of a publish step that wrote no zone (files) or sent no UPDATE (dns-update); null otherwise.</summary>
    private static double? QuietStepSeconds(string line, string mode)
    {
        var text = line[(line.IndexOf("Publishing ", StringComparison.Ordinal) + "Publishing ".Length)..];
        if (mode == "files")
        {
            var phases = FilePhases(text);
            return phases.Count == 0 || phases.Any(p => System.Text.RegularExpressions.Regex.IsMatch(p.Name, @"^write [1-9]")) ? null : phases.Sum(p => p.Seconds);
        }
        var quiet = System.Text.RegularExpressions.Regex.Match(text, @", 0 UPDATE\(s\) ([\d.]+)s");
        return quiet.Success ? double.Parse(quiet.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    /// <summary>run: the log line that ends the round's probing and recording; the NetworkActor decides right after it.</summary>
    private static DateTime? RoundLineTime(string logPath, DateTime since)
    {
        if (!File.Exists(logPath)) return null;
        foreach (var line in File.ReadAllLines(logPath))
            if (LogTime(line) is { } t && t >= since.AddMilliseconds(-1)
                && line.Contains(" INFO Round ", StringComparison.Ordinal) && line.Contains(" of " + Network + ": ", StringComparison.Ordinal)
                && line.Contains("probed and recorded in", StringComparison.Ordinal))
                return t;
        return null;
    }

    private static DateTime? LogTime(string line) =>
        line.Length >= 23 && DateTime.TryParseExact(line[..23], "yyyy-MM-dd HH:mm:ss,fff", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeLocal, out var t) ? t : null;

    /// <summary>
    /// Polls the apex until it answers 3 addresses without <paramref name="edge"/>: in process over UDP every 2 ms (the
    /// time of the answering query's return is the figure; its resolution is one poll, a millisecond or two), then once
    /// with dig, which must agree. Null within the bound, or when dig disagrees.
    /// </summary>
    private static async Task<(DateTime? At, string[]? Answer, double PollMs)> PollUntilGoneAsync(BenchNamed named, string edge, Func<bool> finished, TimeSpan within)
    {
        var sw = Stopwatch.StartNew();
        var durations = new List<double>();
        string[]? answer = null;
        TimeSpan? finishedAt = null;
        while (sw.Elapsed < within)
        {
            var before = sw.Elapsed;
            answer = await named.FastAddressesAsync(Zone);
            durations.Add((sw.Elapsed - before).TotalMilliseconds);
            if (answer is { Length: 3 } && !answer.Contains(edge, StringComparer.Ordinal))
            {
                var at = DateTime.Now;
                var dig = await named.AddressesAsync(Zone);
                if (dig is null || !dig.SequenceEqual(answer, StringComparer.Ordinal))
                    return (null, dig, Median(durations)); // what dig says is the truth; a disagreement is a failed trial
                return (at, answer, Median(durations));
            }
            // A run that ended without publishing gets 5 s more (a reload in flight), not the whole bound.
            if (finished()) finishedAt ??= sw.Elapsed;
            if (finishedAt is { } f && sw.Elapsed - f > TimeSpan.FromSeconds(5)) break;
            await Task.Delay(2);
        }
        return (null, answer, durations.Count == 0 ? double.NaN : Median(durations));
    }

    /// <summary>Waits until named answers the same 3 addresses for <paramref name="quiet"/>.</summary>
    private static async Task<bool> StableAsync(BenchNamed named, TimeSpan quiet, TimeSpan within)
    {
        var sw = Stopwatch.StartNew();
        string? last = null;
        var since = TimeSpan.Zero;
        while (sw.Elapsed < within)
        {
            var now = await named.AddressesAsync(Zone) is { Length: 3 } a ? string.Join(" ", a) : null;
            if (now is null || now != last)
            {
                last = now;
                since = sw.Elapsed;
            }
            else if (sw.Elapsed - since >= quiet)
            {
                return true;
            }
            await Task.Delay(200);
        }
        return false;
    }

    private sealed record RunResult(int Code, string Output, double WallS, double CpuS);

    private static async Task<RunResult> RunOnceAsync(string edgemanage, string work, string config, bool useTime)
    {
        string[] runArgs = ["run", "-A", Network, "-c", config];
        string[] command = edgemanage.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? ["dotnet", edgemanage, .. runArgs] : [edgemanage, .. runArgs];
        var timeFile = Path.Combine(work, "time.txt");
        if (useTime) command = [TimeBinary, "-f", "%e %U %S", "-o", timeFile, .. command];
        var psi = new ProcessStartInfo(command[0]) { WorkingDirectory = work, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in command.Skip(1)) psi.ArgumentList.Add(a);
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {command[0]}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(RunWithin);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
            return new RunResult(-1, await stdout + await stderr + $"\n(killed after {RunWithin.TotalMinutes:F0} minutes)", sw.Elapsed.TotalSeconds, double.NaN);
        }
        var wall = sw.Elapsed.TotalSeconds;
        var cpu = double.NaN;
        if (useTime && File.Exists(timeFile))
        {
            var parts = File.ReadAllLines(timeFile).Last(l => l.Trim().Length > 0).Split(' ');
            if (parts.Length >= 3)
                cpu = double.Parse(parts[1], CultureInfo.InvariantCulture) + double.Parse(parts[2], CultureInfo.InvariantCulture);
        }
        return new RunResult(p.ExitCode, await stdout + await stderr, wall, cpu);
    }

    private static Options Parse(string[] args)
    {
        string? edgemanage = null, work = null;
        int runs = 5, trials = 5, serveTrials = 3, edges = 6, zoneCount = 1;
        string[] modes = ["files", "dns-update"];
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--edgemanage": edgemanage = Next(); break;
                case "--runs": runs = BenchArgs.PositiveInt("--runs", Next()); break;
                case "--trials": trials = BenchArgs.PositiveInt("--trials", Next()); break;
                case "--serve-trials":
                    var v = Next();
                    serveTrials = v == "0" ? 0 : BenchArgs.PositiveInt("--serve-trials", v);
                    break;
                case "--edges": edges = BenchArgs.PositiveInt("--edges", Next()); break;
                case "--zones": zoneCount = BenchArgs.PositiveInt("--zones", Next()); break;
                case "--modes":
                    modes = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    if (modes.Length == 0 || modes.Any(m => m is not ("files" or "dns-update")))
                        throw new ArgumentException("--modes is a comma-separated list of files and dns-update");
                    break;
                case "--work": work = Next(); break;
                default: throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }
        if (edgemanage is null) throw new ArgumentException("dns-update needs --edgemanage PATH");
        if (edges < 4) throw new ArgumentException("--edges must be at least 4 (3 live edges and a spare)");
        return new Options(edgemanage, runs, trials, serveTrials, edges, zoneCount, modes, work);
    }

    private static ModeResult? Fail(TextWriter error, string message)
    {
        error.WriteLine($"edgemanage-bench: dns-update: {message}");
        return null;
    }

    /// <summary>The first "zone … not published" line of a round's output and how many zones failed.</summary>
    private static string FirstFailure(string output)
    {
        var failed = output.Split('\n').Where(l => l.StartsWith("edgemanage: zone ", StringComparison.Ordinal) && l.Contains(" not published: ", StringComparison.Ordinal)).ToList();
        return failed.Count == 0 ? OneLine(output) : $"{failed.Count} zone(s) not published, the first: {failed[0].Trim()}";
    }

    private static string Join(string[]? addresses) => addresses is null ? "(dig failed)" : addresses.Length == 0 ? "(none)" : string.Join(" ", addresses);

    private static string OneLine(string text) => string.Join(" | ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(4));

    // Program.cs makes the current culture invariant; this only marks the figures that must print with a dot.
    private static string Inv(string s) => s;

    private static string Fmt(double? v) => v is { } x ? x.ToString("F0", CultureInfo.InvariantCulture) : "-";

    private static string Range(IEnumerable<double?> values, string format)
    {
        var v = values.Where(x => x is not null).Select(x => x!.Value).Order().ToList();
        return v.Count == 0 ? "-" : $"{Median(v).ToString(format, CultureInfo.InvariantCulture)} ({v[0].ToString(format, CultureInfo.InvariantCulture)}–{v[^1].ToString(format, CultureInfo.InvariantCulture)})";
    }

    private static string Range(IEnumerable<double> values, string format) => Range(values.Select(v => (double?)v), format);

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToList();
        if (v.Count == 0) return double.NaN;
        return v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
}
