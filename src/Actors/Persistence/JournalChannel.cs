using Akka.Actor;
using Akka.Event;
using Edgemanage.Actors.Metrics;

namespace Edgemanage.Actors.Persistence;

/// <summary>
/// A serving actor's way to its journal, kept out of its critical path: events go to a <see cref="JournalWriter"/>
/// child, and each write is settled either when it is written or, when the journal cannot take it (a write failed, the
/// writer is being restarted, or a write is overdue), at once "from memory": the actor goes on deciding, and the write
/// stays queued until a new writer (started with a backoff) takes it. Queued writes may be merged by the caller's
/// function (the newest decision supersedes older ones; zone records and history batches fold), so memory stays
/// bounded however long the journal is down. Lives inside the owning actor and is only called on its thread.
/// </summary>
/// <remarks>
/// Every failure is counted (<c>edgemanage_persist_failures_total</c>), and <see cref="JournalHealth"/> makes the log,
/// stderr, ctl and the checks say once per outage that the network's journal does not take writes, and once when it
/// does again.
/// </remarks>
public sealed class JournalChannel
{
    /// <summary>Settled once when written (true) or deferred (false); a deferred write is settled again with true once written.</summary>
    public delegate void Settled(bool written, object writtenEvent);

    /// <summary>Merges a queued event with a newer one into one event, or null when they cannot be merged.</summary>
    public delegate object? Merge(object queued, object newer);

    private sealed record Reopen(int Generation) : IJournalChannelMessage;

    private sealed record Overdue(long Id) : IJournalChannelMessage;

    private sealed class Entry(long id, object evt, Settled settled)
    {
        public long Id { get; } = id;
        public object Event { get; set; } = evt;
        public List<Settled> Callbacks { get; } = [settled];
        public List<Settled> Deferred { get; } = [];
        /// <summary>The writer generation it was handed to; 0 while queued.</summary>
        public int SentTo { get; set; }
    }

    private readonly IActorContext _context;
    private readonly ITimerScheduler _timers;
    private readonly string _persistenceId;
    private readonly string _network;
    private readonly string _source;
    private readonly ILoggingAdapter _log;
    private readonly TimeProvider _time;
    private readonly JournalChannelOptions _options;
    private readonly List<Entry> _entries = [];
    private IActorRef? _writer;
    private bool _open;
    private int _generation;
    private long _nextId;
    private TimeSpan _backoff;
    private long? _overdueArmedFor;

    public JournalChannel(IActorContext context, ITimerScheduler timers, string persistenceId, string network, string source,
        ILoggingAdapter log, TimeProvider time, JournalChannelOptions? options = null)
    {
        _context = context;
        _timers = timers;
        _persistenceId = persistenceId;
        _network = network;
        _source = source;
        _log = log;
        _time = time;
        _options = options ?? JournalChannelOptions.Default;
        _backoff = _options.MinBackoff;
    }

    /// <summary>The sequence number of the last event written (the owner's recovered one until the first write).</summary>
    public long LastSequenceNr { get; private set; }

    /// <summary>Writes not yet in the journal (in flight or queued).</summary>
    public int Unwritten => _entries.Count;

    /// <summary>Why this writer cannot write now; null while it can.</summary>
    public string? Problem { get; private set; }

    /// <summary>Starts the writer; the owner calls this once its own recovery is complete.</summary>
    public void Open(long recoveredSequenceNr)
    {
        LastSequenceNr = recoveredSequenceNr;
        JournalHealth.Get(_context.System).Report(_network, _persistenceId, null, Now);
        EdgemanageMetrics.Get(_context.System).PersistFailures.With(_network, _source);
        StartWriter();
    }

