using Edgemanage.Actors.Networks;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;
using Edgemanage.Contracts.Probing;
using Xunit;

namespace Edgemanage.Tests.Networks;

/// <summary>Reports and books for the ObservationBook specs.</summary>
public static class Books
{
    public const long T0 = 1_700_000_000_000;
    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan HoldFor = TimeSpan.FromSeconds(20);

    public static QuorumSettings Settings(int minVantages = 1, QuorumSpec? quorum = null) =>
        new(quorum ?? QuorumSpec.Majority, StaleAfter, minVantages);

    public static ObservationBook Start(IReadOnlyList<string> edges, QuorumSettings? settings = null, IReadOnlyDictionary<string, string>? canaries = null) =>
        ObservationBook.Start(edges, canaries ?? new Dictionary<string, string>(), settings ?? Settings(), T0, HoldFor);

    /// <summary>One vantage's report of one edge, probed at <paramref name="at"/>.</summary>
    public static EdgeReport Report(string edge, string vantage, EdgeHealth health, long at, double? average = 0.1,
        EdgeMode mode = EdgeMode.Available, long modeChangedAt = 0, long? modeExpiresAt = null) =>
        new("net", edge, vantage, mode, "", modeChangedAt,
            new EdgeVerdict(health,
                health == EdgeHealth.Untested ? null : new Sample(at, (float)(average ?? 1), health == EdgeHealth.Fail ? ProbeOutcome.Refused : ProbeOutcome.Ok, 200),
                average, average, health == EdgeHealth.Untested ? 0 : 1),
            null, modeExpiresAt);

    public static Judgement Judge(this ObservationBook book, long at, out ObservationBook next)
    {
        (next, var judgement) = book.Judge(at);
        return judgement;
    }

    public static CombinedVerdict Verdict(this Judgement j, string edge) => j.Vote.Edges.Single(e => e.Edge == edge);
}

/// <summary>The serve decider's book of observations: newest wins, staleness, unlisted edges, modes, the hold.</summary>
public sealed class ObservationBookSpecs
{
    private static readonly string[] Abc = ["a", "b", "c"];

    [Theory]
    [InlineData(2_000, 1_000, EdgeHealth.Fail)]   // a late report (older probe) does not undo the newer one
    [InlineData(1_000, 2_000, EdgeHealth.Pass)]   // a newer one replaces
    [InlineData(1_000, 1_000, EdgeHealth.Pass)]   // equally new: the one that arrived later
    public void The_newest_report_per_edge_and_vantage_stays(long firstAt, long secondAt, EdgeHealth expected)
    {
        var book = Books.Start(Abc)
            .Apply([Books.Report("a", "v1", EdgeHealth.Fail, Books.T0 + firstAt)])
            .Apply([Books.Report("a", "v1", EdgeHealth.Pass, Books.T0 + secondAt)], out var accepted);
        Assert.Equal(expected, Assert.Single(book.ReportsOf("a")).Verdict.Health);
        Assert.Equal(expected == EdgeHealth.Pass ? 1 : 0, accepted.Count);
        Assert.Equal(expected, book.Judge(Books.T0 + 3_000, out _).Verdict("a").Health);
    }

    [Theory]
    [InlineData(0, VoteUse.Counted, EdgeHealth.Pass)]
    [InlineData(30_000, VoteUse.Counted, EdgeHealth.Pass)]      // exactly vote_stale_after old: still fresh
    [InlineData(30_001, VoteUse.Stale, EdgeHealth.Untested)]    // older: does not vote
    [InlineData(-5_000, VoteUse.Counted, EdgeHealth.Pass)]      // from the future (a clock ahead): fresh
    public void An_observation_stops_voting_once_stale_even_with_no_new_report(long age, VoteUse use, EdgeHealth health)
    {
        var book = Books.Start(Abc).Apply([Books.Report("a", "v1", EdgeHealth.Pass, Books.T0), Books.Report("b", "v1", EdgeHealth.Pass, Books.T0 + 60_000)]);
        // Judged first while fresh, so the later judgement has to notice the flip without any report arriving.
        book.Judge(Books.T0, out var judgedOnce);
        var j = judgedOnce.Judge(Books.T0 + age, out _);
        Assert.Equal(use, Assert.Single(j.Verdict("a").Votes).Use);
        Assert.Equal(health, j.Verdict("a").Health);
        Assert.Equal(Render(judgedOnce.JudgeFromScratch(Books.T0 + age)), Render(j));
    }

