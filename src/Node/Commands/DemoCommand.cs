using System.Globalization;
using Edgemanage.Fleet;
using Edgemanage.Node.Cli;
using Opt = Edgemanage.Node.Cli.CommandLine.Option;

namespace Edgemanage.Node.Commands;

/// <summary>
/// <c>edgemanage demo</c>: a newcomer's first minute. Starts the loopback test fleet with fast, slow and
/// failing edges, writes an original-style config into a working folder, and runs the real <c>run</c> job
/// against it a few times, changing some edges' behaviour between rounds, then shows <c>query</c>.
/// </summary>
public static class DemoCommand
{
    public const string Usage = "usage: edgemanage demo [--dir DIR] [--rounds N] [-v]";

    private static readonly Opt[] Options =
    [
        new("dir", null, "--dir", true),
        new("rounds", null, "--rounds", true),
        new("verbose", "-v", "--verbose", false),
    ];

    public const string Network = "demo";

    /// <summary>The demo fleet: address, behaviour, and what an operator should notice about it.</summary>
    private static readonly (string Edge, EdgeBehaviour Behaviour, string Note)[] Fleet =
    [
        ("127.0.0.2", EdgeBehaviour.Delay(TimeSpan.FromMilliseconds(5)), "fast"),
        ("127.0.0.3", EdgeBehaviour.Delay(TimeSpan.FromMilliseconds(20)), "fast; starts refusing in round 2"),
        ("127.0.0.4", EdgeBehaviour.Delay(TimeSpan.FromMilliseconds(40)), "fast"),
        ("127.0.0.5", EdgeBehaviour.Delay(TimeSpan.FromMilliseconds(60)), "fast"),
        ("127.0.0.6", EdgeBehaviour.Delay(TimeSpan.FromMilliseconds(300)), "slower than goodenough (0.2 s)"),
        ("127.0.0.7", EdgeBehaviour.Delay(TimeSpan.FromMilliseconds(900)), "slow"),
        ("127.0.0.8", EdgeBehaviour.Status(500), "answers HTTP 500; recovers in round 3"),
        ("127.0.0.9", EdgeBehaviour.WrongBody(), "serves the wrong object"),
        ("127.0.0.10", EdgeBehaviour.Refuse(), "refuses connections"),
        ("127.0.0.11", EdgeBehaviour.Hang(), "accepts and never answers (costs one probe timeout, 2 s)"),
        ("127.0.0.12", EdgeBehaviour.Reset(), "resets the connection"),
        ("127.0.0.13", EdgeBehaviour.SlowBody(TimeSpan.FromMilliseconds(400)), "fast headers, slow body"),
    ];

    public static async Task<int> ExecuteAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken ct = default)
    {
        var cl = CommandLine.Parse("demo", args, Options);
        cl.NoPositionals("demo");
        var rounds = cl.Int("demo", "rounds", "--rounds", 3, 1, 50);
        var dir = Path.GetFullPath(cl.Value("dir") ?? Path.Combine(Environment.CurrentDirectory, "edgemanage-demo"));

        output.WriteLine($"Starting a loopback fleet of {Fleet.Length} edges (127.0.0.2-127.0.0.13):");
        await using var fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = Fleet.Select(f => f.Edge).ToArray() }, ct);
        foreach (var (edge, behaviour, note) in Fleet)
        {
            fleet.Set(edge, behaviour);
            output.WriteLine($"  {edge,-11} {note}");
        }
        var configPath = WriteWorkingFolder(dir, fleet);
        output.WriteLine();
        output.WriteLine($"Wrote {configPath} (an original-style edgemanage.yaml) and the demo edge list.");
        output.WriteLine($"Each round below is what 'edgemanage run -A {Network} -c {configPath}' does.");

        for (var round = 1; round <= rounds; round++)
        {
            output.WriteLine();
            if (round == 2)
            {
                fleet.Set("127.0.0.3", EdgeBehaviour.Refuse());
                output.WriteLine("== round 2: 127.0.0.3 now refuses connections");
            }
            else if (round == 3)
            {
                fleet.Set("127.0.0.8", EdgeBehaviour.Delay(TimeSpan.FromMilliseconds(10)));
                output.WriteLine("== round 3: 127.0.0.8 recovered (its average still remembers the failures)");
            }
            else
            {
                output.WriteLine($"== round {round}");
            }
            var context = NetworkContext.Load(configPath, Network, error);
            if (context is null) return ExitCodes.UsageOrConfig;
            var code = await RunCommand.RunRoundAsync(context, dryRun: false, verbose: cl.Flag("verbose"), output, error, ct);
            if (code != ExitCodes.Ok) return code;
        }

        output.WriteLine();
        output.WriteLine($"== the persisted state, as 'edgemanage query -A {Network} -c {configPath} -v --header' shows it:");
        var queryCode = await QueryCommand.ExecuteAsync(["-A", Network, "-c", configPath, "-v", "--header"], output, error, ct);
        output.WriteLine();
        output.WriteLine($"History lives in {Path.Combine(dir, "state")}; run the demo again and the averages carry on from there.");
        return queryCode;
    }

    /// <summary>Writes the config, edge list, test object and a zone include; returns the config path.</summary>
    public static string WriteWorkingFolder(string dir, TestFleet fleet)
    {
        foreach (var sub in new[] { "edges", "extra-edges", $"zones/{Network}", "named", "health", "state" })
            Directory.CreateDirectory(Path.Combine(dir, sub));
        File.WriteAllBytes(Path.Combine(dir, "test_object"), fleet.Body);
        File.WriteAllText(Path.Combine(dir, "edges", Network),
            "# demo edges: every one is an address of the loopback test fleet\n" + string.Join("\n", Fleet.Select(f => f.Edge)) + "\n");
        File.WriteAllText(Path.Combine(dir, "extra-edges", Network), "");
        File.WriteAllText(Path.Combine(dir, "zones", Network, "example.test.zone"), "www 60 IN CNAME example.test.\n");
        var configPath = Path.Combine(dir, "edgemanage.yaml");
        File.WriteAllText(configPath, string.Format(CultureInfo.InvariantCulture, """
            # Written by 'edgemanage demo'. Every key of the original edge_manage is here, so this is also
            # a template for a real config; the last block holds keys that are new in this implementation.
            testobject:
              host: www.example.test
              port: {0}
              proto: http
              uri: /test_object
              local: test_object
              verify: false
            dns:
              ns_records:
                - ns1.example.test.
                - ns2.example.test.
              soa_nameserver: ns1.example.test.
              soa_mailbox: hostmaster.example.test.
              rotate_zones: [www]
            run_frequency: 60
            healthdata_store: health
            edgelist_dir: edges
            extra_edgelist_dir: extra-edges
            dnschange_maxfreq: 10
            workers: 10
            retry: 2
            goodenough: 0.2
            canary_killer: false
            statefile: state/{{dnet}}.state
            logpath: edgemanage.log
            lockfile: state/edgemanage.lock
            zonetemplate_dir: zones
            edge_count: 4
            dnet_edge_count: {{}}
            named_dir: named
            live_list: state/{{dnet}}.live
            commands:
              run_before: []
              run_after: []
              run_after_changes: []

            # new keys
            probe_timeout: 2
            probe_concurrency: 100
            state_dir: state
            history_length: 2000
            """, fleet.Port));
        return configPath;
    }
}
