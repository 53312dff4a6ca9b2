using System.Reflection;
using System.Text;
using Akka.Actor;
using Edgemanage.Contracts.Edges;
using Microsoft.AspNetCore.Http;
using static Edgemanage.Contracts.Admin.AdminReplies;
using static Edgemanage.Contracts.Admin.AdminRequests;
using static Edgemanage.Contracts.Edges.EdgeCommands;
using static Edgemanage.Contracts.Edges.EdgeReplies;
using static Edgemanage.Contracts.Networks.NetworkCommands;
using static Edgemanage.Contracts.Networks.NetworkReplies;

namespace Edgemanage.Node.StatusPages;

/// <summary>One served network as the status page asks it: the same two actors ctl's AdminActor asks.</summary>
/// <param name="NetworkActor">The network's decider (or its sharding proxy in a cluster): net show and zones.</param>
/// <param name="Edges">The network's edges supervisor: this node's reports, with each edge's mode.</param>
/// <param name="System">The ActorSystem serving it: where its decisions are published (<see cref="RecentDecisions"/>).</param>
public sealed record StatusSource(string Network, ActorSystem System, IActorRef NetworkActor, IActorRef Edges);

/// <summary>
/// The status pages under serve's metrics listener: <c>/</c> (the page), <c>/status.fragment</c> (what the page's
/// script swaps in), <c>/status.json</c>, <c>/status.js</c> and <c>/status.css</c>. Read-only: it asks the networks'
/// actors what ctl's <c>net show</c>, <c>zones</c> and the checks' reports ask, and keeps nothing between requests.
/// Only the selected network's edges and zones are asked for, so a page of one 5000-edge network costs one reply
/// of that network, not one of every network.
/// </summary>
public sealed class StatusEndpoint
{
    /// <summary>How long a network's actors may take to answer before the page says so.</summary>
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    private readonly List<(StatusSource Source, IActorRef Recent)> _sources = [];
    private readonly Dictionary<ActorSystem, IActorRef> _recent = [];
    private readonly object _gate = new();
    private readonly byte[] _script = Asset("status.js");
    private readonly byte[] _style = Asset("status.css");
    private readonly TimeProvider _clock;

    public StatusEndpoint(TimeProvider? clock = null) => _clock = clock ?? TimeProvider.System;

    public static bool Handles(PathString path) =>
        path == "/" || path == "/status" || path == "/status.fragment" || path == "/status.json" || path == "/status.js" || path == "/status.css" || path == "/favicon.ico";

    private static byte[] Asset(string name)
    {
        using var stream = typeof(StatusEndpoint).Assembly.GetManifestResourceStream($"status/{name}")
                           ?? throw new InvalidOperationException($"embedded resource status/{name} is missing");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>Adds a served network; disposing the result removes it (the network stopped being served).</summary>
    public IDisposable Register(StatusSource source)
    {
        (StatusSource, IActorRef) entry;
        lock (_gate)
        {
            // One list of recent decisions per ActorSystem (a node serves all its networks from one); it stops with it.
            if (!_recent.TryGetValue(source.System, out var recent))
                _recent[source.System] = recent = source.System.ActorOf(RecentDecisions.Props(), "status-recent-decisions");
            entry = (source, recent);
            _sources.Add(entry);
        }
        return new Registration(() => { lock (_gate) _sources.Remove(entry); });
    }

    private sealed class Registration(Action remove) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) remove();
        }
    }

    /// <summary>Answers a GET or HEAD of one of <see cref="Handles"/>'s paths.</summary>
    public async Task HandleAsync(HttpContext context, CancellationToken ct)
    {
        var response = context.Response;
        var headOnly = HttpMethods.IsHead(context.Request.Method);
        response.Headers.ContentSecurityPolicy = StatusPage.ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.CacheControl = "no-store";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.XFrameOptions = "DENY";
        var path = context.Request.Path;
        if (path == "/status.js")
        {
            await WriteAsync(response, _script, "text/javascript; charset=utf-8", headOnly);
            return;
        }
        if (path == "/favicon.ico")
        {
            // Browsers ask for it on their own; "none" beats a 404 in every console.
            response.StatusCode = 204;
            return;
        }
        if (path == "/status.css")
        {
            await WriteAsync(response, _style, "text/css; charset=utf-8", headOnly);
            return;
        }
        var query = StatusQuery.Parse(key => context.Request.Query.TryGetValue(key, out var v) ? v.ToString() : null);
        var view = await ViewAsync(query, ct);
        var (body, type) = path == "/status.json" ? (StatusPage.Json(view), "application/json; charset=utf-8")
            : path == "/status.fragment" ? (StatusPage.Fragment(view), "text/html; charset=utf-8")
            : (StatusPage.Html(view), "text/html; charset=utf-8");
        await WriteAsync(response, Encoding.UTF8.GetBytes(body), type, headOnly);
    }

    private async Task<StatusView> ViewAsync(StatusQuery query, CancellationToken ct)
    {
        (StatusSource Source, IActorRef Recent)[] sources;
        lock (_gate) sources = _sources.ToArray();
        var selected = sources.Select(s => s.Source).FirstOrDefault(s => s.Network == query.Network)
                       ?? sources.Select(s => s.Source).OrderBy(s => s.Network, StringComparer.Ordinal).FirstOrDefault();
        var data = await Task.WhenAll(sources.Select(s => GatherAsync(s.Source, s.Recent, full: s.Source == selected, ct)));
        return StatusModel.Build(data, query, _clock.GetUtcNow().ToUnixTimeMilliseconds());
    }

    private static async Task<NetworkData> GatherAsync(StatusSource source, IActorRef recent, bool full, CancellationToken ct)
    {
        var network = source.Network;
        var problems = new List<string>();
        var status = Ask<NetworkStatus>(source.NetworkActor, new GetNetworkStatus(network), $"network {network}", problems, ct);
        var zones = full ? Ask<ZonesStatus>(source.NetworkActor, new ShowZones(network), $"the zone writer of {network}", problems, ct)
            : Task.FromResult<ZonesStatus?>(null);
        var reports = full ? Ask<EdgeReports>(source.Edges, new GetEdgeReports(network), $"the edges of {network}", problems, ct)
            : Task.FromResult<EdgeReports?>(null);
        var changes = full ? Ask<RecentDecisions.Recent>(recent, new RecentDecisions.Get(network), "the recent decisions", problems, ct)
            : Task.FromResult<RecentDecisions.Recent?>(null);
        await Task.WhenAll(status, zones, reports, changes);
        return new NetworkData(network, status.Result, reports.Result?.Edges ?? [], zones.Result, problems, changes.Result?.Decisions);
    }

    private static async Task<T?> Ask<T>(IActorRef actor, object message, string who, List<string> problems, CancellationToken ct) where T : class
    {
        try
        {
            var reply = await actor.Ask<object>(message, AskTimeout, ct);
            if (reply is T wanted) return wanted;
            lock (problems) problems.Add(reply is Akka.Actor.Status.Failure f ? $"{who} failed: {f.Cause.Message}" : $"{who} answered {reply.GetType().Name}");
        }
        catch (AskTimeoutException)
        {
            lock (problems) problems.Add($"{who} did not answer in time");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            lock (problems) problems.Add($"{who} failed: {e.GetBaseException().Message}");
        }
        return null;
    }

    private static async Task WriteAsync(HttpResponse response, byte[] body, string contentType, bool headOnly)
    {
        response.StatusCode = 200;
        response.ContentType = contentType;
        response.ContentLength = body.Length;
        if (!headOnly) await response.Body.WriteAsync(body);
    }
}
