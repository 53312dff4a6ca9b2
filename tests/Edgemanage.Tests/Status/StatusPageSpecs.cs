using System.Text.Json;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;
using Edgemanage.Contracts.Probing;
using Edgemanage.Contracts.Zones;
using Edgemanage.Node.StatusPages;
using Xunit;
using static Edgemanage.Contracts.Admin.AdminReplies;
using static Edgemanage.Contracts.Networks.NetworkReplies;

namespace Edgemanage.Tests.StatusPages;

/// <summary>The status page's model and rendering, without a node: filtering, paging, escaping, state wording.</summary>
public sealed class StatusPageSpecs
{
    private const long Now = 1_790_000_000_000;

    private static EdgeReport Report(string edge, EdgeHealth health, EdgeMode mode = EdgeMode.Available, string comment = "", long? until = null) =>
        new("net", edge, "local", mode, comment, mode == EdgeMode.Available ? -1 : Now - 60_000,
            new EdgeVerdict(health, new Sample(Now - 1000, 0.05f, health == EdgeHealth.Fail ? ProbeOutcome.Refused : ProbeOutcome.Ok, 200), 0.05, 0.05, 10),
            health == EdgeHealth.Fail ? "connection refused" : null, until);

    private static EdgeDecision Line(string edge, EdgeHealth health, bool live, DecisionReason reason) =>
        new(edge, health, 0.05, 0.05, EdgeMode.Available, live, reason, reason == DecisionReason.Failing ? "fail from 2 of 2 vantages" : "");

    /// <summary>A network of <paramref name="count"/> edges 10.0.x.y; every tenth fails; the first three are live.</summary>
    private static NetworkData Network(int count, string? frozen = null, bool degraded = false, IReadOnlyList<EdgeReport>? extraReports = null,
        VoteMatrix? votes = null, IReadOnlyList<Substitution>? substitutions = null)
    {
        var names = Enumerable.Range(0, count).Select(i => $"10.0.{i / 250}.{i % 250 + 1}").ToArray();
        var live = names.Take(3).Order(StringComparer.Ordinal).ToArray();
        var lines = names.Select((n, i) => Line(n, i % 10 == 9 ? EdgeHealth.Fail : EdgeHealth.PassThreshold, live.Contains(n),
            i % 10 == 9 ? DecisionReason.Failing : live.Contains(n) ? DecisionReason.KeptHealthy : DecisionReason.NotNeeded)).ToArray();
        var decision = new DecisionRecord("net", Now - 2000, 3, live, live, true, degraded, lines, substitutions ?? [],
            degraded ? ["only 2 usable edges"] : [], votes);
        var status = new NetworkStatus("net", Now - 1000, live, decision, [Now - 30_000], 10, 9, 600_000, frozen, true, count);
        var reports = names.Select((n, i) => Report(n, i % 10 == 9 ? EdgeHealth.Fail : EdgeHealth.PassThreshold)).Concat(extraReports ?? []).ToArray();
        var zones = new ZonesStatus("net", 2026120501, Now - 5000, [new PublishedZone("example.test", "h", 2026120501, "k")], live, Now - 5000,
            [new ZoneOutcome("example.test", ZoneAction.Written, "written", 2026120501, null)],
            [new CommandOutcome("run_after_changes", "/usr/sbin/rndc reload", 0, false, null, "", TimeSpan.FromMilliseconds(120)),
             new CommandOutcome("run_after", "/bin/false <x>", 1, false, null, "", TimeSpan.FromMilliseconds(5))]);
        return new NetworkData("net", status, reports, zones, []);
    }

