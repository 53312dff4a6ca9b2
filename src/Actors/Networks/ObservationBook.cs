using System.Collections.Immutable;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;

namespace Edgemanage.Actors.Networks;

/// <summary>What a serve decision is taken on: the vantages' combined vote and what the selector, the canaries and
/// the decision record need from it.</summary>
/// <param name="Vote">The quorum's combination of every vantage's newest view of every listed edge and canary.</param>
/// <param name="Candidates">One per listed edge (never a canary), in edge-list order, with the operator's mode in force.</param>
/// <param name="HealthByIp">The combined health of every listed edge and canary (what the canary overlay judges on).</param>
/// <param name="Votes">The edge × vantage matrix the decision record keeps.</param>
/// <param name="Reports">Per listed edge or canary that was reported: the report with the newest operator mode,
/// its mode judged at the decision's time (an expired --for mode is available again).</param>
/// <param name="Unobserved">Listed edges (not canaries) no vantage has judged since this book started: the
/// selector keeps such an edge live if it was, rather than drop it for not having been probed yet.</param>
public sealed record Judgement(
    QuorumResult Vote,
    IReadOnlyList<SelectionCandidate> Candidates,
    IReadOnlyDictionary<string, EdgeHealth> HealthByIp,
    VoteMatrix Votes,
    IReadOnlyList<EdgeReport> Reports,
    IReadOnlySet<string> Unobserved)
{
    /// <summary>Edges of <paramref name="live"/> the quorum judges failing: they are replaced at once, even during the start-up hold.</summary>
    /// <param name="minVoters">Only edges judged by at least this many vantages count. During the start-up hold this is
    /// min_vantages: a new decider (a restart, a moved shard) whose book holds one vantage's report of an edge so far
    /// would otherwise take that one vantage's word for a quorum and replace the edge.</param>
    public IReadOnlyList<string> FailingAmong(IReadOnlyList<string> live, int minVoters = 1)
    {
        var set = live.ToHashSet(StringComparer.Ordinal);
        return Vote.Edges.Where(e => e.Health == EdgeHealth.Fail && e.Voters >= minVoters && set.Contains(e.Edge)).Select(e => e.Edge).ToArray();
    }
}

/// <summary>Whether the start-up hold still keeps DNS as published, and why it ended.</summary>
/// <param name="Holding">True: take no decision (except to replace a live edge a quorum sees failing).</param>
/// <param name="Awaiting">Listed edges not yet judged by enough vantages.</param>
/// <param name="Reason">Why the hold ended (null while holding).</param>
public sealed record HoldVerdict(bool Holding, int Awaiting, string? Reason);

/// <summary>
/// serve: the decider's book of observations. It keeps the newest report per (edge, vantage) from every vantage,
/// knows the listed edges and canaries, and turns them into a <see cref="Judgement"/> at a given time. Pure and
/// immutable: <see cref="Apply"/> and <see cref="Judge"/> return a new book; no clock (time is passed in).
/// <para>Incremental: the quorum's per-edge work (the row of votes, its medians, its verdict) is cached per edge
/// and redone only for edges that (1) received a report since the last judgement, (2) have an observation whose
/// staleness flips between the last judgement's time and now (each cached edge knows the time window in which
/// none of its observations changes between fresh and stale; the book keeps the intersection, so a judgement
/// inside it checks no edge), or (3) all of them when the set of vantages changes (the vote cells name vantages
/// by index) or a vantage becomes or stops being broken (its fail votes count or abstain). What depends on every
/// edge — the per-vantage counts, the vantages' statuses, the freeze and the notes — is added up from the cached
/// parts each time (a few integer additions per observation). <see cref="JudgeFromScratch"/> is the full
/// recompute; the property spec shows that both always agree.</para>
/// <para>Start-up hold: a decider that has just started (a node restarting, a network's decider moving to another node) has heard from
/// few edges yet, and a decision then would drop every live edge not yet reported. <see cref="HoldAt"/> says
/// whether to keep DNS as published instead: until every listed edge has a fresh judgement from min_vantages
/// vantages, or until <see cref="HoldFor"/> has passed since <see cref="StartedAtUnixMs"/>.</para>
/// </summary>
public sealed record ObservationBook
{
    private static readonly StringComparer Ordinal = StringComparer.Ordinal;

