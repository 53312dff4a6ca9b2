using System.Globalization;
using Edgemanage.Fleet;

namespace Edgemanage.Bench;

/// <summary>
/// Config, edge list, test object and zone include for the "bench" network, laid out like
/// <c>edgemanage demo</c> writes them (src/Node/Commands/DemoCommand.cs), with benchmark probe settings.
/// </summary>
public static class WorkingFolder
{
    public static string Write(string dir, TestFleet fleet, IReadOnlyList<string> edges, int historyLength, int concurrency)
    {
        var network = RoundBenchmark.Network;
        foreach (var sub in new[] { "edges", "extra-edges", $"zones/{network}", "named", "health", "state" })
            Directory.CreateDirectory(Path.Combine(dir, sub));
        File.WriteAllBytes(Path.Combine(dir, "test_object"), fleet.Body);
        File.WriteAllText(Path.Combine(dir, "edges", network),
            "# benchmark edges: addresses of the loopback test fleet in edgemanage-bench\n" + string.Join("\n", edges) + "\n");
        File.WriteAllText(Path.Combine(dir, "extra-edges", network), "");
        File.WriteAllText(Path.Combine(dir, "zones", network, "example.test.zone"), "www 60 IN CNAME example.test.\n");
        var configPath = Path.Combine(dir, "edgemanage.yaml");
        File.WriteAllText(configPath, string.Format(CultureInfo.InvariantCulture, """
            # Written by edgemanage-bench round.
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

            probe_timeout: 10
            probe_concurrency: {2}
            state_dir: state
            history_length: {1}
            """, fleet.Port, historyLength, concurrency));
        return configPath;
    }
}
