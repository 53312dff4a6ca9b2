using System.Globalization;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;

namespace Edgemanage.Actors.Networks;

/// <summary>Why <see cref="DecisionGuard"/> held a decision; the metric label is <see cref="DecisionGuard.Label"/>.</summary>
public enum GuardCause
{
    /// <summary>The edge list lost more than max_edge_list_shrink of its edges since the last recorded decision.</summary>
    Shrink,

    /// <summary>Every listed edge failed from every vantage that observed it: more likely our own network than the edges.</summary>
    AllFailing,
}

/// <summary>One reason to hold; <see cref="Reason"/> is the sentence operators read, <see cref="Advice"/> what to do.</summary>
public sealed record GuardHold(GuardCause Cause, string Reason, string Advice);

/// <summary>
/// What the guard looks at, for one decision.
/// </summary>
/// <param name="BaselineEdges">How many edges were listed when the last recorded decision was made; null when none is
/// known (no decision yet, or one imported or adopted, which does not say how long the list was).</param>
/// <param name="CurrentEdges">How many edges are listed now.</param>
/// <param name="MaxShrink">max_edge_list_shrink as a fraction; 1 (or more) never holds for a shrink.</param>
/// <param name="AcceptShrink">--accept-shrink: the operator says this shrink is intended.</param>
/// <param name="EdgesFailingEverywhere">Listed edges observed this round whose every observation (from every vantage)
/// failed; an edge nobody observed does not count, so a start with no reports never holds.</param>
/// <param name="DnsServesEdges">DNS serves a live set now. With nothing published there is nothing for the
/// every-edge-failing hold to protect: the decision itself publishes nothing and says why edge by edge, as the
/// original does.</param>
public sealed record GuardInput(int? BaselineEdges, int CurrentEdges, double MaxShrink, bool AcceptShrink, int EdgesFailingEverywhere,
    bool DnsServesEdges = true);

/// <summary>The guard's answer: <see cref="Holding"/> when any <see cref="Holds"/> applies; then nothing is published.</summary>
public sealed record GuardVerdict(IReadOnlyList<GuardHold> Holds)
{
    public static readonly GuardVerdict Pass = new([]);

    public bool Holding => Holds.Count > 0;

    /// <summary>The reasons in one line ("…; …"), or null when passing.</summary>
    public string? Reason => Holding ? string.Join("; ", Holds.Select(h => h.Reason)) : null;

    /// <summary>Reason and advice, as stderr, the log, ctl and the checks print it.</summary>
    public string? Message => MessageWith(null);

    /// <summary>Reason and advice, with <paramref name="shrinkAdvice"/> instead of the cron advice for a shrink (serve is restarted, not rerun).</summary>
    public string? MessageWith(string? shrinkAdvice) =>
        Holding ? string.Join("; ", Holds.Select(h => $"{h.Reason}: DNS held; {(h.Cause == GuardCause.Shrink ? shrinkAdvice ?? h.Advice : h.Advice)}")) : null;

    /// <summary>The causes as metric labels, comma-separated (<see cref="DecisionGuard.Label"/>), or null when passing.</summary>
    public string? Labels => Holding ? string.Join(",", Holds.Select(h => DecisionGuard.Label(h.Cause))) : null;
}

/// <summary>
/// Guards DNS against our own mistakes (issue 13): an edge list that lost most of its edges in one reload or run (a
/// truncated file, a wrong extra_edgelist_dir), or a round in which every edge fails from everywhere at once (our own
/// uplink, DNS resolver or firewall, far more likely than every edge dying together). Either way the decision would
/// rewrite DNS on evidence that is more likely wrong than right, so it is held: nothing is published, probing goes on,
/// and a later round in which the condition no longer holds publishes normally. Pure, so that <c>replay</c> can show
/// what it would have held on a trace.
/// </summary>
public static class DecisionGuard
{
    public const double DefaultMaxShrink = 0.5;

    public static GuardVerdict Judge(GuardInput input)
    {
        var holds = new List<GuardHold>(2);
        if (ShrinkOf(input) is { } shrink)
            holds.Add(new GuardHold(GuardCause.Shrink,
                $"edge list shrank from {input.BaselineEdges} to {input.CurrentEdges} edges ({Percent(shrink)} > max_edge_list_shrink {Percent(input.MaxShrink)})",
                "rerun with --accept-shrink if intended"));
        if (input.DnsServesEdges && input.CurrentEdges > 0 && input.EdgesFailingEverywhere >= input.CurrentEdges)
            holds.Add(new GuardHold(GuardCause.AllFailing,
                $"every one of the {input.CurrentEdges} edges failed from every vantage at once (more likely our own network than the edges)",
                "probing goes on, and DNS is published again once an edge answers"));
        return holds.Count == 0 ? GuardVerdict.Pass : new GuardVerdict(holds);
    }

    /// <summary>The fraction of the baseline lost, when it is more than allowed and not accepted; else null.</summary>
    private static double? ShrinkOf(GuardInput input)
    {
        if (input.AcceptShrink || input.MaxShrink >= 1 || input.BaselineEdges is not { } baseline || baseline <= 0) return null;
        if (input.CurrentEdges >= baseline) return null;
        var lost = (baseline - input.CurrentEdges) / (double)baseline;
        return lost > input.MaxShrink ? lost : null;
    }

    /// <summary>The metric label of a cause.</summary>
    public static string Label(GuardCause cause) => cause switch
    {
        GuardCause.Shrink => "edge_list_shrink",
        _ => "all_edges_failing",
    };

    /// <summary>
    /// The edge list a recorded decision was made from, as a count: its per-edge rows are one per listed edge, plus
    /// one per live edge no longer listed (<see cref="DecisionReason.NotInEdgeList"/>, not counted). So the baseline
    /// needs no new persisted field, and every journal written before the guard existed has one. An imported or
    /// adopted decision lists only the live edges (every row <see cref="DecisionReason.Imported"/>), so it says
    /// nothing about the list's length and gives no baseline.
    /// </summary>
    public static int? BaselineOf(DecisionRecord? last)
    {
        if (last is null || last.Edges.All(e => e.Reason == DecisionReason.Imported)) return null;
        var listed = last.Edges.Count(e => e.Reason is not (DecisionReason.NotInEdgeList or DecisionReason.Canary));
        return listed == 0 ? null : listed;
    }

    /// <summary>
    /// How many of <paramref name="edges"/> were observed and failed from every vantage that observed them:
    /// <paramref name="reportsOf"/> gives an edge's reports (one per vantage); a report whose last probe was not ok fails.
    /// </summary>
    public static int FailingEverywhere(IEnumerable<string> edges, Func<string, IEnumerable<EdgeReport>> reportsOf) =>
        FailingEverywhere(edges, edge => reportsOf(edge).Select(r => r.Verdict.Last));

    /// <summary>The same from each vantage's newest probe of an edge (null: that vantage has none, so not failing):
    /// what <c>replay</c> has instead of reports.</summary>
    public static int FailingEverywhere(IEnumerable<string> edges, Func<string, IEnumerable<Sample?>> newestProbesOf) =>
        edges.Count(edge =>
        {
            var any = false;
            foreach (var newest in newestProbesOf(edge))
            {
                if (newest is not { } last || last.IsOk) return false;
                any = true;
            }
            return any;
        });

    /// <summary>"70%", "50%", "33.3%": as precise as needed to tell the shrink from the limit.</summary>
    public static string Percent(double fraction) =>
        (fraction * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";
}