    private static StatusQuery Query(string query) => StatusQuery.Parse(key =>
        query.Split('&', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2))
            .FirstOrDefault(p => p[0] == key) is { } kv ? Uri.UnescapeDataString(kv.ElementAtOrDefault(1) ?? "") : null);

    public static TheoryData<string, int, int, int, string?> Filters => new()
    {
        // query, matching, rows on the page, page, first edge on the page
        { "", 5000, 100, 1, "10.0.0.1" },
        { "page=2", 5000, 100, 2, "10.0.0.19" }, // ordinal order: 10.0.0.1, 10.0.0.10, 10.0.0.100, …
        { "page=999", 5000, 100, 50, null },       // clamped to the last page
        { "size=5000", 5000, 1000, 1, "10.0.0.1" }, // capped at MaxPageSize
        { "q=10.0.19.", 250, 100, 1, "10.0.19.1" },
        { "q=10.0.0.25", 2, 2, 1, "10.0.0.25" },    // .25 and .250
        { "health=fail", 500, 100, 1, null },
        { "health=fail&q=10.0.0.", 25, 25, 1, "10.0.0.10" },
        { "live=in", 3, 3, 1, "10.0.0.1" },
        { "live=out&q=10.0.0.3", 10, 10, 1, "10.0.0.30" }, // .3 is live; .30-.39 not
        { "q=nothing-like-this", 0, 0, 1, null },
        { "health=bogus&live=maybe&page=-1&size=x", 5000, 100, 1, "10.0.0.1" }, // nonsense falls back to the defaults
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public void Edges_are_filtered_and_paged_on_the_node(string query, int matching, int rows, int page, string? first)
    {
        var view = StatusModel.Build([Network(5000)], Query(query), Now);
        var table = view.Edges!;
        Assert.Equal(5000, table.Total);
        Assert.Equal(matching, table.Matching);
        Assert.Equal(rows, table.Rows.Count);
        Assert.Equal(page, table.Page);
        if (first is not null) Assert.Equal(first, table.Rows[0].Edge);
        var q = Query(query);
        foreach (var r in table.Rows)
        {
            Assert.Contains(q.Text, r.Edge, StringComparison.OrdinalIgnoreCase);
            if (q.Health is { } h) Assert.Equal(h.Name(), r.Health);
            if (q.Live != LiveFilter.Any) Assert.Equal(q.Live == LiveFilter.In, r.Live);
        }
    }

    [Fact]
    public void A_page_of_a_5000_edge_network_carries_one_page_of_rows()
    {
        var view = StatusModel.Build([Network(5000)], StatusQuery.Default, Now);
        var fragment = StatusPage.Fragment(view);
        Assert.Equal(100, fragment.Split("<tr data-edge=").Length - 1);
        Assert.True(fragment.Length < 100_000, $"fragment of {fragment.Length} chars");
        Assert.Contains("5000 of 5000 edges match; page 1 of 50", fragment);
        Assert.Contains("href=\"/?network=net&amp;page=2\"", fragment);
    }

    [Fact]
    public void Query_strings_round_trip()
    {
        var q = Query("network=a%20b&q=127.0.0.1&health=fail&live=out&page=3&size=50");
        Assert.Equal(new StatusQuery("a b", "127.0.0.1", EdgeHealth.Fail, LiveFilter.Out, 3, 50), q);
        Assert.Equal("network=a%20b&q=127.0.0.1&health=fail&live=out&page=3&size=50", q.ToQueryString());
        Assert.Equal(q, Query(q.ToQueryString()));
        Assert.Equal("", StatusQuery.Default.ToQueryString());
    }

    [Fact]
    public void Operator_text_is_escaped_everywhere_it_appears()
    {
        const string evil = "<script>alert('x')</script>\"&";
        var reports = new[] { Report("evil<img src=x>.example", EdgeHealth.PassThreshold, EdgeMode.Unavailable, "[ops] " + evil, Now + 7_200_000) };
        var view = StatusModel.Build([Network(5, extraReports: reports, frozen: "only <b>1</b> vantage votes")], Query("q=evil"), Now);
        foreach (var html in new[] { StatusPage.Html(view), StatusPage.Fragment(view) })
        {
            Assert.DoesNotContain("<script>alert", html);
            Assert.DoesNotContain("<img src=x>", html);
            Assert.DoesNotContain("<b>1</b>", html);
            Assert.Contains("evil&lt;img src=x&gt;.example", html);
            Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;", html);
            Assert.Contains("only &lt;b&gt;1&lt;/b&gt; vantage votes", html);
            Assert.DoesNotMatch(@"\son[a-z]+\s*=", html); // no inline event handler (the CSP would block it anyway)
        }
        Assert.Contains("value=\"evil\"", StatusPage.Html(view)); // the search box keeps its text, escaped
        var json = StatusPage.Json(view);
        Assert.DoesNotContain("<script>", json);
        using var doc = JsonDocument.Parse(json);
        var row = doc.RootElement.GetProperty("edges").GetProperty("rows")[0];
        Assert.Equal("evil<img src=x>.example", row.GetProperty("edge").GetString());
        Assert.Equal("[ops] " + evil, row.GetProperty("comment").GetString());
        Assert.Equal(Now + 7_200_000, row.GetProperty("mode_until_unix_ms").GetInt64());
    }

    [Fact]
    public void The_page_loads_only_its_own_script_and_style_and_no_inline_script()
    {
        var html = StatusPage.Html(StatusModel.Build([Network(5)], StatusQuery.Default, Now));
        Assert.Contains("<script src=\"/status.js\" defer></script>", html);
        Assert.Contains("<link rel=\"stylesheet\" href=\"/status.css\">", html);
        Assert.Single(html.Split("<script").Skip(1));
        Assert.DoesNotContain("style=", html);
        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);
        Assert.Contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">", html);
        Assert.Contains("default-src 'none'", StatusPage.ContentSecurityPolicy);
        Assert.DoesNotContain("unsafe", StatusPage.ContentSecurityPolicy);
    }

    public static TheoryData<string?, bool, string, string?> States => new()
    {
        { null, false, "ok", null },
        { null, true, "degraded", "only 2 usable edges" },
        { "1 of min_vantages 2 vote", false, "frozen", "1 of min_vantages 2 vote" },
        { "1 of min_vantages 2 vote", true, "frozen", "1 of min_vantages 2 vote" }, // frozen says more than degraded
    };

    [Theory]
    [MemberData(nameof(States))]
    public void A_network_card_says_its_state_and_why(string? frozen, bool degraded, string state, string? why)
    {
        var card = StatusModel.Card(Network(5, frozen, degraded));
        Assert.Equal(state, card.State);
        Assert.Equal(why, card.Why);
        Assert.Equal(["10.0.0.1", "10.0.0.2", "10.0.0.3"], card.Live);
        Assert.Equal("9 of 10 swaps left in the 600s window (1 swap made, necessary ones included; only discretionary swaps wait)", card.Budget);
        Assert.Equal("writable", card.Journal);
    }

    [Fact]
    public void A_network_that_does_not_answer_is_shown_as_unavailable_with_the_reason()
    {
        var data = new NetworkData("quiet", null, [], null, ["network quiet did not answer in time"]);
        var view = StatusModel.Build([Network(5), data], Query("network=quiet"), Now);
        var card = Assert.Single(view.Networks, n => n.Network == "quiet");
        Assert.Equal("unavailable", card.State);
        Assert.Equal("network quiet did not answer in time", card.Why);
        Assert.Equal("quiet", view.Selected);
        Assert.Equal(0, view.Edges!.Total);
        Assert.Contains("the zone writer of quiet did not answer", StatusPage.Fragment(view));
    }

    [Fact]
    public void Rows_carry_mode_expiry_comment_reason_and_the_vote_matrix()
    {
        var votes = new VoteMatrix(
            [new VantageState("east", VantageStatus.Voting, 5, 1, ""), new VantageState("west", VantageStatus.Broken, 5, 5, "")],
            [new EdgeVotes("10.0.0.10", [new VoteCell(0, EdgeHealth.Fail, VoteUse.Counted), new VoteCell(1, EdgeHealth.Fail, VoteUse.Abstained)]),
             new EdgeVotes("10.0.0.1", [new VoteCell(0, EdgeHealth.PassThreshold, VoteUse.Counted)])]);
        var moded = Report("10.0.0.2", EdgeHealth.PassThreshold, EdgeMode.Unavailable, "[alice] disk swap", Now + 7_200_000);
        var view = StatusModel.Build([Network(12, votes: votes, extraReports: [moded])], StatusQuery.Default, Now);
        var rows = view.Edges!.Rows.ToDictionary(r => r.Edge);
        Assert.Equal(["east", "west"], view.Edges.Vantages);
        Assert.Equal(["fail", "fail (abstained)"], rows["10.0.0.10"].Votes);
        Assert.Equal(["pass_threshold", null], rows["10.0.0.1"].Votes);
        Assert.Equal("fail", rows["10.0.0.10"].Health);
        Assert.False(rows["10.0.0.10"].Live);
        Assert.Equal("refused: connection refused", rows["10.0.0.10"].LastOutcome);
        var m = rows["10.0.0.2"];
        Assert.Equal(("unavailable", "[alice] disk swap", Now + 7_200_000, Now - 60_000), (m.Mode, m.Comment, m.ModeUntilUnixMs, m.ModeSinceUnixMs));
        var html = StatusPage.Fragment(view);
        Assert.Contains("<span class=\"until\">until 2026-", html);
        Assert.Contains("<tr data-edge=\"10.0.0.10\" data-health=\"fail\" data-live=\"out\" class=\"fail\">", html);
        Assert.Contains("<td class=\"vote fail\">fail (abstained)</td>", html);
    }

    [Fact]
    public void The_last_decision_says_what_changed_and_why_and_zones_show_serials_checks_and_hook_exit_codes()
    {
        var view = StatusModel.Build([Network(12, substitutions: [new Substitution("10.0.0.10", "10.0.0.3", false)])], StatusQuery.Default, Now);
        var change = Assert.Single(view.LastDecision!.Changes);
        Assert.Equal(new ChangeView("10.0.0.10", "failing: fail from 2 of 2 vantages", "10.0.0.3", "kept", false),
            change with { InWhy = change.InWhy?.Split(':')[0] });
        var z = view.Zones!;
        Assert.Equal(2026120501u, z.Serial);
        Assert.Equal(new ZoneRow("example.test", 2026120501, "written", "written", true), Assert.Single(z.Zones));
        Assert.Equal(["exit 0 after 0.12s", "exit 1 after 0.01s"], z.Hooks.Select(h => h.Result));
        Assert.Equal([true, false], z.Hooks.Select(h => h.Ok));
        var html = StatusPage.Fragment(view);
        Assert.Contains("<code>/bin/false &lt;x&gt;</code>", html);
        Assert.Contains("<b>out</b> 10.0.0.10 (failing: fail from 2 of 2 vantages) &rarr; <b>in</b> 10.0.0.3", html);
    }

    [Fact]
    public void Recent_changes_keep_the_decisions_that_changed_something_newest_first_and_escaped()
    {
        DecisionRecord D(string[] before, string[] live, bool degraded = false, string[]? notes = null) =>
            new("net", Now, 2, before, live, true, degraded, [],
                before.SequenceEqual(live) ? [] : [new Substitution(before.Except(live).FirstOrDefault(), live.Except(before).FirstOrDefault(), false)],
                notes ?? []);
        var first = D(["a", "b"], ["a", "b"]);
        Assert.True(RecentDecisions.WorthKeeping(null, first)); // the first one seen
        var seen = StatusModel.Summary(first, []);
        Assert.False(RecentDecisions.WorthKeeping(seen, D(["a", "b"], ["a", "b"])));
        Assert.True(RecentDecisions.WorthKeeping(seen, D(["a", "b"], ["a", "c"])));
        Assert.True(RecentDecisions.WorthKeeping(seen, D(["a", "b"], ["a", "b"], degraded: true)));
        Assert.True(RecentDecisions.WorthKeeping(seen, D(["a", "b"], ["a", "b"], notes: ["only 1 usable edge"])));

        var recent = new[] { StatusModel.Summary(D(["a", "<b>"], ["a", "c"]), []), seen };
        var data = Network(5) with { Recent = recent };
        var html = StatusPage.Fragment(StatusModel.Build([data], StatusQuery.Default, Now));
        Assert.Contains("<h2>Recent changes</h2><ol class=\"recent\">", html);
        Assert.Contains("<b>out</b> &lt;b&gt; &rarr; <b>in</b> c", html);
        Assert.True(html.IndexOf("&lt;b&gt; &rarr;", StringComparison.Ordinal) < html.IndexOf("live a b", StringComparison.Ordinal));
    }
}
