using System.Globalization;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;
using Edgemanage.Contracts.Probing;
using Edgemanage.Node.Output;
using static Edgemanage.Contracts.Admin.AdminReplies;
using static Edgemanage.Contracts.Networks.NetworkReplies;

namespace Edgemanage.Node.StatusPages;

/// <summary>
/// What one served network told the status page this time: the same replies ctl gets (<c>net show</c>'s
/// <see cref="NetworkStatus"/>, <c>zones</c>' <see cref="ZonesStatus"/>, the local vantage's reports), each null or
/// empty when that part did not answer, with <see cref="Problems"/> saying which.
/// </summary>
/// <param name="Recent">The decisions of this network that changed something, newest first (<see cref="RecentDecisions"/>).</param>
public sealed record NetworkData(string Network, NetworkStatus? Status, IReadOnlyList<EdgeReport> Reports, ZonesStatus? Zones,
    IReadOnlyList<string> Problems, IReadOnlyList<DecisionView>? Recent = null);

public enum LiveFilter
{
    Any,
    In,
    Out,
}

/// <summary>
/// What the operator asked to see: one network's edges, filtered and paged on the node, so that a 5000-edge network
/// sends the browser one page of rows rather than all of them every two seconds.
/// </summary>
/// <param name="Text">A substring of the edge name (case-insensitive); empty matches every edge.</param>
/// <param name="Page">1-based; clamped to the pages there are.</param>
public sealed record StatusQuery(string? Network, string Text, EdgeHealth? Health, LiveFilter Live, int Page, int PageSize)
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;
    /// <summary>Longer search text is cut: nothing needs more, and it is echoed into every page.</summary>
    public const int MaxTextLength = 256;

    public static readonly StatusQuery Default = new(null, "", null, LiveFilter.Any, 1, DefaultPageSize);

    /// <summary>
    /// From the query string (<c>network</c>, <c>q</c>, <c>health</c>, <c>live=in|out</c>, <c>page</c>, <c>size</c>).
    /// Values that do not parse fall back to the default rather than failing: the page is for looking, and a
    /// hand-edited URL should still show something.
    /// </summary>
    public static StatusQuery Parse(Func<string, string?> get)
    {
        var network = get("network") is { Length: > 0 } n ? n : null;
        var text = (get("q") ?? "").Trim();
        if (text.Length > MaxTextLength) text = text[..MaxTextLength];
        EdgeHealth? health = get("health") is { Length: > 0 } h && EdgeValueNames.TryParseHealth(h, out var parsed) ? parsed : null;
        var live = get("live") switch { "in" => LiveFilter.In, "out" => LiveFilter.Out, _ => LiveFilter.Any };
        var page = int.TryParse(get("page"), NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p > 0 ? p : 1;
        var size = int.TryParse(get("size"), NumberStyles.None, CultureInfo.InvariantCulture, out var s) && s > 0
            ? Math.Min(s, MaxPageSize) : DefaultPageSize;
        return new StatusQuery(network, text, health, live, page, size);
    }

    /// <summary>The query string that asks for this view (defaults left out), without the leading '?'.</summary>
    public string ToQueryString(int? page = null)
    {
        var parts = new List<string>();
        void Add(string key, string? value)
        {
            if (!string.IsNullOrEmpty(value)) parts.Add($"{key}={Uri.EscapeDataString(value)}");
        }
        Add("network", Network);
        Add("q", Text);
        Add("health", Health?.Name());
        Add("live", Live switch { LiveFilter.In => "in", LiveFilter.Out => "out", _ => null });
        var wanted = page ?? Page;
        if (wanted > 1) Add("page", wanted.ToString(CultureInfo.InvariantCulture));
        if (PageSize != DefaultPageSize) Add("size", PageSize.ToString(CultureInfo.InvariantCulture));
        return string.Join('&', parts);
    }
}

/// <summary>Everything the page shows, already decided: the HTML and the JSON are both written from this.</summary>
public sealed record StatusView(
    long AtUnixMs,
    StatusQuery Query,
    IReadOnlyList<NetworkCard> Networks,
    string? Selected,
    EdgeTable? Edges,
    DecisionView? LastDecision,
    ZonesView? Zones,
    IReadOnlyList<DecisionView> RecentChanges);

/// <param name="State">ok, degraded, frozen, no decision yet, or unavailable (the network did not answer).</param>
/// <param name="Why">What makes the state what it is (the freeze's reason, the degradation's notes, the problem).</param>
public sealed record NetworkCard(
    string Network,
    string State,
    string? Why,
    IReadOnlyList<string> Live,
    int Required,
    long? LastDecisionAtUnixMs,
    string Budget,
    string? Journal,
    string? Publish);

/// <param name="Votes">One cell per vantage of <see cref="EdgeTable.Vantages"/>: what it said and whether it counted; null = never observed.</param>
public sealed record EdgeRow(
    string Edge,
    string Health,
    bool Live,
    string Reason,
    string Detail,
    string Mode,
    long? ModeSinceUnixMs,
    long? ModeUntilUnixMs,
    string Comment,
    double? Average,
    double? LastSeconds,
    string? LastOutcome,
    IReadOnlyList<string?> Votes);

