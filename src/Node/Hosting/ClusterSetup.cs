using Akka.Actor;

using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Remote.Hosting;
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
/// decider, reached through a proxy from every node. Split-brain resolution is Akka's default keep-majority
/// (on since 1.5.2; 20 s stable-after): run three or more nodes; with two, a 1-vs-1 split keeps the side with the
/// lowest address, and if that node crashed the survivor downs itself.
/// </summary>
public static class ClusterSetup
{
    public static void Configure(AkkaConfigurationBuilder builder, ClusterSettings cluster, string network, PublishPlan? publish, TimeProvider time)
    {
        builder.WithRemoting(cluster.Host, cluster.Port);
        builder.WithClustering(new ClusterOptions
        {
            Roles = cluster.Roles.ToArray(),
            SeedNodes = cluster.SeedNodes.Select(s => $"akka.tcp://{cluster.SystemName}@{s}").ToArray(),
        });
        if (cluster.SeedNodes.Count == 0)
            builder.AddStartup(async (system, _) =>
            {
                // No seeds: this node starts the cluster (others name it as their seed).
                var c = Akka.Cluster.Cluster.Get(system);
                await c.JoinAsync(c.SelfAddress);
            });

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

    public static string SingletonName(string network) => "network-" + Uri.EscapeDataString(network);

    public static async Task<IActorRef> NetworkProxyAsync(IServiceProvider services, CancellationToken ct)
    {
        var registry = services.GetRequiredService<ActorRegistry>();
        return await registry.GetAsync<NetworkSingleton>(ct);
    }
}
