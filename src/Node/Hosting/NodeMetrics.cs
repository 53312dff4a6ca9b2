using Akka.Actor;
using Edgemanage.Actors.Metrics;
using Edgemanage.Contracts.Config;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;
using static Edgemanage.Contracts.Edges.EdgeCommands;
using static Edgemanage.Contracts.Edges.EdgeReplies;
using static Edgemanage.Contracts.Networks.NetworkCommands;
using static Edgemanage.Contracts.Networks.NetworkReplies;

namespace Edgemanage.Node.Hosting;

/// <summary>
/// What one network of a node exposes as metrics: its counters in the node's ActorSystem (<see cref="EdgemanageMetrics"/>) and gauges
/// computed when asked: per edge × vantage from the local edges (this vantage: times, health, mode) and from the
/// network's last decision (other vantages: health), per network from the NetworkActor's status, and the cluster's
/// members when the node is clustered. Each actor gets a short deadline; what did not answer is left out and
/// <c>edgemanage_scrape_failed{source=…}</c> says so.
/// </summary>
public static class NodeMetrics
{
    public static readonly TimeSpan ScrapeTimeout = TimeSpan.FromSeconds(2);

    /// <summary>A source for <see cref="MetricsEndpoint"/> (or a cron run's textfile): one network of a node.</summary>
    public static Func<MetricsText, CancellationToken, Task> SourceFor(EdgemanageNode node, string network, EdgemanageSettings settings)
    {
        var actors = node.Networks[network];
        return (text, ct) => CollectAsync(text, node.System, network, settings.Vantage, settings.EdgeCountFor(network), actors.Edges, actors.Decider,
            ScrapeTimeout, ct);
    }

    public static void WriteBuildInfo(MetricsText text) =>
        text.Gauge("edgemanage_build_info", "Always 1; the version label says which edgemanage this is.", 1, ("version", EdgemanageCli.Version));

    public static async Task CollectAsync(MetricsText text, ActorSystem system, string network, string vantage, int required,
        IActorRef edges, IActorRef? networkActor, TimeSpan timeout, CancellationToken ct = default)
    {
        var reportsTask = edges.Ask<EdgeReports>(new GetEdgeReports(network), timeout, ct);
        var statusTask = AskStatusAsync();
        async Task<NetworkStatus?> AskStatusAsync() =>
            networkActor is null ? null : await networkActor.Ask<NetworkStatus>(new GetNetworkStatus(network), timeout, ct);
        IReadOnlyList<EdgeReport>? reports = null;
        NetworkStatus? status = null;
        try { reports = (await reportsTask).Edges; } catch (Exception e) when (e is not OutOfMemoryException) { }
        try { status = await statusTask; } catch (Exception e) when (e is not OutOfMemoryException) { }

        var metrics = EdgemanageMetrics.Get(system);
        metrics.Touch(network);
        metrics.WriteTo(text, network);
        WriteEdges(text, network, vantage, reports, status);
        WriteNetwork(text, network, required, status);
        // From this node's own writers (not the status): the edges' history groups may fail while the decider writes.
        text.Gauge("edgemanage_journal_writable",
            "1 while every writer of the network on this node can write its journal, 0 while one cannot (serve goes on from memory; see the log).",
            Actors.Persistence.JournalHealth.Get(system).IsWritable(network) ? 1 : 0, ("network", network));
        const string failedHelp = "1 when this part of the node did not answer the last scrape in time (its metrics are missing), else 0.";
        text.Gauge("edgemanage_scrape_failed", failedHelp, reports is null ? 1 : 0, ("network", network), ("source", "edges"));
        if (networkActor is not null)
            text.Gauge("edgemanage_scrape_failed", failedHelp, status is null ? 1 : 0, ("network", network), ("source", "network"));
        WriteCluster(text, system);
        WriteDecider(text, system, network);
    }

    /// <summary>1 on the node where cluster sharding placed the network's decider, 0 on the other members.</summary>
    private static void WriteDecider(MetricsText text, ActorSystem system, string network)
    {
        if (system is not ExtendedActorSystem { Provider: Akka.Cluster.ClusterActorRefProvider }) return;
        var self = Akka.Cluster.Cluster.Get(system).SelfAddress;
        text.Gauge("edgemanage_decider",
            "1 on the cluster node that decides the network (where cluster sharding placed its NetworkActor), else 0.",
            Equals(Actors.Admin.ClusterMembership.Decider(system, network), self) ? 1 : 0, ("network", network), ("node", self.ToString()));
    }

