using Edgemanage.Actors.Edges;
using Edgemanage.Actors.Networks;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;

namespace Edgemanage.Actors.Replay;

/// <summary>One probe result of one edge from one vantage (<see cref="Sample.AtUnixMs"/> is when the probe started).</summary>
public sealed record ReplaySample(string Edge, string Vantage, Sample Sample);

/// <summary>An operator's mode change, in force from <paramref name="AtUnixMs"/> (until <paramref name="ExpiresAtUnixMs"/>, if set).</summary>
public sealed record ReplayModeChange(long AtUnixMs, string Edge, EdgeMode Mode, long? ExpiresAtUnixMs = null);

/// <summary>A decision to replay at <paramref name="AtUnixMs"/>, with what was decided then when a journal recorded it.</summary>
public sealed record ReplayTick(long AtUnixMs, DecisionRecord? Recorded = null);

/// <summary>
/// Everything a replay needs from a journal or a trace, in no particular order (the engine sorts). Samples and modes
/// before the first tick still count: they are the history the first decision judges from.
/// </summary>
/// <param name="Edges">The network's edge list (not canaries), in list order.</param>
/// <param name="Start">What DNS served before the first tick, and the substitution times still counted then.</param>
/// <param name="Notes">What the source holds and what it cannot (a snapshot's bounded rings, deleted events).</param>
public sealed record ReplayTimeline(
    IReadOnlyList<string> Edges,
    IReadOnlyList<ReplaySample> Samples,
    IReadOnlyList<ReplayModeChange> Modes,
    IReadOnlyList<ReplayTick> Ticks,
    NetworkState Start,
    IReadOnlyList<string> Notes,
    IReadOnlyDictionary<string, string>? Canaries = null);

/// <summary>The settings a replay decides under: the config's, with <c>--set</c> overrides applied.</summary>
public sealed record ReplaySettings(
    JudgeSettings Judge,
    DecisionPolicy Policy,
    int HistoryLength,
    QuorumSettings Quorum,
    int? CanaryKiller = null,
    long? FromUnixMs = null,
    long? ToUnixMs = null,
    double MaxEdgeListShrink = DecisionGuard.DefaultMaxShrink);
