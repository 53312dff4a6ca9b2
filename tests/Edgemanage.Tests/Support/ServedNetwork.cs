using System.Text.RegularExpressions;
using Edgemanage.Fleet;
using Edgemanage.Node.Commands;

namespace Edgemanage.Tests.Support;

/// <summary>
/// One network served by a real <c>edgemanage serve</c> process against a loopback fleet, with its ctl endpoint on a
/// free port: the fixture of the ctl specs. Ready once the node printed its ctl address and published its first zone.
/// </summary>
public sealed class ServedNetwork : IAsyncDisposable
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);

    private ServedNetwork(TempDir dir, TestFleet fleet, string config, ServeProcess node, string address)
    {
        Dir = dir;
        Fleet = fleet;
        Config = config;
        Node = node;
        Address = address;
    }

    public TempDir Dir { get; }
    public TestFleet Fleet { get; }
    public string Config { get; }
    public ServeProcess Node { get; }
    /// <summary>host:port of the node's ctl endpoint.</summary>
    public string Address { get; }

    public string ZonePath => Path.Combine(Dir.Path, "named", "example.test.zone");

    public string[] ZoneA() => ZoneRecords.ApexA(ZonePath);

    /// <param name="beforeStart">Writes what the config refers to (a certificate, say) into the workspace first.</param>
    public static async Task<ServedNetwork> StartAsync(string network, string[] edges, string extraYaml, double goodEnough, int edgeCount,
        Action<string>? beforeStart = null)
    {
        var dir = new TempDir();
        var fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = edges });
        beforeStart?.Invoke(dir.Path);
        var config = DemoWorkspace.Write(dir.Path, network, fleet.Port, fleet.Body, edges,
            extraYaml: ServeWorkspace.SteadyServeYaml + "metrics:\n  listen: off\n" + extraYaml, goodEnough: goodEnough, edgeCount: edgeCount);
        var node = ServeProcess.Start("node", "-A", network, "-c", config, "--admin", "127.0.0.1:0");
        try
        {
            await node.WaitForOutputAsync("ctl endpoint on ", Within);
            var served = new ServedNetwork(dir, fleet, config, node, Regex.Match(node.Output, @"ctl endpoint on (\S+)").Groups[1].Value);
            await Eventually.True(() => served.ZoneA().Length == edgeCount, Within, "the first zone");
            return served;
        }
        catch
        {
            await node.DisposeAsync();
            await fleet.DisposeAsync();
            dir.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Node.DisposeAsync();
        await Fleet.DisposeAsync();
        Dir.Dispose();
    }
}