    private static double Seconds(long unixMs) => unixMs / 1000.0;

    /// <summary>Samples are stored as floats: a microsecond is all the precision they have, and all a reader needs.</summary>
    private static double Microseconds(double seconds) => Math.Round(seconds, 6);

    private static void WriteEdges(MetricsText text, string network, string vantage, IReadOnlyList<EdgeReport>? reports, NetworkStatus? status)
    {
        const string lastHelp = "Seconds the edge's last probe took (to the response headers; the probe timeout when it failed).";
        const string avgHelp = "Average probe time over the edge's history, seconds.";
        const string windowHelp = "Average probe time over pass_window_seconds, seconds.";
        const string tsHelp = "Unix time the edge's last probe started.";
        const string samplesHelp = "Samples in the edge's history.";
        const string healthHelp = "The edge's current health as judged by the vantage: 1 on the series whose health label is current (pass_threshold, pass_window, pass_average, pass, fail, untested); other healths have no series.";
        const string modeHelp = "The edge's operator mode: 1 on the series whose mode label is current (available, force, blindforce, unavailable).";
        const string liveHelp = "1 when the edge is in the network's live set (published in DNS), else 0.";
        foreach (var (name, type, help) in new[]
                 {
                     ("edgemanage_edge_last_seconds", MetricType.Gauge, lastHelp), ("edgemanage_edge_average_seconds", MetricType.Gauge, avgHelp),
                     ("edgemanage_edge_window_average_seconds", MetricType.Gauge, windowHelp), ("edgemanage_edge_last_probe_timestamp_seconds", MetricType.Gauge, tsHelp),
                     ("edgemanage_edge_samples", MetricType.Gauge, samplesHelp), ("edgemanage_edge_health", MetricType.Gauge, healthHelp),
                     ("edgemanage_edge_mode", MetricType.Gauge, modeHelp), ("edgemanage_edge_live", MetricType.Gauge, liveHelp),
                 })
            text.Declare(name, type, help);

        // Edges in edge-list order (the local reports), then any only the decision or the live set names.
        var known = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in reports ?? [])
        {
            if (seen.Add(r.Edge)) known.Add(r.Edge);
            (string, string)[] labels = [("network", network), ("edge", r.Edge), ("vantage", r.Vantage)];
            var v = r.Verdict;
            if (v.Last is { } last)
            {
                text.Gauge("edgemanage_edge_last_seconds", lastHelp, Microseconds(last.Seconds), labels);
                text.Gauge("edgemanage_edge_last_probe_timestamp_seconds", tsHelp, Seconds(last.AtUnixMs), labels);
            }
            if (v.Average is { } avg) text.Gauge("edgemanage_edge_average_seconds", avgHelp, Microseconds(avg), labels);
            if (v.WindowAverage is { } window) text.Gauge("edgemanage_edge_window_average_seconds", windowHelp, Microseconds(window), labels);
            text.Gauge("edgemanage_edge_samples", samplesHelp, v.SampleCount, labels);
            text.Gauge("edgemanage_edge_health", healthHelp, 1, [.. labels, ("health", v.Health.Name())]);
            text.Gauge("edgemanage_edge_mode", modeHelp, 1, [.. labels, ("mode", r.Mode.Name())]);
        }

        // Other vantages: what the last decision's vote matrix says each of them judged.
        var decision = status?.LastDecision;
        if (decision?.Votes is { } votes)
        {
            foreach (var row in votes.Edges)
            {
                foreach (var cell in row.Cells)
                {
                    if (cell.Vantage < 0 || cell.Vantage >= votes.Vantages.Count) continue;
                    var other = votes.Vantages[cell.Vantage].Vantage;
                    if (other == vantage && reports is not null) continue; // this vantage's own view is fresher
                    text.Gauge("edgemanage_edge_health", healthHelp, 1,
                        ("network", network), ("edge", row.Edge), ("vantage", other), ("health", cell.Health.Name()));
                }
            }
            const string vantageHelp = "How each vantage took part in the last decision: 1 on the series whose status label is current (voting, stale, broken, silent).";
            foreach (var v in votes.Vantages)
                text.Gauge("edgemanage_vantage_status", vantageHelp, 1, ("network", network), ("vantage", v.Vantage),
                    ("status", v.Status.ToString().ToLowerInvariant()));
        }

