using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using Akka.Event;
using Edgemanage.Actors.Edges;
using Edgemanage.Contracts.Admin;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;
using static Edgemanage.Contracts.Admin.AdminReplies;
using static Edgemanage.Contracts.Admin.AdminRequests;
using static Edgemanage.Contracts.Edges.EdgeCommands;
using static Edgemanage.Contracts.Edges.EdgeReplies;
using static Edgemanage.Contracts.Networks.NetworkCommands;
using static Edgemanage.Contracts.Networks.NetworkReplies;

namespace Edgemanage.Actors.Admin;

/// <param name="Secret">The admin secret every changing request must carry.</param>
/// <param name="AdminAddress">host:port of this node's ctl endpoint, as clients must write it.</param>
/// <param name="AskTimeout">How long a part of the node (a network, its edges) may take to answer.</param>
public sealed record AdminActorSettings(string Secret, string AdminAddress, TimeSpan AskTimeout);

/// <summary>
/// <c>/user/admin</c>: what <c>edgemanage ctl</c> talks to (akka-style.md §4, the pbm model: one node answers for
/// itself). Reads are answered from the networks this process serves; changes (edge modes, cluster membership)
/// need the admin secret. Every request gets exactly one reply, an <see cref="AdminError"/> when it cannot be served,
/// so the client never waits for a timeout on a request the node understood.
/// </summary>
public sealed class AdminActor : ReceiveActor
{
    private readonly AdminActorSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, NetworkServed> _served = new(StringComparer.Ordinal);

    public AdminActor(AdminActorSettings settings)
    {
        _settings = settings;
        Receive<NetworkServed>(n => _served[n.Network] = n);
        Receive<NetworkUnserved>(n => _served.Remove(n.Network));

        Receive<GetClusterStatus>(_ => Sender.Tell(ClusterMembership.Status(ClusterSystem(), _settings.AdminAddress,
            _served.Keys.Order(StringComparer.Ordinal).ToArray())));
        Receive<GetActorHierarchy>(q => Sender.Tell(new ActorHierarchy(ActorTree.Paths(
            new[] { Context.System }.Concat(_served.Values.Select(s => s.System)).Distinct().ToArray(), q.Depth))));
        Receive<ListNetworks>(_ => ListNetworksAsync().PipeTo(Sender));
        Receive<ShowNetwork>(q => WithNetwork(q.Network, served => served.NetworkActor.Ask<object>(new GetNetworkStatus(q.Network), _settings.AskTimeout)
            .ContinueWith(t => Answer(t, $"network {q.Network}"))));
        Receive<ShowZones>(q => WithNetwork(q.Network, served => served.NetworkActor.Ask<object>(q, _settings.AskTimeout)
            .ContinueWith(t => Answer(t, $"the zone writer of {q.Network}"))));
        Receive<ShowEdge>(q => WithNetwork(q.Network, served => ShowEdgeAsync(served, q.Edge)));
        Receive<GetReports>(q => WithNetwork(q.Network, served => served.Edges.Ask<object>(new GetEdgeReports(q.Network), _settings.AskTimeout)
            .ContinueWith(t => Answer(t, $"the edges of {q.Network}"))));

        Receive<SetMode>(q => Authorized(q, () => WithNetwork(q.Network, served => SetModeAsync(served, q))));
        Receive<LeaveCluster>(q => Authorized(q, () => Sender.Tell(ClusterMembership.Leave(ClusterSystem(), q.Address))));
        Receive<DownNode>(q => Authorized(q, () => Sender.Tell(ClusterMembership.Down(ClusterSystem(), q.Address))));
        Receive<DownUnreachable>(q => Authorized(q, () => Sender.Tell(ClusterMembership.DownUnreachable(ClusterSystem()))));
    }

    public static Props Props(AdminActorSettings settings) => Akka.Actor.Props.Create(() => new AdminActor(settings));

    /// <summary>The clustered ActorSystem of this process, if any (one system hosts every network a node serves).</summary>
    private ActorSystem? ClusterSystem() =>
        _served.Values.Select(s => s.System).FirstOrDefault(s => s.Settings.ProviderClass.Contains("Cluster", StringComparison.Ordinal));

    private void Authorized(IMutating request, Action then)
    {
        if (SecretMatches(request.Secret))
        {
            then();
            return;
        }
        var why = request.Secret.Length == 0
            ? "this command changes the node and needs the admin secret (--secret-file FILE, EDGEMANAGE_ADMIN_SECRET, or -c CONFIG)"
            : "wrong admin secret";
        _log.Warning("ctl: refused {0} from {1}: {2}", request.GetType().Name, Sender.Path.Address, why);
        Sender.Tell(new AdminError(AdminErrorKind.Denied, why));
    }

