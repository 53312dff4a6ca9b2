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
    public static void WriteNodeConfigs(string dir, string config, params string[] nodes)
    {
        foreach (var node in nodes)
            File.WriteAllText(NodeConfig(dir, node), File.ReadAllText(config)
                .Replace("state_dir: state\n", $"state_dir: state-{node}\n")
                .Replace("logpath: edgemanage.log", $"logpath: edgemanage-{node}.log"));
    }
}
