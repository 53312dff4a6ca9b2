namespace Edgemanage.Tests.Support;

/// <summary>Config pieces shared by the specs that run <c>serve</c> against the loopback fleet.</summary>
public static class ServeWorkspace
{
    /// <summary>A node that probes, decides and persists every second or less, so a spec sees DNS change in seconds.</summary>
    public const string FastServeYaml =
        "probe_timeout: 1\nzone_check_command: false\nprobe_interval: 1\ndecision_interval: 1\nhistory_batch_window: 0.3\n";

    /// <summary>
    /// <see cref="FastServeYaml"/> with a probe timeout a loaded CI machine never reaches: for specs that assert a
    /// stable live set rather than how failures are detected (pair it with a generous good_enough).
    /// </summary>
    public const string SteadyServeYaml =
        "probe_timeout: 5\nzone_check_command: false\nprobe_interval: 1\ndecision_interval: 1\nhistory_batch_window: 0.3\n";

    public static string NodeConfig(string dir, string node) => Path.Combine(dir, $"edgemanage-{node}.yaml");

    /// <summary>
    /// One config per cluster node from <paramref name="config"/>: each keeps its own journal and lock (state_dir) and
    /// log; zones all go to one named_dir.
    /// </summary>
    public static void WriteNodeConfigs(string dir, string config, params string[] nodes) =>
        WriteNodeConfigs(dir, config, ownNamedDir: false, nodes);

    /// <summary>
    /// The same; with <paramref name="ownNamedDir"/> each node also gets its own named_dir (<c>named-&lt;node&gt;</c>), as
    /// nodes on separate machines have: what a cluster publishing by DNS UPDATE must cope with.
    /// </summary>
    public static void WriteNodeConfigs(string dir, string config, bool ownNamedDir, params string[] nodes)
    {
        foreach (var node in nodes)
        {
            var text = File.ReadAllText(config)
                .Replace("state_dir: state\n", $"state_dir: state-{node}\n")
                .Replace("logpath: edgemanage.log", $"logpath: edgemanage-{node}.log");
            if (ownNamedDir)
            {
                text = text.Replace("named_dir: named\n", $"named_dir: named-{node}\n");
                Directory.CreateDirectory(Path.Combine(dir, $"named-{node}"));
            }
            File.WriteAllText(NodeConfig(dir, node), text);
        }
    }

    /// <summary>
    /// The top-level keys that make a config publish by DNS UPDATE (issue 12) to <paramref name="primary"/> (HOST:PORT),
    /// signed with the key in <paramref name="keyFile"/>; appended to a config as its extra YAML.
    /// </summary>
    public static string DnsUpdateYaml(string primary, string keyFile, int ttl = 60, int timeout = 3) =>
        $"publish: dns-update\ndns_update:\n  primary: {primary}\n  key_file: {keyFile}\n  ttl: {ttl}\n  timeout: {timeout}\n";
}
