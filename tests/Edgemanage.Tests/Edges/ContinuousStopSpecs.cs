using System.Collections.Concurrent;
using System.Collections.Immutable;
using Akka.Actor;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Edgemanage.Actors.Edges;
using Edgemanage.Contracts.Probing;
using Edgemanage.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using static Edgemanage.Contracts.Edges.EdgeCommands;
using static Edgemanage.Contracts.Edges.EdgeReplies;

namespace Edgemanage.Tests.Edges;

/// <summary>
/// serve's stop of continuous probing, against a journal whose writes the spec holds: a history group answers the stop
/// only once the journal has every batch it flushed, including one flushed before the stop and still being written
/// when the stop found nothing new to flush (the node shuts down right after the answer, and a write still in flight
/// then is lost: ContinuousHistorySpecs' rare "25 probes made, 24 recovered").
/// </summary>
public sealed class ContinuousStopSpecs() : Akka.TestKit.Xunit2.TestKit(Config)
{
    private const string Net = "stopnet";
    private const string Edge = "127.0.0.2";

    private static readonly string Config = $$"""
        akka.persistence.journal.plugin = "akka.persistence.journal.gated"
        akka.persistence.journal.gated {
            class = "{{typeof(GatedJournal).AssemblyQualifiedName}}"
            plugin-dispatcher = "akka.actor.default-dispatcher"
        }
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        """;

    /// <summary>Holds the journal's answers to writes while closed; says when a write arrives.</summary>
    public sealed class Gate
    {
        private volatile TaskCompletionSource _open = Opened();

        public SemaphoreSlim Arrived { get; } = new(0);

        public Task WhenOpen => _open.Task;

        public void Close() => _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Open() => _open.TrySetResult();

        private static TaskCompletionSource Opened()
        {
            var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            tcs.SetResult();
            return tcs;
        }
    }

    /// <summary>The in-memory journal, but a write is confirmed only once its system's <see cref="Gate"/> is open.</summary>
    public sealed class GatedJournal : MemoryJournal
    {
        public static readonly ConcurrentDictionary<ActorSystem, Gate> Gates = new();

        protected override async Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
        {
            var gate = Gates.GetValueOrDefault(Context.System);
            var result = await base.WriteMessagesAsync(messages, cancellationToken);
            if (gate is null) return result;
            gate.Arrived.Release();
            await gate.WhenOpen;
            return result;
        }
    }

    protected override void Dispose(bool disposing)
    {
        GatedJournal.Gates.TryRemove(Sys, out _);
        base.Dispose(disposing);
    }

    private static HistoryGroupSettings Settings => new(Net, "local", HistoryGroups.GroupOf(Edge), [Edge], HistoryLength: 100,
        SnapshotEvery: 1000, new JudgeSettings(0.7, 10, 300), new RoundBudget(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20)));

    private IActorRef StartGroup(ScriptedProber prober, TimeProvider clock)
    {
        var group = Sys.ActorOf(EdgeHistoryGroup.Props(Settings, prober, clock));
        group.Tell(EdgeHistoryGroup.AwaitRecovered.Instance, TestActor);
        ExpectMsg<EdgeHistoryGroup.GroupRecovered>(TimeSpan.FromSeconds(10));
        return group;
    }

    [Fact]
    public async Task A_stop_that_finds_nothing_to_flush_is_answered_only_once_the_batch_flushed_before_it_is_written()
    {
        var gate = GatedJournal.Gates[Sys] = new Gate();
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var prober = new ScriptedProber((_, n) => (ProbeOutcome.Ok, 0.01 * n), clock);
        var group = StartGroup(prober, clock);

        // An interval so long that the edge never probes on its own: the one probe is the confirmation asked below.
        var observer = CreateTestProbe();
        group.Tell(new StartContinuous(TimeSpan.FromDays(10), TimeSpan.FromMilliseconds(100), observer.Ref));
        gate.Close();
        group.Tell(new ConfirmEdge(Net, Edge));

        // The batch window ends: the probe's sample goes to the journal, which holds it.
        Assert.True(await gate.Arrived.WaitAsync(TimeSpan.FromSeconds(10)), "the batch was not written");
        Assert.Equal(1, prober.Calls(Edge));

        // The stop has nothing left to flush, but the batch before it is not written yet: no answer until it is.
        var stopper = CreateTestProbe();
        group.Tell(StopContinuous.Instance, stopper.Ref);
        stopper.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        gate.Open();
        stopper.ExpectMsg<ContinuousStopped>(TimeSpan.FromSeconds(10));

        // The probe made is the group's history after a restart.
        Watch(group);
        Sys.Stop(group);
        ExpectTerminated(group);
        var restarted = StartGroup(new ScriptedProber((_, _) => throw new InvalidOperationException("no probing expected"), clock), clock);
        restarted.Tell(new GetEdgeReports(Net), TestActor);
        var report = Assert.Single(ExpectMsg<EdgeReports>(TimeSpan.FromSeconds(10)).Edges);
        Assert.Equal(1, report.Verdict.SampleCount);
    }
}
