using Akka.Actor;
using Akka.Event;
using static Edgemanage.Contracts.Networks.NetworkCommands;

namespace Edgemanage.Actors.Networks;

/// <summary>
/// A network's decider as a cluster-sharding entity (entity id = shard id = the network's name): its NetworkActor,
/// with the zone writer as the NetworkActor's child, so the two move together. The entity forwards everything to
/// the NetworkActor (senders preserved), and on the shard's hand-off message (<see cref="HandOver"/>, a graceful
/// leave or a rebalance) lets it finish a decision in flight, then stops with it. It says where the network is
/// decided: a log line and <see cref="DecidingHere"/> / <see cref="NoLongerDecidingHere"/> on the event stream, which
/// serve prints, so an operator sees every takeover.
/// </summary>
public sealed class DeciderEntity : ReceiveActor
{
    /// <summary>Published on the local event stream when this node starts deciding <paramref name="Network"/>.</summary>
    public sealed record DecidingHere(string Network);

    /// <summary>Published when this node stops deciding <paramref name="Network"/> (handed over, or its NetworkActor stopped).</summary>
    public sealed record NoLongerDecidingHere(string Network, bool HandedOver);

    private readonly string _network;
    private readonly IActorRef _decider;
    private bool _handingOver;

    public DeciderEntity(string network, Props decider)
    {
        _network = network;
        _decider = Context.ActorOf(decider, "network");
        Context.Watch(_decider);
        Context.GetLogger().Info("deciding {0} on this node", network);
        Context.System.EventStream.Publish(new DecidingHere(network));

        Receive<HandOver>(m =>
        {
            _handingOver = true;
            _decider.Forward(m);
        });
        // The NetworkActor stopped (handed over, or failed for good): the entity goes with it; the next wake-up
        // message of any node starts the network's decider again where the coordinator places it.
        Receive<Terminated>(t => t.ActorRef.Equals(_decider), _ => Context.Stop(Self));
        ReceiveAny(m => _decider.Forward(m));
    }

    protected override void PostStop()
    {
        Context.GetLogger().Info(_handingOver ? "handed {0} over: no longer deciding it on this node" : "no longer deciding {0} on this node", _network);
        Context.System.EventStream.Publish(new NoLongerDecidingHere(_network, _handingOver));
    }

    public static Props Props(string network, Props decider) => Akka.Actor.Props.Create(() => new DeciderEntity(network, decider));

    /// <summary>
    /// The entity of a network this node has no configuration for (every node of a cluster has the same networks, so
    /// only a misconfiguration gets here): it decides nothing, says so loudly once, and answers every message with
    /// a failure naming the network instead of crashing the shard.
    /// </summary>
    public static Props Unknown(string network, IReadOnlyCollection<string> known) =>
        Akka.Actor.Props.Create(() => new UnknownNetwork(network, known));

    private sealed class UnknownNetwork : ReceiveActor
    {
        public UnknownNetwork(string network, IReadOnlyCollection<string> known)
        {
            var problem = $"cannot decide network '{network}' on this node: its configuration has no such network " +
                          $"(it has {string.Join(", ", known.Order(StringComparer.Ordinal))}); every node of a cluster must serve the same networks";
            Context.GetLogger().Error(problem);
            Receive<HandOver>(_ => Context.Stop(Self));
            ReceiveAny(_ =>
            {
                if (!Sender.IsNobody()) Sender.Tell(new Status.Failure(new InvalidOperationException(problem)));
            });
        }
    }
}
