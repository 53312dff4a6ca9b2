using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Edgemanage.Actors.Persistence;
using Edgemanage.Actors.Probing;
using Edgemanage.Contracts.Edges;
using static Edgemanage.Contracts.Edges.EdgeCommands;
using static Edgemanage.Contracts.Edges.EdgeReplies;

namespace Edgemanage.Actors.Edges;

/// <summary>Everything a history group needs to know that does not change while it runs.</summary>
public sealed record HistoryGroupSettings(
    string Network,
    string Vantage,
    int Group,
    IReadOnlyList<string> Edges,
    int HistoryLength,
    int SnapshotEvery,
    JudgeSettings Judge,
    RoundBudget RoundBudget);

/// <summary>
/// The persistent parent of up to ~250 EdgeActors of one network and vantage. It persists one event per
/// round with every sample of its edges, snapshots their histories every <c>SnapshotEvery</c> rounds —
/// staggered by group number so one round pays for at most a few snapshots — and deletes what a snapshot
/// covers, so the journal stays bounded. Recovery rebuilds each edge's history, then creates the edges.
/// </summary>
public sealed class EdgeHistoryGroup : ReceivePersistentActor, IWithTimers
{
    /// <summary>The group's answer to <see cref="RunRound"/>: one report per edge.</summary>
    public sealed record GroupRoundDone(long RoundId, int Group, IReadOnlyList<EdgeReport> Edges, IReadOnlyList<string> Failures)
        : INoSerializationVerificationNeeded;

    private sealed record RoundTimedOut(long RoundId);

    /// <summary>Answered with <see cref="GroupRecovered"/> once recovery is complete (commands are stashed until then).</summary>
    public sealed record AwaitRecovered : INoSerializationVerificationNeeded
    {
        public static readonly AwaitRecovered Instance = new();
    }

    public sealed record GroupRecovered(int Group) : INoSerializationVerificationNeeded;

    private sealed class RecoveredEdge(int historyLength)
    {
        public EdgeHistory History { get; set; } = new(historyLength);
        public EdgeModeState Mode { get; set; } = EdgeModeState.Default;
    }

    private sealed class RoundInProgress(RunRound command, IActorRef replyTo, bool snapshotDue)
    {
        public RunRound Command { get; } = command;
        public IActorRef ReplyTo { get; } = replyTo;
        public bool SnapshotDue { get; } = snapshotDue;
        public Dictionary<string, EdgeActor.Probed> Results { get; } = new(StringComparer.Ordinal);
        public List<string> Failures { get; } = [];
        public int PendingHousekeeping { get; set; }
        /// <summary>Set once the round's results are being persisted: late results and the deadline are ignored.</summary>
        public bool Finishing { get; set; }
    }

    private readonly HistoryGroupSettings _settings;
    private readonly IProber _prober;
    private readonly TimeProvider _time;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, RecoveredEdge> _recovered = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IActorRef> _edges = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, string> _edgeNames = new();
    /// <summary>Each edge's current mode, so that setting the same mode again keeps the time of the last real change.</summary>
    private readonly Dictionary<string, EdgeModeState> _modes = new(StringComparer.Ordinal);
    private RoundInProgress? _round;

    // serve: continuous probing
    private sealed record FlushBatch : INoSerializationVerificationNeeded
    {
        public static readonly FlushBatch Instance = new();
    }

    private sealed record HistoriesCaptured(EdgeHistorySnapshot[] Edges) : INoSerializationVerificationNeeded;

    private sealed record EdgesStopped(IActorRef ReplyTo) : INoSerializationVerificationNeeded;

    /// <summary>The stop's writes were not all written in time: say stopped anyway, so a dead journal cannot hold a stop.</summary>
    private sealed record StopUnrecorded : INoSerializationVerificationNeeded
    {
        public static readonly StopUnrecorded Instance = new();
    }

    /// <summary>How long a stop waits for its writes once the journal has deferred one of them.</summary>
    public static readonly TimeSpan StopWriteWait = TimeSpan.FromSeconds(1.5);

    /// <summary>
    /// serve: who asked for a stop that is not answered yet. A stop is answered once nothing is left unwritten in the
    /// journal channel: not only its own last batch, but every batch flushed before it that the journal has not
    /// confirmed yet (see <see cref="AnswerStopWhenWritten"/>).
    /// </summary>
    private readonly List<IActorRef> _stopWaiters = [];

