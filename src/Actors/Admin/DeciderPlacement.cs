using System.Collections.Immutable;
using Akka.Actor;

namespace Edgemanage.Actors.Admin;

/// <summary>
/// Which cluster member decides each network, as cluster sharding last said (the shard of each network and the
/// member whose region hosts it). Kept per ActorSystem; a node's placement poller refreshes it every second or so,
/// and ctl (cluster show, net list) and /metrics read it without asking anything. Empty on a node of its own.
/// </summary>
public sealed class DeciderPlacement : IExtension
{
    private ImmutableDictionary<string, Address> _deciders = ImmutableDictionary<string, Address>.Empty.WithComparers(StringComparer.Ordinal);

    public static DeciderPlacement Get(ActorSystem system) => system.WithExtension<DeciderPlacement, DeciderPlacementProvider>();

    /// <summary>The member deciding <paramref name="network"/>, or null when no member hosts it (yet).</summary>
    public Address? Of(string network) => Volatile.Read(ref _deciders).GetValueOrDefault(network);

    public IReadOnlyDictionary<string, Address> All => Volatile.Read(ref _deciders);

    public void Update(IReadOnlyDictionary<string, Address> deciders) =>
        Volatile.Write(ref _deciders, deciders.ToImmutableDictionary(StringComparer.Ordinal));
}

public sealed class DeciderPlacementProvider : ExtensionIdProvider<DeciderPlacement>
{
    public override DeciderPlacement CreateExtension(ExtendedActorSystem system) => new();
}
