using Edgemanage.Contracts.Probing;

namespace Edgemanage.Actors.Probing;

/// <summary>
/// The prober of commands that only read or change the journal (query, why, edge mode): a node needs one to start
/// its edges, but these commands never probe, so a call is a bug and fails loudly.
/// </summary>
public sealed class NoProber : IProber
{
    public static readonly NoProber Instance = new();

    private NoProber() { }

    public Task<ProbeResult> ProbeAsync(string edge, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException($"this command never probes (asked to probe {edge})");
}
