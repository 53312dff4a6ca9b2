using Edgemanage.Actors.Canaries;
using Edgemanage.Actors.Edges;
using Edgemanage.Actors.Networks;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;

namespace Edgemanage.Actors.Replay;

/// <summary>One replayed decision beside the recorded one (if any).</summary>
/// <param name="Live">What the replay would have published (the previous set when nothing could be, or DNS was frozen).</param>
/// <param name="Selection">The selector's answer; null when the quorum froze DNS.</param>
/// <param name="Differs">The recorded decision published another set, or published where the replay did not (or back).</param>
/// <param name="Why">Per edge that is in one set and not the other: the replay's reason and the recorded one.</param>
/// <param name="HealthDiffers">Edges the replay judged otherwise than the recorded decision did.</param>
public sealed record ReplayedDecision(
    long AtUnixMs,
    IReadOnlyList<string> PreviousLive,
    IReadOnlyList<string> Live,
    bool Published,
    SelectionResult? Selection,
    DecisionRecord? Recorded,
    bool Differs,
    IReadOnlyList<string> Why,
    IReadOnlyList<string> HealthDiffers,
    int CanariesUsable,
    bool HeldByGuard = false)
{
    /// <summary>No selection was made: the quorum froze DNS, or the guard held the decision.</summary>
    public bool Frozen => Selection is null && !HeldByGuard;
    public bool Changed => !Live.ToHashSet(StringComparer.Ordinal).SetEquals(PreviousLive);
}

/// <summary>An edge that failed while published: from its first failed probe of a failing run to its removal from the live set.</summary>
/// <param name="RemovedAtUnixMs">The decision that dropped it; null when it recovered first, or was still published at the end.</param>
/// <param name="Recovered">A probe answered again before the edge was removed.</param>
public sealed record FailureEpisode(string Edge, long FirstFailureUnixMs, long? RemovedAtUnixMs, bool Recovered)
{
    public double? Seconds => RemovedAtUnixMs is { } r ? (r - FirstFailureUnixMs) / 1000.0 : null;
}

public sealed record ReplayResult(IReadOnlyList<ReplayedDecision> Decisions, ReplaySummary Summary, IReadOnlyList<FailureEpisode> Episodes);

/// <summary>
/// Replays a network's decisions: feeds the samples and mode changes, in time order, through the real Judge (over
/// the same bounded history ring the edges keep), the Quorum when several vantages speak, and
/// <see cref="DecisionStep"/> (the Selector and the RotationBudget, as the NetworkActor calls them), decision by
/// decision at each tick, carrying the replayed live set and substitution times forward — so an override changes
/// every later decision, as it would have live. Pure: no clock, no I/O.
/// <para>Each decision judges the samples whose probe started at or before its time, and judges them at its time.
/// A cron round judges each edge when its probe ended and decides a moment later, so a sample crossing the
/// pass_window or judge_median_window edge in between is the only way a replay of a cron journal can differ
/// (docs/replay.md).</para>
/// </summary>
public static class ReplayEngine
{
    private static readonly StringComparer Ordinal = StringComparer.Ordinal;