    /// <summary>Reports per edge (listed or not), each edge's sorted by vantage; one per (edge, vantage).</summary>
    private ImmutableDictionary<string, ImmutableArray<EdgeReport>> _byEdge = ImmutableDictionary.Create<string, ImmutableArray<EdgeReport>>(Ordinal);

    /// <summary>How many reports each vantage has in the book: a vantage is known while it has one.</summary>
    private ImmutableDictionary<string, int> _reportsPerVantage = ImmutableDictionary.Create<string, int>(Ordinal);

    /// <summary>Listed edges that received a report since the cache was built.</summary>
    private ImmutableHashSet<string> _touched = ImmutableHashSet.Create<string>(Ordinal);

    private Cache? _cache;

    private ObservationBook(NetworkList listed, QuorumSettings settings, long startedAtUnixMs, TimeSpan holdFor)
    {
        Quorum.Validate(settings);
        Listed = listed;
        Settings = settings;
        StartedAtUnixMs = startedAtUnixMs;
        HoldFor = holdFor;
    }

    /// <summary>An empty book for a decider that starts at <paramref name="startedAtUnixMs"/>.</summary>
    /// <param name="holdFor">The longest the start-up hold lasts (see <see cref="HoldAt"/>).</param>
    public static ObservationBook Start(IReadOnlyList<string> edges, IReadOnlyDictionary<string, string> canaries, QuorumSettings settings,
        long startedAtUnixMs, TimeSpan holdFor) =>
        new(NetworkList.Of(edges, canaries), settings, startedAtUnixMs, holdFor);

    public QuorumSettings Settings { get; }
    public long StartedAtUnixMs { get; }
    public TimeSpan HoldFor { get; }

    /// <summary>When the start-up hold ended (<see cref="EndHold"/>); null while it lasts.</summary>
    public long? HoldEndedAtUnixMs { get; private init; }

    private NetworkList Listed { get; init; }

    /// <summary>The network's edges, in edge-list order.</summary>
    public IReadOnlyList<string> Edges => Listed.Edges;

    /// <summary>How many reports the book holds.</summary>
    public int Count => _reportsPerVantage.Values.Sum();

    /// <summary>Every vantage's newest report of <paramref name="edge"/>, by vantage name.</summary>
    public IReadOnlyList<EdgeReport> ReportsOf(string edge) => _byEdge.TryGetValue(edge, out var row) ? row : [];

    /// <summary>Every report in the book.</summary>
    public IEnumerable<EdgeReport> AllReports => _byEdge.Values.SelectMany(r => r);

    /// <summary>
    /// Takes a batch of reports. Per (edge, vantage) the newest stays: a report whose probe is older than the one
    /// held (a late batch) is ignored; an equally new one replaces it (it arrived later). Reports of unlisted edges
    /// are kept too (they make their vantage known), as before; <see cref="WithNetwork"/> drops them.
    /// </summary>
    /// <param name="accepted">The reports that changed the book.</param>
    public ObservationBook Apply(IEnumerable<EdgeReport> reports, out IReadOnlyList<EdgeReport> accepted)
    {
        var byEdge = _byEdge.ToBuilder();
        var perVantage = _reportsPerVantage.ToBuilder();
        var touched = _touched.ToBuilder();
        var taken = new List<EdgeReport>();
        foreach (var report in reports)
        {
            var row = byEdge.TryGetValue(report.Edge, out var r) ? r : [];
            var at = IndexOf(row, report.Vantage);
            if (at >= 0)
            {
                if (ProbedAt(row[at]) > ProbedAt(report)) continue; // a late batch must not undo a newer observation
                row = row.SetItem(at, report);
            }
            else
            {
                row = row.Insert(~at, report);
                perVantage[report.Vantage] = perVantage.GetValueOrDefault(report.Vantage) + 1;
            }
            byEdge[report.Edge] = row;
            if (Listed.Index.ContainsKey(report.Edge)) touched.Add(report.Edge);
            taken.Add(report);
        }
        accepted = taken;
        if (taken.Count == 0) return this;
        return this with { _byEdge = byEdge.ToImmutable(), _reportsPerVantage = perVantage.ToImmutable(), _touched = touched.ToImmutable() };
    }

    public ObservationBook Apply(IEnumerable<EdgeReport> reports) => Apply(reports, out _);

