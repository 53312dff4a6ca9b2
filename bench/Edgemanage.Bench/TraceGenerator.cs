using System.Globalization;
using System.Text;

namespace Edgemanage.Bench;

/// <summary>
/// <c>edgemanage-bench trace</c>: writes a small, seeded, noisy replay trace (docs/replay.md, "Trace format") for
/// <c>edgemanage replay --trace</c>. The same seed and options always give the same bytes (System.Random with a seed
/// is the stable legacy generator), so the shipped traces under bench/traces/ can be regenerated and checked.
/// <para>Scenarios: <c>jitter</c> — every edge's time jitters (log-normal, σ 0.25) around its own base, many bases
/// near goodenough, a rare isolated failure (0.3 %), and one edge that really degrades (slower from 40 % of the
/// trace, failing most probes from 55 % to 80 %, then healthy again); <c>flaky</c> — fewer edges near goodenough but
/// isolated failures at 2 %, and one edge that fails hard (every probe) for 15 minutes from the middle.</para>
/// </summary>
public static class TraceGenerator
{
    public const string Usage = """
        usage: edgemanage-bench trace --scenario jitter|flaky [--seed N] [--edges 20] [--hours 2] [--probe-interval 20]
                                      [--decision-interval 30] [--goodenough 0.5] [--edge-count 6] [--out FILE]
          Writes a seeded noisy JSON-lines trace for `edgemanage replay --trace` (stdout without --out).
        """;

    public sealed record Options(string Scenario, int Seed, int Edges, double Hours, int ProbeInterval, int DecisionInterval,
        double GoodEnough, int EdgeCount);

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        string scenario = "jitter", outPath = "";
        int seed = 1, edges = 20, probe = 20, decide = 30, count = 6;
        double hours = 2, ge = 0.5;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--scenario": scenario = Next(); break;
                case "--seed": seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--edges": edges = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--hours": hours = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--probe-interval": probe = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--decision-interval": decide = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--goodenough": ge = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--edge-count": count = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--out": outPath = Next(); break;
                default: throw new ArgumentException($"trace: unknown option {args[i]}\n{Usage}");
            }
        }
        if (scenario is not ("jitter" or "flaky")) throw new ArgumentException($"trace: --scenario must be jitter or flaky, got {scenario}");
        var lines = Generate(new Options(scenario, seed, edges, hours, probe, decide, ge, count));
        if (outPath.Length == 0)
            foreach (var l in lines) output.WriteLine(l);
        else
            File.WriteAllText(outPath, string.Join("\n", lines) + "\n", new UTF8Encoding(false));
        return 0;
    }

    /// <summary>Fixed start (2026-12-01T00:00:00Z) so the bytes depend on the options alone.</summary>
    public const long StartUnixSeconds = 1_796_083_200;

    public static IEnumerable<string> Generate(Options o)
    {
        var rng = new Random(o.Seed);
        var inv = CultureInfo.InvariantCulture;
        var names = Enumerable.Range(1, o.Edges).Select(i => $"10.0.{i / 250}.{i % 250 + 1}").ToArray();
        // Bases: in jitter most edges sit within ±25 % of goodenough; in flaky they are mostly comfortably fast.
        var bases = names.Select((_, i) => o.Scenario == "jitter"
            ? o.GoodEnough * (0.6 + 0.55 * rng.NextDouble())
            : o.GoodEnough * (0.3 + 0.6 * rng.NextDouble())).ToArray();
        var failRate = o.Scenario == "jitter" ? 0.003 : 0.02;
        // The edge that really degrades (10.0.0.4) starts among the fastest, so it is published when it goes bad.
        const int bad = 2;
        bases[bad] = o.GoodEnough * 0.35;
        var duration = (long)(o.Hours * 3600);
        yield return $"# edgemanage-bench trace --scenario {o.Scenario} --seed {o.Seed} --edges {o.Edges} --hours {o.Hours.ToString(inv)} " +
                     $"--probe-interval {o.ProbeInterval} --decision-interval {o.DecisionInterval} --goodenough {o.GoodEnough.ToString(inv)} --edge-count {o.EdgeCount}";
        yield return $"{{\"type\":\"settings\",\"goodenough\":{o.GoodEnough.ToString(inv)},\"edge_count\":{o.EdgeCount},\"dnschange_maxfreq\":10,\"probe_timeout\":10}}";
        yield return $"{{\"type\":\"network\",\"edges\":[{string.Join(",", names.Select(n => $"\"{n}\""))}]}}";
        yield return $"{{\"type\":\"decisions\",\"every\":{o.DecisionInterval}}}";
        for (long t = 0; t < duration; t += o.ProbeInterval)
        {
            for (var e = 0; e < names.Length; e++)
            {
                // Each edge's probe starts at its own offset within the interval, as serve's jittered probes do.
                var at = StartUnixSeconds + t + (e * o.ProbeInterval / (double)names.Length) + rng.NextDouble() * 0.5;
                var noise = Math.Exp(0.25 * Gaussian(rng));
                var seconds = bases[e] * noise;
                var failed = rng.NextDouble() < failRate;
                var share = t / (double)duration;
                if (e == bad && o.Scenario == "jitter")
                {
                    if (share >= 0.4) seconds *= 1 + 2 * Math.Min(1, (share - 0.4) / 0.15);
                    if (share is >= 0.55 and < 0.8 && rng.NextDouble() < 0.7) failed = true;
                }
                if (e == bad && o.Scenario == "flaky" && t >= duration / 2 && t < duration / 2 + 900) failed = true;
                yield return failed
                    ? $"{{\"t\":{at.ToString("0.000", inv)},\"edge\":\"{names[e]}\",\"outcome\":\"timeout\"}}"
                    : $"{{\"t\":{at.ToString("0.000", inv)},\"edge\":\"{names[e]}\",\"seconds\":{seconds.ToString("0.0000", inv)}}}";
            }
        }
    }

    private static double Gaussian(Random rng)
    {
        // Box-Muller: two uniforms → one standard normal.
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
