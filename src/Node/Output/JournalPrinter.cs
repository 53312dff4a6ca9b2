using Akka.Actor;
using Edgemanage.Actors.Persistence;

namespace Edgemanage.Node.Output;

/// <summary>
/// serve: says on stderr, once per outage, that a network's journal does not take writes (and once when it does
/// again). The node goes on deciding and writing zones meanwhile, so this is the line an operator must not miss.
/// </summary>
public static class JournalPrinter
{
    public static Props Props(TextWriter error) => Akka.Actor.Props.Create(() => new Printer(error));

    public static string NotWritableLine(JournalNotWritable e) => $"JOURNAL NOT WRITABLE: {e.Network} {e.Location}: {e.Problem}";

    private sealed class Printer : ReceiveActor
    {
        public Printer(TextWriter error)
        {
            Receive<JournalNotWritable>(e =>
            {
                error.WriteLine($"[{DecisionFormat.Time(e.AtUnixMs)}] edgemanage: {NotWritableLine(e)} " +
                                "(deciding and zone writing go on; what is not recorded is written when it takes writes again)");
                error.Flush();
            });
            Receive<JournalWritableAgain>(e =>
            {
                error.WriteLine($"edgemanage: journal of {e.Network} writable again ({e.Location}) after {e.Outage.TotalSeconds:F0}s");
                error.Flush();
            });
        }
    }
}