    /// <summary>A new edge list: reports of edges no longer listed (nor canaries) are dropped, so they neither vote
    /// nor linger; every edge is judged afresh next time.</summary>
    public ObservationBook WithNetwork(IReadOnlyList<string> edges, IReadOnlyDictionary<string, string> canaries)
    {
        var listed = NetworkList.Of(edges, canaries);
        var byEdge = _byEdge.Where(kv => listed.Index.ContainsKey(kv.Key)).ToImmutableDictionary(Ordinal);
        var perVantage = byEdge.Values.SelectMany(r => r).GroupBy(r => r.Vantage, Ordinal).ToImmutableDictionary(g => g.Key, g => g.Count(), Ordinal);
        return this with
        {
            Listed = listed, _byEdge = byEdge, _reportsPerVantage = perVantage, _touched = _touched.Clear(), _cache = null,
        };
    }

    /// <summary>The hold is over for good: later edge-list changes or silent vantages do not bring it back.</summary>
    public ObservationBook EndHold(long nowUnixMs) => HoldEndedAtUnixMs is null ? this with { HoldEndedAtUnixMs = nowUnixMs } : this;

    /// <summary>
    /// Whether the start-up hold keeps DNS as published at <paramref name="nowUnixMs"/>: it does until every listed
    /// edge (canaries aside: they never enter the live set) has a fresh judgement (not untested, not stale) from at
    /// least min_vantages vantages — enough to vote — or until <see cref="HoldFor"/> has passed since the start.
    /// Reports probed before the start count: the book hears only newest views sent since it started, and a fresh
    /// one is as good a vote as any (a decider that moved hears the other vantages' current views).
    /// </summary>
    public HoldVerdict HoldAt(long nowUnixMs)
    {
        if (HoldEndedAtUnixMs is not null) return new HoldVerdict(false, 0, "ended before");
        var needed = Settings.MinVantages;
        var awaiting = Listed.Edges.Count(e => FreshJudgements(e, nowUnixMs) < needed);
        if (awaiting == 0)
            return new HoldVerdict(false, 0, $"every edge is judged by at least {needed} vantage(s)");
        if (nowUnixMs - StartedAtUnixMs >= HoldFor.TotalMilliseconds)
            return new HoldVerdict(false, awaiting,
                $"{HoldFor.TotalSeconds:0.#}s passed with {awaiting} edge(s) not yet judged by {needed} vantage(s); those that are live stay live until they are");
        return new HoldVerdict(true, awaiting, null);
    }

    private int FreshJudgements(string edge, long nowUnixMs)
    {
        if (!_byEdge.TryGetValue(edge, out var row)) return 0;
        var n = 0;
        foreach (var r in row)
            if (r.Verdict.Health != EdgeHealth.Untested && !Quorum.IsStale(Observation(r), Settings, nowUnixMs)) n++;
        return n;
    }

    /// <summary>
    /// Everything a decision at <paramref name="nowUnixMs"/> is taken on, and the book with its cache brought up to
    /// that time (keep it: the next judgement then redoes only what changed).
    /// </summary>
    public (ObservationBook Book, Judgement Judgement) Judge(long nowUnixMs)
    {
        var listed = Listed;
        var n = listed.All.Count;
        var vantages = _cache is { } c && SameKeys(c.Vantages, _reportsPerVantage) ? c.Vantages : _reportsPerVantage.Keys.Order(Ordinal).ToImmutableArray();
        var vantageIndex = _cache is { } c2 && c2.Vantages == vantages ? c2.VantageIndex : Index(vantages);
        var everything = _cache is null || _cache.Vantages != vantages;

        var slots = everything ? new EdgeSlot[n] : (EdgeSlot[])_cache!.Slots.Clone();
        var reobserved = new List<int>();
        if (everything) reobserved.AddRange(Enumerable.Range(0, n));
        else
        {
            foreach (var edge in _touched) reobserved.Add(listed.Index[edge]);
            // Outside the window in which no cached observation changes between fresh and stale: find the edges
            // whose own window ends.
            if (nowUnixMs < _cache!.ValidFrom || nowUnixMs > _cache.ValidUntil)
                for (var i = 0; i < n; i++)
                    if ((nowUnixMs < slots[i].ValidFrom || nowUnixMs > slots[i].ValidUntil) && !_touched.Contains(listed.All[i])) reobserved.Add(i);
        }
        foreach (var i in reobserved) slots[i] = Observe(listed.All[i], vantageIndex, nowUnixMs);

        // What depends on every edge: added up from the per-edge parts.
        var counts = new Quorum.VantageCounts(vantages.Length);
        long validFrom = long.MinValue, validUntil = long.MaxValue;
        foreach (var slot in slots)
        {
            for (var k = 0; k < slot.Row.Length; k++) counts.Add(slot.VantageOf[k], slot.Row[k], slot.Stale[k]);
            validFrom = Math.Max(validFrom, slot.ValidFrom);
            validUntil = Math.Min(validUntil, slot.ValidUntil);
        }
        var (status, states) = Quorum.JudgeVantages(vantages, counts, v => NewestAt(slots, v), Settings, nowUnixMs);
        var broken = Broken(status);

        var rejudge = everything || !broken.SequenceEqual(_cache!.Broken) ? Enumerable.Range(0, n) : reobserved;
        foreach (var i in rejudge)
            slots[i] = slots[i] with { Verdict = Quorum.JudgeEdge(listed.All[i], slots[i].Row, slots[i].VantageOf, status, Settings, nowUnixMs) };

        var verdicts = slots.Select(s => s.Verdict!).ToArray();
        var vote = Quorum.Conclude(verdicts, states, Settings);
        var book = this with
        {
            _touched = _touched.Clear(),
            _cache = new Cache(vantages, vantageIndex, broken, slots, validFrom, validUntil),
        };
        return (book, Assemble(vote, nowUnixMs, edge => _byEdge.TryGetValue(edge, out var row) ? row : []));
    }