    [Fact]
    public void Reports_of_unlisted_edges_do_not_vote_and_a_new_edge_list_drops_them()
    {
        var book = Books.Start(Abc).Apply([Books.Report("a", "v1", EdgeHealth.Pass, Books.T0), Books.Report("x", "v2", EdgeHealth.Fail, Books.T0)]);
        var j = book.Judge(Books.T0, out book);
        Assert.Equal(Abc, j.Vote.Edges.Select(e => e.Edge));
        Assert.Equal(["v1", "v2"], j.Vote.Vantages.Select(v => v.Vantage)); // the unlisted report only makes its vantage known
        Assert.Equal(2, book.Count);

        book = book.WithNetwork(["a", "b"], new Dictionary<string, string>());
        Assert.Empty(book.ReportsOf("x"));
        Assert.Equal(1, book.Count);
        j = book.Judge(Books.T0, out _);
        Assert.Equal(["a", "b"], j.Vote.Edges.Select(e => e.Edge));
        Assert.Equal(["v1"], j.Vote.Vantages.Select(v => v.Vantage));
    }

    [Theory]
    [InlineData(-1, EdgeMode.Unavailable)]
    [InlineData(0, EdgeMode.Available)]   // the --for expiry is reached: available again, whatever the report said
    [InlineData(1, EdgeMode.Available)]
    public void A_mode_is_judged_at_the_time_of_the_decision(long sinceExpiry, EdgeMode expected)
    {
        var expires = Books.T0 + 10_000;
        var book = Books.Start(Abc).Apply([Books.Report("a", "v1", EdgeHealth.Pass, Books.T0, mode: EdgeMode.Unavailable, modeChangedAt: 5, modeExpiresAt: expires)]);
        var j = book.Judge(expires + sinceExpiry, out _);
        Assert.Equal(expected, j.Candidates.Single(c => c.Edge == "a").Mode);
        Assert.Equal(expected, j.Reports.Single(r => r.Edge == "a").Mode);
    }

    [Fact]
    public void The_newest_mode_set_on_any_vantage_wins()
    {
        var book = Books.Start(Abc).Apply([
            Books.Report("a", "v1", EdgeHealth.Pass, Books.T0, mode: EdgeMode.Force, modeChangedAt: 100),
            Books.Report("a", "v2", EdgeHealth.Pass, Books.T0, mode: EdgeMode.Unavailable, modeChangedAt: 200),
            Books.Report("b", "v2", EdgeHealth.Pass, Books.T0, mode: EdgeMode.Unavailable, modeChangedAt: 7),
            Books.Report("b", "v1", EdgeHealth.Pass, Books.T0, mode: EdgeMode.Force, modeChangedAt: 7), // a tie: the first vantage by name
        ]);
        var j = book.Judge(Books.T0, out _);
        Assert.Equal(EdgeMode.Unavailable, j.Candidates.Single(c => c.Edge == "a").Mode);
        Assert.Equal(EdgeMode.Force, j.Candidates.Single(c => c.Edge == "b").Mode);
        Assert.Equal(EdgeMode.Available, j.Candidates.Single(c => c.Edge == "c").Mode);
    }

    [Fact]
    public void Edges_no_vantage_has_judged_are_unobserved_canaries_aside()
    {
        var book = Books.Start(Abc, canaries: new Dictionary<string, string> { ["zone"] = "k" })
            .Apply([Books.Report("a", "v1", EdgeHealth.Fail, Books.T0), Books.Report("b", "v1", EdgeHealth.Untested, Books.T0)]);
        var j = book.Judge(Books.T0, out _);
        Assert.Equal(["b", "c"], j.Unobserved.Order(StringComparer.Ordinal));
    }

    // The hold: edges a, b, c; min_vantages as given; every report fresh unless said otherwise.
    [Theory]
    [InlineData(1, "a:v1 b:v1", 1_000, true, 1)]              // c not yet judged
    [InlineData(1, "a:v1 b:v1 c:v1", 1_000, false, 0)]        // every edge judged: over before the deadline
    [InlineData(2, "a:v1 b:v1 c:v1", 1_000, true, 3)]         // min_vantages 2: one vantage is not enough to vote
    [InlineData(2, "a:v1 a:v2 b:v1 b:v2 c:v1 c:v2", 1_000, false, 0)]
    [InlineData(1, "a:v1 b:v1 c:untested", 1_000, true, 1)]   // an untested report is no judgement
    [InlineData(1, "a:v1 b:v1 c:stale", 1_000, true, 1)]      // nor is a stale one
    [InlineData(1, "a:v1", 19_999, true, 2)]
    [InlineData(1, "a:v1", 20_000, false, 2)]                 // the deadline: over, with two edges still unjudged
    [InlineData(1, "", 20_000, false, 3)]
    public void The_start_up_hold_lasts_until_every_edge_is_judged_or_the_deadline(int minVantages, string reports, long sinceStart, bool holding, int awaiting)
    {
        var book = Books.Start(Abc, Books.Settings(minVantages)).Apply(reports.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(r =>
        {
            var (edge, what) = (r.Split(':')[0], r.Split(':')[1]);
            return what switch
            {
                "untested" => Books.Report(edge, "v1", EdgeHealth.Untested, Books.T0),
                "stale" => Books.Report(edge, "v1", EdgeHealth.Pass, Books.T0 + sinceStart - 31_000),
                _ => Books.Report(edge, what, EdgeHealth.Pass, Books.T0 + 500),
            };
        }));
        var hold = book.HoldAt(Books.T0 + sinceStart);
        Assert.Equal(holding, hold.Holding);
        Assert.Equal(awaiting, hold.Awaiting);
        Assert.Equal(holding, hold.Reason is null);
    }

