using Edgemanage.Actors.Probing;
using Edgemanage.Contracts.Probing;
using Xunit;

namespace Edgemanage.Tests.Probing;

/// <summary>A cron round's probes started before its actors: each handed out once, the rest probed as usual.</summary>
public sealed class PrestartedProberSpecs
{
    /// <summary>Counts the probes of each edge and answers at once, or holds them until released.</summary>
    private sealed class CountingProber : IProber
    {
        public readonly Dictionary<string, int> Probes = new(StringComparer.Ordinal);
        public readonly TaskCompletionSource Release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public CancellationToken LastToken;

        public async Task<ProbeResult> ProbeAsync(string edge, CancellationToken cancellationToken = default)
        {
            lock (Probes) Probes[edge] = Probes.GetValueOrDefault(edge) + 1;
            LastToken = cancellationToken;
            await Release.Task.WaitAsync(cancellationToken);
            return new ProbeResult(edge, ProbeOutcome.Ok, 0.02, DateTimeOffset.UnixEpoch, 1, 200, 1, new ProbePhases(null, null, null, null), null);
        }
    }

    [Fact]
    public async Task Starts_every_probe_at_once_and_hands_each_out_once()
    {
        var inner = new CountingProber();
        using var prober = PrestartedProber.Start(inner, ["a", "b"], DateTimeOffset.MaxValue, CancellationToken.None);
        await prober.Started;
        Assert.Equal(1, inner.Probes["a"]);
        Assert.Equal(1, inner.Probes["b"]);

        var a = prober.ProbeAsync("a", DateTimeOffset.MaxValue);
        Assert.Equal(1, inner.Probes["a"]); // the probe already under way, not a second one
        inner.Release.SetResult();
        Assert.Equal("a", (await a).Edge);

        await prober.ProbeAsync("a");
        Assert.Equal(2, inner.Probes["a"]); // a later probe of the same edge is a new one
        await prober.ProbeAsync("c");
        Assert.Equal(1, inner.Probes["c"]); // an edge not pre-started is probed when asked
    }

    [Fact]
    public async Task An_edge_asked_for_before_its_turn_is_probed_once()
    {
        var inner = new CountingProber();
        inner.Release.SetResult();
        var edges = Enumerable.Range(0, 500).Select(i => $"e{i}").ToArray();
        using var prober = PrestartedProber.Start(inner, edges, DateTimeOffset.MaxValue, CancellationToken.None);
        // Asked for while the pool thread may still be starting the others (the last ones most likely not yet).
        var asked = await Task.WhenAll(edges.Reverse().Select(e => prober.ProbeAsync(e, DateTimeOffset.MaxValue)));
        await prober.Started;
        Assert.Equal(500, asked.Length);
        Assert.All(edges, e => Assert.Equal(1, inner.Probes[e]));
    }

    [Fact]
    public async Task Disposing_cancels_the_probes_never_handed_out()
    {
        var inner = new CountingProber();
        var prober = PrestartedProber.Start(inner, ["a"], DateTimeOffset.MaxValue, CancellationToken.None);
        await prober.Started;
        var token = inner.LastToken;
        prober.Dispose();
        Assert.True(token.IsCancellationRequested);
        await Task.Yield();
    }

    [Fact]
    public async Task The_runs_interruption_cancels_them_too()
    {
        using var interrupted = new CancellationTokenSource();
        var inner = new CountingProber();
        using var prober = PrestartedProber.Start(inner, ["a"], DateTimeOffset.MaxValue, interrupted.Token);
        await prober.Started;
        interrupted.Cancel();
        Assert.True(inner.LastToken.IsCancellationRequested);
    }
}
