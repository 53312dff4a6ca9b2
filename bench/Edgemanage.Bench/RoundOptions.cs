using System.Globalization;

namespace Edgemanage.Bench;

public sealed record RoundOptions
{
    public required int Edges { get; init; }
    public required string Edgemanage { get; init; }
    public int DelayMs { get; init; } = 20;
    public int History { get; init; }
    public double HangingPercent { get; init; }
    /// <summary>Share of the edges nobody listens on (a closed port on a loopback address: connection refused).</summary>
    public double RefusingPercent { get; init; }
    public int Runs { get; init; } = 3;
    public int Concurrency { get; init; } = 1000;
    public int StartRate { get; init; }
    public string? WorkDir { get; init; }
    public bool Header { get; init; } = true;
    /// <summary>Zone includes in the network (each zone carries the live set).</summary>
    public int Zones { get; init; } = 1;
    /// <summary>Run the measured rounds with <c>-v</c> and print their <c>Timing:</c> breakdown (stderr); -v adds the decision table to stdout.</summary>
    public bool Timing { get; init; }

    /// <summary>After the warm-up round, keep the fleet up (and print the command to run against it) until stdin closes: for profiling one round by hand.</summary>
    public bool Hold { get; init; }
    /// <summary>A second edgemanage executable run in turn with <see cref="Edgemanage"/> on the same fleet and state (A/B on a busy machine).</summary>
    public string? Baseline { get; init; }

    public static RoundOptions Parse(string[] args)
    {
        int? edges = null;
        string? edgemanage = null;
        int delay = 20, history = 0, runs = 3, concurrency = 1000, startRate = 0;
        double hanging = 0, refusing = 0;
        string? work = null;
        var header = true;
        var zones = 1;
        var timing = false;
        var hold = false;
        string? baseline = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int NextInt(int min, int max)
            {
                var name = args[i];
                var v = int.Parse(Next(), CultureInfo.InvariantCulture);
                if (v < min || v > max) throw new ArgumentException($"{name} must be between {min} and {max}");
                return v;
            }
            switch (args[i])
            {
                case "--edges": edges = NextInt(1, 200000); break;
                case "--edgemanage": edgemanage = Next(); break;
                case "--delay-ms": delay = NextInt(0, 5000); break;
                case "--history": history = NextInt(0, 100000); break;
                case "--runs": runs = NextInt(1, 50); break;
                case "--hanging-percent":
                    hanging = double.Parse(Next(), CultureInfo.InvariantCulture);
                    if (hanging is < 0 or > 100) throw new ArgumentException("--hanging-percent must be between 0 and 100");
                    break;
                case "--refusing-percent":
                    refusing = double.Parse(Next(), CultureInfo.InvariantCulture);
                    if (refusing is < 0 or > 100) throw new ArgumentException("--refusing-percent must be between 0 and 100");
                    break;
                case "--concurrency": concurrency = NextInt(1, 100000); break;
                case "--start-rate": startRate = NextInt(0, 1000000); break;
                case "--work": work = Next(); break;
                case "--no-header": header = false; break;
                case "--zones": zones = NextInt(1, 100000); break;
                case "--timing": timing = true; break;
                case "--hold": hold = true; break;
                case "--baseline": baseline = Next(); break;
                default: throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }
        if (edges is null) throw new ArgumentException("--edges N is required");
        if (hanging + refusing > 100) throw new ArgumentException("--hanging-percent and --refusing-percent add up to more than 100");
        if (edgemanage is null) throw new ArgumentException("--edgemanage PATH is required");
        if (!File.Exists(edgemanage)) throw new ArgumentException($"--edgemanage: no such file '{edgemanage}'");
        if (baseline is not null && !File.Exists(baseline)) throw new ArgumentException($"--baseline: no such file '{baseline}'");
        return new RoundOptions
        {
            Edges = edges.Value, Edgemanage = Path.GetFullPath(edgemanage), DelayMs = delay, History = history,
            HangingPercent = hanging, RefusingPercent = refusing, Runs = runs, Concurrency = concurrency, StartRate = startRate, WorkDir = work, Header = header, Zones = zones,
            Timing = timing, Hold = hold, Baseline = baseline is null ? null : Path.GetFullPath(baseline),
        };
    }
}