    /// <summary>The full recompute, as the decider did it before the book cached anything: the reference the
    /// incremental <see cref="Judge"/> must always equal (and the benchmark's "before").</summary>
    public Judgement JudgeFromScratch(long nowUnixMs)
    {
        var observations = AllReports.Select(Observation).ToArray();
        var vote = Quorum.Combine(observations, Listed.All, Settings, nowUnixMs);
        return Assemble(vote, nowUnixMs, edge => _byEdge.TryGetValue(edge, out var row) ? row : []);
    }

    private Judgement Assemble(QuorumResult vote, long nowUnixMs, Func<string, IReadOnlyList<EdgeReport>> reportsOf)
    {
        // The operator's mode is the most recent one set on any vantage (each vantage's journal holds its own copy).
        var reports = new List<EdgeReport>(Listed.All.Count);
        var modes = new Dictionary<string, EdgeMode>(Ordinal);
        var unobserved = new HashSet<string>(Ordinal);
        foreach (var edge in Listed.All)
        {
            var row = reportsOf(edge);
            if (row.Count == 0)
            {
                if (Listed.IsEdge(edge)) unobserved.Add(edge);
                continue;
            }
            var newest = row[0];
            var judged = newest.Verdict.Health != EdgeHealth.Untested;
            for (var k = 1; k < row.Count; k++)
            {
                // Rows are sorted by vantage, so the first of equally new modes is the smallest vantage name.
                if (row[k].ModeChangedAtUnixMs > newest.ModeChangedAtUnixMs) newest = row[k];
                judged |= row[k].Verdict.Health != EdgeHealth.Untested;
            }
            // An observation can be older than its mode's --for expiry: judge the mode in force now.
            if (newest.ModeExpiresAtUnixMs is { } expires && expires <= nowUnixMs)
                newest = newest with { Mode = EdgeMode.Available, ModeExpiresAtUnixMs = null };
            reports.Add(newest);
            modes[edge] = newest.Mode;
            if (!judged && Listed.IsEdge(edge)) unobserved.Add(edge);
        }
        var combined = vote.Edges;
        var candidates = new SelectionCandidate[Listed.Edges.Count];
        for (var i = 0; i < candidates.Length; i++)
            candidates[i] = combined[Listed.Index[Listed.Edges[i]]].ToCandidate(modes.TryGetValue(Listed.Edges[i], out var mode) ? mode : EdgeMode.Available);
        var healthByIp = new Dictionary<string, EdgeHealth>(combined.Count, Ordinal);
        foreach (var e in combined) healthByIp[e.Edge] = e.Health;
        var matrix = new VoteMatrix(vote.Vantages, combined.Select(e => new EdgeVotes(e.Edge, e.Votes)).ToArray());
        return new Judgement(vote, candidates, healthByIp, matrix, reports, unobserved);
    }

