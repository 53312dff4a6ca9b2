using Akka.Actor;
using Akka.Event;
using Edgemanage.Actors.Metrics;
using Edgemanage.Actors.Probing;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Probing;

namespace Edgemanage.Actors.Edges;

/// <summary>Who an edge actor is: one edge of one network, seen from one vantage point.</summary>
public sealed record EdgeIdentity(string Network, string Edge, string Vantage);

/// <summary>
/// The operator's mode of an edge with the comment and time of its last change, and when it reverts to available
/// (<c>edge mode --for</c>); <see cref="EdgeModeExpiry.EffectiveAt"/> gives the mode in force at a time.
/// </summary>
public sealed record EdgeModeState(EdgeMode Mode, string Comment, long ChangedAtUnixMs, long? ExpiresAtUnixMs = null)
{
    public static readonly EdgeModeState Default = new(EdgeMode.Available, "", -1);
}

/// <summary>
/// One edge × vantage. Probes when told, keeps the bounded history, judges locally and reports to its
/// parent EdgeHistoryGroup, which persists the samples. A plain actor on purpose: one persistent actor per
/// edge was measured at 1.2–9.8 s to recover 1000–5000 edges (persistence-recovery.md).
/// </summary>
public sealed class EdgeActor : UntypedActor, IWithTimers
{
    /// <summary>The RoundId of samples taken by continuous probing (serve), as opposed to a cron round's.</summary>
    public const long ContinuousRound = -1;

    /// <summary>serve: probe every <paramref name="Interval"/> (±10% jitter), first after a random share of it.</summary>
    public sealed record StartProbing(TimeSpan Interval) : INoSerializationVerificationNeeded;

    /// <summary>Stop probing; reply <see cref="ProbingStopped"/> once no probe is in flight (its sample reported first).</summary>
    public sealed record StopProbing : INoSerializationVerificationNeeded
    {
        public static readonly StopProbing Instance = new();
    }

    public sealed record ProbingStopped : INoSerializationVerificationNeeded
    {
        public static readonly ProbingStopped Instance = new();
    }

    private sealed record ProbeTick : INoSerializationVerificationNeeded
    {
        public static readonly ProbeTick Instance = new();
    }

    /// <summary>
    /// Probe once; reply <see cref="Probed"/> to the sender. With IncludeHistory the reply carries a copy for a snapshot.
    /// A probe that cannot start by <paramref name="StartBy"/> (a cron round's budget) is recorded as a failed sample,
    /// "not probed in time".
    /// </summary>
    public sealed record Probe(long RoundId, bool IncludeHistory, DateTimeOffset? StartBy = null) : INoSerializationVerificationNeeded;

    public sealed record Probed(long RoundId, Sample Sample, EdgeReport Report, EdgeHistorySnapshot? History) : INoSerializationVerificationNeeded;

    public sealed record ApplyMode(EdgeModeState Mode) : INoSerializationVerificationNeeded;

    /// <summary>import-legacy: samples newer than the history's last one, oldest first, already persisted by the group.</summary>
    public sealed record ImportSamples(IReadOnlyList<Sample> Samples) : INoSerializationVerificationNeeded;

    public sealed record GetReport : INoSerializationVerificationNeeded
    {
        public static readonly GetReport Instance = new();
    }

    public sealed record CaptureHistory : INoSerializationVerificationNeeded
    {
        public static readonly CaptureHistory Instance = new();
    }

    private sealed record ProbeFinished(long RoundId, bool IncludeHistory, ProbeResult Result, IActorRef ReplyTo);

    private readonly EdgeIdentity _id;
    private readonly EdgeHistory _history;
    private readonly IProber _prober;
    private readonly JudgeSettings _judge;
    private readonly TimeProvider _time;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private EdgeModeState _mode;
    private string? _lastDetail;
    private TimeSpan? _interval;
    private bool _probing;
    private IActorRef? _stopRequester;
    /// <summary>When another vantage's failure last asked this edge to probe out of turn (serve).</summary>
    private DateTimeOffset? _confirmAskedAt;
    private readonly ProbeCounters _probeCounters;

    public EdgeActor(EdgeIdentity id, EdgeHistory history, EdgeModeState mode, IProber prober, JudgeSettings judge, TimeProvider time)
    {
        _id = id;
        _history = history;
        _mode = mode;
        _prober = prober;
        _judge = judge;
        _time = time;
        _probeCounters = EdgemanageMetrics.Get(Context.System).ProbesOf(id.Network, id.Vantage);
    }

    /// <summary>
    /// A switch, not ReceiveActor's Receive&lt;T&gt; handlers: one-shot commands run with dynamic code off (Program.cs),
    /// where ReceiveActor's matcher is an interpreted expression tree called through reflection, and every edge builds
    /// its own. A profile of a 5000-edge cron round put about 0.4 s of thread time in that interpreter (issue 14).
    /// </summary>
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Probe probe:
                StartProbe(probe);
                break;
            case ProbeFinished finished:
                Finished(finished);
                break;
            case StartProbing start:
                _interval = start.Interval;
                // Spread the first probes over one interval so a node's edges do not all fire at once.
                ScheduleNext(fraction: Random.Shared.NextDouble());
                break;
            case StopProbing:
                _interval = null;
                Timers.Cancel("probe");
                // A probe in flight still reports its sample (the parent persists it) before this edge says it stopped.
                if (_probing) _stopRequester = Sender;
                else Sender.Tell(ProbingStopped.Instance);
                break;
            case ProbeTick:
                // The next probe is scheduled when this one ends: a slow edge is probed less often, never twice at once.
                if (_interval is null || _probing) return;
                _probing = true;
                StartProbe(new Probe(ContinuousRound, IncludeHistory: false), Context.Parent);
                break;
            case EdgeCommands.ConfirmEdge:
                Confirm();
                break;
            case ApplyMode apply:
                _mode = apply.Mode;
                Sender.Tell(Report());
                break;
            case GetReport:
                Sender.Tell(Report());
                break;
            case ImportSamples import:
                foreach (var sample in import.Samples) _history.Add(sample);
                break;
            case CaptureHistory:
                Sender.Tell(Snapshot());
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Finished(ProbeFinished f)
    {
        Record(f);
        if (f.RoundId != ContinuousRound) return;
        _probing = false;
        if (_stopRequester is { } requester)
        {
            requester.Tell(ProbingStopped.Instance);
            _stopRequester = null;
        }
        else ScheduleNext(fraction: 1);
    }

