using Akka.Actor;
using Akka.Event;
using static Edgemanage.Contracts.Admin.ClusterIdentityMessages;

namespace Edgemanage.Actors.Membership;

/// <summary>The reason a node's ActorSystem was stopped when its join was refused; serve prints it and exits non-zero.</summary>
public sealed class JoinRefusedReason(string message) : CoordinatedShutdown.Reason
{
    public string Message { get; } = message;

    /// <summary>2, edgemanage's exit code for a configuration error (the node is configured for another cluster).</summary>
    public override int ExitCode => 2;

    public override string ToString() => Message;
}

/// <summary>
/// <c>/user/cluster-identity</c> on every clustered node. Answers other nodes' <see cref="WhichCluster"/>; at start,
/// asks every other seed the same and, as <see cref="ClusterIdentity.Judge"/> says, joins through Akka's seed-node
/// process, keeps asking, or stops the node (<see cref="JoinRefusedReason"/>) when a seed belongs to another cluster.
/// </summary>
public sealed class ClusterJoinActor : ReceiveActor, IWithTimers
{
    public const string Name = "cluster-identity";

    /// <summary>How long a round of questions waits for answers before it is judged.</summary>
    public static readonly TimeSpan RoundLength = TimeSpan.FromSeconds(1);

    /// <summary>A node that is not the first seed says once that it waits, after this long without an answer.</summary>
    public static readonly TimeSpan WaitingWarningAfter = TimeSpan.FromSeconds(10);

    private sealed record AskRound
    {
        public static readonly AskRound Instance = new();
    }

    private sealed record RoundOver
    {
        public static readonly RoundOver Instance = new();
    }

    private readonly string _identity;
    private readonly string _self;
    private readonly IReadOnlyList<string> _seeds;
    private readonly string _systemName;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<SeedAnswer> _answers = [];
    private readonly HashSet<string> _refusedAskers = new(StringComparer.Ordinal);
    private bool _askedOnce;
    private bool _decided;
    private int _rounds;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="identity">This node's <see cref="ClusterIdentity.Of"/>.</param>
    /// <param name="self">This node's host:port as the seed list spells it.</param>
    /// <param name="seeds">host:port of every seed, the same list on every node.</param>
    public ClusterJoinActor(string identity, string self, IReadOnlyList<string> seeds)
    {
        _identity = identity;
        _self = self;
        _seeds = seeds;
        _systemName = Context.System.Name;

        Receive<WhichCluster>(q =>
        {
            Sender.Tell(new ThisCluster(_identity, _self));
            if (q.Identity != _identity && _refusedAskers.Add(q.From))
                _log.Warning("Cluster: the node at {0} is '{1}', not '{2}': it is told so and will not join", q.From, q.Identity, _identity);
        });
        Receive<ThisCluster>(a =>
        {
            if (_decided) return;
            _answers.Add(new SeedAnswer(a.From, a.Identity));
            Decide();
        });
        Receive<AskRound>(_ =>
        {
            if (_decided) return;
            _rounds++;
            foreach (var seed in _seeds.Where(s => s != _self))
                Context.ActorSelection($"akka.tcp://{_systemName}@{seed}/user/{Name}").Tell(new WhichCluster(_identity, _self));
            Timers.StartSingleTimer(RoundOver.Instance, RoundOver.Instance, RoundLength);
        });
        Receive<RoundOver>(_ =>
        {
            if (_decided) return;
            _askedOnce = true;
            Decide();
            if (_decided) return;
            if (_rounds * RoundLength == WaitingWarningAfter)
                _log.Warning("Cluster: no seed node answers yet ({0}); this node ({1}) is not the first seed, so it only joins a running cluster " +
                             "and waits for one: start the first seed, and spell each seed as that node's own host:port " +
                             "(a seed of another cluster.system_name never answers)", string.Join(", ", _seeds), _self);
            Self.Tell(AskRound.Instance);
        });
    }

    public static Props Props(string identity, string self, IReadOnlyList<string> seeds) =>
        Akka.Actor.Props.Create(() => new ClusterJoinActor(identity, self, seeds));

    protected override void PreStart() => Self.Tell(AskRound.Instance);

    private void Decide()
    {
        var verdict = ClusterIdentity.Judge(_identity, _self, _seeds, _answers, _askedOnce);
        switch (verdict.Step)
        {
            case JoinStep.Join:
                _decided = true;
                Timers.CancelAll();
                var seeds = _seeds.Select(s => Address.Parse($"akka.tcp://{_systemName}@{s}")).ToList();
                _log.Info("Cluster: joining through the seeds {0} as '{1}'", string.Join(", ", _seeds), _identity);
                Akka.Cluster.Cluster.Get(Context.System).JoinSeedNodes(seeds);
                break;
            case JoinStep.Refuse:
                _decided = true;
                Timers.CancelAll();
                _log.Error("Cluster: {0}", verdict.Reason);
                CoordinatedShutdown.Get(Context.System).Run(new JoinRefusedReason(verdict.Reason!));
                break;
        }
    }
}
