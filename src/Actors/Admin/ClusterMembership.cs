using Akka.Actor;
using Akka.Cluster;
using static Edgemanage.Contracts.Admin.AdminReplies;

namespace Edgemanage.Actors.Admin;

/// <summary>ctl's cluster palette over Akka.Cluster: show, leave, down, down-unreachable.</summary>
public static class ClusterMembership
{
    public static ClusterStatus Status(ActorSystem? clustered, string adminAddress, IReadOnlyList<string> networks)
    {
        if (clustered is null)
            return new ClusterStatus(adminAddress, adminAddress, Clustered: false,
                [new ClusterMember(adminAddress, "Up", [], Reachable: true, Leader: true, Self: true)], networks,
                networks.Select(n => new NetworkDecider(n, adminAddress)).ToArray());
        var cluster = Cluster.Get(clustered);
        var state = cluster.State;
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        var members = state.Members
            .Concat(state.Unreachable.Where(u => !state.Members.Contains(u)))
            .OrderBy(m => m.Address.ToString(), StringComparer.Ordinal)
            .Select(m => new ClusterMember(m.Address.ToString(), m.Status.ToString(), m.Roles.Order(StringComparer.Ordinal).ToArray(),
                !unreachable.Contains(m.Address), Equals(state.Leader, m.Address), m.Address == cluster.SelfAddress))
            .ToArray();
        return new ClusterStatus(cluster.SelfAddress.ToString(), adminAddress, Clustered: true, members, networks,
            networks.Select(n => new NetworkDecider(n, Decider(clustered, n)?.ToString())).ToArray());
    }

    /// <summary>
    /// The member deciding <paramref name="network"/>: where cluster sharding placed the network's decider (its shard),
    /// as this node's placement poller last learnt it (<see cref="DeciderPlacement"/>, at most a second or two old).
    /// Null when not clustered, or when no member hosts the network yet (the cluster is forming, or a crashed
    /// decider's networks wait for the split-brain resolver).
    /// </summary>
    public static Address? Decider(ActorSystem system, string network) =>
        system is ExtendedActorSystem { Provider: ClusterActorRefProvider } ? DeciderPlacement.Get(system).Of(network) : null;

    public static object Leave(ActorSystem? clustered, string address)
    {
        if (Resolve(clustered, address, out var cluster, out var target) is { } error) return error;
        cluster!.Leave(target!);
        return new AdminAck($"asked {target} to leave the cluster");
    }

    public static object Down(ActorSystem? clustered, string address)
    {
        if (Resolve(clustered, address, out var cluster, out var target) is { } error) return error;
        cluster!.Down(target!);
        return new AdminAck($"marked {target} as down");
    }

    public static object DownUnreachable(ActorSystem? clustered)
    {
        if (clustered is null) return NotClustered;
        var cluster = Cluster.Get(clustered);
        var unreachable = cluster.State.Unreachable.Select(m => m.Address).OrderBy(a => a.ToString(), StringComparer.Ordinal).ToArray();
        foreach (var a in unreachable) cluster.Down(a);
        return new AdminAck(unreachable.Length == 0 ? "no member is unreachable; nothing was downed"
            : $"marked {unreachable.Length} unreachable member(s) as down: {string.Join(", ", unreachable.Select(a => a.ToString()))}");
    }

    private static readonly AdminError NotClustered =
        new(AdminErrorKind.Invalid, "this node is not part of a cluster (serve without --cluster); there is no membership to change");

    /// <summary>
    /// Accepts a full address (akka.tcp://system@host:port) or host:port of this cluster's system; the target must be a
    /// current member, so a typo never downs anything.
    /// </summary>
    private static AdminError? Resolve(ActorSystem? clustered, string text, out Cluster? cluster, out Address? target)
    {
        cluster = null;
        target = null;
        if (clustered is null) return NotClustered;
        cluster = Cluster.Get(clustered);
        var full = text.Contains("://", StringComparison.Ordinal) ? text : $"{cluster.SelfAddress.Protocol}://{cluster.SelfAddress.System}@{text}";
        try
        {
            target = Address.Parse(full);
        }
        catch (Exception e) when (e is UriFormatException or ArgumentException or FormatException)
        {
            return new AdminError(AdminErrorKind.Invalid, $"'{text}' is not a member address (akka.tcp://system@host:port or host:port): {e.Message}");
        }
        var wanted = target;
        var state = cluster.State;
        if (!state.Members.Any(m => m.Address == wanted) && !state.Unreachable.Any(m => m.Address == wanted))
            return new AdminError(AdminErrorKind.NotFound, $"{wanted} is not a member of this cluster (see 'ctl cluster show')");
        return null;
    }
}
