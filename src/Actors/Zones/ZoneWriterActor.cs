using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Edgemanage.Actors.Persistence;
using Edgemanage.Contracts.Zones;
using static Edgemanage.Contracts.Admin.AdminRequests;
using static Edgemanage.Contracts.Admin.AdminReplies;
using static Edgemanage.Contracts.Zones.ZoneCommands;
using static Edgemanage.Contracts.Zones.ZoneReplies;

namespace Edgemanage.Actors.Zones;

/// <summary>
/// Writes the zone files of one network: renders, checks and writes each zone only when its content changed,
/// keeps the SOA serial strictly increasing across rounds and restarts (it is persisted, and never behind what
/// a zone file on disk already carries), writes the live list and runs the hooks. One publish step at a time:
/// later requests wait in the stash, so two rounds can never interleave their writes.
/// </summary>
public sealed class ZoneWriterActor : ReceivePersistentActor, IWithTimers
{
    /// <summary>
    /// Start from what the network's last decider published (a cluster takeover): the serial floor rises to
    /// <paramref name="Serial"/> (never lowers), and each of <paramref name="Zones"/> replaces this node's record of
    /// that zone, so the next step compares the disk with what was really written last (and rewrites what differs).
    /// Recorded as a <see cref="ZonesWritten"/> when it changes anything, so this journal is no longer stale.
    /// </summary>
    public sealed record AdoptPublished(uint Serial, IReadOnlyList<PublishedZone> Zones, IReadOnlyList<string>? Live, long AtUnixMs)
        : INoSerializationVerificationNeeded;

    private sealed record PublishFinished(ZonePublisher.Result Result, IActorRef ReplyTo) : INoSerializationVerificationNeeded;

    private sealed record PublishCrashed(Exception Cause, IActorRef ReplyTo) : INoSerializationVerificationNeeded;

    private readonly ZoneWriterSettings _settings;
    private readonly IZonePublisher _publisher;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private ZoneWriterState _state = ZoneWriterState.Empty;
    private int _eventsSinceSnapshot;
    private readonly TimeProvider _time;
    // For ctl zones: when zones were last written (from the journal; unknown if only a snapshot was recovered), and
    // what the last publish step on this node did (in memory only: check results and hook exit codes).
    private long? _lastWriteAtUnixMs;
    private (long AtUnixMs, IReadOnlyList<ZoneOutcome> Outcomes, IReadOnlyList<CommandOutcome> Hooks)? _lastPublish;
    /// <summary>serve: zone records go to the journal through this, so a journal that fails never stops zone writing.</summary>
    private JournalChannel? _journal;

