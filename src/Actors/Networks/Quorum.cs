using System.Globalization;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;

namespace Edgemanage.Actors.Networks;

/// <summary>How the vantages' views are combined (config: quorum, vote_stale_after, min_vantages).</summary>
/// <param name="Quorum">Fail votes needed among an edge's voters.</param>
/// <param name="StaleAfter">vote_stale_after: an observation older than this (strictly) does not vote. Must be positive.</param>
/// <param name="MinVantages">min_vantages: fewer voting vantages than this freeze DNS. At least 1.</param>
/// <param name="BrokenVantageShare">The share of its observed edges a vantage must see failing before it can be
/// judged broken; in (0, 1].</param>
/// <param name="BrokenVantageMinFailing">The number of edges a vantage must see failing before it can be judged
/// broken; at least 1. Why: with only one or two failing edges, a vantage that cannot reach them is
/// indistinguishable from edges really unreachable from its region, and calling it broken would override the
/// operator's quorum (with quorum 1 and a one-edge network, the failing edge could never fail). Few failing edges
/// are left to the quorum.</param>
public sealed record QuorumSettings(
    QuorumSpec Quorum,
    TimeSpan StaleAfter,
    int MinVantages,
    double BrokenVantageShare = 0.5,
    int BrokenVantageMinFailing = 3);

/// <summary>
/// One edge as the vantages see it together. <see cref="Votes"/> is the edge's row of the edge × vantage matrix,
/// ordered by vantage index (indices into <see cref="QuorumResult.Vantages"/>); a vantage without an observation
/// of the edge has no cell.
/// </summary>
public sealed record CombinedVerdict(
    string Edge,
    EdgeHealth Health,
    double? Average,
    double? LastSeconds,
    int Voters,
    int FailVotes,
    IReadOnlyList<VoteCell> Votes)
{
    /// <summary>What the selector needs, with the operator's mode added.</summary>
    public SelectionCandidate ToCandidate(EdgeMode mode) => new(Edge, Health, Average, LastSeconds, mode);
}

/// <summary>The combination of every vantage's view of a network.</summary>
/// <param name="Edges">One per listed edge, in the order of the edge list given.</param>
/// <param name="Vantages">Every vantage that sent an observation, sorted by name (ordinal).</param>
/// <param name="Frozen">Fewer than min_vantages vantages vote: the caller must not change DNS.</param>
/// <param name="FrozenReason">Why, naming how many voted and which vantages are stale, broken or silent.</param>
/// <param name="Notes">Errors and warnings an operator must see (an error first when frozen).</param>
public sealed record QuorumResult(
    IReadOnlyList<CombinedVerdict> Edges,
    IReadOnlyList<VantageState> Vantages,
    bool Frozen,
    string? FrozenReason,
    IReadOnlyList<string> Notes);

/// <summary>
/// Combines several vantages' judgements of the same edges into one verdict per edge. Pure: the caller supplies
/// the time, so the NetworkActor can replay recorded observations and the tests need no clock.
/// <para>The rules, in order:</para>
/// <list type="number">
/// <item>Newest wins: per (edge, vantage) only the newest observation is used, whatever the input order.</item>
/// <item>Stale: an observation older than <see cref="QuorumSettings.StaleAfter"/> does not vote — a vantage that
/// stopped reporting must not keep voting with what it saw long ago. A vantage whose every observation of a
/// listed edge is stale is <see cref="VantageStatus.Stale"/>.</item>
/// <item>Broken: a vantage that sees at least <see cref="QuorumSettings.BrokenVantageMinFailing"/> edges failing
/// and passes <see cref="IsBroken"/> abstains on the edges it sees failing. A vantage whose own network is down
/// sees every edge failing; counted, it would churn DNS for everybody. Its successful fetches still vote: an edge
/// that served the test object to a broken vantage did serve it, and dropping those votes would let a healthy
/// newcomer (which can tip other vantages into broken) turn a passing edge into a failing one — with them kept,
/// more healthy evidence can never make an edge fail.</item>
/// <item>Votes: an edge's voters are the fresh, judged observations of it (untested does not vote) from voting
/// vantages, plus the non-fail ones from broken vantages. It fails when its fail votes reach <see cref="QuorumSpec.Required"/>(voters).</item>
/// <item>Otherwise its tier is the median of the non-failing voters' tiers, the worse one on a tie; its
/// figures are the medians over all its voters.</item>
/// <item>Freeze: with fewer voting vantages than <see cref="QuorumSettings.MinVantages"/>, the result is
/// <see cref="QuorumResult.Frozen"/> and the caller changes nothing.</item>
/// </list>
/// With one vantage and fresh observations every verdict is that vantage's own: a single node behaves exactly as
/// the cron round does.
/// </summary>
public static class Quorum
{
    private static readonly StringComparer Ordinal = StringComparer.Ordinal;

