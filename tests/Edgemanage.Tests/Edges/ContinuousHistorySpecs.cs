using Akka.Actor;
using Edgemanage.Actors.Persistence;
using Edgemanage.Contracts.Probing;
using Edgemanage.Node.Hosting;
using Edgemanage.Tests.Support;
using Xunit;
using static Edgemanage.Contracts.Edges.EdgeCommands;
using static Edgemanage.Contracts.Edges.EdgeReplies;

namespace Edgemanage.Tests.Edges;

/// <summary>
/// Continuous probing (serve) over a real SQLite journal with frequent snapshots: after a stop and a restart,
/// every probe made is in the history exactly once — none lost at the stop, none counted twice because a snapshot
/// captured samples whose batch event came after it.
/// </summary>
public sealed class ContinuousHistorySpecs : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Every_probe_is_recovered_exactly_once_after_a_stop_and_a_restart()
    {
        var edges = Enumerable.Range(2, 6).Select(i => $"127.0.0.{i}").ToArray();
        var settings = TestSettings.Create(_dir.Path, snapshotEvery: 2);
        var journal = JournalTarget.For(settings.Persistence, _dir.File("journal.db"));
        var prober = new ScriptedProber((edge, n) => (ProbeOutcome.Ok, 0.01 * n));
        var timeout = TimeSpan.FromSeconds(30);

        await using (var node = await EdgemanageNode.StartAsync(settings, "contnet", edges, prober, journal))
        {
            node.NetworkEdges.Tell(new StartContinuous(TimeSpan.FromMilliseconds(30), TimeSpan.FromMilliseconds(40), ActorRefs.Nobody));
            await Eventually.True(() => edges.All(e => prober.Calls(e) >= 25), timeout, "25 probes of every edge");
            await node.NetworkEdges.Ask<ContinuousStopped>(StopContinuous.Instance, timeout);
        }
        var made = edges.ToDictionary(e => e, prober.Calls);

        await using (var node = await EdgemanageNode.StartAsync(settings, "contnet", edges, prober, journal))
        {
            var reports = await node.NetworkEdges.Ask<EdgeReports>(new GetEdgeReports("contnet"), timeout);
            foreach (var r in reports.Edges)
                Assert.True(made[r.Edge] == r.Verdict.SampleCount, $"{r.Edge}: {made[r.Edge]} probes made, {r.Verdict.SampleCount} recovered");
        }
    }
}
