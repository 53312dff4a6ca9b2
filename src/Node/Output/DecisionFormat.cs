using System.Globalization;
using Edgemanage.Contracts.Canaries;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;
using Edgemanage.Contracts.Probing;
using Edgemanage.Contracts.Zones;

namespace Edgemanage.Node.Output;

/// <summary>How decisions are shown: the decision table of <c>run -v</c>, the round summary, and <c>why</c>.</summary>
public static class DecisionFormat
{
    public static string Time(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string ReasonName(DecisionReason r) => r switch
    {
        DecisionReason.KeptHealthy => "kept",
        DecisionReason.Forced => "forced",
        DecisionReason.BlindForced => "blindforced",
        DecisionReason.Filled => "filled",
        DecisionReason.Deferred => "deferred",
        DecisionReason.KeptForLackOfBetter => "kept-degraded",
        DecisionReason.NotNeeded => "not-needed",
        DecisionReason.Failing => "failing",
        DecisionReason.Untested => "untested",
        DecisionReason.Unavailable => "unavailable",
        DecisionReason.ForcedOverflow => "forced-overflow",
        DecisionReason.ForcedButFailing => "forced-failing",
        DecisionReason.NotInEdgeList => "not-listed",
        DecisionReason.Replaced => "replaced",
        DecisionReason.Canary => "canary",
        DecisionReason.Imported => "imported",
        _ => r.ToString(),
    };

    /// <summary>Every edge with its probe figures and the decision about it (run -v).</summary>
    public static void WriteDecision(TextWriter output, DecisionRecord decision, IReadOnlyList<EdgeReport> reports, IReadOnlyList<CanaryVerdict> canaries)
    {
        var byEdge = reports.ToDictionary(r => r.Edge, StringComparer.Ordinal);
        var table = new TextTable("EDGE", "OUTCOME", "TIME", "AVG", "SAMPLES", "HEALTH", "MODE", "LIVE", "REASON", "DETAIL");
        foreach (var e in decision.Edges.OrderBy(e => e.Edge, EdgeOrder.Instance))
        {
            byEdge.TryGetValue(e.Edge, out var r);
            var detail = r?.Verdict.Last is { IsOk: false } && r.LastDetail is { } why ? $"{e.Detail}; last probe: {why}" : e.Detail;
            table.Add(e.Edge,
                r?.Verdict.Last?.Outcome.Name() ?? "-",
                EdgeReportFormat.Seconds(r?.Verdict.Last?.Seconds),
                EdgeReportFormat.Seconds(e.Average),
                r?.Verdict.SampleCount.ToString(CultureInfo.InvariantCulture) ?? "-",
                e.Health.Name(),
                e.Mode.Name(),
                decision.Live.Contains(e.Edge) ? "in" : "out",
                ReasonName(e.Reason),
                detail);
        }
        table.Write(output);
        foreach (var c in canaries)
            output.WriteLine($"canary {c.Ip} for {c.Zone}: {c.Health.Name()}, {(c.Usable ? "used" : "not used")} ({c.Detail})");
    }

    /// <summary>A few lines: the live set and what changed, then what happened to the zones and hooks.</summary>
    public static void WriteSummary(TextWriter output, DecisionRecord decision, ZoneReplies.ZonesPublished zones)
    {
        var removed = EdgeOrder.Sort(decision.PreviousLive.Except(decision.Live, StringComparer.Ordinal)).ToArray();
        var added = EdgeOrder.Sort(decision.Live.Except(decision.PreviousLive, StringComparer.Ordinal)).ToArray();
        var change = removed.Length + added.Length == 0 ? "unchanged"
            : string.Join(' ', removed.Select(e => "-" + e).Concat(added.Select(e => "+" + e)));
        var state = !decision.Published ? "NOT PUBLISHED" : decision.Degraded ? "DEGRADED" : "ok";
        output.WriteLine($"{decision.Network}: live {(decision.Live.Count == 0 ? "(none)" : string.Join(' ', EdgeOrder.Sort(decision.Live)))} " +
                         $"({decision.Live.Count} of edge_count {decision.Required}; {change}) [{state}]");
        foreach (var s in decision.Substitutions.Where(s => s.Out is not null && s.In is not null))
            output.WriteLine($"  substituted {s.Out} -> {s.In}{(s.Discretionary ? " (discretionary, counts against dnschange_maxfreq)" : "")}");
        foreach (var e in decision.Edges.Where(e => e.Reason == DecisionReason.Deferred))
            output.WriteLine($"  deferred: {e.Edge} stays live: {e.Detail}");
        var counts = zones.Zones.GroupBy(z => z.Action).OrderBy(g => g.Key)
            .Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}");
        var serial = zones.Zones.Select(z => z.Serial).Where(s => s is not null).DefaultIfEmpty(null).Max();
        output.WriteLine(zones.Zones.Count == 0 ? "zones: none configured"
            : $"zones: {string.Join(", ", counts)}{(serial is { } sn && zones.Zones.Any(z => z.Action is ZoneAction.Written or ZoneAction.Planned) ? $" (serial {sn})" : "")}");
        foreach (var z in zones.Zones.Where(z => z.Action is not (ZoneAction.Written or ZoneAction.Unchanged or ZoneAction.Planned)))
            output.WriteLine($"  {z.Zone}: {z.Action.ToString().ToLowerInvariant()}: {z.Detail}");
        foreach (var h in zones.Hooks)
            output.WriteLine($"  {h.Hook} '{h.CommandLine}': {(h.Succeeded ? "ok" : h.StartError ?? (h.TimedOut ? "timed out" : $"exit {h.ExitCode}"))}");
    }