    /// <summary>Ends an observation window: the reports gathered since its first one go to the observer as one message.</summary>
    private sealed record SendObservations : INoSerializationVerificationNeeded
    {
        public static readonly SendObservations Instance = new();
    }

    private IActorRef? _observer;
    private TimeSpan _observationWindow = EdgeCommands.StartContinuous.DefaultObservationWindow;
    /// <summary>
    /// serve: the newest report of each edge whose probe ended in the current observation window, not yet sent. The
    /// decider hears of a probe when it ends, not when its sample is persisted (that waits for the batch window).
    /// </summary>
    private readonly Dictionary<string, EdgeReport> _unobserved = new(StringComparer.Ordinal);
    /// <summary>
    /// The newest persisted sample of each edge. In continuous probing an edge records a sample before the group
    /// has persisted it, so a captured history can run ahead of the journal; a snapshot is cut back to this point,
    /// so that it holds exactly what the events up to its sequence number hold.
    /// </summary>
    private readonly Dictionary<string, Sample> _lastPersisted = new(StringComparer.Ordinal);
    private readonly List<EdgeActor.Probed> _batch = [];
    private bool _capturing;
    /// <summary>
    /// serve: events go to the journal through this (from StartContinuous on), so a journal that fails never stops
    /// probing or the observations the NetworkActor decides on. A cron round persists directly, as before.
    /// </summary>
    private JournalChannel? _journal;
    private bool _snapshotDue;

    /// <summary>
    /// serve: at most this many samples per edge wait in memory while the journal does not take writes; older ones
    /// are dropped (and counted). An edge's judgement needs its recent history, which the edge keeps anyway.
    /// </summary>
    public const int UnrecordedSamplesPerEdge = 60;

