using Edgemanage.Contracts.Probing;

namespace Edgemanage.Actors.Probing;

/// <summary>Probes one edge once. Never throws for anything the edge does: every outcome is a value.</summary>
public interface IProber
{
    Task<ProbeResult> ProbeAsync(string edge, CancellationToken cancellationToken = default);

    /// <summary>
    /// Probes unless the probe cannot start by <paramref name="startBy"/> (a cron round's budget): a prober that
    /// queues probes then throws <see cref="ProbeNotStartedException"/>, and the edge records a failed sample
    /// instead of none. A prober that never queues just probes.
    /// </summary>
    Task<ProbeResult> ProbeAsync(string edge, DateTimeOffset startBy, CancellationToken cancellationToken = default) =>
        ProbeAsync(edge, cancellationToken);
}

/// <summary>
/// The probe of <paramref name="Edge"/> waited for a free slot past the round's start-by time, so it was never sent.
/// This is our overload, not the edge's doing: the only exception a prober throws on purpose.
/// </summary>
public sealed class ProbeNotStartedException(string edge, DateTimeOffset startBy)
    : TimeoutException($"the probe of {edge} could not start by {startBy:HH:mm:ss.fff}: every probe slot was busy")
{
    /// <summary>The detail recorded with the edge's failed sample (and counted in the round's summary).</summary>
    public const string Detail = "not probed in time";

    public string Edge { get; } = edge;
    public DateTimeOffset StartBy { get; } = startBy;
}
