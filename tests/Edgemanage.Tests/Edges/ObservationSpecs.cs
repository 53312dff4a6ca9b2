using Akka.Actor;
using Edgemanage.Actors.Edges;
using Edgemanage.Actors.Persistence;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Probing;
using Edgemanage.Node.Hosting;
using Edgemanage.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using static Edgemanage.Contracts.Edges.EdgeCommands;
using static Edgemanage.Contracts.Edges.EdgeReplies;

namespace Edgemanage.Tests.Edges;

/// <summary>
/// serve: a probe's report reaches the decider when the probe ends (gathered per history group for at most one
/// observation window), while its sample is still persisted once per batch window; and an edge asked to confirm
/// another vantage's failure probes at once, at most once per probe interval.
/// </summary>
public sealed class ObservationSpecs : Akka.TestKit.Xunit2.TestKit
{
    private const string Net = "obsnet";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly TempDir _dir = new();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) _dir.Dispose();
    }

    private async Task<EdgemanageNode> Start(IReadOnlyList<string> edges, ScriptedProber prober)
    {
        var settings = TestSettings.Create(_dir.Path);
        var node = await EdgemanageNode.StartAsync(settings, Net, edges, prober, JournalTarget.For(settings.Persistence, _dir.File("journal.db")));
        // Answered once every history group has recovered, so the timings below measure probing, not a cold journal.
        await node.NetworkEdges.Ask<EdgeReports>(new GetEdgeReports(Net), Timeout);
        return node;
    }

    /// <summary>History events persisted so far by the network's history groups.</summary>
    private long HistoryEvents()
    {
        using var db = new SqliteConnection($"Data Source={_dir.File("journal.db")};Pooling=false");
        db.Open();
        using var count = db.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM journal WHERE persistence_id LIKE 'hist-%'";
        return (long)count.ExecuteScalar()!;
    }

    [Fact]
    public async Task A_failing_probe_reaches_the_observer_at_once_while_its_samples_wait_for_the_batch()
    {
        const string edge = "127.0.0.2";
        var prober = new ScriptedProber((_, _) => (ProbeOutcome.Refused, 10));
        await using var node = await Start([edge], prober);
        var observer = CreateTestProbe();
        var started = DateTime.UtcNow;
        node.NetworkEdges.Tell(new StartContinuous(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5), observer.Ref));

        // The first probe ends within one probe interval; its report comes one observation window (100 ms) later,
        // before the 5 s batch window has persisted anything. (No upper bound on wall time: a loaded CI machine may be
        // slow, and the journal being still empty is what shows the report did not wait for the batch.)
        var first = observer.ExpectMsg<Observed>(TimeSpan.FromSeconds(4));
        var report = Assert.Single(first.Reports);
        Assert.Equal((edge, EdgeHealth.Fail), (report.Edge, report.Verdict.Health));
        Assert.Equal(0, HistoryEvents());

        // Every probe is observed as it ends, and the journal still gets one event for the whole batch window.
        var observed = 1;
        while (HistoryEvents() == 0)
        {
            observer.ExpectMsg<Observed>(TimeSpan.FromSeconds(2));
            observed++;
        }
        Assert.Equal(1, HistoryEvents());
        Assert.True(observed >= 10, $"{observed} observations before the first batch was persisted");
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(4.5), "the batch was persisted at the end of its window");
    }

    [Fact]
    public async Task Probes_that_end_within_one_observation_window_arrive_as_one_message_with_the_newest_report_of_each_edge()
    {
        // Three edges of one history group, so one group gathers their reports.
        var edges = Enumerable.Range(2, 250).Select(i => $"127.0.0.{i}").GroupBy(HistoryGroups.GroupOf).First(g => g.Count() >= 3).Take(3).ToArray();
        var prober = new ScriptedProber((_, n) => (ProbeOutcome.Ok, 0.001 * n));
        await using var node = await Start(edges, prober);
        var observer = CreateTestProbe();
        var window = TimeSpan.FromSeconds(2);
        var sinceStart = System.Diagnostics.Stopwatch.StartNew();
        node.NetworkEdges.Tell(new StartContinuous(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(30), observer.Ref,
            ObservationWindow: window));

        // Every edge probes about 20 times in the window that its first probe opened: nothing before the window ends,
        // then one message with one report per edge, the newest. The window opens after StartContinuous, so the first
        // message can never come sooner than one window after it; a loaded machine only makes it later (an
        // ExpectNoMsg here failed on CI when the probe's own wait ran long and overlapped the batch).
        var batch = observer.ExpectMsg<Observed>(TimeSpan.FromSeconds(10));
        Assert.True(sinceStart.Elapsed >= window - TimeSpan.FromMilliseconds(50),
            $"the first message came {sinceStart.Elapsed.TotalSeconds:0.000} s after the start, before the {window.TotalSeconds} s window ended");
        Assert.Equal(edges.Order(StringComparer.Ordinal), batch.Reports.Select(r => r.Edge).Order(StringComparer.Ordinal));
        foreach (var r in batch.Reports)
            Assert.True(r.Verdict.SampleCount >= 5, $"{r.Edge}: the newest report of the window, not the first ({r.Verdict.SampleCount} samples)");
        Assert.All(edges, e => Assert.True(prober.Calls(e) >= 5));
    }

    /// <summary>Stands in for a history group: creates the edge and passes what the edge says to <paramref name="reports"/>.</summary>
    private sealed class EdgeParent : ReceiveActor
    {
        public EdgeParent(Props edge, IActorRef reports)
        {
            var child = Context.ActorOf(edge, "edge");
            ReceiveAny(m =>
            {
                if (Sender.Equals(child)) reports.Forward(m);
                else child.Forward(m);
            });
        }
    }

    [Fact]
    public void Confirm_edge_probes_at_once_and_at_most_once_per_probe_interval()
    {
        const string edge = "127.0.0.2";
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var prober = new ScriptedProber((_, _) => (ProbeOutcome.Ok, 0.1), clock);
        var reports = CreateTestProbe();
        var edgeProps = EdgeActor.Props(new EdgeIdentity(Net, edge, "local"), new EdgeHistory(10), EdgeModeState.Default, prober,
            new JudgeSettings(0.7, 10, 300), clock);
        var parent = Sys.ActorOf(Props.Create(() => new EdgeParent(edgeProps, reports.Ref)));
        // An interval so long that the edge's own first probe (at a random share of it) never comes during the spec.
        var interval = TimeSpan.FromDays(10);
        parent.Tell(new EdgeActor.StartProbing(interval));
        reports.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        parent.Tell(new ConfirmEdge(Net, edge));
        var probed = reports.ExpectMsg<EdgeActor.Probed>(TimeSpan.FromSeconds(3));
        Assert.Equal(EdgeActor.ContinuousRound, probed.RoundId);
        Assert.Equal(1, prober.Calls(edge));

        // Asked again within the probe interval: no second probe.
        clock.Advance(interval - TimeSpan.FromSeconds(1));
        parent.Tell(new ConfirmEdge(Net, edge));
        reports.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Equal(1, prober.Calls(edge));

        // One interval after the last request, a new failure elsewhere is confirmed again.
        clock.Advance(TimeSpan.FromSeconds(1));
        parent.Tell(new ConfirmEdge(Net, edge));
        reports.ExpectMsg<EdgeActor.Probed>(TimeSpan.FromSeconds(3));
        Assert.Equal(2, prober.Calls(edge));
    }

    [Fact]
    public void An_edge_that_is_not_probing_continuously_ignores_confirm_edge()
    {
        const string edge = "127.0.0.2";
        var prober = new ScriptedProber((_, _) => (ProbeOutcome.Ok, 0.1));
        var reports = CreateTestProbe();
        var edgeProps = EdgeActor.Props(new EdgeIdentity(Net, edge, "local"), new EdgeHistory(10), EdgeModeState.Default, prober,
            new JudgeSettings(0.7, 10, 300), TimeProvider.System);
        var parent = Sys.ActorOf(Props.Create(() => new EdgeParent(edgeProps, reports.Ref)));

        parent.Tell(new ConfirmEdge(Net, edge));
        reports.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Equal(0, prober.Calls(edge));
    }

    [Fact]
    public async Task A_history_group_passes_confirm_edge_to_its_edge_and_the_result_is_observed_at_once()
    {
        const string edge = "127.0.0.2";
        var prober = new ScriptedProber((_, n) => n == 1 ? (ProbeOutcome.Ok, 0.1) : (ProbeOutcome.Refused, 10));
        await using var node = await Start([edge], prober);
        var observer = CreateTestProbe();
        node.NetworkEdges.Tell(new StartContinuous(TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(30), observer.Ref));
        Assert.Equal(EdgeHealth.PassThreshold, Assert.Single(observer.ExpectMsg<Observed>(TimeSpan.FromSeconds(3)).Reports).Verdict.Health);

        // The decider answers the group that sent the observation, wherever it runs.
        observer.Reply(new ConfirmEdge(Net, edge));
        var confirmed = Assert.Single(observer.ExpectMsg<Observed>(TimeSpan.FromSeconds(1)).Reports);
        Assert.Equal(EdgeHealth.Fail, confirmed.Verdict.Health);
        Assert.Equal(2, prober.Calls(edge));
    }
}
