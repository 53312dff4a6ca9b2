using System.Collections.Concurrent;
using Edgemanage.Contracts.Probing;

namespace Edgemanage.Actors.Probing;

/// <summary>
/// A cron round's probes, started before the actors that record them exist. <c>run</c> starts every edge's probe as
/// soon as the lock, the journal gate and the run_before hooks are done, while the ActorSystem starts and the history
/// groups recover; each EdgeActor then takes its edge's probe here instead of starting one, so the round no longer
/// waits for host start-up and recovery before its first probe (issue 14, docs/benchmarks.md).
/// <para>
/// What is measured does not change: a probe's time is still its own attempt start to headers, taken by the inner
/// prober (only the CPU it competes with differs, which the bench's error figures show). Each pre-started probe is
/// handed out once; any later probe of the edge (serve, or a second round) goes to the inner prober.
/// </para>
/// </summary>
public sealed class PrestartedProber : IProber, IDisposable
{
    private readonly IProber _inner;
    private readonly ConcurrentDictionary<string, Task<ProbeResult>> _started = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop;

    /// <param name="inner">The round's prober (with its concurrency limit and start rate).</param>
    /// <param name="edges">Every address the round probes, in the order the probes should start.</param>
    /// <param name="startBy">The round budget's start-by time: a probe that cannot start by then is a "not probed in time" failure, as in a round.</param>
    /// <param name="cancellationToken">The run's interruption (SIGTERM, Ctrl-C): probes not yet started are not sent.</param>
    public PrestartedProber(IProber inner, IEnumerable<string> edges, DateTimeOffset startBy, CancellationToken cancellationToken)
    {
        _inner = inner;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        foreach (var edge in edges)
            _started.TryAdd(edge, inner.ProbeAsync(edge, startBy, _stop.Token));
    }

    /// <summary>Probes not handed out yet (for the specs).</summary>
    public int Waiting => _started.Count;

    public Task<ProbeResult> ProbeAsync(string edge, CancellationToken cancellationToken = default) =>
        _started.TryRemove(edge, out var probe) ? probe : _inner.ProbeAsync(edge, cancellationToken);

    public Task<ProbeResult> ProbeAsync(string edge, DateTimeOffset startBy, CancellationToken cancellationToken = default) =>
        _started.TryRemove(edge, out var probe) ? probe : _inner.ProbeAsync(edge, startBy, cancellationToken);

    /// <summary>Cancels what was never handed out (a run that stopped before its round), so nothing runs on after it.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        foreach (var probe in _started.Values)
            probe.ContinueWith(static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
        _stop.Dispose();
    }
}
