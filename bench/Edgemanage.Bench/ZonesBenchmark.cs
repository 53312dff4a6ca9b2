using System.Diagnostics;
using Akka.Event;
using Edgemanage.Actors.Zones;
using Edgemanage.Contracts.Config;
using Edgemanage.Contracts.Zones;
using static Edgemanage.Contracts.Zones.ZoneCommands;

namespace Edgemanage.Bench;

/// <summary>
/// Rendering and writing many zones through the same publisher the ZoneWriterActor uses: a first publish
/// (every zone new), an unchanged one (nothing may be written), and one where the live set changed (every
/// zone rewritten), optionally with the named-checkzone check. No network traffic at all.
/// </summary>
public static class ZonesBenchmark
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var count = 10_000;
        var check = false;
        var compare = false;
        string? work = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--count": count = int.Parse(args[++i]); break;
                case "--check": check = true; break;
                case "--compare": compare = true; break;
                case "--work": work = args[++i]; break;
                default: throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }
        work = Path.GetFullPath(work ?? Path.Combine("artifacts", "bench", $"zones-{count}{(check ? "-check" : "")}"));
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        var named = Directory.CreateDirectory(Path.Combine(work, "named")).FullName;

        var checker = check ? ZoneChecker.Create(null) : null;
        if (check && checker is null) throw new ArgumentException("--check needs named-checkzone on PATH");
        var dns = new DnsSettings
        {
            NsRecords = ["ns1.example.test.", "ns2.example.test."], SoaNameserver = "ns1.example.test.", SoaMailbox = "hostmaster.example.test.",
            RotateZones = ["www"],
        };
        var settings = new ZoneWriterSettings("bench", named, Path.Combine(work, "live"), dns, ZoneTemplate.Builtin(), checker,
            new CommandSettings(), TimeSpan.FromSeconds(30), 20);
        var publisher = new ZonePublisher(settings, new HostResolver(), TimeProvider.System, NoLogger.Instance);

        const string include = "mail 60 IN A 127.0.0.1\nstatic 60 IN CNAME www\n";
        ZoneContent[] Zones(string[] live) => Enumerable.Range(0, count)
            .Select(i => new ZoneContent($"zone{i}.example", $"zone{i}.example.zone", include, live, null, null)).ToArray();
        string[] liveA = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"];
        string[] liveB = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.6"];

        if (compare)
        {
            var model = new ZoneModel("zone.example", "zone.example.zone", include, liveA.Select(a => new ZoneAddress(a, false)).ToArray(), 1, dns);
            var sw0 = Stopwatch.StartNew();
            for (var i = 0; i < count; i++) settings.Template.Render(model with { Zone = $"zone{i}.example" });
            error.WriteLine($"# rendering alone: {count} zones in {sw0.Elapsed.TotalSeconds:F2} s");
            var scratch = Directory.CreateDirectory(Path.Combine(work, "scratch")).FullName;
            sw0.Restart();
            for (var i = 0; i < count; i++) ZoneFiles.WriteAtomic(Path.Combine(scratch, $"z{i}"), include);
            error.WriteLine($"# atomic writes one by one (fsync each): {count} files in {sw0.Elapsed.TotalSeconds:F2} s");
            var batch = Enumerable.Range(0, count).Select(i => new ZoneFiles.BatchItem(Path.Combine(scratch, $"b{i}"), include)).ToArray();
            sw0.Restart();
            ZoneFiles.WriteAtomicBatch(batch);
            error.WriteLine($"# atomic writes as one batch (one syncfs): {count} files in {sw0.Elapsed.TotalSeconds:F2} s");
        }
        var state = ZoneWriterState.Empty;
        output.WriteLine($"| zones | check | step | wall | written | unchanged |");
        output.WriteLine($"|---|---|---|---|---|---|");
        foreach (var (step, live, changed) in new[] { ("first publish", liveA, true), ("unchanged", liveA, false), ("live set changed", liveB, true) })
        {
            GC.Collect();
            var sw = Stopwatch.StartNew();
            var result = await publisher.PublishAsync(new PublishZones("bench", 1, Zones(live), live, changed, DryRun: false, ForceUpdate: false), state, CancellationToken.None);
            sw.Stop();
            if (result.Event is { } evt) state = state.Apply(evt);
            var written = result.Reply.Zones.Count(z => z.Action == ZoneAction.Written);
            var unchanged = result.Reply.Zones.Count(z => z.Action == ZoneAction.Unchanged);
            var failed = result.Reply.Zones.Count(z => z.Action is not (ZoneAction.Written or ZoneAction.Unchanged));
            error.WriteLine($"# {step}: {result.Timing}");
            if (failed > 0) error.WriteLine($"# {failed} zones failed, e.g. {result.Reply.Zones.First(z => z.Action is not (ZoneAction.Written or ZoneAction.Unchanged))}");
            output.WriteLine($"| {count} | {(check ? "named-checkzone" : "none")} | {step} | {sw.Elapsed.TotalSeconds:F2} s | {written} | {unchanged} |");
        }
        return 0;
    }
}
