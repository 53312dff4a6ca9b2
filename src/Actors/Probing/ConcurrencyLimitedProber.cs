using Edgemanage.Contracts.Probing;

namespace Edgemanage.Actors.Probing;

/// <summary>
/// Bounds the probes in flight across a whole round (probe_concurrency) and, optionally, how fast they start
/// (probe_start_rate). Probes are asynchronous, so unlike the original's thread pool (workers) a hanging
/// edge holds a slot, not a thread.
/// </summary>
public sealed class ConcurrencyLimitedProber : IProber, IDisposable
{
    private readonly IProber _inner;
    private readonly SemaphoreSlim _slots;
    private readonly TimeProvider _time;
    private readonly TimeSpan _startInterval;
    private readonly object _gate = new();
    private long _nextStart;   // timestamp (TimeProvider ticks) before which no further probe may start

    public ConcurrencyLimitedProber(IProber inner, int maxInFlight, int startsPerSecond = 0, TimeProvider? time = null)
    {
        _inner = inner;
        _slots = new SemaphoreSlim(maxInFlight, maxInFlight);
        _time = time ?? TimeProvider.System;
        _startInterval = startsPerSecond > 0 ? TimeSpan.FromSeconds(1.0 / startsPerSecond) : TimeSpan.Zero;
    }

    public async Task<ProbeResult> ProbeAsync(string edge, CancellationToken cancellationToken = default)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_startInterval > TimeSpan.Zero) await WaitForStartSlotAsync(cancellationToken).ConfigureAwait(false);
            return await _inner.ProbeAsync(edge, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>Reserves the next start time; the probe's own deadline only begins once it really starts.</summary>
    private Task WaitForStartSlotAsync(CancellationToken ct)
    {
        TimeSpan wait;
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            var start = Math.Max(now, _nextStart);
            _nextStart = start + (long)(_startInterval.TotalSeconds * _time.TimestampFrequency);
            wait = TimeSpan.FromSeconds((start - now) / (double)_time.TimestampFrequency);
        }
        // Timers are coarse (milliseconds): starts due within the same millisecond go out together.
        return wait < TimeSpan.FromMilliseconds(1) ? Task.CompletedTask : Task.Delay(wait, _time, ct);
    }

    public void Dispose() => _slots.Dispose();
}
