using Edgemanage.Contracts.Networks;

namespace Edgemanage.Actors.Networks;

/// <summary>Where a starting decider takes what DNS serves from (see <see cref="TakeoverStart.Choose"/>).</summary>
public enum StartSource
{
    /// <summary>Nothing is known: a first start.</summary>
    Nothing,
    /// <summary>This node's journal holds the newest decision.</summary>
    Journal,
    /// <summary>The live list on disk was written after the newest decision and names another set: a publish that
    /// was neither recorded nor replicated (the process died in between).</summary>
    LiveList,
    /// <summary>The cluster's replicated state is newer than this node's journal: another node decided since.</summary>
    Replicated,
}

/// <summary>The live list file as found at start: the set it names and when it was written.</summary>
public sealed record LiveListOnDisk(IReadOnlyList<string> Live, long WrittenAtUnixMs);

/// <summary>What a starting decider starts from: the source and the live set the keep rule and the start-up hold use.</summary>
public sealed record TakeoverStart(StartSource Source, IReadOnlyList<string> Live, long? AtUnixMs)
{
    /// <summary>
    /// The newest of three sources. A decision (journal or replicated) wins by its decision time, the journal on a tie
    /// (it is this node's own, so nothing needs adopting). The live list wins over both when it names another set
    /// and was written after the newest decision: it is what DNS serves. With no decision at all, the live list is
    /// what the original (or a node that never recorded) left, so it is taken whatever its time.
    /// </summary>
    public static TakeoverStart Choose(PublishedNetworkState? replicated, DecisionRecord? journal, LiveListOnDisk? liveList)
    {
        var start = new TakeoverStart(StartSource.Nothing, [], null);
        if (journal is not null) start = new TakeoverStart(StartSource.Journal, journal.Live, journal.AtUnixMs);
        if (replicated is not null && (start.AtUnixMs is not { } at || replicated.DecidedAtUnixMs > at))
            start = new TakeoverStart(StartSource.Replicated, replicated.Live, replicated.DecidedAtUnixMs);
        if (liveList is null || liveList.Live.Count == 0) return start;
        if (start.Source == StartSource.Nothing
            || (!liveList.Live.SequenceEqual(start.Live, StringComparer.Ordinal) && liveList.WrittenAtUnixMs > start.AtUnixMs))
            return new TakeoverStart(StartSource.LiveList, liveList.Live, liveList.WrittenAtUnixMs);
        return start;
    }
}
