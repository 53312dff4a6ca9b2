using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Edgemanage.Fleet;
using Edgemanage.Node.Admin;
using static Edgemanage.Contracts.Admin.AdminRequests;

namespace Edgemanage.Bench;

/// <summary>
/// Operate: what looking at a busy node costs. One <c>edgemanage serve</c> node probes a loopback fleet of N edges;
/// once it published, the benchmark times a Prometheus scrape of /metrics and the ctl requests an operator makes
/// (net show, edge show, zones, actor hierarchy), each repeated, and reports the size of each answer; then runs the
/// three Nagios checks as processes, which ask the serving node.
/// </summary>
public static class OperateBenchmark
{
    private const string Network = "bench";
    private static readonly TimeSpan StartupWithin = TimeSpan.FromSeconds(120);

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        string? edgemanage = null, work = null;
        var edges = 5000;
        var repeats = 10;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--edgemanage": edgemanage = Next(); break;
                case "--edges": edges = BenchArgs.PositiveInt("--edges", Next()); break;
                case "--repeats": repeats = BenchArgs.PositiveInt("--repeats", Next()); break;
                case "--work": work = Next(); break;
                default: throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }
        if (edgemanage is null) throw new ArgumentException("operate needs --edgemanage PATH");
        if (edges < 4) throw new ArgumentException("--edges must be at least 4 (edge_count is 4)");
        edgemanage = Path.GetFullPath(edgemanage);
        work = Path.GetFullPath(work ?? Path.Combine("artifacts", "bench", $"operate-{edges}e"));
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        Directory.CreateDirectory(work);

        var addresses = FleetAddresses.Range(2, edges);
        await using var fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = addresses });
        foreach (var a in addresses) fleet.Set(a, EdgeBehaviour.Delay(TimeSpan.FromMilliseconds(20)));
        var config = Edgemanage.Node.Commands.DemoWorkspace.Write(work, Network, fleet.Port, fleet.Body, addresses,
            extraYaml: "probe_timeout: 10\nzone_check_command: false\nprobe_interval: 10\ndecision_interval: 10\nhistory_batch_window: 5\nprobe_concurrency: 1000\n",
            goodEnough: 0.2, edgeCount: 4);
        var zonePath = Path.Combine(work, "named", "example.test.zone");
        using var child = ServeChild.Start("node", edgemanage, work,
            ["serve", "-A", Network, "-c", config, "--admin", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"], "serve", keepStdout: true, error);
        try
        {
            var startup = Stopwatch.StartNew();
            while (!File.Exists(zonePath) && !child.Exited && startup.Elapsed < StartupWithin)
                await Task.Delay(TimeSpan.FromMilliseconds(100));
            if (!File.Exists(zonePath) || child.Exited)
            {
                error.WriteLine($"edgemanage-bench: no {zonePath} within {StartupWithin.TotalSeconds:F0} s (or the node exited)\n{child.Tail()}");
                return 1;
            }
            var node = Regex.Match(child.Stdout, @"ctl endpoint on (\S+)").Groups[1].Value;
            var metricsUrl = Regex.Match(child.Stdout, @"metrics on (\S+)").Groups[1].Value;
            error.WriteLine($"# {edges} edges; first zone after {startup.Elapsed.TotalSeconds:F1} s; ctl {node}, metrics {metricsUrl}");

            output.WriteLine("| edges | request | answer | min ms | median ms | max ms |");
            output.WriteLine("|---:|---|---:|---:|---:|---:|");
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            await Row(output, edges, "GET /metrics", repeats, async () => (await http.GetByteArrayAsync(metricsUrl)).Length);

            await using var ctl = await CtlClient.ConnectAsync(node, TimeSpan.FromSeconds(30), tls: null);
            var serializer = new Edgemanage.Contracts.Serialization.EdgemanageSerializer(null!);
            async Task<int> Ask(object request) => serializer.ToBinary(await ctl.AskAsync(request)).Length;
            await Row(output, edges, "ctl net show", repeats, () => Ask(new ShowNetwork(Network)));
            await Row(output, edges, "ctl edge show", repeats, () => Ask(new ShowEdge(Network, addresses[0])));
            await Row(output, edges, "ctl zones", repeats, () => Ask(new ShowZones(Network)));
            await Row(output, edges, "ctl actor hierarchy", repeats, () => Ask(new GetActorHierarchy(0)));
            await Row(output, edges, "ctl net list", repeats, () => Ask(ListNetworks.Instance));
            // A Nagios check is a process of its own: start-up included, as Nagios pays it.
            foreach (var check in new[] { "latency", "integrity", "rotation" })
                await Row(output, edges, $"check {check} (process)", Math.Min(repeats, 5), () => CheckAsync(edgemanage, check, config));
            return await child.StopAsync(TimeSpan.FromSeconds(30), error) == 0 ? 0 : 1;
        }
        catch
        {
            error.WriteLine(child.Tail());
            throw;
        }
    }

    private static async Task<int> CheckAsync(string edgemanage, string check, string config)
    {
        var psi = new ProcessStartInfo(edgemanage) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "check", check, "-A", Network, "-c", config }) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var line = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode == 3) throw new InvalidOperationException($"check {check}: {line.Trim()}");
        return line.Length;
    }

    /// <summary>One table row: the request repeated, timed one by one; the answer's size in bytes (wire or text).</summary>
    private static async Task Row(TextWriter output, int edges, string name, int repeats, Func<Task<int>> request)
    {
        var times = new List<double>();
        var size = 0;
        await request(); // the first call pays for connections and JIT
        for (var i = 0; i < repeats; i++)
        {
            var watch = Stopwatch.StartNew();
            size = await request();
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {edges} | {name} | {size / 1024.0:F0} kB | {times[0]:F1} | {times[times.Count / 2]:F1} | {times[^1]:F1} |"));
        output.Flush();
    }
}