        if (status is null) return;
        foreach (var e in decision?.Edges ?? []) if (seen.Add(e.Edge)) known.Add(e.Edge);
        var live = new HashSet<string>(status.Live, StringComparer.Ordinal);
        foreach (var e in status.Live) if (seen.Add(e)) known.Add(e);
        foreach (var edge in known)
            text.Gauge("edgemanage_edge_live", liveHelp, live.Contains(edge) ? 1 : 0, ("network", network), ("edge", edge));
    }

    private static void WriteNetwork(MetricsText text, string network, int required, NetworkStatus? status)
    {
        (string, string) n = ("network", network);
        text.Gauge("edgemanage_network_edge_count", "edge_count: how many live edges the network should publish.", required, n);
        if (status is null) return;
        text.Gauge("edgemanage_network_live_edges", "Edges in the network's live set (published in DNS).", status.Live.Count, n);
        text.Gauge("edgemanage_network_rotation_budget_remaining",
            "Swaps dnschange_maxfreq still allows in the current window (+Inf when unlimited): every swap uses it, only discretionary ones wait for it.",
            status.BudgetMax is null ? double.PositiveInfinity : status.BudgetRemaining, n);
        if (status.BudgetMax is { } max)
            text.Gauge("edgemanage_network_rotation_budget_max", "dnschange_maxfreq: swaps allowed per window (necessary swaps count too, but are never deferred).", max, n);
        text.Gauge("edgemanage_network_frozen", "1 when DNS is frozen because too few vantages vote (serve), else 0.",
            status.FrozenReason is null ? 0 : 1, n);
        // Only while it holds, one series per cause: absent means the guard lets decisions through.
        foreach (var reason in status.GuardHolding?.Split(',', StringSplitOptions.RemoveEmptyEntries) ?? [])
            text.Gauge("edgemanage_guard_holding", "1 while the guard holds DNS (nothing published), by reason: edge_list_shrink or all_edges_failing.",
                1, n, ("reason", reason));
        if (status.LastDecision is { } d)
        {
            text.Gauge("edgemanage_network_last_decision_timestamp_seconds", "Unix time of the network's last recorded decision.", Seconds(d.AtUnixMs), n);
            text.Gauge("edgemanage_network_degraded", "1 when the last recorded decision was degraded, else 0.", d.Degraded ? 1 : 0, n);
        }
    }

    private static void WriteCluster(MetricsText text, ActorSystem system)
    {
        if (system is not ExtendedActorSystem { Provider: Akka.Cluster.ClusterActorRefProvider }) return;
        var state = Akka.Cluster.Cluster.Get(system).State;
        const string membersHelp = "Cluster members this node knows of, by member status.";
        foreach (var status in Enum.GetValues<Akka.Cluster.MemberStatus>())
            text.Gauge("edgemanage_cluster_members", membersHelp, state.Members.Count(m => m.Status == status),
                ("status", status.ToString().ToLowerInvariant()));
        text.Gauge("edgemanage_cluster_unreachable_members", "Cluster members this node sees as unreachable.", state.Unreachable.Count);
        const string upHelp = "1 for a cluster member that is up and reachable from this node, else 0.";
        foreach (var m in state.Members)
            text.Gauge("edgemanage_cluster_member_up", upHelp,
                m.Status == Akka.Cluster.MemberStatus.Up && !state.Unreachable.Contains(m) ? 1 : 0,
                ("address", m.Address.ToString()), ("roles", string.Join(",", m.Roles.Order(StringComparer.Ordinal))));
    }

    /// <summary>The whole exposition of a set of sources, plus build info.</summary>
    public static async Task<string> RenderAsync(IReadOnlyList<Func<MetricsText, CancellationToken, Task>> sources, CancellationToken ct) =>
        (await CollectAllAsync(sources, ct)).ToString();

    /// <summary>The exposition of a set of sources, plus build info, not yet rendered (a textfile writes it straight to disk).</summary>
    public static async Task<MetricsText> CollectAllAsync(IReadOnlyList<Func<MetricsText, CancellationToken, Task>> sources, CancellationToken ct)
    {
        // One MetricsText per source, collected concurrently, then merged in order: MetricsText is not thread-safe.
        var parts = sources.Select(_ => new MetricsText()).ToArray();
        await Task.WhenAll(sources.Select((s, i) => s(parts[i], ct)));
        var text = new MetricsText();
        WriteBuildInfo(text);
        foreach (var part in parts) text.Merge(part);
        return text;
    }
}
