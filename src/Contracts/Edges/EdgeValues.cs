using Edgemanage.Contracts.Probing;

namespace Edgemanage.Contracts.Edges;

/// <summary>The judgement of one edge (original-edgemanage.md §4.2). Stored as a byte: append only.</summary>
public enum EdgeHealth : byte
{
    PassThreshold = 0,
    PassWindow = 1,
    PassAverage = 2,
    Pass = 3,
    Fail = 4,
    /// <summary>No sample yet: nothing to judge.</summary>
    Untested = 5,
}

/// <summary>The operator's mode for an edge (edge_conf). Stored as a byte: append only.</summary>
public enum EdgeMode : byte
{
    Available = 0,
    Force = 1,
    BlindForce = 2,
    Unavailable = 3,
}

public static class EdgeValueNames
{
    /// <summary>The original's spelling, used in query output and config.</summary>
    public static string Name(this EdgeHealth h) => h switch
    {
        EdgeHealth.PassThreshold => "pass_threshold",
        EdgeHealth.PassWindow => "pass_window",
        EdgeHealth.PassAverage => "pass_average",
        EdgeHealth.Pass => "pass",
        EdgeHealth.Fail => "fail",
        _ => "untested",
    };

    public static string Name(this EdgeMode m) => m switch
    {
        EdgeMode.Force => "force",
        EdgeMode.BlindForce => "blindforce",
        EdgeMode.Unavailable => "unavailable",
        _ => "available",
    };

    public static bool TryParseHealth(string s, out EdgeHealth health)
    {
        foreach (var h in Enum.GetValues<EdgeHealth>())
            if (string.Equals(h.Name(), s, StringComparison.OrdinalIgnoreCase)) { health = h; return true; }
        health = default;
        return false;
    }

    public static bool TryParseMode(string s, out EdgeMode mode)
    {
        foreach (var m in Enum.GetValues<EdgeMode>())
            if (string.Equals(m.Name(), s, StringComparison.OrdinalIgnoreCase)) { mode = m; return true; }
        mode = default;
        return false;
    }
}

/// <summary>
/// One stored probe sample. 15 bytes on disk. <see cref="Seconds"/> is what the averages use (the timeout
/// value for a failure, as the original stores FETCH_TIMEOUT).
/// </summary>
public readonly record struct Sample(long AtUnixMs, float Seconds, ProbeOutcome Outcome, short HttpStatus)
{
    public bool IsOk => Outcome == ProbeOutcome.Ok;

    public static Sample From(ProbeResult r) =>
        new(r.StartedAt.ToUnixTimeMilliseconds(), (float)r.Seconds, r.Outcome, (short)(r.HttpStatus ?? 0));
}

/// <summary>One edge's sample, as carried in a round event.</summary>
public readonly record struct EdgeSample(string Edge, Sample Sample);

/// <summary>The judgement of an edge from one vantage, with the figures it was made from.</summary>
public sealed record EdgeVerdict(
    EdgeHealth Health,
    Sample? Last,
    double? Average,
    double? WindowAverage,
    int SampleCount);

/// <summary>What an edge reports about itself: identity, mode and verdict.</summary>
/// <param name="Mode">The mode in force now (an expired mode reports as available).</param>
/// <param name="ModeExpiresAtUnixMs">When <see cref="Mode"/> reverts to available, if it was set with an expiry.</param>
public sealed record EdgeReport(
    string Network,
    string Edge,
    string Vantage,
    EdgeMode Mode,
    string Comment,
    long ModeChangedAtUnixMs,
    EdgeVerdict Verdict,
    string? LastDetail,
    long? ModeExpiresAtUnixMs = null) : IEdgemanageMessage;