    public static ReplayResult Run(ReplayTimeline timeline, ReplaySettings settings)
    {
        var samples = timeline.Samples.Select((s, i) => (s, i)).OrderBy(x => x.s.Sample.AtUnixMs).ThenBy(x => x.i).Select(x => x.s).ToList();
        var modes = timeline.Modes.Select((m, i) => (m, i)).OrderBy(x => x.m.AtUnixMs).ThenBy(x => x.i).Select(x => x.m).ToList();
        var ticks = timeline.Ticks.OrderBy(t => t.AtUnixMs).ToList();
        var edges = timeline.Edges;
        var canaries = timeline.Canaries ?? new Dictionary<string, string>(Ordinal);
        var judged = edges.Concat(canaries.Values.Where(ip => !edges.Contains(ip, Ordinal)).Distinct(Ordinal)).ToList();

        var histories = new Dictionary<(string Edge, string Vantage), EdgeHistory>();
        var vantages = new SortedSet<string>(Ordinal);
        var modeOf = new Dictionary<string, EdgeModeState>(Ordinal);
        var state = timeline.Start;
        var live = state.PreviousLive.ToHashSet(Ordinal);
        var open = new Dictionary<string, long>(Ordinal);
        var episodes = new List<FailureEpisode>();
        var decisions = new List<ReplayedDecision>();
        int si = 0, mi = 0;

        foreach (var tick in ticks)
        {
            var now = tick.AtUnixMs;
            for (; si < samples.Count && samples[si].Sample.AtUnixMs <= now; si++)
            {
                var s = samples[si];
                if (!histories.TryGetValue((s.Edge, s.Vantage), out var h))
                    histories[(s.Edge, s.Vantage)] = h = new EdgeHistory(settings.HistoryLength);
                h.Add(s.Sample);
                vantages.Add(s.Vantage);
                if (!s.Sample.IsOk)
                {
                    if (live.Contains(s.Edge)) open.TryAdd(s.Edge, s.Sample.AtUnixMs);
                }
                else if (open.Remove(s.Edge, out var since))
                    episodes.Add(new FailureEpisode(s.Edge, since, null, Recovered: true));
            }
            for (; mi < modes.Count && modes[mi].AtUnixMs <= now; mi++)
                modeOf[modes[mi].Edge] = new EdgeModeState(modes[mi].Mode, "", modes[mi].AtUnixMs, modes[mi].ExpiresAtUnixMs);

            EdgeMode ModeAt(string edge) => modeOf.TryGetValue(edge, out var m) ? m.EffectiveAt(now).Mode : EdgeMode.Available;
            EdgeVerdict? VerdictOf(string edge, string vantage) =>
                histories.TryGetValue((edge, vantage), out var h) && h.Count > 0 ? h.Judge(settings.Judge, now) : null;

            IReadOnlyList<SelectionCandidate> candidates;
            Dictionary<string, EdgeHealth> healthByIp;
            IReadOnlySet<string>? unobserved = null;
            if (vantages.Count <= 1)
            {
                // One vantage: a cron round's view, exactly as DecisionStep.CandidatesFromRound builds it.
                var v = vantages.Count == 1 ? vantages.Min! : "";
                var verdicts = judged.ToDictionary(e => e, e => VerdictOf(e, v), Ordinal);
                candidates = edges.Select(e => verdicts[e] is { } verdict
                    ? DecisionStep.Candidate(e, verdict, ModeAt(e))
                    : new SelectionCandidate(e, EdgeHealth.Untested, null, null, ModeAt(e))).ToArray();
                healthByIp = verdicts.ToDictionary(kv => kv.Key, kv => kv.Value?.Health ?? EdgeHealth.Untested, Ordinal);
                if (tick.Recorded?.Votes is not null)
                    unobserved = edges.Where(e => verdicts[e] is null).ToHashSet(Ordinal);
            }
            else
            {
                var observations = new List<VantageObservation>();
                foreach (var e in judged)
                foreach (var v in vantages)
                    if (VerdictOf(e, v) is { Last: { } last } verdict)
                        observations.Add(new VantageObservation(e, v, verdict.Health, verdict.Average, last.IsOk ? last.Seconds : null, last.AtUnixMs));
                var vote = Quorum.Combine(observations, judged, settings.Quorum, now);
                if (vote.Frozen)
                {
                    var kept = state.PreviousLive.OrderBy(e => e, Ordinal).ToArray();
                    decisions.Add(new ReplayedDecision(now, kept, kept, false, null, tick.Recorded,
                        tick.Recorded is { } rec && !rec.Live.SequenceEqual(kept, Ordinal),
                        [$"replay: DNS frozen: {vote.FrozenReason}"], [], 0));
                    continue;
                }
                candidates = vote.Edges.Take(edges.Count).Select(c => c.ToCandidate(ModeAt(c.Edge))).ToArray();
                healthByIp = vote.Edges.ToDictionary(c => c.Edge, c => c.Health, Ordinal);
                var seen = observations.Select(o => o.Edge).ToHashSet(Ordinal);
                unobserved = edges.Where(e => !seen.Contains(e)).ToHashSet(Ordinal);
            }

            var previous = state.PreviousLive.OrderBy(e => e, Ordinal).Distinct(Ordinal).ToArray();
            // The guard, as the NetworkActor asks it: against the list of the last decision taken (a held one is not
            // taken, so the baseline stays), and on this tick's newest probe of every edge from every vantage.
            var failingEverywhere = DecisionGuard.FailingEverywhere(edges,
                e => vantages.Select(v => VerdictOf(e, v)).Where(v => v is not null).Select(v => v!.Last));
            var guard = DecisionGuard.Judge(new GuardInput(DecisionGuard.BaselineOf(state.Last), edges.Count,
                settings.MaxEdgeListShrink, AcceptShrink: false, failingEverywhere, DnsServesEdges: previous.Length > 0));
            if (guard.Holding)
            {
                decisions.Add(new ReplayedDecision(now, previous, previous, false, null, tick.Recorded,
                    tick.Recorded is { } rec && (rec.Published || !rec.Live.ToHashSet(Ordinal).SetEquals(previous)),
                    [$"replay: held by the guard: {guard.Reason}"], [], 0, HeldByGuard: true));
                continue;
            }
            var (selection, pruned) = DecisionStep.Select(settings.Policy, state, candidates, unobserved, now);
            var published = selection.Publish;
            var newLive = published ? selection.Live : previous;
            var canariesUsable = CanaryOverlay.Judge(canaries, healthByIp, settings.CanaryKiller).Count(c => c.Usable);
            var record = new DecisionRecord(tick.Recorded?.Network ?? "", now, settings.Policy.Required, previous, newLive, published,
                selection.Degraded, selection.Edges, published ? selection.Substitutions : [], selection.Notes);
            state = state.Apply(new DecisionRecorded(record, DecisionStep.TimesAfter(pruned, record.Substitutions, now)));

            var (differs, why, healthDiffers) = Compare(tick.Recorded, newLive, published, selection);
            decisions.Add(new ReplayedDecision(now, previous, newLive, published, selection, tick.Recorded, differs, why, healthDiffers, canariesUsable));

            var liveNow = newLive.ToHashSet(Ordinal);
            foreach (var edge in open.Keys.Where(e => !liveNow.Contains(e)).ToList())
            {
                episodes.Add(new FailureEpisode(edge, open[edge], now, Recovered: false));
                open.Remove(edge);
            }
            live = liveNow;
        }
        foreach (var (edge, since) in open) episodes.Add(new FailureEpisode(edge, since, null, Recovered: false));

        var inRange = decisions.Where(d => InRange(d.AtUnixMs, settings)).ToList();
        var episodesInRange = episodes.Where(e => InRange(e.FirstFailureUnixMs, settings)).OrderBy(e => e.FirstFailureUnixMs).ThenBy(e => e.Edge, Ordinal).ToList();
        var summary = ReplaySummary.Of(decisions, inRange, samples, episodesInRange, settings.Judge.GoodEnoughSeconds);
        return new ReplayResult(inRange, summary, episodesInRange);
    }