    /// <summary>Props without expression compilation or reflection: one of these per edge, thousands per round.</summary>
    public static Props Props(EdgeIdentity id, EdgeHistory history, EdgeModeState mode, IProber prober, JudgeSettings judge, TimeProvider time) =>
        ProducedBy<EdgeActor>.Props(() => new EdgeActor(id, history, mode, prober, judge, time));

    public ITimerScheduler Timers { get; set; } = null!;

    private void ScheduleNext(double fraction)
    {
        if (_interval is not { } interval) return;
        var jitter = 1 + (Random.Shared.NextDouble() - 0.5) * 0.2;
        Timers.StartSingleTimer("probe", ProbeTick.Instance, interval * fraction * jitter);
    }

    /// <summary>
    /// serve: another vantage saw this live edge fail; probe now so the decider's quorum does not wait for this
    /// edge's next turn. At most once per probe interval (a flapping edge must not multiply the probes), and not while
    /// a probe is in flight (its result is on its way). A probe made here replaces the scheduled one: the next
    /// follows one interval after it ends. The edge's own recent probes do not count, or steady probing would
    /// never leave room for a confirmation.
    /// </summary>
    private void Confirm()
    {
        if (_interval is not { } interval || _stopRequester is not null) return;
        var now = _time.GetUtcNow();
        if (_confirmAskedAt is { } asked && now - asked < interval) return;
        _confirmAskedAt = now;
        if (_probing) return;
        _probing = true;
        Timers.Cancel("probe");
        StartProbe(new Probe(ContinuousRound, IncludeHistory: false), Context.Parent);
    }

    private void StartProbe(Probe msg) => StartProbe(msg, Sender);

    private void StartProbe(Probe msg, IActorRef replyTo)
    {
        var edge = _id.Edge;
        var startedAt = _time.GetUtcNow();
        var timeout = _judge.TimeoutSeconds;
        var probe = msg.StartBy is { } startBy ? _prober.ProbeAsync(edge, startBy) : _prober.ProbeAsync(edge);
        probe.ContinueWith(t => new ProbeFinished(msg.RoundId, msg.IncludeHistory, t.IsCompletedSuccessfully ? t.Result : Failed(t, edge, startedAt, timeout), replyTo),
                TaskContinuationOptions.ExecuteSynchronously)
            .PipeTo(Self);
    }

    /// <summary>
    /// The prober promises a value for every outcome of the edge; if it breaks that promise the edge still gets a
    /// failed sample instead of a silent gap. A probe the round's budget left no time to start is a timeout (it counts
    /// as the timeout value, like any failure) with no attempt made.
    /// </summary>
    private static ProbeResult Failed(Task<ProbeResult> t, string edge, DateTimeOffset startedAt, double timeoutSeconds)
    {
        var cause = t.Exception?.GetBaseException();
        return cause is ProbeNotStartedException
            ? new ProbeResult(edge, ProbeOutcome.Timeout, timeoutSeconds, startedAt, 0, null, 0, new ProbePhases(null, null, null, null), ProbeNotStartedException.Detail)
            : new ProbeResult(edge, ProbeOutcome.ProtocolError, timeoutSeconds, startedAt, 1, null, 0, new ProbePhases(null, null, null, null), cause?.Message ?? "probe cancelled");
    }

    private void Record(ProbeFinished f)
    {
        var sample = Sample.From(f.Result);
        _history.Add(sample);
        _probeCounters.Count(f.Result.Outcome);
        _lastDetail = f.Result.Detail;
        var report = Report();
        if (_log.IsDebugEnabled)
        {
            var r = f.Result;
            _log.Debug(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"Fetch {_id.Network} {_id.Edge} from {_id.Vantage}: {r.Outcome.Name()} {r.Seconds:F6}s (headers) attempts={r.Attempts} " +
                $"status={r.HttpStatus?.ToString() ?? "-"} connect={Fmt(r.Phases.Connect)} tls={Fmt(r.Phases.Tls)} body={Fmt(r.Phases.Body)} " +
                $"avg={report.Verdict.Average ?? 0:F6} -> {report.Verdict.Health.Name()}{(r.Detail is null ? "" : $" ({r.Detail})")}"));
        }
        f.ReplyTo.Tell(new Probed(f.RoundId, sample, report, f.IncludeHistory ? Snapshot() : null));
    }

    private static string Fmt(double? seconds) => seconds is { } s ? s.ToString("F4") : "-";

    private EdgeReport Report()
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var mode = _mode.EffectiveAt(now); // an expired mode reports as available
        return new(_id.Network, _id.Edge, _id.Vantage, mode.Mode, mode.Comment, mode.ChangedAtUnixMs,
            _history.Judge(_judge, now), _lastDetail, mode.ExpiresAtUnixMs);
    }

    private EdgeHistorySnapshot Snapshot() =>
        new(_id.Edge, _mode.Mode, _mode.Comment, _mode.ChangedAtUnixMs, _history.ToArray(), _mode.ExpiresAtUnixMs);
}
