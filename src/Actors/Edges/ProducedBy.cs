using Akka.Actor;

namespace Edgemanage.Actors.Edges;

/// <summary>
/// Props whose actor is made by a plain constructor call. <c>Props.Create(typeof(T), args)</c> finds and invokes the
/// constructor by reflection for every instance, which with dynamic code off (one-shot commands, Program.cs) is the
/// interpreted invoker: about 80 ms of CPU for 5000 edge actors in a cron round (issue 14). Restarts call the
/// delegate again, with the same arguments, as the reflective Props would.
/// </summary>
internal sealed class ProducedBy<TActor>(Func<TActor> create) : IIndirectActorProducer where TActor : ActorBase
{
    public Type ActorType => typeof(TActor);

    public ActorBase Produce() => create();

    public void Release(ActorBase actor)
    {
    }

    public static Props Props(Func<TActor> create) => Akka.Actor.Props.CreateBy(new ProducedBy<TActor>(create));
}
