using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Edgemanage.Bench;

/// <summary>
/// Workspaces the serve benchmarks share: several networks in one config, one config per cluster node, and cluster
/// ports that a peer's outgoing connection cannot take.
/// </summary>
public static class BenchWorkspace
{
    /// <summary>
    /// Writes one workspace holding every network of <paramref name="edgesByNetwork"/> (DemoWorkspace once per network;
    /// the config is the same for every network, so the last write wins) and gives each network's zone file its own
    /// name, <c>{network}.test.zone</c>. Returns the config's path.
    /// </summary>
    public static string WriteNetworks(string work, IReadOnlyList<string> networks, IReadOnlyList<IReadOnlyList<string>> edgesByNetwork,
        int fleetPort, byte[] testObject, string extraYaml, double goodEnough, int edgeCount)
    {
        var config = "";
        for (var n = 0; n < networks.Count; n++)
        {
            config = Edgemanage.Node.Commands.DemoWorkspace.Write(work, networks[n], fleetPort, testObject, edgesByNetwork[n],
                extraYaml: extraYaml, goodEnough: goodEnough, edgeCount: edgeCount);
            File.Move(Path.Combine(work, "zones", networks[n], "example.test.zone"), Path.Combine(work, "zones", networks[n], $"{networks[n]}.test.zone"));
        }
        return config;
    }

    public static string NodeConfig(string work, string node) => Path.Combine(work, $"edgemanage-{node}.yaml");

    /// <summary>One copy of <paramref name="config"/> per node, each with its own state_dir (state-NODE) and log.</summary>
    public static void WriteNodeConfigs(string work, string config, IEnumerable<string> nodes)
    {
        var text = File.ReadAllText(config);
        foreach (var node in nodes)
            File.WriteAllText(NodeConfig(work, node), text
                .Replace("state_dir: state\n", $"state_dir: state-{node}\n", StringComparison.Ordinal)
                .Replace("logpath: edgemanage.log", $"logpath: edgemanage-{node}.log", StringComparison.Ordinal));
    }

    /// <summary>
    /// <paramref name="count"/> free loopback ports below Linux's ephemeral range (32768+): a port in that range can be
    /// taken, between our check and the node's bind, by a peer's outgoing (re)connection that the kernel gives that
    /// source port. Each candidate is checked by binding it on 127.0.0.1 (all held at once, so they are distinct).
    /// </summary>
    public static int[] LowPorts(int count, int from = 20000, int to = 32000)
    {
        var held = new List<TcpListener>();
        try
        {
            for (var port = from + Random.Shared.Next(0, (to - from) / 2); port < to && held.Count < count; port++)
            {
                var listener = new TcpListener(IPAddress.Loopback, port);
                try { listener.Start(); held.Add(listener); }
                catch (SocketException) { }
            }
            if (held.Count < count) throw new InvalidOperationException($"fewer than {count} free ports between {from} and {to}");
            return held.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            foreach (var l in held) l.Stop();
        }
    }

    internal static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
