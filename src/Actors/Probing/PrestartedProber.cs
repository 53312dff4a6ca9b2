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
/// prober (only the CPU it competes with differs, which the bench's error figures show). Each edge's pre-started
/// probe is handed out once; any later probe of the edge (serve, or a second round) goes to the inner prober.
/// </para>
/// <para>
/// The probes are started on a pool thread (<see cref="Start"/>), so the caller goes on to start the host at once
/// (starting 1000 probes is about 0.1–0.3 s of connects). An edge asked for before that loop reached it gets its probe
/// started there and then, and the loop skips it: never two probes of one edge.
/// </para>
/// </summary>
public sealed class PrestartedProber : IProber, IDisposable
{
    private readonly IProber _inner;
    private readonly DateTimeOffset _startBy;
    private readonly ConcurrentDictionary<string, Lazy<Task<ProbeResult>>> _started = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _handedOut = new(StringComparer.Ordinal);
    private readonly HashSet<string> _edges;
    private readonly CancellationTokenSource _stop;

    /// <param name="inner">The round's prober (with its concurrency limit and start rate).</param>
    /// <param name="edges">Every address the round probes, in the order the probes should start.</param>
    /// <param name="startBy">The round budget's start-by time: a probe that cannot start by then is a "not probed in time" failure, as in a round.</param>
    /// <param name="cancellationToken">The run's interruption (SIGTERM, Ctrl-C): probes not yet started are not sent.</param>
    private PrestartedProber(IProber inner, IReadOnlyList<string> edges, DateTimeOffset startBy, CancellationToken cancellationToken)
    {
        _inner = inner;
        _startBy = startBy;
        _edges = new HashSet<string>(edges, StringComparer.Ordinal);
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Started = Task.CompletedTask;
    }

    /// <summary>Starts every edge's probe on a pool thread and returns at once.</summary>
    public static PrestartedProber Start(IProber inner, IReadOnlyList<string> edges, DateTimeOffset startBy, CancellationToken cancellationToken)
    {
        var prober = new PrestartedProber(inner, edges, startBy, cancellationToken);
        prober.Started = Task.Run(() =>
        {
            foreach (var edge in edges)
            {
                if (prober._stop.IsCancellationRequested) return;
                _ = prober.ProbeOf(edge).Value;
            }
        });
        return prober;
    }

    /// <summary>Done once every probe has been started (for the specs).</summary>
    public Task Started { get; private set; }

    private Lazy<Task<ProbeResult>> ProbeOf(string edge) =>
        _started.GetOrAdd(edge, e => new Lazy<Task<ProbeResult>>(() => _inner.ProbeAsync(e, _startBy, _stop.Token)));

    /// <summary>The pre-started probe of <paramref name="edge"/>, the first time it is asked for; null after that or for another edge.</summary>
    private Task<ProbeResult>? TakeOnce(string edge) =>
        _edges.Contains(edge) && !_stop.IsCancellationRequested && _handedOut.TryAdd(edge, true) ? ProbeOf(edge).Value : null;

    public Task<ProbeResult> ProbeAsync(string edge, CancellationToken cancellationToken = default) =>
        TakeOnce(edge) ?? _inner.ProbeAsync(edge, cancellationToken);

    public Task<ProbeResult> ProbeAsync(string edge, DateTimeOffset startBy, CancellationToken cancellationToken = default) =>
        TakeOnce(edge) ?? _inner.ProbeAsync(edge, startBy, cancellationToken);

    /// <summary>Cancels what was never handed out (a run that stopped before its round), so nothing runs on after it.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        foreach (var (edge, probe) in _started)
            if (!_handedOut.ContainsKey(edge) && probe.IsValueCreated)
                probe.Value.ContinueWith(static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
    }
}