/// <param name="Total">Edges of the network.</param>
/// <param name="Matching">Edges that pass the filter, over every page.</param>
public sealed record EdgeTable(IReadOnlyList<string> Vantages, IReadOnlyList<EdgeRow> Rows, int Total, int Matching, int Page, int Pages);

public sealed record DecisionView(long AtUnixMs, bool Published, bool Degraded, IReadOnlyList<string> Live, IReadOnlyList<ChangeView> Changes,
    IReadOnlyList<string> Notes, IReadOnlyList<long> SubstitutionTimesUnixMs);

/// <summary>One substitution of the last decision, with each side's reason from that decision.</summary>
public sealed record ChangeView(string? Out, string? OutWhy, string? In, string? InWhy, bool Discretionary);

public sealed record ZonesView(uint Serial, long? LastWriteAtUnixMs, long? LastPublishAtUnixMs, IReadOnlyList<ZoneRow> Zones, IReadOnlyList<HookRow> Hooks);

/// <param name="Result">What the last publish step did to the zone (written, unchanged, held, check_failed, failed), or "-" when it has not run since start.</param>
public sealed record ZoneRow(string Zone, uint Serial, string Result, string Detail, bool Ok);

public sealed record HookRow(string Hook, string Command, string Result, bool Ok);

/// <summary>Builds the <see cref="StatusView"/> from what the networks answered. Pure: same input, same view.</summary>
public static class StatusModel
{
    public static StatusView Build(IReadOnlyList<NetworkData> networks, StatusQuery query, long nowUnixMs)
    {
        var cards = networks.OrderBy(n => n.Network, StringComparer.Ordinal).Select(Card).ToArray();
        var selected = networks.FirstOrDefault(n => n.Network == query.Network)
                       ?? networks.OrderBy(n => n.Network, StringComparer.Ordinal).FirstOrDefault();
        if (selected is null) return new StatusView(nowUnixMs, query, cards, null, null, null, null, []);
        var q = query with { Network = selected.Network };
        return new StatusView(nowUnixMs, q, cards, selected.Network, Edges(selected, q), Decision(selected.Status), Zones(selected.Zones),
            selected.Recent ?? []);
    }

    public static NetworkCard Card(NetworkData n)
    {
        if (n.Status is not { } s)
            return new NetworkCard(n.Network, "unavailable", string.Join("; ", n.Problems), [], 0, null, "-", null, null);
        var d = s.LastDecision;
        var (state, why) = s.FrozenReason is { } frozen ? ("frozen", frozen)
            : d is null ? ("no decision yet", null)
            : d.Degraded ? ("degraded", d.Notes.Count > 0 ? string.Join("; ", d.Notes) : $"{s.Live.Count} of edge_count {d.Required} live")
            : ("ok", null);
        var budget = ThrottleText.Describe(s.BudgetMax, s.BudgetRemaining, s.SubstitutionTimesUnixMs.Count, s.BudgetWindowMs);
        return new NetworkCard(n.Network, state, why, s.Live, d?.Required ?? 0, d?.AtUnixMs, budget,
            s.Serving ? s.JournalProblem is { } j ? $"NOT WRITABLE: {j}" : "writable" : null, s.PublishProblem);
    }

