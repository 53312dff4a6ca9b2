using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;

namespace Edgemanage.Actors.Networks;

/// <summary>What one network's decisions are taken under that is not an edge's judgement: the live-set rules.</summary>
/// <param name="Required">edge_count with the dnet_edge_count override applied.</param>
/// <param name="MinEdges">min_edges, at most <paramref name="Required"/>.</param>
/// <param name="Budget">dnschange_maxfreq over dnschange_window.</param>
/// <param name="KeepUnderSeconds">keep_margin as a time: goodenough × (1 + keep_margin); null = off.</param>
public sealed record DecisionPolicy(int Required, int MinEdges, RotationBudget Budget, double? KeepUnderSeconds = null);

/// <summary>
/// The glue between a round's judgements and the live set, shared by the NetworkActor and <c>edgemanage replay</c> so
/// that a replayed decision is taken by exactly the code a live one is: the candidates of a cron round, the budget
/// left in the window, the selection, and the substitution times the decision leaves behind.
/// </summary>
public static class DecisionStep
{
    /// <summary>A cron round's candidates: one per listed edge, in edge-list order; an edge that did not report is untested.</summary>
    public static SelectionCandidate[] CandidatesFromRound(IReadOnlyList<string> edges, IReadOnlyList<EdgeReport> reports)
    {
        var byEdge = new Dictionary<string, EdgeReport>(StringComparer.Ordinal);
        foreach (var r in reports) byEdge.TryAdd(r.Edge, r);
        return edges.Select(edge => byEdge.TryGetValue(edge, out var r)
                ? Candidate(edge, r.Verdict, r.Mode)
                : new SelectionCandidate(edge, EdgeHealth.Untested, null, null, EdgeMode.Available))
            .ToArray();
    }

    /// <summary>One vantage's judgement of an edge as the selector sees it: the latest time only when that probe answered.</summary>
    public static SelectionCandidate Candidate(string edge, EdgeVerdict verdict, EdgeMode mode) =>
        new(edge, verdict.Health, verdict.Average, verdict.Last is { IsOk: true } last ? last.Seconds : null, mode);

    /// <summary>The live set chosen at <paramref name="nowUnixMs"/> from <paramref name="state"/>, and the substitution
    /// times still inside the window (what <see cref="TimesAfter"/> adds to).</summary>
    public static (SelectionResult Selection, IReadOnlyList<long> Pruned) Select(DecisionPolicy policy, NetworkState state,
        IReadOnlyList<SelectionCandidate> candidates, IReadOnlySet<string>? unobserved, long nowUnixMs)
    {
        var pruned = policy.Budget.Prune(state.SubstitutionTimesUnixMs, nowUnixMs);
        var selection = Selector.Select(new SelectionInput(candidates, state.PreviousLive, policy.Required, policy.MinEdges,
            policy.Budget.Remaining(pruned, nowUnixMs), unobserved, policy.KeepUnderSeconds));
        return (selection, pruned);
    }

    /// <summary>The times dnschange_maxfreq counts after a decision that made <paramref name="substitutions"/> (every
    /// swap counts, even the ones that were never deferrable; a grown or shrunk set does not).</summary>
    public static IReadOnlyList<long> TimesAfter(IReadOnlyList<long> pruned, IReadOnlyList<Substitution> substitutions, long nowUnixMs) =>
        RotationBudget.Record(pruned, substitutions.Count(s => s.Out is not null && s.In is not null), nowUnixMs);
}