    private static bool InRange(long t, ReplaySettings s) => (s.FromUnixMs is not { } from || t >= from) && (s.ToUnixMs is not { } to || t <= to);

    private static (bool Differs, IReadOnlyList<string> Why, IReadOnlyList<string> HealthDiffers) Compare(
        DecisionRecord? recorded, IReadOnlyList<string> live, bool published, SelectionResult selection)
    {
        if (recorded is null) return (false, [], []);
        var mine = selection.Edges.ToDictionary(d => d.Edge, Ordinal);
        var theirs = recorded.Edges.ToDictionary(d => d.Edge, Ordinal);
        var healthDiffers = mine.Values.Where(d => theirs.TryGetValue(d.Edge, out var r) && r.Health != d.Health)
            .Select(d => $"{d.Edge}: replayed {d.Health.Name()}, recorded {theirs[d.Edge].Health.Name()}").ToArray();
        var liveSet = live.ToHashSet(Ordinal);
        var recordedSet = recorded.Live.ToHashSet(Ordinal);
        var differs = !liveSet.SetEquals(recordedSet) || published != recorded.Published;
        if (!differs) return (false, [], healthDiffers);
        var why = new List<string>();
        if (published != recorded.Published)
            why.Add(published ? "recorded: nothing published (see its notes); replayed: published" : "replayed: nothing could be published; recorded: published");
        foreach (var e in liveSet.Except(recordedSet).Concat(recordedSet.Except(liveSet)).OrderBy(e => e, Ordinal))
        {
            var inReplay = liveSet.Contains(e);
            var r = mine.TryGetValue(e, out var m) ? $"{m.Reason}: {m.Detail}" : "not listed";
            var rec = theirs.TryGetValue(e, out var t) ? $"{t.Reason}: {t.Detail}" : "not in the record";
            why.Add($"{e}: replayed {(inReplay ? "in" : "out")} ({r}); recorded {(inReplay ? "out" : "in")} ({rec})");
        }
        return (true, why, healthDiffers);
    }
}