    private bool SecretMatches(string offered) =>
        offered.Length > 0 && CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(offered)), SHA256.HashData(Encoding.UTF8.GetBytes(_settings.Secret)));

    private void WithNetwork(string network, Func<NetworkServed, Task<object>> answer)
    {
        if (_served.TryGetValue(network, out var served)) answer(served).PipeTo(Sender);
        else Sender.Tell(new AdminError(AdminErrorKind.NotFound,
            $"this node does not serve network '{network}'" + (_served.Count > 0 ? $" (it serves {string.Join(", ", _served.Keys.Order(StringComparer.Ordinal))})" : "")));
    }

    private static object Answer(Task<object> asked, string who) => asked.Status switch
    {
        TaskStatus.RanToCompletion => asked.Result is Status.Failure f ? new AdminError(AdminErrorKind.Failed, f.Cause.Message) : asked.Result,
        _ when asked.Exception?.GetBaseException() is AskTimeoutException => new AdminError(AdminErrorKind.Unavailable, $"{who} did not answer in time"),
        _ => new AdminError(AdminErrorKind.Failed, $"{who} failed: {asked.Exception?.GetBaseException().Message}"),
    };

    private async Task<object> ListNetworksAsync()
    {
        var summaries = await Task.WhenAll(_served.Values.OrderBy(s => s.Network, StringComparer.Ordinal).Select(async served =>
        {
            try
            {
                var status = await served.NetworkActor.Ask<NetworkStatus>(new GetNetworkStatus(served.Network), _settings.AskTimeout);
                var d = status.LastDecision;
                return new NetworkSummary(served.Network, status.Live.Count, d?.Required ?? 0, d?.AtUnixMs, d?.Degraded ?? false,
                    status.FrozenReason, status.BudgetRemaining, d?.Edges.Count ?? 0, ClusterMembership.Decider(served.System, served.Network)?.ToString());
            }
            catch (Exception e) when (e is AskTimeoutException or InvalidCastException)
            {
                // One network that does not answer must not hide the others.
                return new NetworkSummary(served.Network, -1, 0, null, true, $"did not answer: {e.Message}", 0, 0,
                    ClusterMembership.Decider(served.System, served.Network)?.ToString());
            }
        }));
        return new NetworkList(_settings.AdminAddress, summaries);
    }

    private async Task<object> ShowEdgeAsync(NetworkServed served, string edge)
    {
        try
        {
            var network = served.Network;
            var local = served.Edges.Ask<EdgeReports>(new GetEdgeReports(network), _settings.AskTimeout);
            var observed = served.NetworkActor.Ask<EdgeReports>(new GetEdgeObservations(network, edge), _settings.AskTimeout);
            var status = served.NetworkActor.Ask<NetworkStatus>(new GetNetworkStatus(network), _settings.AskTimeout);
            await Task.WhenAll(local, observed, status);
            var reports = local.Result.Edges.Where(r => r.Edge == edge).Concat(observed.Result.Edges)
                .GroupBy(r => r.Vantage, StringComparer.Ordinal)
                // The local report is at least as new as what the decider holds from this vantage (and wins a tie: a
                // mode just set is in the local report before the next batch carries it to the decider).
                .Select(g => g.MaxBy(r => r.Verdict.Last?.AtUnixMs ?? -1)!)
                .OrderBy(r => r.Vantage, StringComparer.Ordinal).ToArray();
            var decision = status.Result.LastDecision;
            var line = decision?.Edges.FirstOrDefault(e => e.Edge == edge);
            if (reports.Length == 0 && line is null)
                return new AdminError(AdminErrorKind.NotFound, $"edge '{edge}' is not an edge of {network}");
            var votes = decision?.Votes;
            var cells = votes?.Edges.FirstOrDefault(e => e.Edge == edge)?.Cells ?? [];
            var substitutions = decision?.Substitutions.Where(s => s.Out == edge || s.In == edge).ToArray() ?? [];
            return new EdgeDetail(network, edge, reports, line, decision?.AtUnixMs, status.Result.Live.Contains(edge, StringComparer.Ordinal),
                votes?.Vantages ?? [], cells, substitutions);
        }
        catch (AskTimeoutException)
        {
            return new AdminError(AdminErrorKind.Unavailable, $"network {served.Network} did not answer in time");
        }
    }

    private async Task<object> SetModeAsync(NetworkServed served, SetMode q)
    {
        try
        {
            var reply = await served.Edges.Ask<object>(new SetEdgeMode(q.Network, q.Edge, q.Mode, q.Comment, q.ExpiresAtUnixMs), _settings.AskTimeout);
            switch (reply)
            {
                case EdgeModeSet set:
                    _log.Info(EdgeModeLog.Changed(set.Edge, set.Mode, set.Comment, set.ExpiresAtUnixMs, throughCtl: true));
                    return new AdminAck($"Set mode for {set.Edge} to {set.Mode.Name()}" +
                                        (set.ExpiresAtUnixMs is { } at ? $" until {DateTimeOffset.FromUnixTimeMilliseconds(at):yyyy-MM-dd HH:mm:ss}Z" : ""));
                case EdgeModeRejected rejected:
                    return new AdminError(AdminErrorKind.NotFound, rejected.Reason);
                case Status.Failure failure:
                    return new AdminError(AdminErrorKind.Failed, failure.Cause.Message);
                default:
                    return new AdminError(AdminErrorKind.Failed, $"unexpected reply {reply.GetType().Name}");
            }
        }
        catch (AskTimeoutException)
        {
            return new AdminError(AdminErrorKind.Unavailable, $"the edges of {q.Network} did not answer in time; the mode may or may not be set");
        }
    }
}
