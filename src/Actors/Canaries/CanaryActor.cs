using Akka.Actor;
using Akka.Event;
using Edgemanage.Contracts.Canaries;
using static Edgemanage.Contracts.Canaries.CanaryCommands;
using static Edgemanage.Contracts.Canaries.CanaryReplies;

namespace Edgemanage.Actors.Canaries;

/// <summary>
/// One per zone that has a canary. Overlays the canary on the network's live set for this zone only, and logs
/// when the zone starts or stops publishing its canary, so an operator can see canaries come and go.
/// The choice itself is pure (<see cref="CanaryOverlay"/>): stable while the live set is.
/// </summary>
public sealed class CanaryActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private string? _published;

    public CanaryActor(string zone)
    {
        Receive<OverlayLiveSet>(cmd =>
        {
            var canary = cmd.Verdict.Usable ? cmd.Verdict.Ip : null;
            var addresses = CanaryOverlay.Apply(cmd.SortedLive, zone, canary);
            var replaced = canary is null ? null : cmd.SortedLive.Except(addresses, StringComparer.Ordinal).FirstOrDefault();
            var used = canary is not null && addresses.Contains(canary, StringComparer.Ordinal) ? canary : null;
            if (!string.Equals(used, _published, StringComparison.Ordinal))
            {
                if (used is not null) _log.Info("Zone {0} publishes its canary {1} in place of {2}", zone, used, replaced ?? "(none: already live)");
                else _log.Info("Zone {0} does not publish its canary {1}: {2}", zone, cmd.Verdict.Ip, cmd.Verdict.Detail);
                _published = used;
            }
            Sender.Tell(new ZoneAddresses(cmd.RoundId, zone, addresses, used, replaced));
        });
    }

    public static Props Props(string zone) => Akka.Actor.Props.Create(() => new CanaryActor(zone));
}
