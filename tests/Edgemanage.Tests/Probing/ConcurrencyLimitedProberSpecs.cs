using Edgemanage.Actors.Probing;
using Edgemanage.Contracts.Probing;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Edgemanage.Tests.Probing;

/// <summary>probe_concurrency and probe_start_rate, on a fake clock so nothing here waits for real time.</summary>
public sealed class ConcurrencyLimitedProberSpecs
{
    /// <summary>Records when each probe really started and finishes it only when the test says so.</summary>
    private sealed class GatedProber(TimeProvider time) : IProber
    {
        public readonly List<(string Edge, DateTimeOffset At)> Started = [];
        public readonly TaskCompletionSource Release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _inFlight;
        public int MaxInFlight;

        public async Task<ProbeResult> ProbeAsync(string edge, CancellationToken cancellationToken = default)
        {
            lock (Started)
            {
                Started.Add((edge, time.GetUtcNow()));
                MaxInFlight = Math.Max(MaxInFlight, ++_inFlight);
            }
            await Release.Task;
            lock (Started) _inFlight--;
            return new ProbeResult(edge, ProbeOutcome.Ok, 0.01, time.GetUtcNow(), 1, 200, 1, new ProbePhases(null, null, null, null), null);
        }

        public int Count
        {
            get { lock (Started) return Started.Count; }
        }
    }

    [Fact]
    public async Task Never_runs_more_probes_at_once_than_allowed()
    {
        var time = new FakeTimeProvider();
        var inner = new GatedProber(time);
        using var limited = new ConcurrencyLimitedProber(inner, maxInFlight: 3, time: time);
        var probes = Enumerable.Range(0, 10).Select(i => limited.ProbeAsync($"e{i}")).ToArray();
        Assert.Equal(3, inner.Count);
        inner.Release.SetResult();
        await Task.WhenAll(probes);
        Assert.Equal(10, inner.Count);
        Assert.Equal(3, inner.MaxInFlight);
    }

    [Fact]
    public async Task Spreads_starts_at_the_configured_rate()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var inner = new GatedProber(time);
        inner.Release.SetResult();
        using var limited = new ConcurrencyLimitedProber(inner, maxInFlight: 100, startsPerSecond: 100, time: time);
        var probes = Enumerable.Range(0, 5).Select(i => limited.ProbeAsync($"e{i}")).ToArray();

        Assert.Equal(1, inner.Count); // the first starts at once, the others wait for their slot
        for (var expected = 2; expected <= 5; expected++)
        {
            time.Advance(TimeSpan.FromMilliseconds(10));
            await Eventually(() => inner.Count == expected);
        }
        await Task.WhenAll(probes);
        var starts = inner.Started.Select(s => (s.At - DateTimeOffset.UnixEpoch).TotalMilliseconds).ToArray();
        Assert.Equal([0, 10, 20, 30, 40], starts);
    }

    [Fact]
    public async Task A_probe_that_finds_no_slot_by_its_start_by_time_is_not_sent_and_leaves_its_place()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var inner = new GatedProber(time);
        using var limited = new ConcurrencyLimitedProber(inner, maxInFlight: 2, time: time);
        var startBy = time.GetUtcNow() + TimeSpan.FromSeconds(1);
        var probes = Enumerable.Range(0, 5).Select(i => limited.ProbeAsync($"e{i}", startBy)).ToArray();
        Assert.Equal(2, inner.Count);
        Assert.All(probes.Skip(2), p => Assert.False(p.IsCompleted));

        time.Advance(TimeSpan.FromSeconds(1));
        foreach (var queued in probes.Skip(2))
        {
            var e = await Assert.ThrowsAsync<ProbeNotStartedException>(() => queued);
            Assert.Equal(ProbeNotStartedException.Detail, "not probed in time");
            Assert.StartsWith("e", e.Edge);
        }
        Assert.Equal(2, inner.Count); // never sent

        // The slots they waited for are intact: the running probes finish, and a new probe with time left starts.
        inner.Release.SetResult();
        await Task.WhenAll(probes.Take(2));
        var later = await limited.ProbeAsync("e9", time.GetUtcNow() + TimeSpan.FromSeconds(1));
        Assert.Equal(ProbeOutcome.Ok, later.Outcome);
        Assert.Equal(3, inner.Count);
    }

    [Fact]
    public async Task A_start_rate_turn_after_the_start_by_time_is_not_taken()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var inner = new GatedProber(time);
        inner.Release.SetResult();
        using var limited = new ConcurrencyLimitedProber(inner, maxInFlight: 100, startsPerSecond: 10, time: time);
        var startBy = time.GetUtcNow() + TimeSpan.FromMilliseconds(250);
        // Turns at 0, 100 and 200 ms fit; the fourth (300 ms) and fifth would start too late.
        var probes = Enumerable.Range(0, 5).Select(i => limited.ProbeAsync($"e{i}", startBy)).ToArray();
        await Assert.ThrowsAsync<ProbeNotStartedException>(() => probes[3]);
        await Assert.ThrowsAsync<ProbeNotStartedException>(() => probes[4]);
        for (var expected = 2; expected <= 3; expected++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            await Eventually(() => inner.Count == expected);
        }
        await Task.WhenAll(probes.Take(3));
        Assert.Equal(3, inner.Count);
    }

    /// <summary>The delayed starts resume on the thread pool after the fake clock fires their timers.</summary>
    private static async Task Eventually(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++) await Task.Yield();
        await Support.Eventually.True(condition, TimeSpan.FromSeconds(10));
    }
}
