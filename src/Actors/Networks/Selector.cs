using System.Globalization;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;

namespace Edgemanage.Actors.Networks;

/// <summary>One listed edge (never a canary) as the selector sees it.</summary>
public sealed record SelectionCandidate(string Edge, EdgeHealth Health, double? Average, double? LastSeconds, EdgeMode Mode);

/// <summary>Everything one live-set decision depends on. No clock: the caller turns time into the budget.</summary>
/// <param name="Edges">Every edge in the network's edge list (not canaries), in any order. Names must be distinct.</param>
/// <param name="PreviousLive">The last published live set; may name edges no longer listed.</param>
/// <param name="Required">edge_count with the dnet_edge_count override applied; at least 1.</param>
/// <param name="MinEdges">min_edges; clamped to 1..Required.</param>
/// <param name="DiscretionaryBudget">Discretionary substitutions still allowed in the window; int.MaxValue = unlimited.</param>
/// <param name="Unobserved">serve: edges no vantage has judged since the decider started. One that was live, is
/// untested and available is kept like a pass_threshold one (after them): not having been probed yet since a
/// restart is no reason to leave DNS, nor to call the decision degraded.</param>
/// <param name="KeepUnderSeconds">keep_margin (opt-in; null = off): goodenough × (1 + keep_margin). A live, available,
/// usable edge whose latest time is under it is kept like a pass_threshold one (after them), so an edge jittering
/// around goodenough does not leave DNS on every slow probe.</param>
public sealed record SelectionInput(
    IReadOnlyList<SelectionCandidate> Edges,
    IReadOnlyList<string> PreviousLive,
    int Required,
    int MinEdges,
    int DiscretionaryBudget,
    IReadOnlySet<string>? Unobserved = null,
    double? KeepUnderSeconds = null);

/// <summary>What to publish and why.</summary>
/// <param name="Live">Sorted ordinal; exactly what should be published. Equals PreviousLive (sorted) when !Publish.</param>
/// <param name="Publish">False: too few usable edges (fewer than min_edges); the zones stay as they were.</param>
/// <param name="Changed">Live differs from PreviousLive as a set.</param>
/// <param name="Degraded">!Publish, Live.Count &lt; Required, or a failing edge kept live for lack of a usable one.</param>
/// <param name="Edges">One per input edge plus one per previous-live edge no longer listed; sorted by name.</param>
/// <param name="Substitutions">Discretionary pairs first, then the mandatory ones, each in ordinal order.</param>
/// <param name="DiscretionaryUsed">Discretionary substitutions made: what dnschange_maxfreq counts.</param>
/// <param name="Notes">Errors and warnings an operator must see.</param>
public sealed record SelectionResult(
    IReadOnlyList<string> Live,
    bool Publish,
    bool Changed,
    bool Degraded,
    IReadOnlyList<EdgeDecision> Edges,
    IReadOnlyList<Substitution> Substitutions,
    int DiscretionaryUsed,
    IReadOnlyList<string> Notes);

/// <summary>
/// The live-set decision (original-edgemanage.md §4.3-§4.5), rebuilt as a pure function with the original's
/// accidents fixed: every tie is broken by name (never by dict or input order), forced edges are capped at
/// edge_count, the fallback never grows the set past edge_count, a set too small to publish is not stored as if
/// it were published (the T3 divergence), and dnschange_maxfreq limits discretionary substitutions.
/// <para>Steps: forced edges, then the keep rule, then the fill, then the throttle, then the fallback to
/// previously live edges, then min_edges.</para>
/// </summary>
public static class Selector
{
    private static readonly StringComparer Ordinal = StringComparer.Ordinal;

