using Akka.Actor;

namespace Edgemanage.Actors.Persistence;

/// <summary>Published on the event stream when a network's journal stops taking writes (once per outage).</summary>
public sealed record JournalNotWritable(string Network, string Location, string Problem, long AtUnixMs) : INoSerializationVerificationNeeded;

/// <summary>Published when every writer of a network has written again after an outage.</summary>
public sealed record JournalWritableAgain(string Network, string Location, TimeSpan Outage) : INoSerializationVerificationNeeded;

/// <summary>
/// Which writers of each network cannot write their journal now, for one ActorSystem (serve hosts every network in
/// one system, so everything here is kept per network): the NetworkActor's status
/// (ctl, checks) and the <c>edgemanage_journal_writable</c> gauge read it. A network is writable when none of its
/// writers has a problem; the first problem starts an outage and the last writer to recover ends it, so the log and
/// stderr say so once per outage, however many history groups fail together.
/// </summary>
public sealed class JournalHealth : IExtension
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Dictionary<string, string>> _problems = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _outageSince = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _locations = new(StringComparer.Ordinal);

    public static JournalHealth Get(ActorSystem system) => system.WithExtension<JournalHealth, JournalHealthProvider>();

    /// <summary>What the operator should look at for <paramref name="network"/>: its SQLite file, or the database.</summary>
    public string LocationOf(string network)
    {
        lock (_gate) return _locations.TryGetValue(network, out var location) ? location : "the journal";
    }

    /// <summary>Said by the node that opens the network's journal, before its writers start.</summary>
    public void SetLocation(string network, string location)
    {
        lock (_gate) _locations[network] = location;
    }

    /// <summary>The oldest problem of the network's writers, or null when all of them write.</summary>
    public string? ProblemOf(string network)
    {
        lock (_gate)
            return _problems.TryGetValue(network, out var byWriter) && byWriter.Count > 0
                ? byWriter.OrderBy(p => p.Key, StringComparer.Ordinal).First().Value
                : null;
    }

    public bool IsWritable(string network) => ProblemOf(network) is null;

    /// <summary>Every network a writer has reported for (so the gauge exists before the first problem).</summary>
    public IReadOnlyList<string> Networks
    {
        get { lock (_gate) return _problems.Keys.Order(StringComparer.Ordinal).ToArray(); }
    }

    public enum Change
    {
        None,
        OutageStarted,
        OutageEnded,
    }

    /// <summary>
    /// A writer's state: <paramref name="problem"/> null when it writes. Says whether this started or ended the
    /// network's outage, and for how long the network could not write when it ended.
    /// </summary>
    public (Change Change, TimeSpan Outage) Report(string network, string writer, string? problem, long nowUnixMs)
    {
        lock (_gate)
        {
            if (!_problems.TryGetValue(network, out var byWriter)) _problems[network] = byWriter = new(StringComparer.Ordinal);
            var before = byWriter.Count;
            if (problem is null) byWriter.Remove(writer);
            else byWriter[writer] = problem;
            if (before == 0 && byWriter.Count > 0)
            {
                _outageSince[network] = nowUnixMs;
                return (Change.OutageStarted, TimeSpan.Zero);
            }
            if (before > 0 && byWriter.Count == 0)
            {
                var since = _outageSince.Remove(network, out var at) ? at : nowUnixMs;
                return (Change.OutageEnded, TimeSpan.FromMilliseconds(Math.Max(0, nowUnixMs - since)));
            }
            return (Change.None, TimeSpan.Zero);
        }
    }
}

public sealed class JournalHealthProvider : ExtensionIdProvider<JournalHealth>
{
    public override JournalHealth CreateExtension(ExtendedActorSystem system) => new();
}
