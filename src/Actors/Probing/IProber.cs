using Edgemanage.Contracts.Probing;

namespace Edgemanage.Actors.Probing;

/// <summary>Probes one edge once. Never throws for anything the edge does: every outcome is a value.</summary>
public interface IProber
{
    Task<ProbeResult> ProbeAsync(string edge, CancellationToken cancellationToken = default);
}
