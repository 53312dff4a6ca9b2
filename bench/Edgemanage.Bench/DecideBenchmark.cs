using System.Diagnostics;
using System.Globalization;
using Edgemanage.Actors.Networks;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;
using Edgemanage.Contracts.Probing;

namespace Edgemanage.Bench;

/// <summary>
/// The serve decider's pure work per decision, in process: the ObservationBook's judgement (quorum over every
/// vantage's newest view, candidates, vote matrix, modes) before (the full recompute, as the NetworkActor did it on
/// every tick) and after (incremental: only edges with new reports, or whose observations turned stale, are
/// judged again), plus the selector for scale. No actors, no I/O.
/// </summary>
public static class DecideBenchmark
{
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var edges = 5000;
        var runs = 50;
        var vantageCounts = new[] { 1, 3 };
        var changedCounts = new[] { 0, 50, 5000 };
        for (var i = 0; i < args.Length; i++)
            switch (args[i])
            {
                case "--edges": edges = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }

        output.WriteLine("| edges | vantages | edges re-reported per decision | full recompute ms (median, p90) | incremental ms (median, p90) | apply of the batch ms | selector ms |");
        output.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var vantages in vantageCounts)
        foreach (var changed in changedCounts)
        {
            var (full, incremental, apply, selector) = Measure(edges, vantages, changed, runs);
            output.WriteLine($"| {edges} | {vantages} | {changed} | {full} | {incremental} | {apply} | {selector} |");
        }
        error.WriteLine($"{runs} decisions per row after {Math.Max(5, runs / 10)} warm-up ones; {Environment.ProcessorCount} cores; load {Load()}");
        return Task.FromResult(0);
    }

    private static (string Full, string Incremental, string Apply, string Selector) Measure(int edgeCount, int vantageCount, int changed, int runs)
    {
        const long T0 = 1_800_000_000_000;
        var rng = new Random(edgeCount * 31 + vantageCount * 7 + changed);
        var edges = Enumerable.Range(0, edgeCount).Select(i => $"edge{i:D5}.example.test").ToArray();
        var vantages = Enumerable.Range(1, vantageCount).Select(v => $"vantage{v}").ToArray();
        var settings = new QuorumSettings(QuorumSpec.Majority, TimeSpan.FromSeconds(40), Math.Min(2, vantageCount));
        var book = ObservationBook.Start(edges, new Dictionary<string, string>(), settings, T0, TimeSpan.FromSeconds(20));

        EdgeReport Report(string edge, string vantage, long now) =>
            new("bench", edge, vantage, EdgeMode.Available, "", 0,
                new EdgeVerdict(rng.Next(100) < 2 ? EdgeHealth.Fail : (EdgeHealth)rng.Next(0, 4),
                    new Sample(now - rng.Next(0, 10_000), (float)(0.02 + rng.NextDouble() / 10), ProbeOutcome.Ok, 200),
                    0.02 + rng.NextDouble() / 10, 0.02 + rng.NextDouble() / 10, 20),
                null);

        var now = T0 + 10_000;
        book = book.Apply(edges.SelectMany(e => vantages.Select(v => Report(e, v, now))).ToArray());
        (book, _) = book.Judge(now);

        var fullTimes = new List<double>();
        var incrementalTimes = new List<double>();
        var applyTimes = new List<double>();
        var selectorTimes = new List<double>();
        var warmUp = Math.Max(5, runs / 10);
        var live = edges.Take(10).ToArray();
        for (var run = 0; run < warmUp + runs; run++)
        {
            // One decision interval later (1 s: nothing turns stale in between), with `changed` edges re-reported by every vantage.
            now += 1_000;
            var batch = Enumerable.Range(0, changed).Select(_ => edges[rng.Next(edgeCount)]).Distinct()
                .SelectMany(e => vantages.Select(v => Report(e, v, now))).ToArray();
            var sw = Stopwatch.StartNew();
            book = book.Apply(batch);
            var applied = sw.Elapsed.TotalMilliseconds;

            sw.Restart();
            (book, var judgement) = book.Judge(now);
            var incremental = sw.Elapsed.TotalMilliseconds;

            sw.Restart();
            var reference = book.JudgeFromScratch(now);
            var full = sw.Elapsed.TotalMilliseconds;

            sw.Restart();
            var selection = Selector.Select(new SelectionInput(judgement.Candidates, live, 10, 1, int.MaxValue, judgement.Unobserved));
            var selecting = sw.Elapsed.TotalMilliseconds;
            live = selection.Live.ToArray();

            if (reference.Vote.Edges.Count != judgement.Vote.Edges.Count) throw new InvalidOperationException("the two judgements differ");
            if (run < warmUp) continue;
            applyTimes.Add(applied);
            incrementalTimes.Add(incremental);
            fullTimes.Add(full);
            selectorTimes.Add(selecting);
        }
        return (Figures(fullTimes), Figures(incrementalTimes), Median(applyTimes).ToString("0.00", CultureInfo.InvariantCulture),
            Median(selectorTimes).ToString("0.0", CultureInfo.InvariantCulture));
    }

    private static string Figures(List<double> ms) =>
        string.Create(CultureInfo.InvariantCulture, $"{Median(ms):0.00} ({Percentile(ms, 0.9):0.00})");

    private static double Median(List<double> ms) => Percentile(ms, 0.5);

    private static double Percentile(List<double> ms, double p)
    {
        var sorted = ms.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private static string Load()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