    [Fact]
    public void Once_ended_the_hold_does_not_come_back()
    {
        var book = Books.Start(Abc).Apply(Abc.Select(e => Books.Report(e, "v1", EdgeHealth.Pass, Books.T0)));
        Assert.False(book.HoldAt(Books.T0 + 1_000).Holding);
        book = book.EndHold(Books.T0 + 1_000).WithNetwork(["a", "b", "c", "new"], new Dictionary<string, string>());
        Assert.False(book.HoldAt(Books.T0 + 2_000).Holding);
        Assert.Equal(Books.T0 + 1_000, book.HoldEndedAtUnixMs);
    }

    [Theory]
    [InlineData("v1", "", true)]            // one vantage, majority of one: failing
    [InlineData("v1 v2", "v3", true)]       // 2 of 3
    [InlineData("v1", "v2 v3", false)]      // 1 of 3: short of the quorum, not replaced during the hold
    public void A_live_edge_a_quorum_sees_failing_is_named_during_the_hold(string failingFrom, string passingFrom, bool failing)
    {
        var split = (string s) => s.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var book = Books.Start(Abc).Apply(
            split(failingFrom).Select(v => Books.Report("a", v, EdgeHealth.Fail, Books.T0 + 500))
                .Concat(split(passingFrom).Select(v => Books.Report("a", v, EdgeHealth.PassThreshold, Books.T0 + 500))));
        Assert.True(book.HoldAt(Books.T0 + 1_000).Holding); // b and c are not judged yet
        var j = book.Judge(Books.T0 + 1_000, out _);
        Assert.Equal(failing ? ["a"] : [], j.FailingAmong(["a", "b"]));
        Assert.Empty(j.FailingAmong(["b", "c"]));
    }

    [Theory]
    [InlineData("v1", "", false)]           // one vantage's word so far, min_vantages 2: not yet a quorum's
    [InlineData("v1 v2", "", true)]         // two vantages judged it, both failing
    [InlineData("v1", "v2", false)]         // judged by two, split: short of the majority
    public void During_the_hold_only_an_edge_judged_by_min_vantages_vantages_can_be_named_failing(string failingFrom, string passingFrom, bool failing)
    {
        // A decider that has just taken over (a moved shard) may hold one vantage's report of an edge before the others'.
        var split = (string s) => s.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var book = Books.Start(Abc).Apply(
            split(failingFrom).Select(v => Books.Report("a", v, EdgeHealth.Fail, Books.T0 + 500))
                .Concat(split(passingFrom).Select(v => Books.Report("a", v, EdgeHealth.PassThreshold, Books.T0 + 500))));
        var j = book.Judge(Books.T0 + 1_000, out _);
        Assert.Equal(failing ? ["a"] : [], j.FailingAmong(["a", "b"], minVoters: 2));
    }

    [Fact]
    public void A_live_edge_not_observed_since_start_stays_live_and_the_decision_is_not_degraded()
    {
        // a was live and is not judged yet; c is judged pass_threshold; b fails.
        var book = Books.Start(Abc).Apply([Books.Report("b", "v1", EdgeHealth.Fail, Books.T0), Books.Report("c", "v1", EdgeHealth.PassThreshold, Books.T0)]);
        var j = book.Judge(Books.T0, out _);
        var kept = Selector.Select(new SelectionInput(j.Candidates, ["a", "b"], Required: 2, MinEdges: 1, int.MaxValue, j.Unobserved));
        Assert.Equal(["a", "c"], kept.Live);
        Assert.False(kept.Degraded);
        var a = kept.Edges.Single(e => e.Edge == "a");
        Assert.Equal(DecisionReason.KeptHealthy, a.Reason);
        Assert.Contains("not judged by any vantage since the decider started", a.Detail);

        // Without the book's word (a cron round), an untested edge is not kept: the old rule.
        var cron = Selector.Select(new SelectionInput(j.Candidates, ["a", "b"], Required: 2, MinEdges: 1, int.MaxValue));
        Assert.DoesNotContain(DecisionReason.KeptHealthy, cron.Edges.Where(e => e.Edge == "a").Select(e => e.Reason));
    }

    /// <summary>Everything a judgement says, as text, so two judgements can be compared whole.</summary>
    public static string Render(Judgement j) => System.Text.Json.JsonSerializer.Serialize(j, RenderOptions);

    private static readonly System.Text.Json.JsonSerializerOptions RenderOptions = new()
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
