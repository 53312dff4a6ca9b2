using Edgemanage.Contracts.Networks;

namespace Edgemanage.Actors.Networks;

/// <summary>
/// Whether two decisions say the same thing: the same live set, published and degraded alike, no substitution, and
/// every edge judged, moded, placed and explained alike, with the same vantages voting. Figures (averages, last
/// times, the detail text) and the time are left out: they change every decision and say nothing new.
/// </summary>
public static class DecisionSubstance
{
    public static bool Same(DecisionRecord a, DecisionRecord b) =>
        a.Network == b.Network
        && a.Required == b.Required
        && a.Published == b.Published
        && a.Degraded == b.Degraded
        && a.Substitutions.Count == 0 && b.Substitutions.Count == 0
        && a.Live.SequenceEqual(b.Live, StringComparer.Ordinal)
        && a.Notes.SequenceEqual(b.Notes, StringComparer.Ordinal)
        && a.Edges.Count == b.Edges.Count
        && a.Edges.Zip(b.Edges, Same).All(same => same)
        && SameVantages(a.Votes, b.Votes);

    private static bool Same(EdgeDecision a, EdgeDecision b) =>
        a.Edge == b.Edge && a.Health == b.Health && a.Mode == b.Mode && a.Live == b.Live && a.Reason == b.Reason;

    private static bool SameVantages(VoteMatrix? a, VoteMatrix? b) =>
        (a is null && b is null)
        || (a is not null && b is not null
            && a.Vantages.Select(v => (v.Vantage, v.Status)).SequenceEqual(b.Vantages.Select(v => (v.Vantage, v.Status))));
}