    public static SelectionResult Select(SelectionInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentOutOfRangeException.ThrowIfLessThan(input.Required, 1, nameof(input.Required));
        var required = input.Required;
        var minEdges = Math.Clamp(input.MinEdges, 1, required);
        var budget = Math.Max(0, input.DiscretionaryBudget);

        var listed = new Dictionary<string, SelectionCandidate>(Ordinal);
        foreach (var c in input.Edges)
            if (!listed.TryAdd(c.Edge, c))
                throw new ArgumentException($"edge {c.Edge} is listed twice", nameof(input));
        // Everything below iterates over this sorted list, so input order can never leak into the result.
        var all = listed.Values.OrderBy(c => c.Edge, Ordinal).ToList();
        var previous = input.PreviousLive.Distinct(Ordinal).OrderBy(e => e, Ordinal).ToList();
        var wasLive = previous.ToHashSet(Ordinal);
        var notes = new List<string>();

        // Live edge -> why. Insertion order does not matter: the result is sorted at the end.
        var chosen = new Dictionary<string, DecisionReason>(Ordinal);

        // 1. Forced edges. force needs a usable judgement, blindforce does not. The original added them all,
        //    so more than edge_count made the set unpublishable; here the best edge_count of them win.
        var forced = all.Where(c => c.Mode == EdgeMode.BlindForce || (c.Mode == EdgeMode.Force && Usable(c.Health)))
            .OrderBy(c => c, ForcedOrder).ToList();
        var overflow = new HashSet<string>(Ordinal);
        if (forced.Count > required)
        {
            var winners = forced.Take(required).Select(c => c.Edge).ToList();
            notes.Add($"error: {forced.Count} edges are forced but edge_count is {required}; using the best {required}: {string.Join(", ", winners)}");
            foreach (var c in forced.Skip(required)) overflow.Add(c.Edge);
        }
        foreach (var c in forced.Take(required))
            chosen[c.Edge] = c.Mode == EdgeMode.BlindForce ? DecisionReason.BlindForced : DecisionReason.Forced;
        var forcedCount = chosen.Count;

        // 2. Keep rule (§4.4): previously live, available, still pass_threshold. If edge_count was lowered the
        //    fastest ones stay rather than an arbitrary set order as in the original.
        //    serve: so do live edges not observed since the decider started, after the pass_threshold ones.
        //    keep_margin: so do live edges whose latest time is within the margin, after the pass_threshold ones.
        var keepable = all.Where(c => wasLive.Contains(c.Edge) && c.Mode == EdgeMode.Available
                                      && (c.Health == EdgeHealth.PassThreshold || NotYetObserved(c, input) || WithinKeepMargin(c, input))
                                      && !chosen.ContainsKey(c.Edge))
            .OrderBy(c => c.Health != EdgeHealth.PassThreshold)
            // Margin keeps come after every pass_threshold edge and never reorder them: a pass_threshold edge whose
            // latest probe was slow (judged on a median window) still ranks by speed among its peers.
            .ThenBy(c => c.Health != EdgeHealth.PassThreshold && !WithinKeepMargin(c, input)).ThenBy(c => c, KeepOrder).ToList();
        foreach (var c in keepable.Take(required - chosen.Count))
            chosen[c.Edge] = DecisionReason.KeptHealthy;

        // 3. Fill from the usable, available edges: best tier, then lowest average, then latest probe, then name.
        var fillPool = all.Where(c => Usable(c.Health) && c.Mode == EdgeMode.Available && !chosen.ContainsKey(c.Edge))
            .OrderBy(c => c, FillOrder).ToList();
        foreach (var c in fillPool.Take(required - chosen.Count))
            chosen[c.Edge] = DecisionReason.Filled;

        // 4. Throttle. A previously live edge that is still usable, available and listed but was left out is a
        //    discretionary loss; each one matched by a non-forced newcomer is a discretionary substitution. Any
        //    surplus on either side is mandatory (forced edges or a changed edge_count displaced it, or a failing
        //    edge freed the slot). Over budget, the best of those leaving stay and the worst newcomers wait.
        var deferredOut = new List<string>();
        var deferredIn = new List<string>();
        var discOut = all.Where(c => wasLive.Contains(c.Edge) && !chosen.ContainsKey(c.Edge) && CouldStay(c)).ToList();
        var discIn = all.Where(c => !wasLive.Contains(c.Edge) && chosen.TryGetValue(c.Edge, out var r)
                                    && r is DecisionReason.Filled).ToList();
        var wanted = Math.Min(discOut.Count, discIn.Count);
        if (wanted > budget)
        {
            var excess = wanted - budget;
            foreach (var c in discOut.OrderBy(c => c, FillOrder).Take(excess))
            {
                chosen[c.Edge] = DecisionReason.Deferred;
                deferredOut.Add(c.Edge);
            }
            foreach (var c in discIn.OrderBy(c => c, FillOrder).Reverse().Take(excess))
            {
                chosen.Remove(c.Edge);
                deferredIn.Add(c.Edge);
            }
            deferredOut.Sort(Ordinal);
            deferredIn.Sort(Ordinal);
            notes.Add($"warning: dnschange_maxfreq: {wanted} discretionary substitution(s) wanted but only {budget} allowed in the window; "
                      + $"deferred, keeping {string.Join(", ", deferredOut)} instead of {string.Join(", ", deferredIn)}");
        }

        // 5. Too few usable edges: previously live edges that are still listed and not unavailable fill the gap,
        //    failing ones included, but never past edge_count (the original re-added all of last_live).
        //    Only reached when every usable available edge is already live.
        var usableCount = chosen.Count;
        var lackOfBetter = new List<string>();
        if (chosen.Count < required)
        {
            var fallback = all.Where(c => wasLive.Contains(c.Edge) && c.Mode != EdgeMode.Unavailable && !chosen.ContainsKey(c.Edge))
                .OrderBy(c => c, FillOrder).Take(required - chosen.Count).ToList();
            foreach (var c in fallback)
            {
                chosen[c.Edge] = DecisionReason.KeptForLackOfBetter;
                lackOfBetter.Add(c.Edge);
            }
            if (lackOfBetter.Count > 0)
                notes.Add($"warning: only {usableCount} usable edge(s) for edge_count {required}; keeping previously live edge(s) that are not usable: {string.Join(", ", lackOfBetter)}");
        }

        // 6. min_edges. Fewer than that is not published at all, and Live stays the previous set, so what is
        //    stored is always what the zones hold (the original stored the unpublished set: T3).
        var selected = chosen.Keys.OrderBy(e => e, Ordinal).ToList();
        var publish = selected.Count >= minEdges;
        if (!publish)
            notes.Add($"error: only {selected.Count} edge(s) can be selected, fewer than min_edges {minEdges} (edge_count {required}); "
                      + $"nothing published, the zones keep the previous live set ({(previous.Count == 0 ? "none" : string.Join(", ", previous))})");
        else if (selected.Count < required)
            notes.Add($"warning: only {selected.Count} of edge_count {required} edges can be selected; publishing them (min_edges {minEdges}): {string.Join(", ", selected)}");

        // Previously live edges that vanished or were made unavailable: the original warned about them too.
        var fate = publish ? "dropped" : "still published until a set can be published";
        foreach (var e in previous.Where(e => !listed.ContainsKey(e)))
            notes.Add($"warning: {e} was live but is no longer in the edge list; {fate}");
        foreach (var e in previous.Where(e => listed.TryGetValue(e, out var c) && c.Mode == EdgeMode.Unavailable))
            notes.Add($"warning: {e} was live but is now unavailable; {fate}");

        var live = publish ? selected : previous;
        var liveSet = live.ToHashSet(Ordinal);
        var changed = !liveSet.SetEquals(wasLive);
        var substitutions = publish ? Pair(previous, live, listed, chosen) : [];
        var discretionaryUsed = substitutions.Count(s => s.Discretionary);

        var ctx = new DecisionContext(required, minEdges, budget, forcedCount, publish, listed, wasLive, liveSet, chosen,
            overflow, deferredOut, deferredIn, substitutions, UsableRanks(all), input.KeepUnderSeconds);
        var decisions = listed.Keys.Concat(previous).Distinct(Ordinal).OrderBy(e => e, Ordinal)
            .Select(e => Decide(e, ctx)).ToList();

        // Failing edges kept only because nothing better exists keep DNS pointing somewhere, but the round is not
        // healthy: say so (exit code 3) just as when fewer than edge_count edges could be published.
        var degraded = !publish || live.Count < required || lackOfBetter.Count > 0;
        return new SelectionResult(live, publish, changed, degraded, decisions, substitutions,
            discretionaryUsed, notes);
    }