    private EdgeSlot Observe(string edge, IReadOnlyDictionary<string, int> vantageIndex, long nowUnixMs)
    {
        var reports = _byEdge.TryGetValue(edge, out var r) ? r : [];
        var row = new VantageObservation[reports.Length];
        var vantageOf = new int[reports.Length];
        var stale = new bool[reports.Length];
        // The window of times in which none of these observations turns between fresh and stale: stale once
        // now > at + staleAfter. Int128 so that absurd timestamps cannot overflow.
        Int128 from = long.MinValue, until = long.MaxValue;
        var staleMs = Settings.StaleAfter.Ticks / TimeSpan.TicksPerMillisecond;
        for (var k = 0; k < reports.Length; k++)
        {
            row[k] = Observation(reports[k]);
            vantageOf[k] = vantageIndex[reports[k].Vantage]; // rows are sorted by name, and so are the vantages: the order matches
            stale[k] = Quorum.IsStale(row[k], Settings, nowUnixMs);
            var lastFresh = (Int128)row[k].AtUnixMs + staleMs;
            if (stale[k]) from = Int128.Max(from, lastFresh + 1);
            else until = Int128.Min(until, lastFresh);
        }
        return new EdgeSlot(row, vantageOf, stale, (long)Int128.Clamp(from, long.MinValue, long.MaxValue),
            (long)Int128.Clamp(until, long.MinValue, long.MaxValue), null);
    }

    // Only asked for stale vantages, whose text names their newest observation.
    private static long NewestAt(EdgeSlot[] slots, int vantage)
    {
        var newest = long.MinValue;
        foreach (var slot in slots)
            for (var k = 0; k < slot.Row.Length; k++)
                if (slot.VantageOf[k] == vantage) newest = Math.Max(newest, slot.Row[k].AtUnixMs);
        return newest;
    }

    private static ImmutableArray<bool> Broken(VantageStatus[] status) =>
        status.Select(s => s == VantageStatus.Broken).ToImmutableArray();

    private static bool SameKeys(ImmutableArray<string> vantages, ImmutableDictionary<string, int> perVantage) =>
        vantages.Length == perVantage.Count && vantages.All(perVantage.ContainsKey);

    private static IReadOnlyDictionary<string, int> Index(ImmutableArray<string> names)
    {
        var index = new Dictionary<string, int>(names.Length, Ordinal);
        for (var i = 0; i < names.Length; i++) index[names[i]] = i;
        return index;
    }

    private static int IndexOf(ImmutableArray<EdgeReport> row, string vantage)
    {
        int lo = 0, hi = row.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) / 2;
            var c = Ordinal.Compare(row[mid].Vantage, vantage);
            if (c == 0) return mid;
            if (c < 0) lo = mid + 1;
            else hi = mid - 1;
        }
        return ~lo;
    }

    private static long ProbedAt(EdgeReport r) => r.Verdict.Last?.AtUnixMs ?? 0;

    /// <summary>A report as the quorum sees it.</summary>
    public static VantageObservation Observation(EdgeReport r) => new(r.Edge, r.Vantage, r.Verdict.Health, r.Verdict.Average,
        r.Verdict.Last is { IsOk: true } last ? last.Seconds : null, ProbedAt(r));

    /// <summary>The edge list and the canaries, as the quorum combines them: edges first, then canaries, each once.</summary>
    private sealed record NetworkList(IReadOnlyList<string> Edges, IReadOnlyList<string> All, IReadOnlyDictionary<string, int> Index)
    {
        public static NetworkList Of(IReadOnlyList<string> edges, IReadOnlyDictionary<string, string> canaries)
        {
            var all = edges.Concat(canaries.Values).Distinct(Ordinal).ToArray();
            var index = new Dictionary<string, int>(all.Length, Ordinal);
            for (var i = 0; i < all.Length; i++) index[all[i]] = i;
            return new NetworkList(edges.ToArray(), all, index);
        }

        public bool IsEdge(string edge) => Index.TryGetValue(edge, out var i) && i < Edges.Count;
    }

    /// <summary>One listed edge's part of the last judgement. ValidFrom..ValidUntil: the times at which none of
    /// its observations changes between fresh and stale.</summary>
    private sealed record EdgeSlot(VantageObservation[] Row, int[] VantageOf, bool[] Stale, long ValidFrom, long ValidUntil, CombinedVerdict? Verdict);

    private sealed record Cache(
        ImmutableArray<string> Vantages, IReadOnlyDictionary<string, int> VantageIndex, ImmutableArray<bool> Broken,
        EdgeSlot[] Slots, long ValidFrom, long ValidUntil);
}
