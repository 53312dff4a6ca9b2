using Akka.Actor;
using static Edgemanage.Contracts.Networks.NetworkReplies;

namespace Edgemanage.Node.Output;

/// <summary>
/// serve's stdout, its journal for humans: a line per decision that changed something or is degraded, per change of
/// the voting vantages, and per DNS freeze. Subscribed to the node's event stream.
/// </summary>
public static class DecisionPrinter
{
    public static Props Props(TextWriter output) => Akka.Actor.Props.Create(() => new Printer(output));

    private static string VantageLine(Contracts.Networks.VoteMatrix votes)
    {
        var voting = votes.Vantages.Where(v => v.Status == Contracts.Networks.VantageStatus.Voting).Select(v => v.Vantage);
        var others = votes.Vantages.Where(v => v.Status != Contracts.Networks.VantageStatus.Voting)
            .Select(v => $"{v.Vantage} {v.Status.ToString().ToLowerInvariant()}");
        return $"vantages voting: {string.Join(" ", voting)}" + (others.Any() ? $" ({string.Join(", ", others)})" : "");
    }

    /// <summary>Prints each decision that changed something or is degraded (the node's stdout is its journal for humans).</summary>
    private sealed class Printer : ReceiveActor
    {
        public Printer(TextWriter output)
        {
            Receive<Frozen>(f =>
            {
                output.WriteLine($"[{DecisionFormat.Time(f.AtUnixMs)}] {f.Network}: DNS FROZEN: {f.Reason}");
                output.Flush();
            });
            Receive<Actors.Networks.DeciderEntity.DecidingHere>(d =>
            {
                output.WriteLine($"[{DecisionFormat.Time(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())}] {d.Network}: deciding {d.Network} on this node");
                output.Flush();
            });
            Receive<Actors.Networks.DeciderEntity.NoLongerDecidingHere>(d =>
            {
                output.WriteLine($"[{DecisionFormat.Time(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())}] {d.Network}: " +
                                 (d.HandedOver ? $"handed {d.Network} over: no longer deciding it on this node" : $"no longer deciding {d.Network} on this node"));
                output.Flush();
            });
            // Per network: one node's system serves several, and each has its own vantages' line.
            var vantages = new Dictionary<string, string>(StringComparer.Ordinal);
            Receive<RoundDecided>(d =>
            {
                // Which vantages vote is news when it changes: a region lost, broken or back.
                if (d.Decision.Votes is { } votes)
                {
                    var now = VantageLine(votes);
                    if (!vantages.TryGetValue(d.Decision.Network, out var before) || now != before)
                    {
                        output.WriteLine($"[{DecisionFormat.Time(d.Decision.AtUnixMs)}] {d.Decision.Network}: {now}");
                        vantages[d.Decision.Network] = now;
                    }
                }
                var changed = !d.Decision.PreviousLive.SequenceEqual(d.Decision.Live, StringComparer.Ordinal) || d.Zones.AnyChanged;
                if (!changed && !d.Decision.Degraded) return;
                output.Write($"[{DecisionFormat.Time(d.Decision.AtUnixMs)}] ");
                DecisionFormat.WriteSummary(output, d.Decision, d.Zones);
                output.Flush();
            });
        }
    }
}