    public EdgeHistoryGroup(HistoryGroupSettings settings, IProber prober, TimeProvider time)
    {
        _settings = settings;
        _prober = prober;
        _time = time;
        PersistenceId = HistoryGroups.PersistenceId(settings.Network, settings.Vantage, settings.Group);
        (JournalPluginId, SnapshotPluginId) = PersistencePlugins.Of(Context.System, settings.Network); // serve: the network's own journal

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is not HistoryGroupSnapshot snap) return;
            foreach (var e in snap.Edges)
            {
                var edge = Recovered(e.Edge);
                edge.History = e.Samples is Sample[] array
                    ? EdgeHistory.Adopt(array, _settings.HistoryLength)
                    : EdgeHistory.Adopt(e.Samples.ToArray(), _settings.HistoryLength);
                edge.Mode = new EdgeModeState(e.Mode, e.Comment, e.ModeChangedAtUnixMs, e.ModeExpiresAtUnixMs);
            }
        });
        Recover<HistoryRoundRecorded>(evt =>
        {
            foreach (var s in evt.Samples) Recovered(s.Edge).History.Add(s.Sample);
        });
        Recover<EdgeModeChanged>(evt => Recovered(evt.Edge).Mode = new EdgeModeState(evt.Mode, evt.Comment, evt.AtUnixMs, evt.ExpiresAtUnixMs));
        Recover<RecoveryCompleted>(_ => StartEdges());

        Command<AwaitRecovered>(_ => Sender.Tell(new GroupRecovered(_settings.Group)));
        Command<RunRound>(StartRound);
        Command<EdgeActor.Probed>(Collect);
        Command<RoundTimedOut>(t => { if (_round is { Finishing: false } r && r.Command.RoundId == t.RoundId) FinishRound(timedOut: true); });
        Command<SetEdgeMode>(SetMode);
        Command<ImportEdgeHistory>(Import);
        Command<StartContinuous>(StartContinuous);
        Command<FlushBatch>(_ => Flush());
        Command<SendObservations>(_ => SendObserved());
        Command<ConfirmEdge>(cmd =>
        {
            if (_edges.TryGetValue(cmd.Edge, out var child)) child.Tell(cmd);
        });
        Command<StopContinuous>(_ =>
        {
            Timers.Cancel("batch");
            // What was observed before the stop still reaches the decider; probes that end after it are only persisted.
            SendObserved();
            _observer = null;
            // Every edge reports its in-flight probe before it says it stopped, so the last flush holds every sample.
            var replyTo = Sender;
            var asks = _edges.Values.Select(e => e.Ask<EdgeActor.ProbingStopped>(EdgeActor.StopProbing.Instance, TimeSpan.FromSeconds(30)));
            Task.WhenAll(asks).PipeTo(Self, success: _ => new EdgesStopped(replyTo), failure: _ => new EdgesStopped(replyTo));
        });
        Command<EdgesStopped>(stopped =>
        {
            // Wait for an in-flight snapshot capture, so the final batch is persisted after it, never lost.
            if (_capturing)
            {
                Stash.Stash();
                return;
            }
            _stopWaiters.Add(stopped.ReplyTo);
            Flush();
            AnswerStopWhenWritten();
        });
        Command<StopUnrecorded>(_ =>
        {
            if (_stopWaiters.Count == 0) return;
            _log.Warning("History group {0}: stopped with {1} write(s) the journal has not taken; their samples are not recorded",
                PersistenceId, _journal?.Unwritten ?? 0);
            AnswerStop();
        });
        Command<HistoriesCaptured>(captured =>
        {
            if (captured.Edges.Length == _edges.Count)
            {
                var snapshot = new HistoryGroupSnapshot(captured.Edges.Select(CutToPersisted).ToArray());
                if (_journal is null) SaveSnapshot(snapshot);
                else if (_journal.Snapshot(snapshot)) _snapshotDue = false;
            }
            else _log.Warning("History group {0}: capturing the edges' histories failed; the snapshot waits for the next due batch", PersistenceId);
            _capturing = false;
            Stash.UnstashAll();
        });
        Command<GetEdgeReports>(_ => ReportAll(Sender));
        Command<IJournalChannelMessage>(m => _journal?.Handle(m));
        Command<Terminated>(t => _journal?.Handle(t));
        Command<SaveSnapshotSuccess>(ok =>
        {
            // Everything up to the snapshot is covered: drop it so the journal stays bounded.
            this.DropWhatTheSnapshotCovers(ok);
            Housekeeping(+2 - 1); // two deletions started, the snapshot itself is done
        });
        Command<SaveSnapshotFailure>(f =>
        {
            _log.Warning("History group {0}: snapshot failed, will retry at the next due round: {1}", PersistenceId, f.Cause.Message);
            Housekeeping(-1);
        });
        Command<DeleteMessagesSuccess>(_ => Housekeeping(-1));
        Command<DeleteMessagesFailure>(f => { _log.Warning("History group {0}: deleting old events failed: {1}", PersistenceId, f.Cause.Message); Housekeeping(-1); });
        Command<DeleteSnapshotsSuccess>(_ => Housekeeping(-1));
        Command<DeleteSnapshotsFailure>(f => { _log.Warning("History group {0}: deleting old snapshots failed: {1}", PersistenceId, f.Cause.Message); Housekeeping(-1); });
    }

    public override string PersistenceId { get; }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(HistoryGroupSettings settings, IProber prober, TimeProvider time) =>
        Akka.Actor.Props.Create(typeof(EdgeHistoryGroup), settings, prober, time);

    private RecoveredEdge Recovered(string edge)
    {
        if (!_recovered.TryGetValue(edge, out var r)) _recovered[edge] = r = new RecoveredEdge(_settings.HistoryLength);
        return r;
    }

    private void StartEdges()
    {
        foreach (var edge in _settings.Edges)
        {
            var state = _recovered.GetValueOrDefault(edge) ?? new RecoveredEdge(_settings.HistoryLength);
            var id = new EdgeIdentity(_settings.Network, edge, _settings.Vantage);
            var child = Context.ActorOf(EdgeActor.Props(id, state.History, state.Mode, _prober, _settings.Judge, _time), ActorName(edge));
            _edges[edge] = child;
            _edgeNames[child] = edge;
            _modes[edge] = state.Mode;
            if (state.History.Last is { } last) _lastPersisted[edge] = last;
        }
        // Edges no longer in the edge list keep their stored history until the next snapshot leaves them out.
        _recovered.Clear();
    }

    /// <summary>Edge names can hold ':' (IPv6); escape so every name is a valid actor path element.</summary>
    public static string ActorName(string edge) => "edge-" + Uri.EscapeDataString(edge).Replace("%", "~");

    private void StartRound(RunRound cmd)
    {
        if (_round is not null)
        {
            Sender.Tell(new GroupRoundDone(cmd.RoundId, _settings.Group, [], [$"group {_settings.Group} is still busy with round {_round.Command.RoundId}"]));
            return;
        }
        if (cmd.Persist) PersistExpiredModes();
        // Stagger snapshots: group g snapshots when its next sequence number ≡ -g (mod K).
        var snapshotDue = cmd.Persist && (LastSequenceNr + 1 + _settings.Group) % _settings.SnapshotEvery == 0;
        _round = new RoundInProgress(cmd, Sender, snapshotDue);
        if (_edges.Count == 0)
        {
            FinishRound(timedOut: false);
            return;
        }
        // A probe still queued behind the others when the budget's start time passes gets a failed sample
        // ("not probed in time"), so every edge reports before the deadline, which is only a safety net.
        var startBy = _time.GetUtcNow() + _settings.RoundBudget.StartWithin;
        foreach (var child in _edges.Values) child.Tell(new EdgeActor.Probe(cmd.RoundId, snapshotDue, startBy));
        Timers.StartSingleTimer("round-deadline", new RoundTimedOut(cmd.RoundId), _settings.RoundBudget.Deadline);
    }

    private void StartContinuous(StartContinuous cmd)
    {
        if (_journal is null)
        {
            _journal = new JournalChannel(Context, Timers, PersistenceId, _settings.Network, "history", _log, _time);
            _journal.Open(LastSequenceNr);
        }
        _observer = cmd.Observer;
        _observationWindow = cmd.ObservationWindow ?? EdgeCommands.StartContinuous.DefaultObservationWindow;
        foreach (var child in _edges.Values) child.Tell(new EdgeActor.StartProbing(cmd.ProbeInterval));
        Timers.StartPeriodicTimer("batch", FlushBatch.Instance, cmd.BatchWindow);
    }

    /// <summary>
    /// serve: the reports gathered in this observation window, newest per edge, as one message to the observer.
    /// </summary>
    private void SendObserved()
    {
        Timers.Cancel("observe");
        if (_unobserved.Count == 0) return;
        _observer?.Tell(new Observed(_unobserved.Values.ToArray()));
        _unobserved.Clear();
    }

    /// <summary>
    /// serve: persists the batch window's samples as one event (the observer heard of them when their probes
    /// ended, see <see cref="Collect"/>). Every SnapshotEvery
    /// events (staggered by group, as in rounds) the edges' histories are captured and snapshotted; no batch is
    /// persisted while that capture is in flight, so the snapshot never claims a sequence number whose samples it
    /// does not hold.
    /// </summary>
    private void Flush()
    {
        if (!_capturing) PersistExpiredModes();
        if (_batch.Count == 0 || _capturing) return;
        var probed = _batch.ToArray();
        _batch.Clear();
        var samples = probed.Select(p => new EdgeSample(p.Report.Edge, p.Sample)).ToArray();
        _journal!.Write(new HistoryRoundRecorded(_time.GetUtcNow().ToUnixTimeMilliseconds(), samples), (written, evt) =>
        {
            if (written && evt is HistoryRoundRecorded recorded)
            {
                foreach (var s in recorded.Samples) _lastPersisted[s.Edge] = s.Sample;
                if ((_journal.LastSequenceNr + _settings.Group) % _settings.SnapshotEvery == 0) _snapshotDue = true;
            }
            AnswerStopWhenWritten(deferred: !written);
            // A snapshot holds exactly the events up to its sequence number: capture only when nothing is unwritten.
            if (written && _snapshotDue && _observer is not null && !_capturing && _journal.Unwritten == 0)
            {
                _capturing = true;
                var asks = _edges.Values.Select(e => e.Ask<EdgeHistorySnapshot>(EdgeActor.CaptureHistory.Instance, TimeSpan.FromSeconds(30)));
                Task.WhenAll(asks).PipeTo(Self, success: all => new HistoriesCaptured(all),
                    failure: e => new HistoriesCaptured([])); // an empty capture is not saved (see below)
            }
        }, merge: MergeUnrecorded);
    }

    /// <summary>
    /// serve: answers a waiting stop once the journal holds every write the group made: the stop's own last batch and
    /// any earlier batch still in flight, so every probe made before the stop is recorded when the stop is answered
    /// (the node may shut down right after, and a write still queued then is lost). A slow but healthy journal is
    /// waited for; once the journal has deferred a write (it failed, or did not complete within the channel's write
    /// timeout), at most <see cref="StopWriteWait"/> more, so a dead journal cannot hold a stop.
    /// </summary>
    /// <param name="deferred">A write was just settled from memory (the channel's problem may not be set yet).</param>
    private void AnswerStopWhenWritten(bool deferred = false)
    {
        if (_stopWaiters.Count == 0) return;
        if (_journal is not { Unwritten: > 0 } journal)
        {
            AnswerStop();
            return;
        }
        deferred |= journal.Problem is not null || !JournalHealth.Get(Context.System).IsWritable(_settings.Network);
        if (deferred && !Timers.IsTimerActive("stop-unrecorded"))
            Timers.StartSingleTimer("stop-unrecorded", StopUnrecorded.Instance, StopWriteWait);
    }

    private void AnswerStop()
    {
        Timers.Cancel("stop-unrecorded");
        foreach (var waiter in _stopWaiters) waiter.Tell(new ContinuousStopped(1));
        _stopWaiters.Clear();
    }

    /// <summary>
    /// Two batches the journal has not taken yet, as one: every sample in order, but at most
    /// <see cref="UnrecordedSamplesPerEdge"/> per edge (the oldest are dropped and counted), so memory stays bounded
    /// however long the journal is down.
    /// </summary>
    private object? MergeUnrecorded(object queued, object newer)
    {
        if (queued is not HistoryRoundRecorded a || newer is not HistoryRoundRecorded b) return null;
        var (merged, dropped) = MergeCapped(a, b, UnrecordedSamplesPerEdge);
        if (dropped > 0) Metrics.EdgemanageMetrics.Get(Context.System).UnrecordedSamplesDropped.With(_settings.Network).Add(dropped);
        return merged;
    }

    /// <summary>Pure: <paramref name="older"/> then <paramref name="newer"/>, keeping the newest <paramref name="perEdge"/> samples of each edge.</summary>
    public static (HistoryRoundRecorded Merged, int Dropped) MergeCapped(HistoryRoundRecorded older, HistoryRoundRecorded newer, int perEdge)
    {
        var all = older.Samples.Concat(newer.Samples).ToArray();
        var keepFrom = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var g in all.GroupBy(s => s.Edge, StringComparer.Ordinal)) keepFrom[g.Key] = Math.Max(0, g.Count() - perEdge);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var kept = new List<EdgeSample>(all.Length);
        foreach (var s in all)
        {
            var n = seen[s.Edge] = seen.GetValueOrDefault(s.Edge) + 1;
            if (n > keepFrom[s.Edge]) kept.Add(s);
        }
        return (new HistoryRoundRecorded(newer.AtUnixMs, kept.ToArray()), all.Length - kept.Count);
    }

    private EdgeHistorySnapshot CutToPersisted(EdgeHistorySnapshot edge)
    {
        if (!_lastPersisted.TryGetValue(edge.Edge, out var last)) return edge with { Samples = [] };
        var samples = edge.Samples;
        for (var i = samples.Count - 1; i >= 0; i--)
            if (samples[i] == last)
                return i == samples.Count - 1 ? edge : edge with { Samples = samples.Take(i + 1).ToArray() };
        // Not found cannot happen (the persisted sample is in the edge's history); keeping everything would at worst
        // count a few samples twice after a restart, which is better than losing any.
        return edge;
    }

    private void Collect(EdgeActor.Probed p)
    {
        if (p.RoundId == EdgeActor.ContinuousRound)
        {
            _batch.Add(p);
            Observe(p.Report);
            return;
        }
        if (_round is null || _round.Finishing || p.RoundId != _round.Command.RoundId) return; // a straggler from a timed-out round
        _round.Results[p.Report.Edge] = p;
        if (_round.Results.Count == _edges.Count) FinishRound(timedOut: false);
    }

    /// <summary>
    /// serve: a probe ended; its report goes to the decider within one observation window, whatever the journal does:
    /// the NetworkActor decides on what was probed, not on what the disk could keep. The window's single timer starts
    /// with its first report, so a report waits at most one window and a burst of probes is one message.
    /// </summary>
    private void Observe(EdgeReport report)
    {
        if (_observer is null) return;
        _unobserved[report.Edge] = report;
        if (_observationWindow <= TimeSpan.Zero) SendObserved();
        else if (!Timers.IsTimerActive("observe")) Timers.StartSingleTimer("observe", SendObservations.Instance, _observationWindow);
    }

    private void FinishRound(bool timedOut)
    {
        var round = _round!;
        round.Finishing = true;
        if (timedOut)
        {
            foreach (var edge in _edges.Keys.Where(e => !round.Results.ContainsKey(e)))
                round.Failures.Add($"edge {edge} did not report within {_settings.RoundBudget.Deadline.TotalSeconds:F0}s; no sample recorded");
        }

        if (!round.Command.Persist || round.Results.Count == 0)
        {
            Reply(round);
            return;
        }

        var samples = _settings.Edges.Where(round.Results.ContainsKey)
            .Select(e => new EdgeSample(e, round.Results[e].Sample)).ToArray();
        Persist(new HistoryRoundRecorded(_time.GetUtcNow().ToUnixTimeMilliseconds(), samples), _ =>
        {
            foreach (var s in samples) _lastPersisted[s.Edge] = s.Sample;
            if (round.SnapshotDue && round.Results.Count == _edges.Count)
            {
                round.PendingHousekeeping = 1;
                SaveSnapshot(new HistoryGroupSnapshot(_settings.Edges.Select(e => round.Results[e].History!).ToArray()));
            }
            else
            {
                Reply(round);
            }
        });
    }

    /// <summary>Counts outstanding snapshot work; the round is answered once the journal is tidy again.</summary>
    private void Housekeeping(int delta)
    {
        if (_round is null) return;
        _round.PendingHousekeeping += delta;
        if (_round.PendingHousekeeping <= 0) Reply(_round);
    }

    private void Reply(RoundInProgress round)
    {
        var reports = _settings.Edges.Where(round.Results.ContainsKey).Select(e => round.Results[e].Report).ToArray();
        round.ReplyTo.Tell(new GroupRoundDone(round.Command.RoundId, _settings.Group, reports, round.Failures));
        Timers.Cancel("round-deadline");
        _round = null;
    }

    private void SetMode(SetEdgeMode cmd)
    {
        if (!_edges.TryGetValue(cmd.Edge, out var child))
        {
            Sender.Tell(new EdgeModeRejected(cmd.Network, cmd.Edge, $"{cmd.Edge} is not in the edge list of {cmd.Network}"));
            return;
        }
        var replyTo = Sender;
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        // As edge_conf's set_mode: the time of the last change moves only when the mode itself changes (a new
        // comment on the same mode keeps it), so query's duration keeps counting from the real change. An expired
        // mode counts as available here, as everywhere.
        var at = _modes.TryGetValue(cmd.Edge, out var current) && current.EffectiveAt(now) is var effective
            && effective.Mode == cmd.Mode && effective.ChangedAtUnixMs >= 0
            ? effective.ChangedAtUnixMs
            : now;
        // available never expires: setting it clears any expiry.
        var expires = cmd.Mode == EdgeMode.Available ? null : cmd.ExpiresAtUnixMs;
        Record(new EdgeModeChanged(cmd.Edge, cmd.Mode, cmd.Comment, at, expires), evt =>
        {
            var state = new EdgeModeState(evt.Mode, evt.Comment, evt.AtUnixMs, evt.ExpiresAtUnixMs);
            _modes[cmd.Edge] = state;
            child.Tell(new EdgeActor.ApplyMode(state));
            replyTo.Tell(new EdgeModeSet(cmd.Network, cmd.Edge, cmd.Mode, cmd.Comment, evt.ExpiresAtUnixMs));
        });
    }

    /// <summary>
    /// Records every mode whose --for time has passed as a change back to available (at the expiry time), and says
    /// so once in the log. Reports already show the effective mode before this runs; recording it keeps the journal
    /// and the log telling the same story, and is done only by rounds that persist (never by query or a dry run).
    /// </summary>
    private void PersistExpiredModes()
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var (edge, state) in _modes.Where(m => m.Value.IsExpiredAt(now)).ToArray())
        {
            var reverted = state.EffectiveAt(now);
            _modes[edge] = reverted;
            Record(new EdgeModeChanged(edge, reverted.Mode, reverted.Comment, reverted.ChangedAtUnixMs, null), _ =>
            {
                _log.Info("Edge {0} mode {1} expired; now available", edge, state.Mode.Name());
                if (_edges.TryGetValue(edge, out var child)) child.Tell(new EdgeActor.ApplyMode(reverted));
            });
        }
    }

    /// <summary>
    /// Persists a mode change: directly in a cron process; in serve through the journal channel, where the handler
    /// runs once it is written or, when the journal cannot take it now, at once from memory (it is written later).
    /// </summary>
    private void Record(EdgeModeChanged evt, Action<EdgeModeChanged> handler)
    {
        if (_journal is null)
        {
            Persist(evt, handler);
            return;
        }
        var settled = false;
        _journal.Write(evt, (written, _) =>
        {
            if (!settled)
            {
                settled = true;
                handler(evt);
            }
            AnswerStopWhenWritten(deferred: !written);
        });
    }

    /// <summary>The group's journal failed it; Akka.Persistence stops the group after this (Terminated carries no cause).</summary>
    public sealed record JournalFailed(int Group, string Cause);

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        Context.Parent.Tell(new JournalFailed(_settings.Group, $"writing event {sequenceNr} failed: {Innermost(cause).Message}"));
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        Context.Parent.Tell(new JournalFailed(_settings.Group, $"the journal rejected event {sequenceNr}: {Innermost(cause).Message}"));
        base.OnPersistRejected(cause, @event, sequenceNr);
    }

    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        Context.Parent.Tell(new JournalFailed(_settings.Group, $"reading its history failed: {Innermost(reason).Message}"));
        base.OnRecoveryFailure(reason, message);
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }

    protected override void PostStop()
    {
        _journal?.Close();
        base.PostStop();
    }

    /// <summary>
    /// import-legacy: one edge's samples (newer than what is stored) as one event, and its mode when it differs and
    /// was changed after the stored one. Nothing is persisted in a dry run; the reply says what would be.
    /// </summary>
    private void Import(ImportEdgeHistory cmd)
    {
        if (!_edges.TryGetValue(cmd.Edge, out var child))
        {
            Sender.Tell(new EdgeModeRejected(cmd.Network, cmd.Edge, $"{cmd.Edge} is not in the edge list of {cmd.Network}"));
            return;
        }
        var replyTo = Sender;
        var newestStored = _lastPersisted.TryGetValue(cmd.Edge, out var last) ? last.AtUnixMs : long.MinValue;
        var fresh = cmd.Samples.Where(s => s.AtUnixMs > newestStored).OrderBy(s => s.AtUnixMs).ToArray();
        if (fresh.Length > _settings.HistoryLength) fresh = fresh[^_settings.HistoryLength..];
        var skipped = cmd.Samples.Count - fresh.Length;

        var current = _modes.GetValueOrDefault(cmd.Edge) ?? EdgeModeState.Default;
        string note;
        EdgeModeChanged? modeEvent = null;
        if (cmd.Mode is not { } mode) note = "mode not imported (the file had none)";
        else if (current.Mode == mode && current.Comment == cmd.Comment) note = "mode unchanged";
        else if (current.ChangedAtUnixMs >= 0 && current.ChangedAtUnixMs >= cmd.ModeChangedAtUnixMs)
            note = $"mode {current.Mode.Name()} kept: it was set here after the file's {mode.Name()}";
        else
        {
            modeEvent = new EdgeModeChanged(cmd.Edge, mode, cmd.Comment, cmd.ModeChangedAtUnixMs);
            note = $"mode {mode.Name()}";
        }

        var reply = new EdgeHistoryImported(cmd.Network, cmd.Edge, fresh.Length, skipped, modeEvent is not null, note);
        if (cmd.DryRun || (fresh.Length == 0 && modeEvent is null))
        {
            replyTo.Tell(reply);
            return;
        }
        if (fresh.Length > 0)
        {
            var samples = fresh.Select(s => new EdgeSample(cmd.Edge, s)).ToArray();
            Persist(new HistoryRoundRecorded(_time.GetUtcNow().ToUnixTimeMilliseconds(), samples), _ =>
            {
                _lastPersisted[cmd.Edge] = fresh[^1];
                child.Tell(new EdgeActor.ImportSamples(fresh));
                if (modeEvent is null) replyTo.Tell(reply);
            });
        }
        if (modeEvent is not null)
        {
            Persist(modeEvent, evt =>
            {
                var state = new EdgeModeState(evt.Mode, evt.Comment, evt.AtUnixMs);
                _modes[cmd.Edge] = state;
                child.Tell(new EdgeActor.ApplyMode(state));
                replyTo.Tell(reply);
            });
        }
    }

    private void ReportAll(IActorRef replyTo)
    {
        var timeout = TimeSpan.FromSeconds(10);
        var asks = _settings.Edges.Select(e => _edges[e].Ask<EdgeReport>(EdgeActor.GetReport.Instance, timeout)).ToArray();
        Task.WhenAll(asks).PipeTo(replyTo, success: reports => new EdgeReports(_settings.Network, reports));
    }
}