    /// <summary>The answer to "why is this edge (not) live".</summary>
    public static void WriteWhy(TextWriter output, DecisionRecord decision, string edge)
    {
        var live = decision.Live.Contains(edge, StringComparer.Ordinal);
        var line = decision.Edges.FirstOrDefault(e => e.Edge == edge);
        output.WriteLine($"{edge} is {(live ? "LIVE" : "NOT live")} in {decision.Network} (decision of {Time(decision.AtUnixMs)})");
        if (line is null)
        {
            output.WriteLine("  it was not part of that decision: not in the edge list, and not live before it");
        }
        else
        {
            output.WriteLine($"  reason: {ReasonName(line.Reason)}: {line.Detail}");
            output.WriteLine($"  health {line.Health.Name()}, average {EdgeReportFormat.Seconds(line.Average)} s, " +
                             $"last {EdgeReportFormat.Seconds(line.LastSeconds)} s, mode {line.Mode.Name()}");
        }
        if (!decision.Published) output.WriteLine("  nothing was published in that round; the live set shown is the one the zones still carry");
        output.WriteLine($"  live set: {(decision.Live.Count == 0 ? "(none)" : string.Join(' ', decision.Live))} ({decision.Live.Count} of edge_count {decision.Required})");
        foreach (var s in decision.Substitutions.Where(s => s.Out == edge || s.In == edge))
            output.WriteLine($"  substitution: {s.Out ?? "(none)"} -> {s.In ?? "(none)"}{(s.Discretionary ? " (discretionary)" : "")}");
        if (decision.Votes is { } votes && votes.Edges.FirstOrDefault(e => e.Edge == edge) is { } row)
        {
            // The edge × vantage view: "unreachable from region Y only" reads straight off this line.
            var cells = row.Cells.Select(c =>
            {
                var vantage = c.Vantage < votes.Vantages.Count ? votes.Vantages[c.Vantage] : null;
                var use = c.Use == VoteUse.Counted ? "" : $" ({c.Use.ToString().ToLowerInvariant()}{(vantage is { Status: not VantageStatus.Voting } v ? $": {v.Status.ToString().ToLowerInvariant()}" : "")})";
                return $"{vantage?.Vantage ?? "?"} {c.Health.Name()}{use}";
            });
            output.WriteLine($"  votes: {string.Join(", ", cells)}");
        }
        foreach (var note in decision.Notes) output.WriteLine($"  note: {note}");
    }
}
