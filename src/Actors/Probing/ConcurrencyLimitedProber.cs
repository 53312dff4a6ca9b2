using Edgemanage.Contracts.Probing;

namespace Edgemanage.Actors.Probing;

/// <summary>
/// Bounds the probes in flight across a whole round (probe_concurrency). Probes are asynchronous, so unlike
/// the original's thread pool (workers) a hanging edge holds a slot, not a thread.
/// </summary>
public sealed class ConcurrencyLimitedProber(IProber inner, int maxInFlight) : IProber, IDisposable
{
    private readonly SemaphoreSlim _slots = new(maxInFlight, maxInFlight);

    public async Task<ProbeResult> ProbeAsync(string edge, CancellationToken cancellationToken = default)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await inner.ProbeAsync(edge, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }
    }

    public void Dispose() => _slots.Dispose();
}
