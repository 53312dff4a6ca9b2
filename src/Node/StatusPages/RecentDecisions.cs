using Akka.Actor;
using Edgemanage.Contracts.Networks;
using static Edgemanage.Contracts.Networks.NetworkReplies;

namespace Edgemanage.Node.StatusPages;

/// <summary>
/// The status page's "recent changes": the last <see cref="Kept"/> decisions per network that changed something (the
/// live set, degraded, published, the notes), taken from the <see cref="RoundDecided"/> events the NetworkActor
/// already publishes for serve's own output. The journal keeps every decision but has no cheap "last few" read, and
/// net show carries only the last one, hence this small in-memory list. One per ActorSystem; it sees the decisions
/// made on this node only (in a cluster, the decider's node has the list; the others show the last decision alone).
/// </summary>
public sealed class RecentDecisions : ReceiveActor
{
    public const int Kept = 20;

    public sealed record Get(string Network);

    /// <summary>Newest first.</summary>
    public sealed record Recent(string Network, IReadOnlyList<DecisionView> Decisions);

    private readonly Dictionary<string, List<DecisionView>> _kept = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DecisionView> _last = new(StringComparer.Ordinal);

    public RecentDecisions()
    {
        Receive<RoundDecided>(d =>
        {
            var network = d.Decision.Network;
            var view = StatusModel.Summary(d.Decision, []);
            _last.TryGetValue(network, out var previous);
            _last[network] = view;
            if (!WorthKeeping(previous, d.Decision)) return;
            if (!_kept.TryGetValue(network, out var list)) _kept[network] = list = [];
            list.Insert(0, view);
            if (list.Count > Kept) list.RemoveRange(Kept, list.Count - Kept);
        });
        Receive<Get>(g => Sender.Tell(new Recent(g.Network, _kept.TryGetValue(g.Network, out var list) ? list.ToArray() : [])));
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new RecentDecisions());

    /// <summary>
    /// A decision is news when the live set changed, or whether it was published or degraded, or its notes, differ
    /// from the decision before it (the first one seen is news too). serve decides every few seconds; the rest say
    /// nothing new.
    /// </summary>
    public static bool WorthKeeping(DecisionView? previous, DecisionRecord decision) =>
        previous is null
        || !decision.PreviousLive.SequenceEqual(decision.Live, StringComparer.Ordinal)
        || !previous.Live.SequenceEqual(decision.Live, StringComparer.Ordinal)
        || previous.Published != decision.Published
        || previous.Degraded != decision.Degraded
        || !previous.Notes.SequenceEqual(decision.Notes, StringComparer.Ordinal);

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(RoundDecided));

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);
}