    /// <summary>
    /// Whether <paramref name="candidate"/> should replace <paramref name="current"/> as the newest observation of
    /// its (edge, vantage): it is newer, or equally new and first by a fixed order (higher health byte, so fail
    /// before the pass tiers; then larger average; then larger latest time). The tie-break is arbitrary but total, so the outcome never depends on arrival order.
    /// </summary>
    public static bool Supersedes(VantageObservation candidate, VantageObservation current)
    {
        if (candidate.AtUnixMs != current.AtUnixMs) return candidate.AtUnixMs > current.AtUnixMs;
        if (candidate.Health != current.Health) return candidate.Health > current.Health;
        var byAverage = Nullable.Compare(candidate.Average, current.Average);
        if (byAverage != 0) return byAverage > 0;
        return Nullable.Compare(candidate.LastSeconds, current.LastSeconds) > 0;
    }

    /// <summary>
    /// Whether a vantage failing <paramref name="share"/> of its observed edges is broken, given
    /// <paramref name="medianShare"/>, the lower median of every candidate vantage's share (itself included): it is
    /// when share >= <paramref name="threshold"/>, medianShare &lt; threshold, and medianShare &lt;= share / 2.
    /// <para>Why the lower median of all vantages rather than of "the others": the lower median is itself some
    /// vantage's share. If it is below the threshold, that vantage and every one at or below it are not broken; if
    /// it is not, nobody is. So at least ceil(n/2) vantages are never broken, and nobody is broken when all (or
    /// most) vantages see most edges failing — then the edges really are failing. (A median of "the others" with
    /// an even count would let 3 vantages of 5 that see most edges failing call each other broken.) On an even split the lower median sides with the
    /// healthy half, which keeps DNS still. "At most half the typical share" keeps a vantage that merely sees a
    /// little more of a real, uneven outage (5 of 10 failing where the others see 4) voting.</para>
    /// </summary>
    public static bool IsBroken(double share, double medianShare, double threshold) =>
        share >= threshold && medianShare < threshold && medianShare <= share / 2;