    private static bool Usable(EdgeHealth h) => h <= EdgeHealth.Pass;

    private static bool WithinKeepMargin(SelectionCandidate c, SelectionInput input) =>
        input.KeepUnderSeconds is { } under && Usable(c.Health) && Finite(c.LastSeconds) is { } last && last < under;

    private static bool NotYetObserved(SelectionCandidate c, SelectionInput input) =>
        c.Health == EdgeHealth.Untested && input.Unobserved?.Contains(c.Edge) == true;

    // A previously live edge that could have stayed: losing it is a choice, so the budget applies.
    private static bool CouldStay(SelectionCandidate c) => Usable(c.Health) && c.Mode == EdgeMode.Available;

    // Pairs the losses with the gains: discretionary pairs (a could-stay edge out, a filled edge in) first, as
    // many as the smaller side, then everything else in ordinal order, with null for an unmatched side.
    private static List<Substitution> Pair(List<string> previous, List<string> live,
        Dictionary<string, SelectionCandidate> listed, Dictionary<string, DecisionReason> chosen)
    {
        var wasLive = previous.ToHashSet(Ordinal);
        var liveSet = live.ToHashSet(Ordinal);
        var outs = previous.Where(e => !liveSet.Contains(e)).ToList();
        var ins = live.Where(e => !wasLive.Contains(e)).ToList();
        var discOut = outs.Where(e => listed.TryGetValue(e, out var c) && CouldStay(c)).ToList();
        var discIn = ins.Where(e => chosen[e] == DecisionReason.Filled).ToList();
        var n = Math.Min(discOut.Count, discIn.Count);
        var result = new List<Substitution>();
        for (var i = 0; i < n; i++) result.Add(new Substitution(discOut[i], discIn[i], true));
        var restOut = outs.Except(discOut.Take(n), Ordinal).ToList();
        var restIn = ins.Except(discIn.Take(n), Ordinal).ToList();
        for (var i = 0; i < Math.Max(restOut.Count, restIn.Count); i++)
            result.Add(new Substitution(i < restOut.Count ? restOut[i] : null, i < restIn.Count ? restIn[i] : null, false));
        return result;
    }

