using System.Globalization;

namespace Edgemanage.Node.Commands;

/// <summary>
/// A self-contained working folder with an original-style edgemanage.yaml pointing at a loopback fleet:
/// used by <c>edgemanage demo</c>, the end-to-end tests and the benchmarks, so all three run the same job.
/// </summary>
public static class DemoWorkspace
{
    /// <summary>The original's commands section with nothing to run; tests replace it with their own.</summary>
    public const string DefaultCommands = "commands:\n  run_before: []\n  run_after: []\n  run_after_changes: []";

    /// <summary>Writes config, edge list, test object and one zone include; returns the config path.</summary>
    public static string Write(string dir, string network, int port, byte[] testObject, IReadOnlyList<string> edges,
        string extraYaml = "", double goodEnough = 0.7, int edgeCount = 4, string? commandsYaml = null)
    {
        foreach (var sub in new[] { "edges", "extra-edges", $"zones/{network}", "named", "health", "state" })
            Directory.CreateDirectory(Path.Combine(dir, sub));
        File.WriteAllBytes(Path.Combine(dir, "test_object"), testObject);
        File.WriteAllText(Path.Combine(dir, "edges", network),
            "# every edge here is an address of the loopback test fleet\n" + string.Join("\n", edges) + "\n");
        File.WriteAllText(Path.Combine(dir, "extra-edges", network), "");
        File.WriteAllText(Path.Combine(dir, "zones", network, "example.test.zone"), 
            "; records that do not depend on the live edges; the template adds SOA, NS and the edges' A records\n" +
            "ns1 60 IN A 127.0.0.1\nns2 60 IN A 127.0.0.1\nstatic 60 IN CNAME www.example.test.\n");
        var configPath = Path.Combine(dir, "edgemanage.yaml");
        File.WriteAllText(configPath, string.Format(CultureInfo.InvariantCulture, """
            # An original-style edgemanage.yaml: every key of edge_manage 2.2.0 is here, so this is also a
            # template for a real config. Keys new in this implementation follow at the end.
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
            retry: 2
            goodenough: {1}
            canary_killer: false
            statefile: state/{{dnet}}.state
            logpath: edgemanage.log
            lockfile: state/edgemanage.lock
            zonetemplate_dir: zones
            edge_count: {2}
            dnet_edge_count: {{}}
            named_dir: named
            live_list: state/{{dnet}}.live
            {3}

            # new keys
            state_dir: state

            """, port, goodEnough, edgeCount, commandsYaml ?? DefaultCommands) + extraYaml);
        return configPath;
    }
}
