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
            if (_startInterval > TimeSpan.Zero) await WaitForStartSlotAsync(null, cancellationToken).ConfigureAwait(false);
            return await _inner.ProbeAsync(edge, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>
    /// As <see cref="ProbeAsync(string, CancellationToken)"/>, but a probe that would start after
    /// <paramref name="startBy"/> (no slot free by then, or the start rate's turn comes later) is not sent:
    /// <see cref="ProbeNotStartedException"/>. It releases its place at once, so the probes behind it are not delayed.
    /// </summary>
    public async Task<ProbeResult> ProbeAsync(string edge, DateTimeOffset startBy, CancellationToken cancellationToken = default)
    {
        if (!await WaitForSlotAsync(startBy, cancellationToken).ConfigureAwait(false))
            throw new ProbeNotStartedException(edge, startBy);
        try
        {
            if (_startInterval > TimeSpan.Zero && !await WaitForStartSlotAsync(startBy, cancellationToken).ConfigureAwait(false))
                throw new ProbeNotStartedException(edge, startBy);
            return await _inner.ProbeAsync(edge, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>A slot, waited for until <paramref name="startBy"/> on this prober's clock (not the wall clock, for the specs' fake time).</summary>
    private async Task<bool> WaitForSlotAsync(DateTimeOffset startBy, CancellationToken ct)
    {
        if (_slots.Wait(0)) return true;
        var wait = startBy - _time.GetUtcNow();
        if (wait <= TimeSpan.Zero) return false;
        using var giveUp = new CancellationTokenSource(wait, _time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(giveUp.Token, ct);
        try
        {
            await _slots.WaitAsync(either.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// Reserves the next start time; the probe's own deadline only begins once it really starts. False (nothing
    /// reserved) when that time would be after <paramref name="startBy"/>.
    /// </summary>
    private async Task<bool> WaitForStartSlotAsync(DateTimeOffset? startBy, CancellationToken ct)
    {
        TimeSpan wait;
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            var start = Math.Max(now, _nextStart);
            wait = TimeSpan.FromSeconds((start - now) / (double)_time.TimestampFrequency);
            if (startBy is { } by && _time.GetUtcNow() + wait > by) return false;
            _nextStart = start + (long)(_startInterval.TotalSeconds * _time.TimestampFrequency);
        }
        // Timers are coarse (milliseconds): starts due within the same millisecond go out together.
        if (wait >= TimeSpan.FromMilliseconds(1)) await Task.Delay(wait, _time, ct).ConfigureAwait(false);
        return true;
    }

    public void Dispose() => _slots.Dispose();
}
