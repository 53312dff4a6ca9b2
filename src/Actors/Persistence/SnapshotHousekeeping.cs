using Akka.Persistence;

namespace Edgemanage.Actors.Persistence;

/// <summary>
/// What every snapshotting actor here does once a snapshot is saved: the events it covers and the snapshots before it
/// are deleted. Keeping old snapshots would grow the journal without bound (a 5000-edge decision snapshot is about
/// 670 kB, and one was kept every 20 decisions: measured 4.7 MB in 25 minutes of one network's soak).
/// </summary>
public static class SnapshotHousekeeping
{
    /// <summary>Starts both deletions; the actor receives Delete{Messages,Snapshots}{Success,Failure} for each.</summary>
    public static void DropWhatTheSnapshotCovers(this Eventsourced actor, SaveSnapshotSuccess saved)
    {
        actor.DeleteMessages(saved.Metadata.SequenceNr);
        actor.DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1));
    }
}