    /// <summary>Combines the newest observation per (edge, vantage) into one verdict per listed edge.</summary>
    /// <param name="newestPerEdgeAndVantage">Observations in any order; older duplicates and unlisted edges are ignored
    /// (an unlisted edge only makes its vantage known).</param>
    /// <param name="edges">The network's edge list; names must be distinct. The result follows its order.</param>
    /// <param name="nowUnixMs">The deciding node's clock. An observation from the future (a vantage's clock ahead of
    /// ours) is fresh: skew must not silence a vantage.</param>
    public static QuorumResult Combine(
        IReadOnlyCollection<VantageObservation> newestPerEdgeAndVantage,
        IReadOnlyList<string> edges,
        QuorumSettings settings,
        long nowUnixMs)
    {
        ArgumentNullException.ThrowIfNull(newestPerEdgeAndVantage);
        ArgumentNullException.ThrowIfNull(edges);
        Validate(settings);

        var edgeIndex = new Dictionary<string, int>(Ordinal);
        for (var i = 0; i < edges.Count; i++)
            if (!edgeIndex.TryAdd(edges[i], i))
                throw new ArgumentException($"edge {edges[i]} is listed twice", nameof(edges));

        // 1. Newest per (edge, vantage), and every vantage that said anything.
        var newest = new Dictionary<(string Edge, string Vantage), VantageObservation>();
        var vantageNames = new SortedSet<string>(Ordinal);
        foreach (var o in newestPerEdgeAndVantage)
        {
            vantageNames.Add(o.Vantage);
            if (!edgeIndex.ContainsKey(o.Edge)) continue;
            var key = (o.Edge, o.Vantage);
            if (!newest.TryGetValue(key, out var current) || Supersedes(o, current)) newest[key] = o;
        }
        var vantages = vantageNames.ToList();
        var vantageIndex = new Dictionary<string, int>(Ordinal);
        for (var i = 0; i < vantages.Count; i++) vantageIndex[vantages[i]] = i;

        // 2. Per vantage: fresh judged observations, failing ones, and whether it had anything at all.
        var counts = new VantageCounts(vantages.Count);
        foreach (var o in newest.Values) counts.Add(vantageIndex[o.Vantage], o, IsStale(o, settings, nowUnixMs));
        var newestAt = new long[vantages.Count];
        Array.Fill(newestAt, long.MinValue);
        foreach (var o in newest.Values) newestAt[vantageIndex[o.Vantage]] = Math.Max(newestAt[vantageIndex[o.Vantage]], o.AtUnixMs);

        // 3. Broken vantages.
        var (status, states) = JudgeVantages(vantages, counts, v => newestAt[v], settings, nowUnixMs);

        // 4. The edge × vantage matrix and one verdict per edge.
        var cellsByEdge = new List<VantageObservation>[edges.Count];
        foreach (var o in newest.Values) (cellsByEdge[edgeIndex[o.Edge]] ??= []).Add(o);
        var verdicts = new List<CombinedVerdict>(edges.Count);
        for (var e = 0; e < edges.Count; e++)
        {
            var row = (cellsByEdge[e] ?? []).OrderBy(o => vantageIndex[o.Vantage]).ToList();
            verdicts.Add(JudgeEdge(edges[e], row, row.Select(o => vantageIndex[o.Vantage]).ToList(), status, settings, nowUnixMs));
        }

        // 5. Freeze and notes.
        return Conclude(verdicts, states, settings);
    }

