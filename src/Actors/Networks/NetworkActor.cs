using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Edgemanage.Actors.Canaries;
using Edgemanage.Actors.Metrics;
using Edgemanage.Actors.Persistence;
using Edgemanage.Actors.Zones;
using Edgemanage.Contracts.Canaries;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;
using Edgemanage.Contracts.Zones;
using static Edgemanage.Contracts.Canaries.CanaryCommands;
using static Edgemanage.Contracts.Canaries.CanaryReplies;
using static Edgemanage.Contracts.Edges.EdgeCommands;
using static Edgemanage.Contracts.Edges.EdgeReplies;
using static Edgemanage.Contracts.Networks.NetworkCommands;
using static Edgemanage.Contracts.Networks.NetworkReplies;
using static Edgemanage.Contracts.Zones.ZoneCommands;
using static Edgemanage.Contracts.Zones.ZoneReplies;

namespace Edgemanage.Actors.Networks;

/// <summary>
/// serve: decide every <paramref name="DecisionInterval"/> on the newest observations (and at once when a live edge
/// turns fail), publishing <paramref name="Zones"/> until <see cref="NetworkCommands.UpdateZones"/> replaces them.
/// Given at creation so that a cluster's sharded decider starts serving wherever it is (re)started.
/// </summary>
/// <param name="PersistUnchangedEvery">
/// A decision that says the same as the last one (<see cref="DecisionSubstance"/>) is persisted only this often; the
/// node keeps the newest in memory. At 5000 edges a decision is about 670 kB, and serve decides every few seconds.
/// </param>
/// <param name="ProbeTimeout">probe_timeout: the start-up hold lasts at most this plus <paramref name="StartHoldMargin"/>.</param>
/// <param name="StartHoldMargin">How much longer than one probe the start-up hold waits for every edge's first
/// report (see <see cref="HoldMarginFor"/>).</param>
public sealed record ServeOptions(TimeSpan DecisionInterval, IReadOnlyList<ZoneSource> Zones, QuorumSettings Quorum,
    TimeSpan? PersistUnchangedEvery = null, TimeSpan? ProbeTimeout = null, TimeSpan? StartHoldMargin = null)
{
    public static readonly TimeSpan DefaultPersistUnchangedEvery = TimeSpan.FromMinutes(5);

    /// <summary>When not given: the config's default probe_timeout.</summary>
    public static readonly TimeSpan DefaultProbeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The start-up hold's margin over one probe_timeout: every edge's first probe ends within probe_timeout of
    /// its start; its history group sends the report within one observation window of the probe's end
    /// (<see cref="EdgeCommands.StartContinuous.ObservationWindow"/>, 100 ms, whatever history_batch_window is: the
    /// batch only decides when samples are persisted); the decider looks at it on its next tick (up to one
    /// decision_interval later); 2 s more cover the probes' start spread and the cluster's delivery. Past that, an
    /// edge still not judged is slow or unreachable, and waiting longer would only keep a failing live edge in DNS
    /// (the hold replaces only live edges a quorum sees failing).
    /// </summary>
    public static TimeSpan HoldMarginFor(TimeSpan decisionInterval, TimeSpan? observationWindow = null) =>
        (observationWindow ?? EdgeCommands.StartContinuous.DefaultObservationWindow) + decisionInterval + TimeSpan.FromSeconds(2);

    /// <summary>The longest a starting decider keeps DNS as published while it waits for every edge's first report.</summary>
    public TimeSpan StartHold => (ProbeTimeout ?? DefaultProbeTimeout) + (StartHoldMargin ?? HoldMarginFor(DecisionInterval));
}

/// <summary>Everything a NetworkActor needs that does not change while it runs (one round, or one config version).</summary>
public sealed record NetworkActorSettings(
    string Network,
    int Required,
    int MinEdges,
    RotationBudget Budget,
    IReadOnlyList<string> Edges,
    IReadOnlyDictionary<string, string> Canaries,
    int? CanaryKiller,
    int SnapshotEvery,
    string? LiveListPath = null,
    Faults.CrashPoints? Crash = null,
    double MaxEdgeListShrink = DecisionGuard.DefaultMaxShrink,
    bool AcceptShrink = false,
    double? KeepUnderSeconds = null)
{
    /// <summary>The live-set rules, as <see cref="DecisionStep"/> (and replay) take them.</summary>
    public DecisionPolicy Policy => new(Required, MinEdges, Budget, KeepUnderSeconds);
}

/// <summary>
/// Decides one network: asks its edges for a round of observations, chooses the live set (pure
/// <see cref="Selector"/>, throttled by <see cref="RotationBudget"/>), lets each zone's CanaryActor overlay its
/// canary, has the ZoneWriterActor publish, and persists a decision record with the reason for every edge.
/// The live set it stores is always the one that was published; when nothing could be published it keeps the
/// previous one (the original stored a set it never wrote, §4.5 T3).
/// </summary>
public sealed class NetworkActor : ReceivePersistentActor, IWithTimers
{
    private sealed record DecideTick : INoSerializationVerificationNeeded
    {
        public static readonly DecideTick Instance = new();
    }

    private sealed record Pending(DecideRound Command, IActorRef ReplyTo);

    private sealed record Decided(
        Pending Pending, RoundCompleted Round, VoteMatrix? Votes, SelectionResult Selection, IReadOnlyList<long> PrunedTimes,
        IReadOnlyList<CanaryVerdict> Canaries, IReadOnlyList<ZoneContent> Zones) : INoSerializationVerificationNeeded;

    private sealed record OverlayFailed(Pending Pending, Exception Cause) : INoSerializationVerificationNeeded;