    /// <summary>
    /// Persists <paramref name="evt"/>. <paramref name="settled"/> runs on the owner's thread: once with true when
    /// written, or first with false when the journal cannot take it now (and then with true if it is written later,
    /// merged or not: the event passed is what was written).
    /// </summary>
    public void Write(object evt, Settled settled, Merge? merge = null)
    {
        if (_open && Problem is null)
        {
            var entry = new Entry(++_nextId, evt, settled);
            _entries.Add(entry);
            Send(entry);
            // While another writer of the network finds the journal unwritable, nobody waits for it: this write is
            // tried, but settled from memory now (and again when written).
            if (!JournalHealth.Get(_context.System).IsWritable(_network))
            {
                entry.Callbacks.Clear();
                entry.Deferred.Add(settled);
                settled(false, evt);
            }
            return;
        }
        // The journal is down (or its writer restarting): queue, merged with the last queued write when possible.
        var last = _entries.Count > 0 ? _entries[^1] : null;
        if (merge is not null && last is { SentTo: 0 } && merge(last.Event, evt) is { } merged)
        {
            last.Event = merged;
            last.Deferred.Add(settled);
        }
        else
        {
            var entry = new Entry(++_nextId, evt, settled);
            entry.Callbacks.Clear();
            entry.Deferred.Add(settled);
            _entries.Add(entry);
        }
        settled(false, evt);
    }

    /// <summary>
    /// Saves a snapshot of the owner's state, which must be the fold of every event written so far: so only when
    /// nothing is unwritten (returns false otherwise, and the owner tries again at its next due point).
    /// </summary>
    public bool Snapshot(object state)
    {
        if (_writer is null || !_open || Problem is not null || _entries.Count > 0) return false;
        _writer.Tell(new JournalWriter.SaveState(state));
        return true;
    }

