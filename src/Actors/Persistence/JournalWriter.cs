using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace Edgemanage.Actors.Persistence;

/// <summary>What a <see cref="JournalWriter"/> tells its parent; the parent hands each to its <see cref="JournalChannel"/>.</summary>
public interface IJournalChannelMessage : INoSerializationVerificationNeeded;

/// <summary>
/// The only writer of one persistence id while a node serves. Akka.Persistence stops a persistent actor whose write
/// fails; kept in this child, such a stop ends only the child, and the deciding parent (which recovered the same
/// persistence id and keeps its state in memory) goes on. The parent's <see cref="JournalChannel"/> starts a new
/// writer after a backoff and hands it what was not written. It does not replay anything (<see cref="Recovery.None"/>
/// reads only the highest sequence number, so new events follow the ones already there).
/// </summary>
public sealed class JournalWriter : ReceivePersistentActor
{
    /// <summary>Persist <paramref name="Events"/> as one atomic batch; answered with <see cref="Written"/>.</summary>
    public sealed record Write(long Id, IReadOnlyList<object> Events) : INoSerializationVerificationNeeded;

    /// <summary>Save a snapshot of the parent's state as of the last event written here; the events it covers are then deleted.</summary>
    public sealed record SaveState(object Snapshot) : INoSerializationVerificationNeeded;

    /// <summary>The writer has read the highest sequence number and takes writes.</summary>
    public sealed record Opened(long SequenceNr) : IJournalChannelMessage;

    public sealed record Written(long Id, long SequenceNr) : IJournalChannelMessage;

    /// <summary>The write failed; the writer stops right after saying so (Akka.Persistence's rule).</summary>
    public sealed record WriteFailed(long SequenceNr, Exception Cause) : IJournalChannelMessage;

    /// <summary>The journal refused the event itself (serialization): the writer goes on, the event is not written.</summary>
    public sealed record WriteRejected(long Id, Exception Cause) : IJournalChannelMessage;

    /// <summary>Reading the highest sequence number failed; the writer stops.</summary>
    public sealed record OpenFailed(Exception Cause) : IJournalChannelMessage;

    public sealed record SnapshotSaved(long SequenceNr) : IJournalChannelMessage;

    public sealed record SnapshotFailed(Exception Cause) : IJournalChannelMessage;

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private long _writing;

    public JournalWriter(string persistenceId, PersistencePlugins plugins)
    {
        PersistenceId = persistenceId;
        (JournalPluginId, SnapshotPluginId) = plugins;
        Recover<RecoveryCompleted>(_ => Context.Parent.Tell(new Opened(LastSequenceNr)));
        Command<Write>(w =>
        {
            _writing = w.Id;
            var left = w.Events.Count;
            if (left == 0)
            {
                Context.Parent.Tell(new Written(w.Id, LastSequenceNr));
                return;
            }
            PersistAll(w.Events, _ =>
            {
                if (--left == 0) Context.Parent.Tell(new Written(w.Id, LastSequenceNr));
            });
        });
        Command<SaveState>(s => SaveSnapshot(s.Snapshot));
        Command<SaveSnapshotSuccess>(ok =>
        {
            this.DropWhatTheSnapshotCovers(ok);
            Context.Parent.Tell(new SnapshotSaved(ok.Metadata.SequenceNr));
        });
        Command<SaveSnapshotFailure>(f => Context.Parent.Tell(new SnapshotFailed(f.Cause)));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(f => _log.Warning("{0}: deleting events a snapshot covers failed: {1}", PersistenceId, f.Cause.Message));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(f => _log.Warning("{0}: deleting old snapshots failed: {1}", PersistenceId, f.Cause.Message));
    }

    public override string PersistenceId { get; }

    public override Recovery Recovery => Recovery.None;

    /// <param name="plugins">The owner's plugins: the writer writes where its owner recovered from.</param>
    public static Props Props(string persistenceId, PersistencePlugins plugins) => Akka.Actor.Props.Create(() => new JournalWriter(persistenceId, plugins));

    /// <summary>Akka.Persistence stops this actor after this returns; the parent learns why first (Terminated carries no cause).</summary>
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        Context.Parent.Tell(new WriteFailed(sequenceNr, cause));
        // Akka's own line is an ERROR per failed event; the channel logs once per outage instead.
        _log.Debug("{0}: writing event {1} failed: {2}", PersistenceId, sequenceNr, cause.Message);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        Context.Parent.Tell(new WriteRejected(_writing, cause));
        _log.Error(cause, "{0}: the journal rejected event {1} ({2})", PersistenceId, sequenceNr, @event.GetType().Name);
    }

    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        Context.Parent.Tell(new OpenFailed(reason));
        _log.Debug("{0}: reading the highest sequence number failed: {1}", PersistenceId, reason.Message);
    }
}
