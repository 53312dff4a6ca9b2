using Akka.Actor;
using Akka.Cluster.Sharding;
using Edgemanage.Actors.Networks;
using Edgemanage.Node.Hosting;
using Xunit;
using static Edgemanage.Contracts.Networks.NetworkCommands;
using static Edgemanage.Contracts.Networks.NetworkReplies;

namespace Edgemanage.Tests.Cluster;

/// <summary>
/// The sharded decider's pieces on one node: the entity around a NetworkActor (a probe stands in for it), the
/// entity of a network this node does not know, the forwarder and the extractor.
/// </summary>
public sealed class DeciderEntitySpecs : Akka.TestKit.Xunit2.TestKit
{
    /// <summary>Stands in for the NetworkActor: forwards what it gets to a probe, and stops on HandOver once told to finish.</summary>
    private sealed class FakeDecider : ReceiveActor
    {
        public FakeDecider(IActorRef probe)
        {
            Receive<HandOver>(m =>
            {
                probe.Tell(m, Self); // so the spec can tell it when its decision in flight is done
                Become(() => Receive<string>(s => s == "finished", _ => Context.Stop(Self)));
            });
            ReceiveAny(m => probe.Forward(m));
        }
    }

    [Fact]
    public void The_entity_forwards_with_the_sender_says_where_it_decides_and_stops_only_after_its_decider_has_handed_over()
    {
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events.Ref, typeof(DeciderEntity.DecidingHere));
        Sys.EventStream.Subscribe(events.Ref, typeof(DeciderEntity.NoLongerDecidingHere));
        var decider = CreateTestProbe();
        var entity = Sys.ActorOf(DeciderEntity.Props("alpha", Props.Create(() => new FakeDecider(decider.Ref))));
        Assert.Equal(new DeciderEntity.DecidingHere("alpha"), events.ExpectMsg<DeciderEntity.DecidingHere>());

        var asker = CreateTestProbe();
        entity.Tell(new GetNetworkStatus("alpha"), asker.Ref);
        decider.ExpectMsg<GetNetworkStatus>();
        Assert.Equal(asker.Ref, decider.LastSender);

        Watch(entity);
        entity.Tell(HandOver.Instance);
        decider.ExpectMsg<HandOver>();
        // The decision in flight has not finished: the entity waits for its decider.
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        decider.LastSender.Tell("finished");
        ExpectTerminated(entity);
        Assert.True(events.ExpectMsg<DeciderEntity.NoLongerDecidingHere>().HandedOver);
    }

    [Fact]
    public void A_network_this_node_does_not_know_is_refused_with_its_name_and_the_entity_keeps_running()
    {
        var entity = Sys.ActorOf(DeciderEntity.Unknown("zulu", ["alpha", "bravo"]));
        entity.Tell(new GetNetworkStatus("zulu"));
        var failure = ExpectMsg<Status.Failure>();
        Assert.Contains("cannot decide network 'zulu' on this node", failure.Cause.Message);
        Assert.Contains("alpha, bravo", failure.Cause.Message);
        entity.Tell(new GetNetworkStatus("zulu"));
        ExpectMsg<Status.Failure>();
        Watch(entity);
        entity.Tell(HandOver.Instance);
        ExpectTerminated(entity);
    }

    [Fact]
    public void The_forwarder_wraps_each_message_for_its_network_keeps_the_sender_and_wakes_the_decider()
    {
        var region = CreateTestProbe();
        var forwarder = Sys.ActorOf(DeciderForwarder.Props("bravo", region.Ref));
        // At once, then every second: the network's decider is started even before any observation.
        Assert.Equal("bravo", region.ExpectMsg<ShardRegion.StartEntity>().EntityId);
        var asker = CreateTestProbe();
        forwarder.Tell(new StopDeciding("bravo"), asker.Ref);
        var envelope = region.FishForMessage<ShardingEnvelope>(_ => true);
        Assert.Equal("bravo", envelope.EntityId);
        Assert.Equal(new StopDeciding("bravo"), envelope.Message);
        Assert.Equal(asker.Ref, region.LastSender);
        region.FishForMessage(m => m is ShardRegion.StartEntity, TimeSpan.FromSeconds(3));
    }

    [Fact]
    public void Each_network_is_its_own_shard()
    {
        var extractor = new NetworkDeciderExtractor();
        var envelope = new ShardingEnvelope("charlie", new GetNetworkStatus("charlie"));
        Assert.Equal("charlie", extractor.EntityId(envelope));
        Assert.Equal("charlie", extractor.ShardId(envelope));
        Assert.Equal(new GetNetworkStatus("charlie"), extractor.EntityMessage(envelope));
        Assert.Equal("alpha", extractor.ShardId(new ShardRegion.StartEntity("alpha")));
        Assert.Equal("alpha", extractor.ShardId("alpha"));
        Assert.Null(extractor.EntityId("not for a network"));
    }
}
