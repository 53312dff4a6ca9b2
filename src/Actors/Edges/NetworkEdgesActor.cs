using Akka.Actor;
using Akka.Event;
using Edgemanage.Actors.Probing;
using Edgemanage.Contracts.Edges;
using static Edgemanage.Contracts.Edges.EdgeCommands;
using static Edgemanage.Contracts.Edges.EdgeReplies;

namespace Edgemanage.Actors.Edges;

/// <summary>How to build the edges of one network from one vantage.</summary>
public sealed record NetworkEdgesSettings(
    string Network,
    string Vantage,
    IReadOnlyList<string> Edges,
    int HistoryLength,
    int SnapshotEvery,
    JudgeSettings Judge,
    RoundBudget RoundBudget);

/// <summary>
/// The edges of one network as seen from this vantage: it partitions them into history groups, fans a round
/// out to every group and answers with one report per edge in edge-list order. The NetworkActor that decides
/// the live set (selection, throttling) sits above this and consumes its reports.
/// </summary>
public sealed class NetworkEdgesActor : ReceiveActor
{
    private sealed class PendingRound(RunRound command, IActorRef replyTo, int groups)
    {
        public RunRound Command { get; } = command;
        public IActorRef ReplyTo { get; } = replyTo;
        public int Outstanding { get; set; } = groups;
        public Dictionary<string, EdgeReport> Reports { get; } = new(StringComparer.Ordinal);
        public List<string> Failures { get; } = [];
        public System.Diagnostics.Stopwatch Clock { get; } = System.Diagnostics.Stopwatch.StartNew();
        public TimeSpan RecoveredAfter { get; set; }
    }

    /// <summary>Every group has recovered: the round can start on a quiet process.</summary>
    private sealed record GroupsRecovered(RunRound Command, IActorRef ReplyTo);

    private readonly NetworkEdgesSettings _settings;
    private readonly Dictionary<int, IActorRef> _groups = new();
    private PendingRound? _round;
    private HistoryJournalException? _brokenGroup;
    private readonly Dictionary<int, string> _groupFailures = new();

    /// <summary>A group stopped: fail the round after the messages already queued, so its cause is known.</summary>
    private sealed record GroupGone(int Group);

    public NetworkEdgesActor(NetworkEdgesSettings settings, IProber prober, TimeProvider time)
    {
        _settings = settings;
        foreach (var (group, edges) in HistoryGroups.Partition(settings.Edges).OrderBy(g => g.Key))
        {
            if (edges.Count > HistoryGroups.MeasuredGroupLimit)
                Context.GetLogger().Warning("History group {0} of {1} holds {2} edges, more than the {3} measured to recover fast; " +
                    "rounds may start slower", group, settings.Network, edges.Count, HistoryGroups.MeasuredGroupLimit);
            var groupSettings = new HistoryGroupSettings(settings.Network, settings.Vantage, group, edges,
                settings.HistoryLength, settings.SnapshotEvery, settings.Judge, settings.RoundBudget);
            var groupActor = Context.ActorOf(EdgeHistoryGroup.Props(groupSettings, prober, time), $"group-{group}");
            Context.Watch(groupActor);
            _groups[group] = groupActor;
        }

        // Terminated is a system message and can overtake the group's JournalFailed: look again once the queue has it.
        Receive<Terminated>(t => Self.Tell(new GroupGone(_groups.First(g => g.Value.Equals(t.ActorRef)).Key)));
        Receive<EdgeHistoryGroup.JournalFailed>(f => _groupFailures.TryAdd(f.Group, f.Cause));
        Receive<GroupGone>(g => GroupStopped(g.Group));
        Receive<RunRound>(StartRound);
        Receive<GroupsRecovered>(FanOut);
        Receive<EdgeHistoryGroup.GroupRoundDone>(Collect);
        Receive<SetEdgeMode>(cmd =>
        {
            if (_groups.TryGetValue(HistoryGroups.GroupOf(cmd.Edge), out var group) && settings.Edges.Contains(cmd.Edge))
                group.Forward(cmd);
            else
                Sender.Tell(new EdgeModeRejected(cmd.Network, cmd.Edge, $"{cmd.Edge} is not in the edge list of {cmd.Network}"));
        });
        Receive<ImportEdgeHistory>(cmd =>
        {
            if (_groups.TryGetValue(HistoryGroups.GroupOf(cmd.Edge), out var group) && settings.Edges.Contains(cmd.Edge))
                group.Forward(cmd);
            else
                Sender.Tell(new EdgeModeRejected(cmd.Network, cmd.Edge, $"{cmd.Edge} is not in the edge list of {cmd.Network}"));
        });
        Receive<StartContinuous>(cmd =>
        {
            foreach (var g in _groups.Values) g.Tell(cmd);
        });
        Receive<StopContinuous>(cmd =>
        {
            var asks = _groups.Values.Select(g => g.Ask<ContinuousStopped>(cmd, TimeSpan.FromSeconds(30))).ToArray();
            Task.WhenAll(asks).PipeTo(Sender, success: all => new ContinuousStopped(all.Length));
        });
        Receive<GetEdgeReports>(q =>
        {
            if (_brokenGroup is not null)
            {
                Sender.Tell(new Status.Failure(_brokenGroup));
                return;
            }
            var timeout = TimeSpan.FromSeconds(30);
            var asks = _groups.Values.Select(g => g.Ask<EdgeReports>(q, timeout)).ToArray();
            Task.WhenAll(asks).PipeTo(Sender, success: all => new EdgeReports(settings.Network, InListOrder(all.SelectMany(r => r.Edges))));
        });
    }