    private NetworkActorSettings _settings;
    private readonly IActorRef _edges;
    private readonly IActorRef _zoneWriter;
    private readonly TimeProvider _time;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, IActorRef> _canaryActors = new(StringComparer.Ordinal);
    /// <summary>The last decision, the substitution times and an inherited live list (see <see cref="NetworkState"/>).</summary>
    private NetworkState _state = NetworkState.Empty;
    private int _eventsSinceSnapshot;

    /// <summary>serve: the newest report per (edge, vantage) from every vantage of the cluster, and the start-up
    /// hold (created when recovery completes, i.e. when this decider starts).</summary>
    private ObservationBook? _book;
    private readonly ServeOptions? _serve;
    private IReadOnlyList<ZoneSource> _zones = [];
    private long _decisions;
    private bool _immediateDecisionQueued;
    private bool _stoppedDeciding;
    private string? _frozenReason;
    /// <summary>What the last publish step could not publish (a zone check, a write, an UPDATE the primary refused); null when every zone is published.</summary>
    private string? _publishProblem;
    private IReadOnlyList<string> _lastNotes = [];
    /// <summary>serve: decisions go to the journal through this, so a journal that fails never stops deciding.</summary>
    private JournalChannel? _journal;
    /// <summary>cluster serve: replicates each published state to every member (<see cref="PublishedStateReplicator"/>).</summary>
    private IActorRef? _replica;

    private sealed record ReplicatedReadTimedOut : INoSerializationVerificationNeeded
    {
        public static readonly ReplicatedReadTimedOut Instance = new();
    }