    /// <summary>
    /// Every edge the last decision judged or this node reports, filtered and paged. Health, live and reason are the
    /// decision's (what DNS carries and why); mode is this node's report when it has one, since a mode just set
    /// shows there before the next decision carries it.
    /// </summary>
    public static EdgeTable Edges(NetworkData n, StatusQuery q)
    {
        var decision = n.Status?.LastDecision;
        var live = new HashSet<string>(n.Status?.Live ?? [], StringComparer.Ordinal);
        var lines = decision?.Edges.ToDictionary(e => e.Edge, StringComparer.Ordinal) ?? new Dictionary<string, EdgeDecision>(StringComparer.Ordinal);
        var reports = new Dictionary<string, EdgeReport>(StringComparer.Ordinal);
        foreach (var r in n.Reports) reports[r.Edge] = r;
        var votes = decision?.Votes;
        var vantages = votes?.Vantages.Select(v => v.Vantage).ToArray() ?? [];
        var cells = votes?.Edges.ToDictionary(e => e.Edge, e => e.Cells, StringComparer.Ordinal) ?? new Dictionary<string, IReadOnlyList<VoteCell>>();

        var names = lines.Keys.Union(reports.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var matching = new List<string>();
        foreach (var name in names)
        {
            if (q.Text.Length > 0 && !name.Contains(q.Text, StringComparison.OrdinalIgnoreCase)) continue;
            if (q.Live == LiveFilter.In && !live.Contains(name) || q.Live == LiveFilter.Out && live.Contains(name)) continue;
            if (q.Health is { } h && HealthOf(name) != h) continue;
            matching.Add(name);
        }
        var pages = Math.Max(1, (matching.Count + q.PageSize - 1) / q.PageSize);
        var page = Math.Min(q.Page, pages);
        var rows = matching.Skip((page - 1) * q.PageSize).Take(q.PageSize).Select(Row).ToArray();
        return new EdgeTable(vantages, rows, names.Length, matching.Count, page, pages);

        EdgeHealth HealthOf(string edge) =>
            lines.TryGetValue(edge, out var line) ? line.Health : reports.TryGetValue(edge, out var r) ? r.Verdict.Health : EdgeHealth.Untested;

        EdgeRow Row(string edge)
        {
            lines.TryGetValue(edge, out var line);
            reports.TryGetValue(edge, out var report);
            var mode = report?.Mode ?? line?.Mode ?? EdgeMode.Available;
            var voteCells = new string?[vantages.Length];
            if (cells.TryGetValue(edge, out var edgeCells))
                foreach (var c in edgeCells)
                    if (c.Vantage >= 0 && c.Vantage < voteCells.Length)
                        voteCells[c.Vantage] = c.Health.Name() + (c.Use == VoteUse.Counted ? "" : $" ({UseName(c.Use)})");
            return new EdgeRow(edge, HealthOf(edge).Name(), live.Contains(edge),
                line is null ? "not decided yet" : DecisionFormat.ReasonName(line.Reason), line?.Detail ?? "",
                mode.Name(), report is { ModeChangedAtUnixMs: >= 0 } ? report.ModeChangedAtUnixMs : null, report?.ModeExpiresAtUnixMs,
                report?.Comment ?? "", line?.Average ?? report?.Verdict.Average, line?.LastSeconds ?? report?.Verdict.Last?.Seconds,
                report?.Verdict.Last is { } last ? last.Outcome.Name() + (last.IsOk || report.LastDetail is null ? "" : $": {report.LastDetail}") : null,
                voteCells);
        }
    }

    private static string UseName(VoteUse use) => use switch
    {
        VoteUse.Stale => "stale",
        VoteUse.Abstained => "abstained",
        VoteUse.NoJudgement => "no judgement",
        _ => "counted",
    };

    public static DecisionView? Decision(NetworkStatus? status) =>
        status?.LastDecision is { } d ? Summary(d, status.SubstitutionTimesUnixMs) : null;

    /// <summary>What a decision changed and why, without its per-edge lines (small enough to keep a few).</summary>
    public static DecisionView Summary(DecisionRecord d, IReadOnlyList<long> substitutionTimesUnixMs)
    {
        var lines = d.Edges.ToDictionary(e => e.Edge, StringComparer.Ordinal);
        string? Why(string? edge) => edge is not null && lines.TryGetValue(edge, out var l)
            ? $"{DecisionFormat.ReasonName(l.Reason)}" + (l.Detail.Length > 0 ? $": {l.Detail}" : "") : null;
        var changes = d.Substitutions.Select(s => new ChangeView(s.Out, Why(s.Out), s.In, Why(s.In), s.Discretionary)).ToArray();
        return new DecisionView(d.AtUnixMs, d.Published, d.Degraded, d.Live, changes, d.Notes, substitutionTimesUnixMs);
    }

    public static ZonesView? Zones(ZonesStatus? z)
    {
        if (z is null) return null;
        var outcomes = z.LastOutcomes.ToDictionary(o => o.Zone, StringComparer.Ordinal);
        var names = z.Zones.Select(p => p.Zone).Union(outcomes.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var zones = names.Select(name =>
        {
            var serial = z.Zones.FirstOrDefault(p => p.Zone == name)?.Serial ?? 0;
            if (!outcomes.TryGetValue(name, out var o)) return new ZoneRow(name, serial, "-", "no publish step since the node started", true);
            var result = o.Action switch
            {
                Contracts.Zones.ZoneAction.Written => "written",
                Contracts.Zones.ZoneAction.Unchanged => "unchanged",
                Contracts.Zones.ZoneAction.Held => "held",
                Contracts.Zones.ZoneAction.CheckFailed => "check failed",
                Contracts.Zones.ZoneAction.Failed => "failed",
                _ => "planned",
            };
            var ok = o.Action is Contracts.Zones.ZoneAction.Written or Contracts.Zones.ZoneAction.Unchanged;
            return new ZoneRow(name, o.Serial ?? serial, result, o.Detail, ok);
        }).ToArray();
        var hooks = z.LastHooks.Select(h => new HookRow(h.Hook, h.CommandLine,
            h.StartError is { } e ? $"did not start: {e}" : h.TimedOut ? "timed out"
            : $"exit {h.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "?"} after {h.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)}s",
            h.Succeeded)).ToArray();
        return new ZonesView(z.Serial, z.LastWriteAtUnixMs, z.LastPublishAtUnixMs, zones, hooks);
    }
}