    /// <param name="serving">serve: a record the journal cannot take is kept in memory (and written later) instead of
    /// stopping the writer. A cron run records directly: a failed record ends the run with an error.</param>
    public ZoneWriterActor(ZoneWriterSettings settings, HostResolver resolver, TimeProvider time, bool serving = false)
    {
        _settings = settings;
        _publisher = settings.DnsUpdate is null
            ? new ZonePublisher(settings, resolver, time, _log)
            : new Dynamic.DnsUpdatePublisher(settings, resolver, time, _log);
        _time = time;
        PersistenceId = PersistenceIdFor(settings.Network);
        (JournalPluginId, SnapshotPluginId) = PersistencePlugins.Of(Context.System, settings.Network); // serve: the network's own journal

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is ZoneWriterSnapshot snap)
                _state = new ZoneWriterState(snap.LastSerial, snap.Zones.ToDictionary(z => z.Zone, StringComparer.Ordinal), snap.LiveList);
        });
        var recovering = System.Diagnostics.Stopwatch.StartNew();
        Recover<ZonesWritten>(evt =>
        {
            _state = _state.Apply(evt);
            _lastWriteAtUnixMs = evt.AtUnixMs;
            // Counted from the newest snapshot, not from this process's start: a cron run is a new process each round,
            // and a count from zero would never reach snapshot_every, leaving every event in the journal.
            _eventsSinceSnapshot++;
        });
        Recover<RecoveryCompleted>(_ =>
        {
            _log.Debug("Zone writer {0}: {1} zones recovered in {2:F3}s", settings.Network, _state.Zones.Count, recovering.Elapsed.TotalSeconds);
            if (!serving) return;
            _journal = new JournalChannel(Context, Timers, PersistenceId, settings.Network, "zones", _log, time);
            _journal.Open(LastSequenceNr);
        });
        Idle();
    }

    public override string PersistenceId { get; }

    public static string PersistenceIdFor(string network) => $"zones-{network}";

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ZoneWriterSettings settings, HostResolver resolver, TimeProvider time, bool serving = false) =>
        Akka.Actor.Props.Create(() => new ZoneWriterActor(settings, resolver, time, serving));

    private void Idle()
    {
        Command<PublishZones>(cmd =>
        {
            var replyTo = Sender;
            var state = _state;
            _publisher.PublishAsync(cmd, state, CancellationToken.None)
                .PipeTo(Self, success: r => new PublishFinished(r, replyTo), failure: e => new PublishCrashed(e, replyTo));
            Become(Publishing);
        });
        Command<AdoptPublished>(Adopt);
        Housekeeping();
    }

    private void Adopt(AdoptPublished adopt)
    {
        if (_state.Adopting(adopt.Serial, adopt.Zones, adopt.Live, adopt.AtUnixMs) is not { } evt) return;
        _log.Info("Zone writer {0}: starting from the published state: serial {1} (this node's was {2}), {3} zone record(s) adopted",
            _settings.Network, Math.Max(_state.LastSerial, adopt.Serial), _state.LastSerial, adopt.Zones.Count);
        if (_journal is not null)
        {
            _state = _state.Apply(evt);
            _journal.Write(evt, (_, _) => { }, merge: (queued, newer) => queued is ZonesWritten a && newer is ZonesWritten b ? Fold(a, b) : null);
            return;
        }
        Persist(evt, e => _state = _state.Apply(e));
    }

    /// <summary>Snapshot bookkeeping can arrive in either state: a covered prefix of the journal is deleted.</summary>
    private void Housekeeping()
    {
        Command<ShowZones>(_ => Sender.Tell(new ZonesStatus(_settings.Network, _state.LastSerial, _lastWriteAtUnixMs,
            _state.Zones.Values.OrderBy(z => z.Zone, StringComparer.Ordinal).ToArray(), _state.LiveList, _lastPublish?.AtUnixMs,
            _lastPublish?.Outcomes ?? [], _lastPublish?.Hooks ?? [])));
        Command<IJournalChannelMessage>(m => _journal?.Handle(m));
        Command<Terminated>(t => _journal?.Handle(t));
        Command<SaveSnapshotSuccess>(this.DropWhatTheSnapshotCovers);
        Command<SaveSnapshotFailure>(f => _log.Warning("Zone writer {0}: snapshot failed: {1}", PersistenceId, f.Cause.Message));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(f => _log.Warning("Zone writer {0}: deleting old events failed: {1}", PersistenceId, f.Cause.Message));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(f => _log.Warning("Zone writer {0}: deleting old snapshots failed: {1}", PersistenceId, f.Cause.Message));
    }

    private void Publishing()
    {
        Command<PublishFinished>(done =>
        {
            if (done.Result.Reply is ZonesPublished published)
                _lastPublish = (_time.GetUtcNow().ToUnixTimeMilliseconds(), published.Zones, published.Hooks);
            if (done.Result.Event is not { } evt)
            {
                Done(done.ReplyTo, done.Result.Reply);
                return;
            }
            if (_journal is not null)
            {
                RecordServed(evt, done.ReplyTo, done.Result.Reply);
                return;
            }
            Persist(evt, e =>
            {
                _state = _state.Apply(e);
                _lastWriteAtUnixMs = e.AtUnixMs;
                if (++_eventsSinceSnapshot >= _settings.SnapshotEvery)
                {
                    _eventsSinceSnapshot = 0;
                    SaveSnapshot(new ZoneWriterSnapshot(_state.LastSerial, _state.Zones.Values.OrderBy(z => z.Zone, StringComparer.Ordinal).ToArray(), _state.LiveList));
                }
                _settings.Crash?.Reach(Faults.CrashPoints.ZonesRecorded);
                Done(done.ReplyTo, done.Result.Reply);
            });
        });
        Command<PublishCrashed>(c =>
        {
            _log.Error(c.Cause, "Publishing the zones of {0} failed", _settings.Network);
            Done(c.ReplyTo, new Status.Failure(c.Cause));
        });
        Housekeeping();
        CommandAny(_ => Stash.Stash());
    }

    /// <summary>
    /// serve: the zones are on disk, so the next step compares with what was written, recorded or not. A record the
    /// journal cannot take now waits in the channel (folded with later ones) until it takes writes again.
    /// </summary>
    private void RecordServed(ZonesWritten written, IActorRef replyTo, object reply)
    {
        var settled = false;
        _journal!.Write(written, (recorded, _) =>
        {
            var first = !settled;
            settled = true;
            if (first)
            {
                _state = _state.Apply(written);
                _lastWriteAtUnixMs = written.AtUnixMs;
            }
            if (recorded)
            {
                // A snapshot must equal the journal's events: the channel takes it only when nothing is unwritten.
                if (++_eventsSinceSnapshot >= _settings.SnapshotEvery && _journal.Snapshot(Snapshot(_state))) _eventsSinceSnapshot = 0;
                _settings.Crash?.Reach(Faults.CrashPoints.ZonesRecorded);
            }
            if (first) Done(replyTo, reply);
        }, merge: (queued, newer) => queued is ZonesWritten a && newer is ZonesWritten b ? Fold(a, b) : null);
    }

    /// <summary>Two zone records as one: what applying both in order gives (<see cref="ZoneWriterState.Apply"/>).</summary>
    public static ZonesWritten Fold(ZonesWritten older, ZonesWritten newer)
    {
        var zones = older.Zones.ToDictionary(z => z.Zone, StringComparer.Ordinal);
        foreach (var z in newer.Zones) zones[z.Zone] = z;
        return new ZonesWritten(newer.AtUnixMs, Math.Max(older.Serial, newer.Serial),
            zones.Values.OrderBy(z => z.Zone, StringComparer.Ordinal).ToArray(), newer.LiveList ?? older.LiveList);
    }

    private static ZoneWriterSnapshot Snapshot(ZoneWriterState state) =>
        new(state.LastSerial, state.Zones.Values.OrderBy(z => z.Zone, StringComparer.Ordinal).ToArray(), state.LiveList);

    protected override void PostStop()
    {
        _journal?.Close();
        base.PostStop();
    }

    private void Done(IActorRef replyTo, object reply)
    {
        replyTo.Tell(reply);
        Stash.UnstashAll();
        Become(Idle);
    }
}
