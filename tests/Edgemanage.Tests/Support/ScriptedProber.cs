using Edgemanage.Actors.Probing;
using Edgemanage.Contracts.Probing;

namespace Edgemanage.Tests.Support;

/// <summary>
/// A prober whose answers a test scripts per edge, for actor tests that are about history and judgement,
/// not HTTP (the HTTP prober has its own specs against the real loopback fleet).
/// </summary>
public sealed class ScriptedProber(Func<string, int, (ProbeOutcome Outcome, double Seconds)> script, TimeProvider? time = null) : IProber
{
    private readonly Dictionary<string, int> _calls = new();

    public int Calls(string edge)
    {
        lock (_calls) return _calls.GetValueOrDefault(edge);
    }

    public Task<ProbeResult> ProbeAsync(string edge, CancellationToken cancellationToken = default)
    {
        int n;
        lock (_calls) n = _calls[edge] = _calls.GetValueOrDefault(edge) + 1;
        var (outcome, seconds) = script(edge, n);
        var now = (time ?? TimeProvider.System).GetUtcNow();
        return Task.FromResult(new ProbeResult(edge, outcome, seconds, now, 1, outcome == ProbeOutcome.Ok ? 200 : null, 100,
            new ProbePhases(0.001, null, seconds, seconds), outcome == ProbeOutcome.Ok ? null : outcome.Name()));
    }
}
