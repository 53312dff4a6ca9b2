namespace Edgemanage.Tests.Configuration;

internal static class ConfigSamples
{
    /// <summary>
    /// Modelled on the original's conf/edgemanage.yaml with every key of 2.2.0 (§2). Line numbers
    /// matter to some tests.
    /// </summary>
    public const string Original = """
        ---
        testobject:
          host: deflect.ca
          port: '443'
          proto: https
          uri: /edgemanage.object
          local: ../edgemanage.object
          verify: True

        dns:
          ns_records:
            - adns1.easydns.com.
            - adns2.easydns.com.
          soa_nameserver: dns0.easydns.com.
          soa_mailbox: zone.easydns.com.
          rotate_zones:
            - www

        # seconds between runs in --daemonise
        run_frequency: 60
        healthdata_store: /var/lib/edgemanage/health/
        # one file per dnet
        edgelist_dir: /etc/edgemanage/edges/
        extra_edgelist_dir: /etc/edgemanage/extra_edges/
        dnschange_maxfreq: 10
        workers: 10
        # Number of retries when fetching the object from an edge
        retry: 3
        goodenough: 0.700
        canary_killer: 2
        statefile: /var/lib/edgemanage/{dnet}.state
        logpath: /var/log/edgemanage.log
        lockfile: /var/lock/edgemanage.lock
        zonetemplate_dir: /etc/edgemanage/zones/
        edge_count: 4
        dnet_edge_count:
          dnext1: 6
          dnext2: 2
        named_dir: /etc/bind/deflect_zones/
        live_list: /var/lib/edgemanage/{dnet}.live
        canary_files: /etc/edgemanage/canaries/{dnet}.yaml
        commands:
          run_before:
            - /usr/local/bin/before.sh
          run_after:
          run_after_changes:
            - /usr/sbin/rndc reload
        """;

    /// <summary>Only the required keys; relative paths. Line numbers matter to the tests.</summary>
    public const string Minimal = """
        testobject:
          host: example.org
          proto: https
          uri: /edgemanage.object
          local: object.bin
          verify: true
        dns:
          ns_records:
            - ns1.example.net.
            - ns2.example.net.
          soa_nameserver: ns0.example.net.
          soa_mailbox: hostmaster.example.net.
        healthdata_store: health
        edgelist_dir: edges
        goodenough: 0.7
        statefile: state/{dnet}.state
        lockfile: edgemanage.lock
        zonetemplate_dir: zones
        edge_count: 3
        named_dir: named
        """;

    /// <summary>Minimal with one whole line replaced (or removed when <paramref name="with"/> is null).</summary>
    public static string MinimalWith(string line, string? with)
    {
        var lines = Minimal.Split('\n').ToList();
        var i = lines.FindIndex(l => l == line);
        if (i < 0) throw new ArgumentException($"no line '{line}' in the minimal config");
        if (with is null) lines.RemoveAt(i); else lines[i] = with;
        return string.Join('\n', lines);
    }

    public static string MinimalPlus(string extra) => Minimal + "\n" + extra + "\n";
}
