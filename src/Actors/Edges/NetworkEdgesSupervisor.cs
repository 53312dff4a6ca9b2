using Akka.Actor;
using Akka.Event;
using Edgemanage.Actors.Probing;
using static Edgemanage.Contracts.Edges.EdgeCommands;
using static Edgemanage.Contracts.Edges.EdgeReplies;

namespace Edgemanage.Actors.Edges;

/// <summary>
/// The edges of one network as the rest of the node sees them (<c>edges-{network}</c>): a reference that never changes,
/// however often serve reloads the edge list. Everything it is sent goes to its current <see cref="NetworkEdgesActor"/>
/// child. <see cref="ReplaceEdges"/> (a reload that changed the edges) stops that child once its last batches are
/// written, then starts one with the new edges: the new history groups recover the same persistence ids, so edges that
/// stay keep their history, and no two groups ever write one id. Whatever arrives meanwhile waits for the new child.
/// </summary>
public sealed class NetworkEdgesSupervisor : ReceiveActor, IWithUnboundedStash
{
    /// <summary>Replace the edges with <paramref name="Edges"/> and start them with <paramref name="Start"/>; answered with <see cref="EdgesReplaced"/>.</summary>
    public sealed record ReplaceEdges(IReadOnlyList<string> Edges, StartContinuous Start) : INoSerializationVerificationNeeded;

    /// <summary>The new edges run; <paramref name="Generation"/> counts the edge sets this supervisor has had (the first is 1).</summary>
    public sealed record EdgesReplaced(string Network, int Generation, int Edges) : INoSerializationVerificationNeeded;

    /// <summary>The old child answered StopContinuous (its last batches are written), or did not in time.</summary>
    private sealed record OldEdgesStopped(string? Problem);

    /// <summary>How long the old edges get to write their last batches before they are stopped anyway.</summary>
    public static readonly TimeSpan StopOldEdgesWithin = TimeSpan.FromSeconds(30);

    private readonly IProber _prober;
    private readonly TimeProvider _time;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private NetworkEdgesSettings _settings;
    private IActorRef _current;
    private int _generation;

    public NetworkEdgesSupervisor(NetworkEdgesSettings settings, IProber prober, TimeProvider time)
    {
        _settings = settings;
        _prober = prober;
        _time = time;
        _current = StartChild();
        Serving();
    }

    public IStash Stash { get; set; } = null!;

    public static Props Props(NetworkEdgesSettings settings, IProber prober, TimeProvider time) =>
        Akka.Actor.Props.Create(() => new NetworkEdgesSupervisor(settings, prober, time));

    private IActorRef StartChild() => Context.ActorOf(NetworkEdgesActor.Props(_settings, _prober, _time), $"edges-{++_generation}");

    private void Serving()
    {
        Receive<ReplaceEdges>(replace =>
        {
            var old = _current;
            var replyTo = Sender;
            old.Ask<ContinuousStopped>(StopContinuous.Instance, StopOldEdgesWithin)
                .ContinueWith(t => new OldEdgesStopped(t.IsCompletedSuccessfully ? null : t.Exception?.GetBaseException().Message ?? "cancelled"))
                .PipeTo(Self);
            Become(() => Replacing(replace, replyTo, old));
        });
        ReceiveAny(message => _current.Forward(message));
    }

    private void Replacing(ReplaceEdges replace, IActorRef replyTo, IActorRef old)
    {
        Receive<OldEdgesStopped>(stopped =>
        {
            if (stopped.Problem is not null)
                _log.Warning("Edges of {0}: the old edges did not write their last batches within {1}s ({2}); replacing them anyway",
                    _settings.Network, StopOldEdgesWithin.TotalSeconds, stopped.Problem);
            Context.Watch(old);
            Context.Stop(old);
        });
        Receive<Terminated>(t => t.ActorRef.Equals(old), _ =>
        {
            _settings = _settings with { Edges = replace.Edges };
            _current = StartChild();
            _current.Tell(replace.Start);
            replyTo.Tell(new EdgesReplaced(_settings.Network, _generation, replace.Edges.Count));
            Become(Serving);
            Stash.UnstashAll();
        });
        ReceiveAny(_ => Stash.Stash());
    }
}