    private static Dictionary<string, int> UsableRanks(List<SelectionCandidate> all)
    {
        var ranked = all.Where(c => Usable(c.Health) && c.Mode != EdgeMode.Unavailable).OrderBy(c => c, FillOrder).ToList();
        var ranks = new Dictionary<string, int>(Ordinal);
        for (var i = 0; i < ranked.Count; i++) ranks[ranked[i].Edge] = i + 1;
        return ranks;
    }

    private sealed record DecisionContext(
        int Required, int MinEdges, int Budget, int ForcedCount, bool Publish,
        Dictionary<string, SelectionCandidate> Listed, HashSet<string> WasLive, HashSet<string> Live,
        Dictionary<string, DecisionReason> Chosen, HashSet<string> Overflow,
        List<string> DeferredOut, List<string> DeferredIn, List<Substitution> Substitutions,
        Dictionary<string, int> UsableRanks, double? KeepUnder);

    private static EdgeDecision Decide(string edge, DecisionContext x)
    {
        var isLive = x.Live.Contains(edge);
        if (!x.Listed.TryGetValue(edge, out var c))
            return new EdgeDecision(edge, EdgeHealth.Untested, null, null, EdgeMode.Available, isLive, DecisionReason.NotInEdgeList,
                isLive ? "no longer in the edge list; still published because nothing was published this round"
                       : "was live; no longer in the edge list");

        var (reason, why) = Reason(c, x);
        var detail = $"{Describe(c)}; {why}";
        // Not publishing leaves the zones (and Live) as they were: say so rather than pretend a change happened.
        if (!x.Publish)
            detail += isLive ? "; still published: nothing was published this round" : "; nothing was published this round";
        return new EdgeDecision(c.Edge, c.Health, c.Average, c.LastSeconds, c.Mode, isLive, reason, detail);
    }

    private static (DecisionReason, string) Reason(SelectionCandidate c, DecisionContext x)
    {
        var e = c.Edge;
        if (x.Chosen.TryGetValue(e, out var r))
            return r switch
            {
                DecisionReason.BlindForced => (r, Usable(c.Health) ? "blindforce" : "blindforce, selected although not usable"),
                DecisionReason.Forced => (r, "force"),
                DecisionReason.KeptHealthy => (r, c.Health switch
                {
                    EdgeHealth.Untested => "was live; not judged by any vantage since the decider started, kept until it is",
                    EdgeHealth.PassThreshold => "was live and is still pass_threshold",
                    _ => $"was live; latest {Finite(c.LastSeconds)?.ToString("0.000", CultureInfo.InvariantCulture)} s is within keep_margin (under {x.KeepUnder?.ToString("0.000", CultureInfo.InvariantCulture)} s)",
                }),
                DecisionReason.Filled => (r, x.WasLive.Contains(e)
                    ? $"was live; still among the best (rank {Rank(e, x)})"
                    : $"filled: rank {Rank(e, x)} of {x.UsableRanks.Count} usable"),
                DecisionReason.Deferred => (r, $"would be replaced by {Partner(e, x.DeferredOut, x.DeferredIn)}, but dnschange_maxfreq allows "
                                              + $"only {x.Budget} more discretionary substitution(s) in the window"),
                _ => (r, x.WasLive.Contains(e) ? "was live; kept because too few usable edges are left" : "kept because too few usable edges are left"),
            };
        if (x.Overflow.Contains(e))
            return (DecisionReason.ForcedOverflow, $"{c.Mode.Name()}, but more edges are forced than edge_count {x.Required}; better forced edges won");
        if (c.Mode == EdgeMode.Unavailable)
            return (DecisionReason.Unavailable, x.WasLive.Contains(e) ? "mode unavailable; was live, dropped" : "mode unavailable");
        if (c.Mode == EdgeMode.Force && !Usable(c.Health))
            return (DecisionReason.ForcedButFailing, "force does not override a failing or untested judgement (blindforce does)");
        if (x.WasLive.Contains(e) && CouldStay(c))
            return (DecisionReason.Replaced, ReplacedWhy(c, x));
        if (c.Health == EdgeHealth.Fail)
            return (DecisionReason.Failing, "latest probe failed");
        if (c.Health == EdgeHealth.Untested)
            return (DecisionReason.Untested, "no probe result yet");
        if (x.DeferredIn.Contains(e))
            return (DecisionReason.NotNeeded, $"deferred: would replace {Partner(e, x.DeferredIn, x.DeferredOut)}, but the dnschange_maxfreq budget is used up");
        return (DecisionReason.NotNeeded, $"set full; rank {Rank(e, x)} of {x.UsableRanks.Count} usable");
    }

