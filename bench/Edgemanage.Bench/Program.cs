using System.Globalization;
using Edgemanage.Bench;

// edgemanage-bench: benchmarks of the published edgemanage executable against the in-process loopback fleet.
// Not a test: it is never run by `dotnet test`, and it is kept out of Edgemanage.sln.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var usage = """
    usage: edgemanage-bench round --edges N --edgemanage PATH [--delay-ms 20] [--history 0] [--hanging-percent 0]
                                  [--refusing-percent 0] [--runs 3] [--concurrency 1000] [--start-rate 0] [--work DIR] [--no-header] [--timing] [--baseline PATH] [--hold]
      Starts a loopback fleet of N edges (127.0.0.2...), optionally seeds `history` samples per edge into the
      journal, runs `PATH run -A bench -c CONFIG` `runs` times on a fresh copy of the seeded state, then
      `PATH query -f json`, and prints one Markdown table row (per-run details go to stderr).
      --refusing-percent P: P% of the edges are loopback addresses nobody listens on (connection refused); a
      round with them may exit 3 (degraded). Each run reports the edges without a sample of that round.
      --timing: the measured runs use `run -v`, and each run's `Timing:` line (seconds since process start at each
      step of the round) and recovery/probing line go to stderr.
      --baseline PATH: a second edgemanage run in turn with --edgemanage (alternating order) on the same fleet and
      seeded state; one row each, the baseline's marked. For comparisons on a busy machine.
      --hold: after the warm-up round, keep the fleet up until stdin closes and print the command for a round
      against it, for profiling one round by hand.
      PATH is the published apphost (edgemanage) or edgemanage.dll (run through `dotnet`).
    usage: edgemanage-bench zones [--count 10000] [--check] [--compare] [--work DIR]
      Renders and writes COUNT zones through the zone publisher: first publish, unchanged, live set changed.
      --check runs named-checkzone on each new zone shape; --compare also times rendering alone and
      one-fsync-per-file against one syncfs per batch.
    usage: edgemanage-bench detect --edgemanage PATH [--nodes 1|3] [--probe-interval 5] [--decision-interval 10]
                                   [--batch-window 5] [--trials 3] [--edges 10] [--work DIR]
      Detection latency: runs `PATH serve` on one node (or a cluster of three vantages on loopback ports) against
      a loopback fleet of EDGES edges; each trial makes one live edge refuse connections and times how long until
      the zone no longer lists it, then restores it and waits for the zone to settle. Prints one Markdown table
      row with the latencies and the aim (probe interval + decision interval + 1 s); per-trial lines go to stderr.
    usage: edgemanage-bench failover --edgemanage PATH [--mode crash|graceful] [--trials 3] [--probe-interval 1]
                                     [--decision-interval 1] [--work DIR]
      Failover: three `PATH serve` nodes (vantage and decider each, every node given every seed); each trial stops
      the deciding node (crash: SIGKILL; graceful: SIGTERM) while a live edge starts refusing, times how long until
      the zone no longer lists it, then restarts the node (it must rejoin) and lets the zone settle. Prints one
      Markdown row; exits 1 when a trial is over the aim (crash 20 s, graceful 6 s).
    usage: edgemanage-bench soak --edgemanage PATH [--edges 5000] [--probe-interval 10] [--decision-interval 10]
                                 [--batch-window 5] [--minutes 10] [--sample-seconds 10] [--warmup-seconds 0] [--history 2000] [--work DIR]
      Soak (Linux): runs `PATH serve` on one node against a loopback fleet of EDGES edges (20 ms each) for MINUTES
      after the first zone; every SAMPLE-SECONDS reads the node's CPU time and VmRSS from /proc, the journal's size
      (db + wal + shm) and the probes the fleet has seen. Prints one Markdown table row (CPU share of one core,
      RSS, journal size, probes/s); per-sample lines go to stderr. --history sets history_length, so a short soak
      can reach the point where every edge's ring is full and the journal should stop growing. --warmup-seconds W
      waits W more seconds after the first zone before the first sample (JIT tiering, first snapshots left out).
      The node serves /metrics on a loopback port; the decisions in the sampled window and their cost per decision
      (edgemanage_decision_seconds_total: deciding, publishing) go to stderr, with the node's user/kernel split.
    usage: edgemanage-bench operate --edgemanage PATH [--edges 5000] [--repeats 10] [--work DIR]
      Operate: runs `PATH serve` against a loopback fleet of EDGES edges and, once it published, times a scrape of
      /metrics and the ctl requests (net show, edge show, zones, actor hierarchy, net list), REPEATS times each.
      Prints a Markdown table: answer size, min / median / max milliseconds.
    usage: edgemanage-bench decide [--edges 5000] [--runs 50]
      The serve decider's pure work per decision, in process: the observation book's judgement from scratch (as
      the decider did on every tick) against the incremental one, for 1 and 3 vantages and 0, 50 or every edge
      re-reported between two decisions; plus the selector. Prints a Markdown table of milliseconds.
    usage: edgemanage-bench faults --edgemanage PATH [--trials 2] [--random-runs 20] [--random-serves 5] [--seed 1] [--work DIR]
      The crash half of the fault suite: kill -9 of `run` at every step of publishing (TRIALS each, armed with
      EDGEMANAGE_CRASH_AT) and at RANDOM-RUNS random instants, and of `serve` at RANDOM-SERVES random instants after a
      live edge fails; after each, a clean round (or a restarted node) must leave zones, live list, the recorded
      decision and the reload hook in agreement. Prints a Markdown table; exits 1 when any trial did not converge.
    usage: edgemanage-bench networks --edgemanage PATH [--networks 3] [--edges 100] [--runs 3] [--settle-seconds 20] [--work DIR]
      Several networks in one serve process (Linux): NETWORKS networks of EDGES fleet edges each, on empty journals;
      times until every network published its first zone, reads the node's RSS then and SETTLE-SECONDS later (and
      its peak), and times SIGTERM. Prints one Markdown table row (medians and ranges); per-run lines go to stderr.
    usage: edgemanage-bench cluster-soak --edgemanage PATH [--networks 5] [--edges 2000] [--warmup-seconds 60] [--seconds 180]
                                         [--sample-seconds 10] [--work DIR]
      Cluster soak (Linux): three `PATH serve --cluster` nodes (vantage,decider each, every node given every seed,
      cluster ports below 32768) serving NETWORKS networks of EDGES loopback fleet edges each, probe_interval and
      decision_interval 10 s. After the warm-up (every network published and WARMUP-SECONDS since the start), reads
      each node's CPU (its process tree), RSS and state_dir size every SAMPLE-SECONDS for SECONDS. Prints a Markdown
      table per node: CPU % of one core, RSS start / end / peak, the networks it decides, state_dir size and its
      growth extrapolated to one hour; the fleet's CPU separately. Stops the nodes with SIGTERM; exits 1 unless
      every node exits 0.
    usage: edgemanage-bench dns-update --edgemanage PATH [--modes files,dns-update] [--runs 5] [--trials 5] [--serve-trials 3]
                                       [--edges 6] [--work DIR]
      From decision to answer (needs BIND: named, rndc, dig, tsig-keygen): a real named on a 127.0.0.1 port serves the
      demo zone, static (publish: files, run_after_changes runs rndc reload) or dynamic for a TSIG key (publish:
      dns-update). Per mode: RUNS `run` rounds that change nothing (wall, CPU, queries and UPDATEs named saw), TRIALS
      `run` rounds in which a live edge refuses (run start and publish log line → dig answers the new set), and
      SERVE-TRIALS of the same under `serve` (decisions every second). Prints Markdown tables; details go to stderr.
    """ + "\n" + TraceGenerator.Usage;

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine(usage);
    return args.Length == 0 ? 2 : 0;
}

try
{
    switch (args[0])
    {
        case "round":
            var options = RoundOptions.Parse(args.AsSpan(1).ToArray());
            return await RoundBenchmark.RunAsync(options, Console.Out, Console.Error);
        case "zones":
            return await ZonesBenchmark.RunAsync(args.AsSpan(1).ToArray(), Console.Out, Console.Error);
        case "detect":
            return await DetectionBenchmark.RunAsync(args.AsSpan(1).ToArray(), Console.Out, Console.Error);
        case "failover":
            return await FailoverBenchmark.RunAsync(args.AsSpan(1).ToArray(), Console.Out, Console.Error);
        case "soak":
            return await SoakBenchmark.RunAsync(args.AsSpan(1).ToArray(), Console.Out, Console.Error);
        case "faults":
            return await FaultsBenchmark.RunAsync(args.AsSpan(1).ToArray(), Console.Out, Console.Error);
        case "decide":
            return await DecideBenchmark.RunAsync(args.AsSpan(1).ToArray(), Console.Out, Console.Error);
        case "operate":
            return await OperateBenchmark.RunAsync(args.AsSpan(1).ToArray(), Console.Out, Console.Error);
        case "networks":
            return await NetworksBenchmark.RunAsync(args.AsSpan(1).ToArray(), Console.Out, Console.Error);
        case "dns-update":
            return await DnsUpdateBenchmark.RunAsync(args.AsSpan(1).ToArray(), Console.Out, Console.Error);
        case "cluster-soak":
            return await ClusterSoakBenchmark.RunAsync(args.AsSpan(1).ToArray(), Console.Out, Console.Error);
        case "trace":
            return TraceGenerator.Run(args.AsSpan(1).ToArray(), Console.Out, Console.Error);
        default:
            Console.Error.WriteLine($"edgemanage-bench: unknown sub-command '{args[0]}'");
            Console.Error.WriteLine(usage);
            return 2;
    }
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"edgemanage-bench: {e.Message}");
    Console.Error.WriteLine(usage);
    return 2;
}
