using Akka.Actor;

using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Edgemanage.Actors.Membership;
using Edgemanage.Actors.Networks;
using Edgemanage.Actors.Zones;
using Edgemanage.Contracts.Config;
using static Edgemanage.Contracts.Networks.NetworkCommands;
using Microsoft.Extensions.DependencyInjection;

namespace Edgemanage.Node.Hosting;

/// <summary>The registry key of a network's NetworkActor singleton (its proxy on every node).</summary>
public sealed class NetworkSingleton;

/// <summary>
/// The vantage cluster (akka-style.md §2b, §2d): remoting on the configured address, Akka.Cluster with the node's
/// roles, and the network's NetworkActor — with its zone writer as a child — as a cluster singleton on the oldest
/// decider, reached through a proxy from every node.
/// <para>
/// Membership (<see cref="ConfigureMembership"/>): every node is given every seed. Akka is not handed the seeds at
/// start: <see cref="ClusterJoinActor"/> first asks them for their cluster identity (system name and networks), refuses
/// to join another cluster, and only then joins through Akka's seed-node process, in which only the first seed may
/// start a cluster, and only when no other seed answers: a restarted node rejoins the running cluster.
/// Failure detection and the split-brain resolver (keep-majority) are tuned in hocon/edgemanage.conf for a crash
/// failover well under 20 s (docs/architecture.md, "The cluster").
/// </para>
/// </summary>
public static class ClusterSetup
{
    public static void Configure(AkkaConfigurationBuilder builder, ClusterSettings cluster, string network, PublishPlan? publish, TimeProvider time)
    {
        ConfigureMembership(builder, cluster, [network]);

        var name = SingletonName(network);
        var options = new ClusterSingletonOptions { Role = ClusterSettings.DeciderRole, TerminationMessage = HandOver.Instance };
        if (cluster.Has(ClusterSettings.DeciderRole) && publish is not null)
        {
            builder.WithSingleton<NetworkSingleton>(name,
                NetworkActor.Props(publish.Network, ActorRefs.Nobody, publish.Zones, publish.Resolver ?? new HostResolver(), time, publish.Serve),
                options, createProxyToo: true);
        }
        else
        {
            builder.WithSingletonProxy<NetworkSingleton>(name, options);
        }
    }

    /// <summary>
    /// Remoting, the cluster with this node's roles, and the identity-checked join (no singleton): what every node of
    /// one cluster shares. The specs start bare nodes with it.
    /// </summary>
    public static void ConfigureMembership(AkkaConfigurationBuilder builder, ClusterSettings cluster, IReadOnlyList<string> networks)
    {
        builder.WithRemoting(cluster.Host, cluster.Port);
        // No SeedNodes here: Akka would join at once; ClusterJoinActor hands them over once the identity is checked.
        builder.WithClustering(new ClusterOptions { Roles = cluster.Roles.ToArray() });
        var identity = ClusterIdentity.Of(cluster.SystemName, networks);
        var self = $"{cluster.Host}:{cluster.Port}";
        builder.WithActors((system, _) => system.ActorOf(ClusterJoinActor.Props(identity, self, cluster.SeedNodes.ToArray()), ClusterJoinActor.Name));
        // Every member replicates the deciders' published states (takeovers start from them), deciders or not.
        builder.WithActors((system, _) => PublishedStateReplica.StartReplicator(system));
    }

    /// <summary>Why this cluster configuration cannot run (no seeds), or null.</summary>
    public static string? Problem(ClusterSettings cluster) => ClusterIdentity.SeedProblem(cluster.SeedNodes, $"{cluster.Host}:{cluster.Port}");

    /// <summary>The refusal that stopped this node's ActorSystem, when its join was refused; null otherwise.</summary>
    public static string? JoinRefusal(ActorSystem system) =>
        (CoordinatedShutdown.Get(system).ShutdownReason as JoinRefusedReason)?.Message;

    public static string SingletonName(string network) => "network-" + Uri.EscapeDataString(network);

    public static async Task<IActorRef> NetworkProxyAsync(IServiceProvider services, CancellationToken ct)
    {
        var registry = services.GetRequiredService<ActorRegistry>();
        return await registry.GetAsync<NetworkSingleton>(ct);
    }
}
