using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Edgemanage.Contracts.Edges;
using Edgemanage.Node.Output;

namespace Edgemanage.Node.StatusPages;

/// <summary>
/// The status page as text: the whole page for <c>GET /</c>, the part that changes (<see cref="Fragment"/>) for the
/// page's script to swap in every two seconds, and the same view as JSON. Pure: a <see cref="StatusView"/> in, a string
/// out. Everything that came from outside (edge names, comments, details, hook command lines) goes through
/// <see cref="E"/>; the node's own words are constants.
/// </summary>
public static class StatusPage
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    /// <summary>HTML-encodes text for element content and quoted attributes alike (&amp; &lt; &gt; " ').</summary>
    public static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    private static string Time(long? unixMs) => unixMs is { } t ? DecisionFormat.Time(t) : "-";

    private static string Seconds(double? s) => s is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "-";

    /// <summary>The whole page: the filter form (kept across refreshes, so typing is not interrupted) and the fragment.</summary>
    public static string Html(StatusView view)
    {
        var q = view.Query;
        var sb = new StringBuilder(64 * 1024);
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<title>edgemanage status</title><link rel=\"stylesheet\" href=\"/status.css\">")
            .Append("<script src=\"/status.js\" defer></script></head><body>\n")
            .Append("<header><h1>edgemanage</h1><span id=\"updated\" class=\"muted\">as of ").Append(E(Time(view.AtUnixMs))).Append("</span></header>\n")
            .Append("<form id=\"filter\" method=\"get\" action=\"/\">");
        sb.Append("<label>network <select name=\"network\">");
        foreach (var n in view.Networks)
            sb.Append("<option value=\"").Append(E(n.Network)).Append('"').Append(n.Network == view.Selected ? " selected" : "").Append('>')
                .Append(E(n.Network)).Append("</option>");
        sb.Append("</select></label>")
            .Append("<label>edge <input type=\"search\" name=\"q\" value=\"").Append(E(q.Text)).Append("\" placeholder=\"name contains\" autocomplete=\"off\"></label>")
            .Append("<label>health <select name=\"health\"><option value=\"\">any</option>");
        foreach (var h in Enum.GetValues<EdgeHealth>())
            sb.Append("<option value=\"").Append(h.Name()).Append('"').Append(q.Health == h ? " selected" : "").Append('>').Append(h.Name()).Append("</option>");
        sb.Append("</select></label><label>live <select name=\"live\">")
            .Append("<option value=\"\">any</option>")
            .Append("<option value=\"in\"").Append(q.Live == LiveFilter.In ? " selected" : "").Append(">in</option>")
            .Append("<option value=\"out\"").Append(q.Live == LiveFilter.Out ? " selected" : "").Append(">out</option>")
            .Append("</select></label>");
        if (q.PageSize != StatusQuery.DefaultPageSize)
            sb.Append("<input type=\"hidden\" name=\"size\" value=\"").Append(q.PageSize.ToString(CultureInfo.InvariantCulture)).Append("\">");
        sb.Append("<button type=\"submit\">show</button></form>\n<main id=\"status\">");
        WriteFragment(sb, view);
        sb.Append("</main>\n<footer class=\"muted\">read-only; refreshed every 2 s. Also: <a href=\"/status.json\">/status.json</a>, <a href=\"/metrics\">/metrics</a></footer>\n</body></html>\n");
        return sb.ToString();
    }

    /// <summary>The content of <c>&lt;main id="status"&gt;</c>: everything that changes between refreshes.</summary>
    public static string Fragment(StatusView view)
    {
        var sb = new StringBuilder(64 * 1024);
        WriteFragment(sb, view);
        return sb.ToString();
    }

    private static void WriteFragment(StringBuilder sb, StatusView view)
    {
        // Hidden: the script copies it into the header's "as of", which stays put while the fragment is swapped.
        sb.Append("<p hidden id=\"as-of\" data-at=\"").Append(view.AtUnixMs.ToString(CultureInfo.InvariantCulture)).Append("\">as of ")
            .Append(E(Time(view.AtUnixMs))).Append("</p>\n");
        if (view.Networks.Count == 0)
        {
            sb.Append("<p>This node serves no network (yet).</p>\n");
            return;
        }
        sb.Append("<section class=\"networks\">");
        foreach (var n in view.Networks) WriteCard(sb, n, view.Query);
        sb.Append("</section>\n");
        if (view.Selected is not { } selected) return;
        if (view.LastDecision is { } d) WriteDecision(sb, d);
        WriteRecent(sb, view.RecentChanges);
        if (view.Edges is { } edges) WriteEdges(sb, edges, view.Query);
        if (view.Zones is { } z) WriteZones(sb, z);
        else sb.Append("<h2>Zones</h2><p class=\"muted\">the zone writer of ").Append(E(selected)).Append(" did not answer</p>\n");
    }

    private static void WriteCard(StringBuilder sb, NetworkCard n, StatusQuery q)
    {
        var stateClass = n.State switch { "ok" => "ok", "frozen" or "unavailable" => "bad", _ => "warn" };
        sb.Append("<article class=\"card\" data-network=\"").Append(E(n.Network)).Append("\"><h2><a href=\"/?")
            .Append(E(new StatusQuery(n.Network, "", null, LiveFilter.Any, 1, q.PageSize).ToQueryString())).Append("\">").Append(E(n.Network)).Append("</a> ")
            .Append("<span class=\"state ").Append(stateClass).Append("\">").Append(E(n.State)).Append("</span></h2>");
        if (n.Why is { Length: > 0 } why) sb.Append("<p class=\"why\">").Append(E(why)).Append("</p>");
        sb.Append("<p>live ").Append(n.Live.Count.ToString(CultureInfo.InvariantCulture)).Append(" of edge_count ")
            .Append(n.Required.ToString(CultureInfo.InvariantCulture)).Append(":</p><ul class=\"live-set\">");
        foreach (var edge in n.Live) sb.Append("<li>").Append(E(edge)).Append("</li>");
        if (n.Live.Count == 0) sb.Append("<li class=\"muted\">(none)</li>");
        sb.Append("</ul><dl><dt>last decision</dt><dd>").Append(E(Time(n.LastDecisionAtUnixMs))).Append("</dd>")
            .Append("<dt>throttle</dt><dd>").Append(E(n.Budget)).Append("</dd>");
        if (n.Journal is { } j) sb.Append("<dt>journal</dt><dd>").Append(E(j)).Append("</dd>");
        if (n.Publish is { } p) sb.Append("<dt>publish</dt><dd class=\"bad\">NOT PUBLISHED: ").Append(E(p)).Append("</dd>");
        sb.Append("</dl></article>");
    }

    private static void WriteDecision(StringBuilder sb, DecisionView d)
    {
        sb.Append("<h2>Last decision</h2><p>").Append(E(Time(d.AtUnixMs))).Append(", ")
            .Append(d.Published ? "published" : "<span class=\"bad\">NOT published</span>")
            .Append(d.Degraded ? ", <span class=\"warn\">degraded</span>" : "").Append("; ")
            .Append(d.SubstitutionTimesUnixMs.Count.ToString(CultureInfo.InvariantCulture))
            .Append(d.SubstitutionTimesUnixMs.Count == 1 ? " substitution" : " substitutions").Append(" in the throttle window")
            .Append(d.SubstitutionTimesUnixMs.Count > 0 ? $", the last at {E(Time(d.SubstitutionTimesUnixMs.Max()))}" : "").Append("</p>");
        if (d.Changes.Count == 0) sb.Append("<p class=\"muted\">no change of the live set</p>");
        else WriteChanges(sb, d.Changes);
        foreach (var note in d.Notes) sb.Append("<p class=\"note\">").Append(E(note)).Append("</p>");
        sb.Append('\n');
    }

    /// <summary>The decisions that changed something, newest first: when, what went out and came in and why, the notes.</summary>
    private static void WriteRecent(StringBuilder sb, IReadOnlyList<DecisionView> recent)
    {
        if (recent.Count == 0) return;
        sb.Append("<h2>Recent changes</h2><ol class=\"recent\">");
        foreach (var d in recent)
        {
            sb.Append("<li><span class=\"when\">").Append(E(Time(d.AtUnixMs))).Append("</span> ")
                .Append(d.Published ? "" : "<span class=\"bad\">NOT published</span> ").Append(d.Degraded ? "<span class=\"warn\">degraded</span> " : "");
            if (d.Changes.Count == 0) sb.Append("live ").Append(E(string.Join(" ", d.Live)));
            WriteChanges(sb, d.Changes);
            foreach (var note in d.Notes) sb.Append("<br><span class=\"note\">").Append(E(note)).Append("</span>");
            sb.Append("</li>");
        }
        sb.Append("</ol>\n");
    }

    private static void WriteChanges(StringBuilder sb, IReadOnlyList<ChangeView> changes)
    {
        if (changes.Count == 0) return;
        sb.Append("<ul class=\"changes\">");
        foreach (var c in changes)
        {
            sb.Append("<li>");
            if (c.Out is not null) sb.Append("<b>out</b> ").Append(E(c.Out)).Append(c.OutWhy is null ? "" : $" ({E(c.OutWhy)})");
            if (c.Out is not null && c.In is not null) sb.Append(" &rarr; ");
            if (c.In is not null) sb.Append("<b>in</b> ").Append(E(c.In)).Append(c.InWhy is null ? "" : $" ({E(c.InWhy)})");
            if (c.Discretionary) sb.Append(" <span class=\"muted\">discretionary</span>");
            sb.Append("</li>");
        }
        sb.Append("</ul>");
    }

    private static void WriteEdges(StringBuilder sb, EdgeTable t, StatusQuery q)
    {
        sb.Append("<h2>Edges</h2><p class=\"muted\" id=\"edge-count\">").Append(t.Matching.ToString(CultureInfo.InvariantCulture))
            .Append(" of ").Append(t.Total.ToString(CultureInfo.InvariantCulture)).Append(" edges match; page ")
            .Append(t.Page.ToString(CultureInfo.InvariantCulture)).Append(" of ").Append(t.Pages.ToString(CultureInfo.InvariantCulture)).Append("</p>");
        sb.Append("<div class=\"scroll\"><table class=\"edges\"><thead><tr><th>edge</th><th>health</th><th>live</th><th>reason</th>")
            .Append("<th>mode</th><th>avg s</th><th>last s</th><th>last probe</th>");
        foreach (var v in t.Vantages) sb.Append("<th class=\"vantage\">").Append(E(v)).Append("</th>");
        sb.Append("</tr></thead><tbody>");
        foreach (var r in t.Rows)
        {
            var health = r.Health == "fail" ? "fail" : r.Health == "untested" ? "untested" : "pass";
            sb.Append("<tr data-edge=\"").Append(E(r.Edge)).Append("\" data-health=\"").Append(E(r.Health)).Append("\" data-live=\"")
                .Append(r.Live ? "in" : "out").Append("\" class=\"").Append(health).Append(r.Live ? " live" : "").Append("\">")
                .Append("<td class=\"edge\">").Append(E(r.Edge)).Append("</td>")
                .Append("<td class=\"health\">").Append(E(r.Health)).Append("</td>")
                .Append("<td class=\"live-flag\">").Append(r.Live ? "in" : "out").Append("</td>")
                .Append("<td class=\"reason\">").Append(E(r.Reason)).Append(r.Detail.Length > 0 ? $"<br><span class=\"muted\">{E(r.Detail)}</span>" : "").Append("</td>")
                .Append("<td class=\"mode\">").Append(E(r.Mode));
            if (r.ModeSinceUnixMs is { } since) sb.Append("<br><span class=\"muted\">since ").Append(E(Time(since))).Append("</span>");
            if (r.ModeUntilUnixMs is { } until) sb.Append("<br><span class=\"until\">until ").Append(E(Time(until))).Append("</span>");
            if (r.Comment.Length > 0) sb.Append("<br><span class=\"comment\">").Append(E(r.Comment)).Append("</span>");
            sb.Append("</td><td>").Append(Seconds(r.Average)).Append("</td><td>").Append(Seconds(r.LastSeconds)).Append("</td><td>")
                .Append(E(r.LastOutcome ?? "-")).Append("</td>");
            foreach (var v in r.Votes)
                sb.Append("<td class=\"vote").Append(v is null ? "" : v.StartsWith("fail", StringComparison.Ordinal) ? " fail" : " pass").Append("\">")
                    .Append(E(v ?? "-")).Append("</td>");
            sb.Append("</tr>");
        }
        if (t.Rows.Count == 0) sb.Append("<tr><td colspan=\"").Append((8 + t.Vantages.Count).ToString(CultureInfo.InvariantCulture)).Append("\" class=\"muted\">no edge matches</td></tr>");
        sb.Append("</tbody></table></div>");
        if (t.Pages > 1)
        {
            sb.Append("<nav class=\"pager\">");
            if (t.Page > 1) sb.Append("<a class=\"page\" href=\"/?").Append(E(q.ToQueryString(t.Page - 1))).Append("\">&larr; previous</a> ");
            sb.Append("<span>page ").Append(t.Page.ToString(CultureInfo.InvariantCulture)).Append(" of ").Append(t.Pages.ToString(CultureInfo.InvariantCulture)).Append("</span>");
            if (t.Page < t.Pages) sb.Append(" <a class=\"page\" href=\"/?").Append(E(q.ToQueryString(t.Page + 1))).Append("\">next &rarr;</a>");
            sb.Append("</nav>");
        }
        sb.Append('\n');
    }

    private static void WriteZones(StringBuilder sb, ZonesView z)
    {
        sb.Append("<h2>Zones</h2><p>serial ").Append(z.Serial.ToString(CultureInfo.InvariantCulture)).Append(", last written ")
            .Append(E(Time(z.LastWriteAtUnixMs))).Append(", last publish step ").Append(E(Time(z.LastPublishAtUnixMs))).Append("</p>")
            .Append("<div class=\"scroll\"><table class=\"zones\"><thead><tr><th>zone</th><th>serial</th><th>last result</th><th>detail</th></tr></thead><tbody>");
        foreach (var r in z.Zones)
            sb.Append("<tr class=\"").Append(r.Ok ? "pass" : "fail").Append("\"><td>").Append(E(r.Zone)).Append("</td><td>")
                .Append(r.Serial.ToString(CultureInfo.InvariantCulture)).Append("</td><td>").Append(E(r.Result)).Append("</td><td>").Append(E(r.Detail)).Append("</td></tr>");
        sb.Append("</tbody></table></div>");
        sb.Append("<h2>Hooks</h2>");
        if (z.Hooks.Count == 0) sb.Append("<p class=\"muted\">the last publish step ran no command</p>");
        else
        {
            sb.Append("<div class=\"scroll\"><table class=\"hooks\"><thead><tr><th>hook</th><th>command</th><th>result</th></tr></thead><tbody>");
            foreach (var h in z.Hooks)
                sb.Append("<tr class=\"").Append(h.Ok ? "pass" : "fail").Append("\"><td>").Append(E(h.Hook)).Append("</td><td><code>").Append(E(h.Command))
                    .Append("</code></td><td>").Append(E(h.Result)).Append("</td></tr>");
            sb.Append("</tbody></table></div>");
        }
        sb.Append('\n');
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The view as JSON (snake_case, times in unix milliseconds), for scripts; the default encoder escapes &lt; &gt; &amp; '.</summary>
    public static string Json(StatusView view) => JsonSerializer.Serialize(view, JsonOptions);
}
