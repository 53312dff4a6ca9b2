using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;
using Edgemanage.Contracts.Probing;
using Edgemanage.Contracts.Zones;
using static Edgemanage.Contracts.Admin.AdminReplies;
using static Edgemanage.Contracts.Networks.NetworkReplies;

namespace Edgemanage.Node.Output;

/// <summary>How <c>edgemanage ctl</c> prints a node's replies: tables for humans, one JSON document with <c>--json</c>.</summary>
public static class CtlFormat
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The reply record as it is, so scripts see every field; times are unix milliseconds.</summary>
    public static void WriteJson(TextWriter output, object reply) =>
        output.WriteLine(JsonSerializer.Serialize(reply, reply.GetType(), Json));

    private static string When(long? unixMs) => unixMs is { } t ? DecisionFormat.Time(t) : "-";

    private static string Ago(long? unixMs)
    {
        if (unixMs is not { } t) return "-";
        var age = DateTimeOffset.UtcNow - DateTimeOffset.FromUnixTimeMilliseconds(t);
        return age.TotalSeconds < 0 ? "now" : age.TotalSeconds < 120 ? $"{age.TotalSeconds:0}s ago"
            : age.TotalMinutes < 120 ? $"{age.TotalMinutes:0}m ago" : age.TotalHours < 48 ? $"{age.TotalHours:0}h ago" : $"{age.TotalDays:0}d ago";
    }

    private static string Count(int n) => n.ToString(CultureInfo.InvariantCulture);

    public static void WriteAck(TextWriter output, object reply) => output.WriteLine(((AdminAck)reply).Message);

    public static void WriteClusterStatus(TextWriter output, object reply)
    {
        var s = (ClusterStatus)reply;
        var serves = s.Networks.Count == 0 ? "no network" : string.Join(", ", s.Networks);
        if (!s.Clustered)
        {
            output.WriteLine($"{s.AdminAddress}: a node of its own (not clustered), serving {serves}");
            return;
        }
        output.WriteLine($"node {s.SelfAddress} (ctl {s.AdminAddress}), serving {serves}");
        var table = new TextTable("", "ADDRESS", "STATUS", "REACHABLE", "LEADER", "ROLES", "DECIDES");
        foreach (var m in s.Members)
            table.Add(m.Self ? "*" : "", m.Address, m.Status, m.Reachable ? "yes" : "NO", m.Leader ? "leader" : "", string.Join(",", m.Roles),
                string.Join(",", s.Deciders.Where(d => d.Address == m.Address).Select(d => d.Network)));
        table.Write(output);
        var unreachable = s.Members.Count(m => !m.Reachable);
        output.WriteLine($"{s.Members.Count} members, {s.Members.Count(m => m.Status == "Up")} up" + (unreachable > 0 ? $", {unreachable} UNREACHABLE" : ""));
        foreach (var d in s.Deciders)
            output.WriteLine($"{d.Network} is decided by {d.Address ?? "NO member (none Up with the decider role): DNS is not updated"}");
    }

    public static void WriteHierarchy(TextWriter output, object reply)
    {
        foreach (var path in ((ActorHierarchy)reply).Paths) output.WriteLine(path);
    }

    public static void WriteNetworkList(TextWriter output, object reply)
    {
        var list = (NetworkList)reply;
        if (list.Networks.Count == 0)
        {
            output.WriteLine($"{list.Node} serves no network");
            return;
        }
        // A clustered node says which member decides each network; a node of its own decides its networks itself.
        var clustered = list.Networks.Any(n => n.Decider is not null);
        var table = clustered
            ? new TextTable("NETWORK", "LIVE", "STATE", "LAST DECISION", "BUDGET LEFT", "DECIDER")
            : new TextTable("NETWORK", "LIVE", "STATE", "LAST DECISION", "BUDGET LEFT");
        foreach (var n in list.Networks)
        {
            var state = n.FrozenReason is not null ? $"FROZEN: {n.FrozenReason}" : n.LastDecisionAtUnixMs is null ? "no decision yet" : n.Degraded ? "DEGRADED" : "ok";
            string[] cells = [n.Network, n.Live < 0 ? "?" : $"{n.Live}/{n.Required}", state, $"{When(n.LastDecisionAtUnixMs)} ({Ago(n.LastDecisionAtUnixMs)})",
                Budget(n.BudgetRemaining)];
            table.Add(clustered ? [.. cells, n.Decider ?? "-"] : cells);
        }
        table.Write(output);
    }

    private static string Budget(int remaining) => remaining == int.MaxValue ? "unlimited" : Count(remaining);

    public static void WriteNetworkStatus(TextWriter output, object reply)
    {
        var s = (NetworkStatus)reply;
        var d = s.LastDecision;
        output.WriteLine($"network {s.Network}" + (s.Serving ? "" : " (not serving: a cron node's state)"));
        output.WriteLine($"  live:      {(s.Live.Count == 0 ? "(none)" : string.Join(' ', EdgeOrder.Sort(s.Live)))} ({s.Live.Count} of edge_count {d?.Required.ToString(CultureInfo.InvariantCulture) ?? "?"})");
        output.WriteLine($"  state:     {(s.FrozenReason is { } f ? $"DNS FROZEN: {f}" : d is null ? "no decision yet" : d.Degraded ? "DEGRADED" : "ok")}");
        if (s.Serving)
            output.WriteLine(s.JournalProblem is { } problem
                ? $"  journal:   NOT WRITABLE: {problem} (deciding and zone writing go on from memory; recorded when it takes writes again)"
                : "  journal:   writable");
        if (s.PublishProblem is { } unpublished) output.WriteLine($"  publish:   NOT PUBLISHED: {unpublished}");
        output.WriteLine($"  throttle:  {ThrottleText.Describe(s.BudgetMax, s.BudgetRemaining, s.SubstitutionTimesUnixMs.Count, s.BudgetWindowMs)}");
        if (d is null)
        {
            output.WriteLine("  decision:  none recorded yet");
            return;
        }
        output.WriteLine($"  decision:  {When(d.AtUnixMs)} ({Ago(d.AtUnixMs)}), {(d.Published ? "published" : "NOT published")}");
        var table = new TextTable("EDGE", "LIVE", "HEALTH", "AVG", "LAST", "MODE", "REASON", "DETAIL");
        foreach (var e in d.Edges.OrderBy(e => e.Edge, EdgeOrder.Instance))
            table.Add(e.Edge, e.Live ? "yes" : "", e.Health.Name(), EdgeReportFormat.Seconds(e.Average), EdgeReportFormat.Seconds(e.LastSeconds),
                e.Mode.Name(), DecisionFormat.ReasonName(e.Reason), e.Detail);
        table.Write(output);
        foreach (var sub in d.Substitutions)
            output.WriteLine($"  substitution: {sub.Out ?? "(none)"} -> {sub.In ?? "(none)"}{(sub.Discretionary ? " (discretionary)" : "")}");
        foreach (var note in d.Notes) output.WriteLine($"  note: {note}");
    }

    public static void WriteEdgeDetail(TextWriter output, object reply)
    {
        var e = (EdgeDetail)reply;
        output.WriteLine($"edge {e.Edge} of {e.Network}: {(e.Live ? "LIVE" : "not live")}");
        var mode = e.Reports.OrderByDescending(r => r.ModeChangedAtUnixMs).FirstOrDefault();
        if (mode is not null)
        {
            var since = mode.ModeChangedAtUnixMs < 0 ? "never changed" : $"since {When(mode.ModeChangedAtUnixMs)}";
            var until = mode.ModeExpiresAtUnixMs is { } x ? $", until {When(x)}" : "";
            var comment = mode.Comment.Length > 0 ? $", comment {mode.Comment}" : "";
            output.WriteLine($"  mode:      {mode.Mode.Name()} ({since}{until}{comment})");
        }
        if (e.Decision is { } line)
            output.WriteLine($"  decision:  {DecisionFormat.ReasonName(line.Reason)}: {line.Detail} ({When(e.DecidedAtUnixMs)})");
        foreach (var sub in e.Substitutions)
            output.WriteLine($"  substitution: {sub.Out ?? "(none)"} -> {sub.In ?? "(none)"}{(sub.Discretionary ? " (discretionary)" : "")}");
        if (e.Votes.Count > 0)
        {
            var votes = e.Votes.Select(c =>
            {
                var vantage = c.Vantage < e.Vantages.Count ? e.Vantages[c.Vantage].Vantage : "?";
                return $"{vantage} {c.Health.Name()}{(c.Use == VoteUse.Counted ? "" : $" ({c.Use.ToString().ToLowerInvariant()})")}";
            });
            output.WriteLine($"  votes:     {string.Join(", ", votes)}");
        }
        var table = new TextTable("VANTAGE", "HEALTH", "LAST", "OUTCOME", "AT", "AVG", "WINDOW AVG", "SAMPLES", "DETAIL");
        foreach (var r in e.Reports)
        {
            var v = r.Verdict;
            table.Add(r.Vantage, v.Health.Name(), EdgeReportFormat.Seconds(v.Last?.Seconds), v.Last?.Outcome.Name() ?? "-", Ago(v.Last?.AtUnixMs),
                EdgeReportFormat.Seconds(v.Average), EdgeReportFormat.Seconds(v.WindowAverage), Count(v.SampleCount),
                v.Last is { IsOk: true } ? "" : r.LastDetail ?? "");
        }
        table.Write(output);
    }

    /// <summary>ctl why --json: the edge's line of the last decision, with what else that decision says about it.</summary>
    public sealed record WhyAnswer(string Network, string Edge, bool Live, long? DecidedAtUnixMs, bool Published, EdgeDecision? Decision,
        IReadOnlyList<Substitution> Substitutions, IReadOnlyList<string> Votes, IReadOnlyList<string> Notes);

    public static WhyAnswer WhyOf(NetworkStatus status, string edge)
    {
        var d = status.LastDecision;
        var votes = d?.Votes is { } matrix && matrix.Edges.FirstOrDefault(e => e.Edge == edge) is { } row
            ? row.Cells.Select(c => $"{(c.Vantage < matrix.Vantages.Count ? matrix.Vantages[c.Vantage].Vantage : "?")} {c.Health.Name()}" +
                                    (c.Use == VoteUse.Counted ? "" : $" ({c.Use.ToString().ToLowerInvariant()})")).ToArray()
            : [];
        return new WhyAnswer(status.Network, edge, status.Live.Contains(edge, StringComparer.Ordinal), d?.AtUnixMs, d?.Published ?? false,
            d?.Edges.FirstOrDefault(e => e.Edge == edge), d?.Substitutions.Where(s => s.Out == edge || s.In == edge).ToArray() ?? [], votes,
            d?.Notes ?? []);
    }

    public static void WriteWhy(TextWriter output, NetworkStatus status, string edge)
    {
        if (status.LastDecision is not { } decision)
        {
            output.WriteLine($"no decision has been recorded for network {status.Network} yet");
            return;
        }
        DecisionFormat.WriteWhy(output, decision, edge);
    }

    public static void WriteZones(TextWriter output, object reply)
    {
        var z = (ZonesStatus)reply;
        output.WriteLine($"zones of {z.Network}: serial {z.Serial}, last written {When(z.LastWriteAtUnixMs)} ({Ago(z.LastWriteAtUnixMs)})");
        if (z.LiveList is { } live) output.WriteLine($"  live list: {(live.Count == 0 ? "(empty)" : string.Join(' ', live))}");
        var outcomes = z.LastOutcomes.ToDictionary(o => o.Zone, StringComparer.Ordinal);
        var table = new TextTable("ZONE", "SERIAL", "LAST PUBLISH", "CHECK", "DETAIL");
        foreach (var name in z.Zones.Select(p => p.Zone).Concat(outcomes.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var published = z.Zones.FirstOrDefault(p => p.Zone == name);
            outcomes.TryGetValue(name, out var last);
            // An empty check key means the zone was written with checking off (zone_check_command: false).
            var check = last?.Action == ZoneAction.CheckFailed ? "FAILED" : published is null ? "-" : published.CheckKey.Length == 0 ? "off"
                : published.CheckKey == Actors.Zones.Dynamic.DnsUpdatePublisher.NotChecked ? "n/a (update)" : "passed";
            table.Add(name, published?.Serial.ToString(CultureInfo.InvariantCulture) ?? "-", last is null ? "-" : JsonNamingPolicy.SnakeCaseLower.ConvertName(last.Action.ToString()), check,
                last?.Detail ?? "");
        }
        table.Write(output);
        output.WriteLine(z.LastPublishAtUnixMs is { } at ? $"last publish step on this node: {When(at)} ({Ago(at)})" : "no publish step on this node since it started");
        if (z.LastHooks.Count == 0) return;
        var hooks = new TextTable("HOOK", "EXIT", "ELAPSED", "COMMAND", "STDERR");
        foreach (var h in z.LastHooks)
            hooks.Add(h.Hook, h.TimedOut ? "timeout" : h.StartError is not null ? "not started" : h.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "-",
                $"{h.Elapsed.TotalSeconds:0.###}s", h.CommandLine, (h.StartError ?? h.Stderr).ReplaceLineEndings(" ").Trim());
        hooks.Write(output);
    }
}