    internal static void Validate(QuorumSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(settings.Quorum);
        if (settings.StaleAfter <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(settings), "StaleAfter must be positive");
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.MinVantages, 1, nameof(settings.MinVantages));
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.BrokenVantageMinFailing, 1, nameof(settings.BrokenVantageMinFailing));
        if (!(settings.BrokenVantageShare > 0 && settings.BrokenVantageShare <= 1))
            throw new ArgumentOutOfRangeException(nameof(settings), "BrokenVantageShare must be in (0, 1]");
    }

    /// <summary>Whether <paramref name="o"/> is too old to vote at <paramref name="nowUnixMs"/>.</summary>
    // Int128 so that absurd timestamps cannot overflow into "fresh".
    internal static bool IsStale(VantageObservation o, QuorumSettings settings, long nowUnixMs) =>
        (Int128)nowUnixMs - o.AtUnixMs > settings.StaleAfter.Ticks / TimeSpan.TicksPerMillisecond;

    /// <summary>Per vantage (by index): what it observed of the listed edges at one time. Summed per observation,
    /// so a caller that keeps per-edge parts (the <see cref="ObservationBook"/>) can add them up without the rest.</summary>
    internal sealed class VantageCounts(int vantages)
    {
        public readonly int[] Observed = new int[vantages];
        public readonly int[] Failing = new int[vantages];
        public readonly bool[] AnyFresh = new bool[vantages];
        public readonly bool[] AnyListed = new bool[vantages];

        public void Add(int v, VantageObservation o, bool stale) => Add(v, o.Health, stale);

        public void Add(int v, EdgeHealth health, bool stale)
        {
            AnyListed[v] = true;
            if (stale) return;
            AnyFresh[v] = true;
            if (health == EdgeHealth.Untested) return;
            Observed[v]++;
            if (health == EdgeHealth.Fail) Failing[v]++;
        }
    }

    /// <summary>
    /// Each vantage's status from its counts. A lone vantage has nothing to compare with, so it is never broken:
    /// the single-node round must behave as the cron round does. <paramref name="newestAt"/> is asked only for
    /// stale vantages (for the text).
    /// </summary>
    internal static (VantageStatus[] Status, List<VantageState> States) JudgeVantages(
        IReadOnlyList<string> vantages, VantageCounts counts, Func<int, long> newestAt, QuorumSettings settings, long nowUnixMs)
    {
        var observed = counts.Observed;
        var failing = counts.Failing;
        var status = new VantageStatus[vantages.Count];
        var candidates = Enumerable.Range(0, vantages.Count).Where(v => observed[v] > 0).ToList();
        var shares = new double[vantages.Count];
        foreach (var v in candidates) shares[v] = (double)failing[v] / observed[v];
        var medianShare = 0.0;
        if (candidates.Count >= 2)
        {
            var sorted = candidates.Select(v => shares[v]).Order().ToList();
            medianShare = sorted[(sorted.Count - 1) / 2];
        }
        var details = new string[vantages.Count];
        for (var v = 0; v < vantages.Count; v++)
        {
            if (observed[v] > 0)
            {
                if (candidates.Count >= 2 && failing[v] >= settings.BrokenVantageMinFailing && IsBroken(shares[v], medianShare, settings.BrokenVantageShare))
                {
                    status[v] = VantageStatus.Broken;
                    details[v] = $"sees {failing[v]} of {observed[v]} edges failing ({Percent(shares[v])}) while the median vantage sees {Percent(medianShare)}; its fail votes do not count";
                }
                else
                {
                    status[v] = VantageStatus.Voting;
                    details[v] = $"votes on {observed[v]} edges, {failing[v]} failing";
                }
            }
            else if (counts.AnyFresh[v])
            {
                status[v] = VantageStatus.Silent;
                details[v] = "has judged none of the listed edges yet (all untested)";
            }
            else if (counts.AnyListed[v])
            {
                status[v] = VantageStatus.Stale;
                details[v] = $"every observation is older than {Seconds(settings.StaleAfter.TotalSeconds)} (newest {AgeText(nowUnixMs, newestAt(v))})";
            }
            else
            {
                status[v] = VantageStatus.Silent;
                details[v] = "has observed none of the listed edges";
            }
        }
        var states = vantages.Select((name, v) => new VantageState(name, status[v], observed[v], failing[v], details[v])).ToList();
        return (status, states);
    }

    /// <summary>One edge's verdict from its row: the newest observation per vantage, ordered by vantage index
    /// (<paramref name="vantageOfRow"/>[i] is the index of row[i]'s vantage).</summary>
    internal static CombinedVerdict JudgeEdge(string edge, IReadOnlyList<VantageObservation> row, IReadOnlyList<int> vantageOfRow,
        VantageStatus[] status, QuorumSettings settings, long nowUnixMs)
    {
        var cells = new List<VoteCell>(row.Count);
        var counted = new List<VantageObservation>(row.Count);
        for (var i = 0; i < row.Count; i++)
        {
            var o = row[i];
            var v = vantageOfRow[i];
            var use = IsStale(o, settings, nowUnixMs) ? VoteUse.Stale
                : o.Health == EdgeHealth.Untested ? VoteUse.NoJudgement
                : status[v] == VantageStatus.Broken && o.Health == EdgeHealth.Fail ? VoteUse.Abstained
                : VoteUse.Counted;
            cells.Add(new VoteCell(v, o.Health, use));
            if (use == VoteUse.Counted) counted.Add(o);
        }
        var voters = counted.Count;
        var failVotes = counted.Count(o => o.Health == EdgeHealth.Fail);
        EdgeHealth health;
        if (voters == 0) health = EdgeHealth.Untested;
        else if (failVotes >= settings.Quorum.Required(voters)) health = EdgeHealth.Fail;
        else
        {
            // Not failing, so at least one voter did not say fail (Required(v) <= v). The median keeps one
            // optimistic or pessimistic vantage from setting the tier; on a tie the worse tier, so that an
            // edge is never ranked better than half of its voters see it.
            var tiers = counted.Where(o => o.Health != EdgeHealth.Fail).Select(o => o.Health).Order().ToList();
            health = tiers[tiers.Count / 2];
        }
        return new CombinedVerdict(edge, health,
            Median(counted.Select(o => o.Average)), Median(counted.Select(o => o.LastSeconds)),
            voters, failVotes, cells);
    }

    /// <summary>Whether an edge fails from some vantages but short of the quorum (one note names them all).</summary>
    internal static bool IsSplit(CombinedVerdict v) => v.Health != EdgeHealth.Fail && v.FailVotes > 0;

    /// <summary>The freeze and the notes, from every edge's verdict (in edge-list order) and every vantage's state.</summary>
    internal static QuorumResult Conclude(IReadOnlyList<CombinedVerdict> verdicts, List<VantageState> states, QuorumSettings settings)
    {
        var votingCount = states.Count(s => s.Status == VantageStatus.Voting);
        var frozen = votingCount < settings.MinVantages;
        string? frozenReason = null;
        var notes = new List<string>();
        if (frozen)
        {
            var others = states.Where(s => s.Status != VantageStatus.Voting)
                .Select(s => $"{s.Vantage} {StatusName(s.Status)}").ToList();
            frozenReason = $"only {votingCount} of {states.Count} vantages vote (min_vantages is {settings.MinVantages})"
                           + (others.Count > 0 ? $"; {string.Join(", ", others)}" : "")
                           + "; DNS is frozen";
            notes.Add($"error: {frozenReason}");
        }
        foreach (var s in states.Where(s => s.Status is VantageStatus.Broken or VantageStatus.Stale))
            notes.Add($"warning: vantage {s.Vantage} is {StatusName(s.Status)}: {s.Detail}");
        var split = verdicts.Where(IsSplit).Select(v => v.Edge).ToList();
        if (split.Count > 0)
        {
            // One note, not one per edge: the matrix in the record already says which vantage saw what.
            const int Shown = 10;
            var names = string.Join(", ", split.Take(Shown)) + (split.Count > Shown ? $" and {split.Count - Shown} more" : "");
            notes.Add($"warning: {split.Count} edge(s) fail from some vantages but short of the quorum ({settings.Quorum}): {names}");
        }

        return new QuorumResult(verdicts, states, frozen, frozenReason, notes);
    }

    /// <summary>The median of the non-null, non-NaN values; the mean of the two middle ones for an even count.</summary>
    internal static double? Median(IEnumerable<double?> values)
    {
        var sorted = values.Where(x => x is { } d && !double.IsNaN(d)).Select(x => x!.Value).Order().ToList();
        if (sorted.Count == 0) return null;
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>
    /// The notes of <paramref name="current"/> worth saying again: those whose subject (the text before the last
    /// ": ", e.g. "warning: vantage a is broken") was not in <paramref name="previous"/>. The detail after it (counts,
    /// ages) changes every tick; the subject changes only when the situation does, so a broken vantage is said once.
    /// </summary>
    public static IReadOnlyList<string> NewNotes(IReadOnlyList<string> previous, IReadOnlyList<string> current)
    {
        var said = previous.Select(NoteSubject).ToHashSet(StringComparer.Ordinal);
        return current.Where(n => !said.Contains(NoteSubject(n))).ToArray();
    }

    private static string NoteSubject(string note) => note.LastIndexOf(": ", StringComparison.Ordinal) is var at and > 0 ? note[..at] : note;

    private static string StatusName(VantageStatus s) => s switch
    {
        VantageStatus.Stale => "stale",
        VantageStatus.Broken => "broken",
        VantageStatus.Silent => "silent",
        _ => "voting",
    };

    private static string Percent(double share) => (share * 100).ToString("0", CultureInfo.InvariantCulture) + "%";

    private static string Seconds(double s) => s.ToString("0.###", CultureInfo.InvariantCulture) + "s";

    private static string AgeText(long now, long at) =>
        at == long.MinValue ? "unknown" : Seconds(((double)now - at) / 1000) + " old";
}