    /// <param name="edges">The local edges, asked for cron rounds; Nobody where the edges report on their own (serve).</param>
    /// <param name="zones">Where and how to write zones; null for a read-only actor (why, query). The zone writer is this
    /// actor's child, so in a cluster it moves with its network's decider entity and a write never crosses the network.</param>
    public NetworkActor(NetworkActorSettings settings, IActorRef edges, ZoneWriterSettings? zones, HostResolver resolver, TimeProvider time,
        ServeOptions? serve)
    {
        _settings = settings;
        _edges = edges;
        _zoneWriter = zones is null ? ActorRefs.Nobody : Context.ActorOf(ZoneWriterActor.Props(zones, resolver, time, serving: serve is not null), "zones");
        _serve = serve;
        _time = time;
        PersistenceId = PersistenceIdFor(settings.Network);
        (JournalPluginId, SnapshotPluginId) = PersistencePlugins.Of(Context.System, settings.Network); // serve: the network's own journal

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is NetworkSnapshot snap) _state = _state.Apply(snap);
        });
        var recovering = System.Diagnostics.Stopwatch.StartNew();
        var replayed = 0;
        Recover<DecisionRecorded>(evt =>
        {
            _state = _state.Apply(evt);
            replayed++;
        });
        // cron: a round the guard held; the next recorded decision clears it (NetworkState.Apply).
        Recover<DecisionHeld>(evt =>
        {
            _state = _state.Apply(evt);
            replayed++;
        });
        Recover<RecoveryCompleted>(_ =>
        {
            // Counted from the newest snapshot, not from this process's start: a cron run is a new process each round,
            // and a count from zero would never reach snapshot_every, leaving every decision in the journal.
            _eventsSinceSnapshot = replayed;
            if (_state.Last is { } recovered) _state = _state.Persisted(recovered.AtUnixMs);
            _log.Debug("Network {0}: decisions recovered in {1:F3}s ({2} events after the snapshot)",
                settings.Network, recovering.Elapsed.TotalSeconds, replayed);
            if (serve is not null && !_zoneWriter.IsNobody() && PublishedStateReplica.InCluster(Context.System))
            {
                // A cluster decider may have moved here from another node: this journal may be older than what the
                // cluster published since. Read the replicated state first (bounded), then start from the newest.
                _replica = Context.ActorOf(PublishedStateReplicator.Props(settings.Network, _zoneWriter), "replica");
                ReadReplicated();
                return;
            }
            StartFrom(null);
        });
        Idle();
    }

    /// <summary>
    /// cluster serve: asks for the network's replicated published state (ReadMajority, then ReadLocal when no majority
    /// answers in time) and waits for it, at most <see cref="PublishedStateReplica.ReadBound"/>, stashing everything
    /// else; a decision in flight cannot exist yet, and SIGTERM (HandOver, StopDeciding) waits at most that long.
    /// </summary>
    private void ReadReplicated()
    {
        var key = PublishedStateReplica.KeyFor(_settings.Network);
        var replicator = Akka.DistributedData.DistributedData.Get(Context.System).Replicator;
        replicator.Tell(Akka.DistributedData.Dsl.Get(key, new Akka.DistributedData.ReadMajority(PublishedStateReplica.MajorityTimeout), "majority"));
        Timers.StartSingleTimer("replicated-read", ReplicatedReadTimedOut.Instance, PublishedStateReplica.ReadBound);
        var started = System.Diagnostics.Stopwatch.StartNew();
        void Started(PublishedNetworkState? replicated)
        {
            Timers.Cancel("replicated-read");
            _log.Debug("Network {0}: replicated state read in {1:F3}s", _settings.Network, started.Elapsed.TotalSeconds);
            StartFrom(replicated);
            Stash.UnstashAll();
            Become(Idle);
        }
        Become(() =>
        {
            Command<Akka.DistributedData.GetSuccess>(r => Started(r.Get(key).Value));
            Command<Akka.DistributedData.NotFound>(_ => Started(null));
            Command<Akka.DistributedData.DataDeleted>(_ => Started(null));
            Command<Akka.DistributedData.GetFailure>(f =>
            {
                if (!Equals(f.Request, "majority")) { Started(null); return; }
                _log.Warning("Network {0}: no majority of the cluster answered for the replicated published state within {1:0.#}s; " +
                             "using this node's replica, which may be older", _settings.Network, PublishedStateReplica.MajorityTimeout.TotalSeconds);
                replicator.Tell(Akka.DistributedData.Dsl.Get(key, Akka.DistributedData.ReadLocal.Instance, "local"));
            });
            Command<ReplicatedReadTimedOut>(_ =>
            {
                _log.Warning("Network {0}: the replicated published state did not arrive within {1:0.#}s; starting from this node's journal",
                    _settings.Network, PublishedStateReplica.ReadBound.TotalSeconds);
                Started(null);
            });
            CommandAny(_ => Stash.Stash());
        });
    }

    /// <summary>
    /// After recovery (and, in a cluster, the replicated state's read): start from the newest of the replicated state,
    /// this journal's last decision and the live list written after it (<see cref="TakeoverStart.Choose"/>), then, in
    /// serve, open the journal channel and the start-up hold.
    /// </summary>
    private void StartFrom(PublishedNetworkState? replicated)
    {
        var settings = _settings;
        var liveList = ReadLiveList(settings.LiveListPath) is { } onDisk && WrittenAt(settings.LiveListPath!) is { } writtenAt
            ? new LiveListOnDisk(onDisk, writtenAt) : null;
        var start = TakeoverStart.Choose(replicated, _state.Last, liveList);
        switch (start.Source)
        {
            case StartSource.LiveList when _state.Last is null && replicated is null:
                _state = _state.Inherit(start.Live);
                _log.Info("Network {0}: no decision recorded yet; starting from the live list {1}: {2}",
                    settings.Network, settings.LiveListPath, string.Join(" ", start.Live));
                break;
            case StartSource.LiveList:
                // The zones and the live list were published, and the process died before the decision was
                // recorded (or replicated). What DNS serves is what the live list says: the keep rule starts from
                // that, not from the older record, so the next decision does not flip DNS back and forth.
                _state = _state.Inherit(start.Live);
                _log.Warning("Network {0}: the live list {1} ({2}) was written after the last recorded decision ({3}); " +
                             "a publish was not recorded, so the next decision starts from the live list",
                    settings.Network, settings.LiveListPath, string.Join(" ", start.Live),
                    string.Join(" ", TakeoverStart.Choose(replicated, _state.Last, liveList: null).Live));
                break;
        }
        if (replicated is not null)
        {
            // The serial never goes backwards across nodes, whoever decided last; the zones' records only come
            // along when the replicated state is what this decider starts from (else this node's own are newer).
            var adopt = start.Source == StartSource.Replicated;
            _zoneWriter.Tell(new ZoneWriterActor.AdoptPublished(replicated.Serial, adopt ? replicated.Zones : [],
                adopt ? replicated.Live : null, replicated.DecidedAtUnixMs));
        }
        if (_serve is not { } serve) return;
        _journal = new JournalChannel(Context, Timers, PersistenceId, settings.Network, "decisions", _log, _time);
        _journal.Open(LastSequenceNr);
        if (start.Source == StartSource.Replicated) AdoptReplicated(replicated!);
        _zones = serve.Zones;
        _book = ObservationBook.Start(settings.Edges, settings.Canaries, serve.Quorum, _time.GetUtcNow().ToUnixTimeMilliseconds(), serve.StartHold);
        // A restarted node or a moved decider has heard from no edge yet: deciding now would drop every live
        // edge not yet reported. DNS stays as published until every edge is judged (ObservationBook.HoldAt).
        _log.Info("Network {0}: start-up hold: DNS stays as published ({1}) until every edge is judged by {2} vantage(s), at most {3:0.#}s",
            settings.Network, PreviousLive.Count == 0 ? "nothing yet" : string.Join(" ", PreviousLive), serve.Quorum.MinVantages,
            serve.StartHold.TotalSeconds);
        Timers.StartPeriodicTimer("decide", DecideTick.Instance, serve.DecisionInterval);
    }

    /// <summary>
    /// Another node decided after this journal's last decision: its published state is what DNS serves. It becomes
    /// this node's decision (recorded, so the local journal is no longer stale), with the substitution times it
    /// carried, so the keep rule, the start-up hold and dnschange_maxfreq go on from it.
    /// </summary>
    private void AdoptReplicated(PublishedNetworkState replicated)
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(replicated.DecidedAtUnixMs).ToString("yyyy-MM-dd HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var journalAt = _state.Last is { } last
            ? DateTimeOffset.FromUnixTimeMilliseconds(last.AtUnixMs).ToString("yyyy-MM-dd HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture)
            : "no decision";
        var note = $"adopted the decision replicated by {replicated.Decider} at {at}";
        _log.Info("Network {0}: starting from the decision replicated by {1} at {2} (live {3}), newer than this node's journal ({4})",
            _settings.Network, replicated.Decider, at, replicated.Live.Count == 0 ? "nothing" : string.Join(" ", replicated.Live), journalAt);
        var record = new DecisionRecord(_settings.Network, replicated.DecidedAtUnixMs, _settings.Required, PreviousLive, replicated.Live,
            Published: true, Degraded: false,
            replicated.Live.Select(e => new EdgeDecision(e, EdgeHealth.Untested, null, null, EdgeMode.Available, true, DecisionReason.Imported, note)).ToArray(),
            [], [note]);
        var decided = new DecisionRecorded(record, replicated.SubstitutionTimesUnixMs);
        _state = _state.Apply(decided);
        _journal!.Write(decided, (written, evt) =>
        {
            if (written && evt is DecisionRecorded recorded) _state = _state.Persisted(recorded.Decision.AtUnixMs);
        }, merge: (queued, newer) => queued is DecisionRecorded && newer is DecisionRecorded ? newer : null);
    }

    public override string PersistenceId { get; }

    public static string PersistenceIdFor(string network) => $"net-{network}";

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(NetworkActorSettings settings, IActorRef edges, ZoneWriterSettings? zones, HostResolver resolver,
        TimeProvider time, ServeOptions? serve = null) =>
        Akka.Actor.Props.Create(() => new NetworkActor(settings, edges, zones, resolver, time, serve));

    private IReadOnlyList<string> PreviousLive => _state.PreviousLive;

    private static long? WrittenAt(string path)
    {
        try
        {
            return new DateTimeOffset(File.GetLastWriteTimeUtc(path)).ToUnixTimeMilliseconds();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static IReadOnlyList<string>? ReadLiveList(string? path)
    {
        if (path is null || ZoneFiles.ReadExisting(path) is not { } bytes) return null;
        var edges = System.Text.Encoding.UTF8.GetString(bytes).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)
            .Distinct(StringComparer.Ordinal).OrderBy(e => e, StringComparer.Ordinal).ToArray();
        return edges.Length == 0 ? null : edges;
    }

    private void Idle()
    {
        Command<DecideRound>(cmd =>
        {
            var pending = new Pending(cmd, Sender);
            _edges.Tell(new RunRound(cmd.RoundId, Persist: !cmd.DryRun));
            Become(() => Probing(pending));
        });
        Command<UpdateZones>(cmd => _zones = cmd.Zones);
        Command<ImportDecision>(ImportLegacyDecision);
        Command<UpdateNetwork>(cmd =>
        {
            // serve --accept-shrink accepts the list it started with, not whatever a later reload brings.
            _settings = _settings with { Edges = cmd.Edges, Canaries = cmd.Canaries, AcceptShrink = false };
            _zones = cmd.Zones;
            // Observations of edges no longer listed must not vote or linger in reports.
            _book = Booked()?.WithNetwork(cmd.Edges, cmd.Canaries);
            _log.Info("Network {0}: now {1} edges and {2} canaries", _settings.Network, cmd.Edges.Count, cmd.Canaries.Count);
        });
        Command<Observed>(batch =>
        {
            if (_book is null) return; // not serving: rounds ask their edges
            var previousLive = PreviousLive;
            if (!batch.Reports.Any(report => report.Verdict.Health == EdgeHealth.Fail && previousLive.Contains(report.Edge, StringComparer.Ordinal)))
            {
                // Nothing here can make a live edge fail: the reports wait for the next reader of the book.
                AskOtherVantagesToConfirm(batch.Reports, Sender); // only learns who reports what: no failure to confirm
                _unbooked.AddRange(batch.Reports);
                if (_unbooked.Count >= MaxUnbooked) Booked();
                return;
            }
            Booked(); // what came before this batch, so "turns fail" and "late" compare with everything known
            AskOtherVantagesToConfirm(batch.Reports, Sender);
            // The book keeps the newest per (edge, vantage): a late batch does not undo a newer observation.
            _book = _book.Apply(batch.Reports, out var accepted);
            var liveEdgeFailed = accepted.Any(report => report.Verdict.Health == EdgeHealth.Fail && previousLive.Contains(report.Edge, StringComparer.Ordinal));
            // A live edge that fails (from any vantage) is voted on at once, not left in DNS until the next tick.
            // One queued decision is enough, however many batches report the failure.
            if (liveEdgeFailed && !_immediateDecisionQueued)
            {
                _immediateDecisionQueued = true;
                Self.Tell(DecideTick.Instance);
            }
        });
        Command<DecideTick>(_ =>
        {
            _immediateDecisionQueued = false;
            if (!_stoppedDeciding) DecideOnObservations();
        });
        // StopDeciding and HandOver are only ever handled here, in Idle: the round states stash them, so a round in
        // flight finishes (zones written, decision persisted) before the node is told it may stop.
        Command<StopDeciding>(_ =>
        {
            _stoppedDeciding = true;
            Timers.Cancel("decide");
            Sender.Tell(new DecidingStopped(_settings.Network, _state.Last));
        });
        Command<HandOver>(_ => Context.Stop(Self));
        CommonCommands();
    }

    /// <summary>
    /// serve: reports received and not yet in <see cref="_book"/>, oldest first. A history group sends what its probes
    /// found every observation window, one or two reports at 500 probes/s, and each <see cref="ObservationBook.Apply"/>
    /// rebuilds the book's immutable maps: so reports that cannot make a live edge fail wait here and go in all at once
    /// (<see cref="Booked"/>) when something reads the book, in the order they came, which gives the same book.
    /// </summary>
    private readonly List<EdgeReport> _unbooked = [];

    /// <summary>Past this many waiting reports they go into the book anyway, so memory stays bounded when nothing reads it.</summary>
    private const int MaxUnbooked = 20_000;

    /// <summary>The book with every report received so far.</summary>
    private ObservationBook? Booked()
    {
        if (_unbooked.Count > 0 && _book is not null)
        {
            _book = _book.Apply(_unbooked);
            _unbooked.Clear();
        }
        return _book;
    }

    /// <summary>
    /// serve: who reports each edge from each vantage (edge → vantage → its history group, local or on another node),
    /// learnt from the senders of <see cref="Observed"/>, so a failure seen from one vantage can be confirmed by the others.
    /// </summary>
    private readonly Dictionary<string, Dictionary<string, IActorRef>> _reportersByEdge = new(StringComparer.Ordinal);

    /// <summary>
    /// serve: when a live edge turns fail from one vantage, the other vantages that do not see it failing yet are
    /// asked to probe it now (<see cref="ConfirmEdge"/>), so the quorum forms within one probe time instead of
    /// waiting for their schedules. Runs before the reports are recorded, so "turns" compares with what was known.
    /// </summary>
    private EdgeReport? Known(string edge, string vantage) =>
        Booked()?.ReportsOf(edge).FirstOrDefault(r => r.Vantage == vantage);

    private void AskOtherVantagesToConfirm(IReadOnlyList<EdgeReport> reports, IActorRef reporter)
    {
        if (_serve is null || reporter.IsNobody() || reporter.Equals(Context.System.DeadLetters)) return;
        foreach (var report in reports)
        {
            if (!_reportersByEdge.TryGetValue(report.Edge, out var reporters))
                _reportersByEdge[report.Edge] = reporters = new Dictionary<string, IActorRef>(StringComparer.Ordinal);
            reporters[report.Vantage] = reporter;
            if (report.Verdict.Health != EdgeHealth.Fail || !PreviousLive.Contains(report.Edge, StringComparer.Ordinal)) continue;
            if (Known(report.Edge, report.Vantage) is { } known
                && (known.Verdict.Health == EdgeHealth.Fail || (known.Verdict.Last?.AtUnixMs ?? 0) > (report.Verdict.Last?.AtUnixMs ?? 0)))
                continue; // already failing from here, or a late report
            foreach (var (vantage, other) in reporters)
            {
                if (vantage == report.Vantage) continue;
                if (Known(report.Edge, vantage) is { Verdict.Health: EdgeHealth.Fail }) continue;
                other.Tell(new ConfirmEdge(_settings.Network, report.Edge));
            }
        }
    }

    private void CommonCommands()
    {
        Command<GetLastDecision>(_ => Sender.Tell(new LastDecision(_settings.Network, _state.Last)));
        Command<GetNetworkStatus>(_ => Sender.Tell(Status()));
        Command<Contracts.Admin.AdminRequests.ShowZones>(q =>
        {
            if (_zoneWriter.IsNobody())
                Sender.Tell(new Contracts.Admin.AdminReplies.AdminError(Contracts.Admin.AdminReplies.AdminErrorKind.Invalid,
                    $"network {_settings.Network} has no zone writer here"));
            else _zoneWriter.Forward(q);
        });
        Command<GetEdgeObservations>(q => Sender.Tell(new EdgeReports(_settings.Network, Booked()?.ReportsOf(q.Edge).ToArray() ?? [])));
        Command<IJournalChannelMessage>(m => _journal?.Handle(m));
        Command<Terminated>(t => _journal?.Handle(t));
        Command<SaveSnapshotSuccess>(this.DropWhatTheSnapshotCovers);
        Command<SaveSnapshotFailure>(f => _log.Warning("Network {0}: snapshot failed: {1}", _settings.Network, f.Cause.Message));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(f => _log.Warning("Network {0}: deleting old decisions failed: {1}", _settings.Network, f.Cause.Message));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(f => _log.Warning("Network {0}: deleting old snapshots failed: {1}", _settings.Network, f.Cause.Message));
    }

    private NetworkStatus Status()
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var inWindow = _settings.Budget.Prune(_state.SubstitutionTimesUnixMs, now);
        return new NetworkStatus(_settings.Network, now, PreviousLive, _state.Last, inWindow, _settings.Budget.MaxPerWindow,
            _settings.Budget.Remaining(inWindow, now), (long)_settings.Budget.Window.TotalMilliseconds,
            // A hold by the guard shows wherever a freeze shows (ctl, the status page, check rotation) without a field of its own.
            _frozenReason ?? (_state.Held is { } held ? "held by the guard: " + held.Reason : null), _serve is not null,
            Booked()?.Count ?? 0, JournalHealth.Get(Context.System).ProblemOf(_settings.Network), _publishProblem, _state.Held?.Causes);
    }

    /// <summary>
    /// serve: combine every vantage's newest view (<see cref="ObservationBook.Judge"/>: only edges whose
    /// observations changed are judged again), then decide as a cron round does. With fewer than min_vantages
    /// voting, DNS is frozen: nothing is decided or written, and the log says why. During the start-up hold
    /// (<see cref="ObservationBook.HoldAt"/>) nothing is decided either, unless a quorum sees a live edge failing.
    /// </summary>
    private void DecideOnObservations()
    {
        if (Booked() is not { Count: > 0 } || _serve is null) return;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            JudgeAndDecide();
        }
        finally
        {
            // The decision's own work on this actor (judging, selecting); publishing is timed until the zone writer answers.
            CountDecisionTime("deciding", started);
        }
    }

    /// <summary>serve: when the decision in flight started (a Stopwatch timestamp), so <see cref="Finish"/> can count its publishing.</summary>
    private long _publishingSince;

    private void CountDecisionTime(string phase, long since) =>
        EdgemanageMetrics.Get(Context.System).DecisionSeconds.With(_settings.Network, phase)
            .Add((long)System.Diagnostics.Stopwatch.GetElapsedTime(since).TotalMicroseconds);

    private void JudgeAndDecide()
    {
        if (_book is null || _serve is null) return;
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        (_book, var judgement) = _book.Judge(now);
        var vote = judgement.Vote;
        if (_book.HoldEndedAtUnixMs is null)
        {
            var hold = _book.HoldAt(now);
            if (!hold.Holding)
            {
                _log.Info("Network {0}: start-up hold over after {1:0.#}s: {2}", _settings.Network,
                    (now - _book.StartedAtUnixMs) / 1000.0, hold.Reason);
                _book = _book.EndHold(now);
            }
            else
            {
                // Keep DNS as published; a live edge that a quorum sees failing is the one thing not worth waiting for.
                var failing = vote.Frozen ? [] : judgement.FailingAmong(PreviousLive, _serve.Quorum.MinVantages);
                if (failing.Count == 0) return;
                _log.Warning("Network {0}: during the start-up hold ({1} edge(s) not yet judged) live edge(s) fail: {2}; deciding now",
                    _settings.Network, hold.Awaiting, string.Join(" ", failing));
            }
        }
        if (vote.Frozen)
        {
            // Loud, but once per change of reason: a frozen network is checked every tick.
            var reason = vote.FrozenReason ?? "too few vantages vote";
            EdgemanageMetrics.Get(Context.System).RecordFrozen(_settings.Network);
            if (reason != _frozenReason)
            {
                _log.Error("Network {0}: DNS FROZEN: {1}", _settings.Network, reason);
                Context.System.EventStream.Publish(new Frozen(_settings.Network, reason, now));
                _frozenReason = reason;
            }
            return;
        }
        if (_frozenReason is not null)
        {
            _log.Warning("Network {0}: enough vantages vote again; DNS is no longer frozen", _settings.Network);
            _frozenReason = null;
        }
        // Once per change: a broken vantage or a split vote lasts many ticks.
        foreach (var note in Quorum.NewNotes(_lastNotes, vote.Notes)) _log.Warning("Network {0}: {1}", _settings.Network, note);
        _lastNotes = vote.Notes;

        var roundId = now * 1000 + (++_decisions % 1000);
        var book = _book;
        if (Decide(new Pending(new DecideRound(roundId, DryRun: false, ForceUpdate: false, _zones), ActorRefs.Nobody),
                new RoundCompleted(roundId, judgement.Reports, []), judgement.Candidates, judgement.HealthByIp, judgement.Votes,
                DecisionGuard.FailingEverywhere(_settings.Edges, book.ReportsOf), judgement.Unobserved))
            _publishingSince = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    /// <summary>A cron round: this node's single vantage, judged as it is.</summary>
    private void DecideOnRound(Pending pending, RoundCompleted round)
    {
        var reports = round.Edges.ToDictionary(r => r.Edge, StringComparer.Ordinal);
        var candidates = DecisionStep.CandidatesFromRound(_settings.Edges, round.Edges);
        var healthByIp = round.Edges.ToDictionary(r => r.Edge, r => r.Verdict.Health, StringComparer.Ordinal);
        Decide(pending, round, candidates, healthByIp, votes: null,
            DecisionGuard.FailingEverywhere(_settings.Edges, edge => reports.TryGetValue(edge, out var r) ? [r] : []));
    }

    private void Probing(Pending pending)
    {
        Command<RoundCompleted>(round => DecideOnRound(pending, round));
        Command<Status.Failure>(f => Fail(pending, f.Cause));
        CommonCommands();
        CommandAny(_ => Stash.Stash());
    }

    /// <returns>False when the guard held the decision (nothing goes on to be published).</returns>
    private bool Decide(Pending pending, RoundCompleted round, IReadOnlyList<SelectionCandidate> candidates,
        IReadOnlyDictionary<string, EdgeHealth> healthByIp, VoteMatrix? votes, int failingEverywhere, IReadOnlySet<string>? unobserved = null)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var (selection, pruned) = DecisionStep.Select(_settings.Policy, _state, candidates, unobserved, now);

        // The guard compares with the list the last recorded decision was made from: a held decision is never recorded
        // as one, so a shrink stays held on every later round until it is accepted or the list grows back.
        var guard = DecisionGuard.Judge(new GuardInput(DecisionGuard.BaselineOf(_state.Last), _settings.Edges.Count,
            _settings.MaxEdgeListShrink, _settings.AcceptShrink, failingEverywhere, DnsServesEdges: PreviousLive.Count > 0));
        if (guard.Holding)
        {
            Hold(pending, round, selection, votes, guard, now);
            return false;
        }
        if (_state.Held is { } wasHeld)
        {
            _log.Warning("Network {0}: the guard no longer holds DNS (it held: {1}); deciding", _settings.Network, wasHeld.Reason);
            if (!pending.Command.DryRun) _state = _state.Released();
        }

        var canaries = CanaryOverlay.Judge(_settings.Canaries, healthByIp, _settings.CanaryKiller);
        var verdictByZone = canaries.ToDictionary(c => c.Zone, StringComparer.Ordinal);

        var fixedZones = new List<ZoneContent>();
        var overlays = new List<Task<ZoneAddresses>>();
        // The zones come with each round: includes are re-read every round, and a long-running node reloads them.
        var zoneSources = pending.Command.Zones;
        foreach (var zone in zoneSources)
        {
            if (zone.HoldReason is not null || zone.IncludeText is null)
                fixedZones.Add(new ZoneContent(zone.Zone, zone.IncludeFileName, zone.IncludeText, [], null, zone.HoldReason ?? "include could not be read"));
            else if (!selection.Publish)
                fixedZones.Add(new ZoneContent(zone.Zone, zone.IncludeFileName, zone.IncludeText, [], null,
                    "no live set could be published this round (see the decision notes)"));
            else if (verdictByZone.TryGetValue(zone.Zone, out var verdict))
                overlays.Add(CanaryFor(zone.Zone).Ask<ZoneAddresses>(new OverlayLiveSet(pending.Command.RoundId, selection.Live, verdict), TimeSpan.FromSeconds(30)));
            else
                fixedZones.Add(new ZoneContent(zone.Zone, zone.IncludeFileName, zone.IncludeText, selection.Live, null, null));
        }

        var sources = zoneSources.ToDictionary(z => z.Zone, StringComparer.Ordinal);
        Task.WhenAll(overlays).PipeTo(Self,
            success: overlaid => new Decided(pending, round, votes, selection, pruned, canaries,
                fixedZones.Concat(overlaid.Select(o => new ZoneContent(o.Zone, sources[o.Zone].IncludeFileName, sources[o.Zone].IncludeText,
                    o.Addresses, o.CanaryUsed, null))).ToArray()),
            failure: e => new OverlayFailed(pending, e));
        Become(() => Overlaying(pending));
        return true;
    }

    /// <summary>
    /// The guard holds this decision: no zone, live list or hook is touched (DNS stays as published), and the decision
    /// is not recorded as a decision, so the next round compares with the same list and the keep rule starts from what
    /// DNS serves. Only the reason is kept (cron: persisted as <see cref="DecisionHeld"/>, for the checks that read the
    /// journal; serve: in memory, for ctl and the checks that ask the node) until a decision goes through.
    /// </summary>
    private void Hold(Pending pending, RoundCompleted round, SelectionResult selection, VoteMatrix? votes, GuardVerdict guard, long now)
    {
        var message = guard.MessageWith(_serve is null ? null : "restart serve with --accept-shrink if intended, or restore the list and reload");
        var held = new DecisionHeld(_settings.Network, now, message!, guard.Labels!);
        var record = new DecisionRecord(_settings.Network, now, _settings.Required, PreviousLive, PreviousLive, Published: false, Degraded: true,
            selection.Edges, [], [], votes);
        var reply = new RoundDecided(record, round.Edges, round.Failures, [],
            new ZonesPublished(pending.Command.RoundId, [], AnyChanged: false, LiveListWritten: false, [], []), message);
        EdgemanageMetrics.Get(Context.System).RecordHeld(_settings.Network, guard);
        if (_serve is not null)
        {
            // Loud once per change of reason, as a freeze is: a holding network is checked every tick.
            if (_state.Held?.Reason != held.Reason)
            {
                _log.Warning("Network {0}: DNS HELD by the guard: {1}", _settings.Network, message);
                Context.System.EventStream.Publish(new Frozen(_settings.Network, "held by the guard: " + message, now));
            }
            _state = _state.Apply(held);
            return; // still Idle: probing and ticks go on
        }
        _log.Warning("Network {0}: DNS HELD by the guard: {1}", _settings.Network, message);
        if (pending.Command.DryRun)
        {
            Done(pending.ReplyTo, reply);
            return;
        }
        Persist(held, evt =>
        {
            _state = _state.Apply(evt);
            Done(pending.ReplyTo, reply);
        });
    }

    private IActorRef CanaryFor(string zone)
    {
        if (!_canaryActors.TryGetValue(zone, out var actor))
            _canaryActors[zone] = actor = Context.ActorOf(CanaryActor.Props(zone), "canary-" + Uri.EscapeDataString(zone));
        return actor;
    }

    private void Overlaying(Pending pending)
    {
        Command<Decided>(d =>
        {
            _zoneWriter.Tell(new PublishZones(_settings.Network, d.Pending.Command.RoundId, d.Zones, d.Selection.Live, d.Selection.Changed,
                d.Pending.Command.DryRun, d.Pending.Command.ForceUpdate));
            Become(() => Publishing(d));
        });
        Command<OverlayFailed>(f => Fail(f.Pending, f.Cause));
        CommonCommands();
        CommandAny(_ => Stash.Stash());
    }

    private void Publishing(Decided d)
    {
        Command<ZonesPublished>(zones => Finish(d, zones));
        Command<Status.Failure>(f => Fail(d.Pending, f.Cause));
        CommonCommands();
        CommandAny(_ => Stash.Stash());
    }

    private void Finish(Decided d, ZonesPublished zones)
    {
        if (_publishingSince != 0)
        {
            CountDecisionTime("publishing", _publishingSince);
            _publishingSince = 0;
        }
        var selection = d.Selection;
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        // Published = the zones now carry the chosen set. When every zone failed (check, write), they still carry
        // the previous set, so that is what stays recorded as live; they are retried next round.
        // Kept for status and the checks until a step publishes every zone: which zones DNS does not carry, and why.
        var unpublished = zones.Zones.Where(z => z.Action is ZoneAction.Failed or ZoneAction.CheckFailed).ToArray();
        if (!d.Pending.Command.DryRun)
            _publishProblem = unpublished.Length == 0 ? null
                : string.Join("; ", unpublished.Take(3).Select(z => $"zone {z.Zone} not published: {z.Detail}")) + (unpublished.Length > 3 ? $"; and {unpublished.Length - 3} more" : "");
        var anyZonePublished = zones.Zones.Count == 0 || zones.Zones.Any(z => z.Action is ZoneAction.Written or ZoneAction.Unchanged or ZoneAction.Planned);
        var published = selection.Publish && anyZonePublished;
        var notes = selection.Notes.ToList();
        if (selection.Publish && !anyZonePublished)
            notes.Add("no zone could be written this round; the previous live set stays recorded and the zones are retried next round");
        var record = new DecisionRecord(
            _settings.Network, now, _settings.Required, PreviousLive,
            published ? selection.Live : PreviousLive,
            published,
            Degraded: selection.Degraded || !published || !zones.AllPublished,
            selection.Edges,
            published ? selection.Substitutions : [],
            notes,
            d.Votes);
        var reply = new RoundDecided(record, d.Round.Edges, d.Round.Failures, d.Canaries, zones);
        // Observers (serve's log, tests, later ctl) learn of every decision without asking for it.
        Context.System.EventStream.Publish(reply);
        var replyTo = d.Pending.ReplyTo;
        if (d.Pending.Command.DryRun)
        {
            Done(replyTo, reply);
            return;
        }
        // Every substitution counts against dnschange_maxfreq, even the ones that were never deferrable.
        var times = DecisionStep.TimesAfter(d.PrunedTimes, record.Substitutions, now);
        // cluster: every member learns what is published now, so a decider that takes over starts from it. Never waited for.
        if (published) _replica?.Tell(new PublishedStateReplicator.Decided(record.AtUnixMs, record.Live, times));
        if (_serve is not null && _state.Last is not null && _state.LastPersistedAtUnixMs is { } persistedAt
            && now - persistedAt < (_serve.PersistUnchangedEvery ?? ServeOptions.DefaultPersistUnchangedEvery).TotalMilliseconds
            && !zones.Zones.Any(z => z.Action == ZoneAction.Written)
            && DecisionSubstance.Same(record, _state.Last))
        {
            // Nothing new to remember: the journal keeps the last decision that said this, and memory (ctl, checks,
            // metrics) the newest figures. A crash loses only figures the next decision has again.
            _state = _state.Apply(new DecisionRecorded(record, times));
            EdgemanageMetrics.Get(Context.System).RecordDecision(record, zones);
            Done(replyTo, reply);
            return;
        }
        if (_journal is not null)
        {
            RecordServed(new DecisionRecorded(record, times), zones, replyTo, reply);
            return;
        }
        Persist(new DecisionRecorded(record, times), evt =>
        {
            _state = _state.Apply(evt).Persisted(evt.Decision.AtUnixMs);
            if (++_eventsSinceSnapshot >= _settings.SnapshotEvery)
            {
                _eventsSinceSnapshot = 0;
                SaveSnapshot(new NetworkSnapshot(_state.Last, _state.SubstitutionTimesUnixMs));
            }
            EdgemanageMetrics.Get(Context.System).RecordDecision(evt.Decision, zones);
            _settings.Crash?.Reach(Faults.CrashPoints.DecisionRecorded);
            Done(replyTo, reply);
        });
    }

    /// <summary>
    /// serve: the decision is published, so it is what this node goes on from, recorded or not. When the journal
    /// cannot take it now, it waits in the channel (a newer decision replaces it) and is written once the journal
    /// takes writes again; until then ctl, the checks and the log say the journal is not writable.
    /// </summary>
    private void RecordServed(DecisionRecorded decided, ZonesPublished zones, IActorRef replyTo, object reply)
    {
        var settled = false;
        _journal!.Write(decided, (written, evt) =>
        {
            var first = !settled;
            settled = true;
            if (first)
            {
                _state = _state.Apply(decided);
                EdgemanageMetrics.Get(Context.System).RecordDecision(decided.Decision, zones);
            }
            if (written && evt is DecisionRecorded recorded)
            {
                _state = _state.Persisted(recorded.Decision.AtUnixMs);
                // The snapshot holds what was written (the newest decision written), never a decision only in memory.
                if (++_eventsSinceSnapshot >= _settings.SnapshotEvery
                    && _journal.Snapshot(new NetworkSnapshot(recorded.Decision, recorded.SubstitutionTimesUnixMs)))
                    _eventsSinceSnapshot = 0;
                _settings.Crash?.Reach(Faults.CrashPoints.DecisionRecorded);
            }
            if (first) Done(replyTo, reply);
        }, merge: (queued, newer) => queued is DecisionRecorded && newer is DecisionRecorded ? newer : null);
    }

    protected override void PostStop()
    {
        _journal?.Close();
        base.PostStop();
    }

    /// <summary>
    /// import-legacy: the original's last live set becomes this network's decision, so the keep rule starts from what
    /// DNS serves. Never over a recorded decision: a real decision always wins.
    /// </summary>
    private void ImportLegacyDecision(ImportDecision cmd)
    {
        if (_state.Last is not null || cmd.DryRun)
        {
            Sender.Tell(new DecisionImported(_settings.Network, Recorded: false, _state.Last));
            return;
        }
        var live = cmd.Live.Distinct(StringComparer.Ordinal).OrderBy(e => e, StringComparer.Ordinal).ToArray();
        var record = new DecisionRecord(_settings.Network, _time.GetUtcNow().ToUnixTimeMilliseconds(), _settings.Required, [], live,
            Published: true, Degraded: false,
            live.Select(e => new EdgeDecision(e, EdgeHealth.Untested, null, null, EdgeMode.Available, true, DecisionReason.Imported, cmd.Note)).ToArray(),
            [], [cmd.Note]);
        var replyTo = Sender;
        Persist(new DecisionRecorded(record, cmd.SubstitutionTimesUnixMs.Order().ToArray()), evt =>
        {
            _state = _state.Apply(evt);
            _log.Info("Network {0}: {1}: live {2}", _settings.Network, cmd.Note, string.Join(" ", live));
            replyTo.Tell(new DecisionImported(_settings.Network, Recorded: true, null));
        });
    }

    private void Fail(Pending pending, Exception cause)
    {
        _log.Error(cause, "Round {0} of {1} failed", pending.Command.RoundId, _settings.Network);
        Done(pending.ReplyTo, new Status.Failure(cause));
    }

    private void Done(IActorRef replyTo, object reply)
    {
        _publishingSince = 0;
        replyTo.Tell(reply);
        Stash.UnstashAll();
        Become(Idle);
    }
}