    private static string ReplacedWhy(SelectionCandidate c, DecisionContext x)
    {
        var sub = x.Substitutions.FirstOrDefault(s => s.Out == c.Edge);
        if (sub?.In is { } incoming)
        {
            var inDesc = x.Listed.TryGetValue(incoming, out var ic) ? $"{incoming} ({ic.Health.Name()})" : incoming;
            return $"replaced by {inDesc}";
        }
        // No partner: the set shrank (edge_count lowered) or forced edges took the slots.
        return $"dropped: the set of {x.Required} is full of forced ({x.ForcedCount}), kept or better edges";
    }

    private static string Rank(string e, DecisionContext x) => x.UsableRanks.TryGetValue(e, out var r) ? r.ToString(CultureInfo.InvariantCulture) : "-";

    // The deferred edges on both sides are sorted; naming them by position gives a stable, if arbitrary, pairing.
    private static string Partner(string e, List<string> side, List<string> other)
    {
        var i = side.IndexOf(e);
        return i >= 0 && i < other.Count ? other[i] : "a better edge";
    }

    internal static string Describe(SelectionCandidate c)
    {
        var s = c.Health.Name();
        if (Finite(c.Average) is { } a) s += $", avg {a.ToString("0.000", CultureInfo.InvariantCulture)} s";
        if (Finite(c.LastSeconds) is { } l) s += $", last {l.ToString("0.000", CultureInfo.InvariantCulture)} s";
        return s;
    }

    // NaN would make the orders below inconsistent; treat it like a missing figure.
    private static double? Finite(double? d) => d is { } v && !double.IsNaN(v) ? v : null;

    private static int CompareNullLast(double? a, double? b)
    {
        a = Finite(a);
        b = Finite(b);
        if (a is null) return b is null ? 0 : 1;
        if (b is null) return -1;
        return a.Value.CompareTo(b.Value);
    }

    /// <summary>Forced edges: usable first (the tier order puts fail and untested last), tier, average, name.</summary>
    private static readonly Comparer<SelectionCandidate> ForcedOrder = Comparer<SelectionCandidate>.Create((p, q) =>
    {
        var t = p.Health.CompareTo(q.Health);
        if (t != 0) return t;
        var a = CompareNullLast(p.Average, q.Average);
        return a != 0 ? a : Ordinal.Compare(p.Edge, q.Edge);
    });

    /// <summary>Keep rule overflow: all pass_threshold, so average then name.</summary>
    private static readonly Comparer<SelectionCandidate> KeepOrder = Comparer<SelectionCandidate>.Create((p, q) =>
    {
        var a = CompareNullLast(p.Average, q.Average);
        return a != 0 ? a : Ordinal.Compare(p.Edge, q.Edge);
    });

    /// <summary>Fill, throttle and fallback: tier, average, latest probe, name; never input order.</summary>
    private static readonly Comparer<SelectionCandidate> FillOrder = Comparer<SelectionCandidate>.Create((p, q) =>
    {
        var t = p.Health.CompareTo(q.Health);
        if (t != 0) return t;
        var a = CompareNullLast(p.Average, q.Average);
        if (a != 0) return a;
        var l = CompareNullLast(p.LastSeconds, q.LastSeconds);
        return l != 0 ? l : Ordinal.Compare(p.Edge, q.Edge);
    });
}