    /// <summary>The owner's handler for <see cref="IJournalChannelMessage"/> and <see cref="Terminated"/>; false when not ours.</summary>
    public bool Handle(object message)
    {
        switch (message)
        {
            case JournalWriter.Opened opened when _context.Sender.Equals(_writer):
                _open = true;
                LastSequenceNr = Math.Max(LastSequenceNr, opened.SequenceNr);
                foreach (var e in _entries.Where(e => e.SentTo == 0)) Send(e);
                if (_entries.Count == 0 && Problem is not null) Recovered();
                return true;
            case JournalWriter.Written written:
                OnWritten(written);
                return true;
            case JournalWriter.WriteFailed failed when _context.Sender.Equals(_writer):
                Fail($"{OneLine(failed.Cause)}");
                return true;
            case JournalWriter.OpenFailed failed when _context.Sender.Equals(_writer):
                Fail($"{OneLine(failed.Cause)}");
                return true;
            case JournalWriter.WriteRejected rejected:
            {
                var index = _entries.FindIndex(e => e.Id == rejected.Id);
                if (index < 0) return true;
                var entry = _entries[index];
                _entries.RemoveAt(index);
                EdgemanageMetrics.Get(_context.System).PersistFailures.With(_network, _source).Inc();
                _log.Error("{0}: the journal refused a {1}, which is not recorded: {2}", _persistenceId, entry.Event.GetType().Name, OneLine(rejected.Cause));
                foreach (var cb in entry.Callbacks) cb(false, entry.Event);
                return true;
            }
            case JournalWriter.SnapshotSaved:
                return true;
            case JournalWriter.SnapshotFailed f:
                _log.Warning("{0}: snapshot failed, will retry at the next due point: {1}", _persistenceId, OneLine(f.Cause));
                return true;
            case Overdue overdue:
                _overdueArmedFor = null;
                if (_entries.Any(e => e.Id == overdue.Id && e.SentTo == _generation && _open))
                    Fail($"a write did not complete within {_options.WriteTimeout.TotalSeconds:0.#}s");
                return true;
            case Reopen reopen when reopen.Generation == _generation && _writer is null:
                StartWriter();
                return true;
            case Reopen:
                return true;
            case Terminated t when t.ActorRef.Equals(_writer):
                _writer = null;
                _open = false;
                foreach (var e in _entries) e.SentTo = 0;
                if (Problem is null) Fail("the journal writer stopped");
                _timers.StartSingleTimer(TimerKey("reopen"), new Reopen(_generation), _backoff);
                _backoff = TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, _options.MaxBackoff.Ticks));
                return true;
            default:
                return message is IJournalChannelMessage;
        }
    }

    /// <summary>The owner stopped: its writer stops with it, and its problem must not keep the network unwritable.</summary>
    public void Close() => JournalHealth.Get(_context.System).Report(_network, _persistenceId, null, Now);

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private string TimerKey(string what) => $"journal-{what}";

    private void StartWriter()
    {
        _generation++;
        _open = false;
        _writer = _context.ActorOf(JournalWriter.Props(_persistenceId, PersistencePlugins.Of(_context.System, _network)), $"journal-{_generation}");
        _context.Watch(_writer);
    }

    private void Send(Entry entry)
    {
        entry.SentTo = _generation;
        _writer!.Tell(new JournalWriter.Write(entry.Id, [entry.Event]));
        ArmOverdue();
    }

    private void ArmOverdue()
    {
        if (_overdueArmedFor is { } armed && _entries.Any(e => e.Id == armed)) return;
        var oldest = _entries.FirstOrDefault(e => e.SentTo == _generation);
        if (oldest is null)
        {
            _timers.Cancel(TimerKey("overdue"));
            _overdueArmedFor = null;
            return;
        }
        _overdueArmedFor = oldest.Id;
        _timers.StartSingleTimer(TimerKey("overdue"), new Overdue(oldest.Id), _options.WriteTimeout);
    }

    private void OnWritten(JournalWriter.Written written)
    {
        var index = _entries.FindIndex(e => e.Id == written.Id);
        if (index < 0) return;
        var entry = _entries[index];
        _entries.RemoveAt(index);
        LastSequenceNr = Math.Max(LastSequenceNr, written.SequenceNr);
        _backoff = _options.MinBackoff;
        if (Problem is not null) Recovered();
        ArmOverdue();
        foreach (var cb in entry.Callbacks) cb(true, entry.Event);
        foreach (var cb in entry.Deferred) cb(true, entry.Event);
        // What waited while a write was overdue goes now.
        if (_open && Problem is null)
            foreach (var e in _entries.Where(e => e.SentTo == 0)) Send(e);
    }

    /// <summary>The journal did not take a write: every write waiting on it is settled from memory, and the outage is said once.</summary>
    private void Fail(string problem)
    {
        EdgemanageMetrics.Get(_context.System).PersistFailures.With(_network, _source).Inc();
        foreach (var e in _entries)
        {
            var waiting = e.Callbacks.ToArray();
            e.Deferred.AddRange(waiting);
            e.Callbacks.Clear();
            foreach (var cb in waiting) cb(false, e.Event);
        }
        if (Problem is not null) return;
        Problem = problem;
        var health = JournalHealth.Get(_context.System);
        var (change, _) = health.Report(_network, _persistenceId, problem, Now);
        if (change == JournalHealth.Change.OutageStarted)
        {
            _log.Error("JOURNAL NOT WRITABLE: {0} {1}: {2} ({3}); deciding and zone writing go on from memory, and what was not " +
                       "recorded is written when the journal takes writes again", _network, health.LocationOf(_network), problem, _persistenceId);
            _context.System.EventStream.Publish(new JournalNotWritable(_network, health.LocationOf(_network), problem, Now));
        }
        else
        {
            _log.Debug("{0}: journal not writable: {1}", _persistenceId, problem);
        }
    }

    private void Recovered()
    {
        Problem = null;
        var health = JournalHealth.Get(_context.System);
        var (change, outage) = health.Report(_network, _persistenceId, null, Now);
        if (change != JournalHealth.Change.OutageEnded) return;
        _log.Warning("Journal of {0} ({1}) writable again after {2:F0}s; what was kept in memory is being recorded", _network, health.LocationOf(_network),
            outage.TotalSeconds);
        _context.System.EventStream.Publish(new JournalWritableAgain(_network, health.LocationOf(_network), outage));
    }

    private static string OneLine(Exception e) => e.GetBaseException().Message.ReplaceLineEndings(" ").Trim();
}

/// <param name="WriteTimeout">A write not done by then settles from memory (the journal is reported not writable).</param>
/// <param name="MinBackoff">The first wait before a new writer is started after one stopped; doubled up to <paramref name="MaxBackoff"/>.</param>
public sealed record JournalChannelOptions(TimeSpan WriteTimeout, TimeSpan MinBackoff, TimeSpan MaxBackoff)
{
    public static readonly JournalChannelOptions Default = new(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(8));
}