    public static Props Props(NetworkEdgesSettings settings, IProber prober, TimeProvider time) =>
        Akka.Actor.Props.Create(typeof(NetworkEdgesActor), settings, prober, time);

    /// <summary>
    /// A history group only stops when it could not recover (a corrupt or unreadable journal) or its journal
    /// failed a write. Rounds then fail at once, naming the group, instead of waiting out a timeout; nothing
    /// more is written, so what the journal holds stays as it was for an operator to inspect.
    /// </summary>
    private void GroupStopped(int number)
    {
        var cause = _groupFailures.TryGetValue(number, out var c) ? c : "its journal could not be read or written (the log has the cause)";
        _brokenGroup ??= new HistoryJournalException(
            $"history group {number} of network {_settings.Network} ({HistoryGroups.PersistenceId(_settings.Network, _settings.Vantage, number)}) " +
            $"stopped: {cause}; nothing further was recorded");
        if (_round is not null)
        {
            _round.ReplyTo.Tell(new Status.Failure(_brokenGroup));
            _round = null;
        }
    }

    private void StartRound(RunRound cmd)
    {
        if (_brokenGroup is not null)
        {
            Sender.Tell(new Status.Failure(_brokenGroup));
            return;
        }
        if (_round is not null)
        {
            Sender.Tell(new RoundCompleted(cmd.RoundId, [], [$"round {_round.Command.RoundId} is still running"]));
            return;
        }
        _round = new PendingRound(cmd, Sender, _groups.Count);
        if (_groups.Count == 0)
        {
            Finish();
            return;
        }
        // Probe only once every group has recovered: recovery is CPU-heavy, and probes that overlap with it
        // measure our own CPU contention instead of the edge (time to headers would be inflated).
        var replyTo = Sender;
        var asks = _groups.Values.Select(g => g.Ask<EdgeHistoryGroup.GroupRecovered>(EdgeHistoryGroup.AwaitRecovered.Instance, TimeSpan.FromSeconds(120)));
        Task.WhenAll(asks).PipeTo(Self, success: _ => new GroupsRecovered(cmd, replyTo),
            failure: e => new GroupsRecovered(cmd, replyTo));
    }

    private void FanOut(GroupsRecovered ready)
    {
        if (_round is not null) _round.RecoveredAfter = _round.Clock.Elapsed;
        foreach (var g in _groups.Values) g.Tell(ready.Command);
    }

    private void Collect(EdgeHistoryGroup.GroupRoundDone done)
    {
        if (_round is null || done.RoundId != _round.Command.RoundId) return;
        foreach (var r in done.Edges) _round.Reports[r.Edge] = r;
        _round.Failures.AddRange(done.Failures);
        if (--_round.Outstanding == 0) Finish();
    }

    private void Finish()
    {
        var round = _round!;
        _round = null;
        // Where a round's time goes, in the operator log: recovery is paid before any probe starts.
        Context.GetLogger().Info("Round {0} of {1}: {2} history groups recovered in {3:F3}s, {4} edges probed and recorded in {5:F3}s",
            round.Command.RoundId, _settings.Network, _groups.Count, round.RecoveredAfter.TotalSeconds, round.Reports.Count,
            (round.Clock.Elapsed - round.RecoveredAfter).TotalSeconds);
        if (NotProbedSummary(_settings.Network, round.Reports.Values, _settings.RoundBudget) is { } summary)
            round.Failures.Add(summary);
        round.ReplyTo.Tell(new RoundCompleted(round.Command.RoundId, InListOrder(round.Reports.Values), round.Failures));
    }

    /// <summary>
    /// One line per network when the round's budget left edges unprobed (each got a failed sample): how many, and the
    /// settings that bound it. Null when every edge was probed.
    /// </summary>
    public static string? NotProbedSummary(string network, IEnumerable<EdgeReport> reports, RoundBudget budget)
    {
        var total = 0;
        var notProbed = 0;
        foreach (var r in reports)
        {
            total++;
            if (r.LastDetail == ProbeNotStartedException.Detail) notProbed++;
        }
        return notProbed == 0 ? null
            : $"network {network}: {notProbed} of {total} edges were not probed in time (no probe slot free within the round's " +
              $"{budget.StartWithin.TotalSeconds:F0}s start budget; raise probe_concurrency or lower probe_timeout); each got a failed sample";
    }

    private EdgeReport[] InListOrder(IEnumerable<EdgeReport> reports)
    {
        var byEdge = reports.ToDictionary(r => r.Edge, StringComparer.Ordinal);
        return _settings.Edges.Where(byEdge.ContainsKey).Select(e => byEdge[e]).ToArray();
    }
}

/// <summary>The journal of a history group could not be recovered or written.</summary>
public sealed class HistoryJournalException(string message) : Exception(message);
