namespace Edgemanage.Actors.Edges;

/// <summary>
/// How long a cron round may take, derived from its work rather than fixed: every probe is bounded by the probe
/// timeout, at most <c>probe_concurrency</c> run at once, and <c>probe_start_rate</c> spaces their starts. So the
/// last probe of a round can start, at worst, after (waves − 1) timeouts, or after the start rate has let every
/// other probe go first; it then takes at most one timeout. A per-edge allowance covers our own CPU work per edge
/// (actor messages, judging, the persisted event), measured at well under a millisecond an edge on a loaded
/// 2-core machine; <see cref="Margin"/> covers scheduling and persisting.
/// <para>
/// A probe that could not start within <see cref="StartWithin"/> is not waited for: its edge gets a failed sample
/// ("not probed in time"), so every edge has a sample of every round even when the round was overloaded.
/// </para>
/// </summary>
/// <param name="StartWithin">After the round starts, a probe that has not started by then is given up.</param>
/// <param name="Deadline">After the round starts, a group stops waiting for its edges (a safety net: each edge
/// reports before this unless the process is starved).</param>
public sealed record RoundBudget(TimeSpan StartWithin, TimeSpan Deadline)
{
    /// <summary>Scheduling and persisting the round, beyond the probes themselves.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(5);

    /// <summary>Our own work per edge of a round, allowed on top of the probes' worst case.</summary>
    public static readonly TimeSpan CpuPerEdge = TimeSpan.FromMilliseconds(1);

    /// <param name="edges">Everything the round probes (edges and canaries).</param>
    /// <param name="concurrency">probe_concurrency: probes in flight at once.</param>
    /// <param name="startsPerSecond">probe_start_rate; 0 = no limit.</param>
    /// <param name="probeTimeout">probe_timeout: bounds one probe, retries included.</param>
    public static RoundBudget For(int edges, int concurrency, int startsPerSecond, TimeSpan probeTimeout)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(edges);
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(startsPerSecond);
        if (probeTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(probeTimeout), "the probe timeout must be positive");

        // In seconds as doubles: a huge timeout times many waves must not overflow a TimeSpan; the result is capped.
        var timeout = probeTimeout.TotalSeconds;
        var waves = edges == 0 ? 0 : ((long)edges + concurrency - 1) / concurrency;
        var byConcurrency = timeout * Math.Max(0, waves - 1);
        var byStartRate = startsPerSecond > 0 ? Math.Max(0, edges - 1) / (double)startsPerSecond : 0;
        var startWithin = Math.Max(byConcurrency, byStartRate) + CpuPerEdge.TotalSeconds * edges;
        var deadline = startWithin + timeout + Margin.TotalSeconds;
        return new RoundBudget(Capped(startWithin), Capped(deadline));
    }

    /// <summary>No round is waited for longer than this, whatever the settings multiply to.</summary>
    public static readonly TimeSpan Longest = TimeSpan.FromDays(1);

    private static TimeSpan Capped(double seconds) => seconds >= Longest.TotalSeconds ? Longest : TimeSpan.FromSeconds(seconds);
}
