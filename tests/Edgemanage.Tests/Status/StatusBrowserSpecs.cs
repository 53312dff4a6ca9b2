using System.Globalization;
using Edgemanage.Fleet;
using Edgemanage.Tests.Support;
using Microsoft.Playwright;
using Xunit;

namespace Edgemanage.Tests.StatusPages;

/// <summary>
/// The status page in a real browser against a real <c>serve</c> and the loopback fleet: it shows the live set, follows
/// a failing edge out of it without a reload, and shows a mode set through the node with its expiry. Every wait is
/// Playwright's (or <see cref="Eventually"/>), bounded by <see cref="StatusNode.Within"/>.
/// </summary>
public sealed class StatusBrowserSpecs(StatusNode node) : IClassFixture<StatusNode>
{
    private const string Net = StatusNode.Net;
    /// <summary>The edge the mode spec sets unavailable; the refusing spec picks another, so their order does not matter.</summary>
    private const string ModeEdge = "127.0.0.6";
    private static readonly float WaitMs = (float)StatusNode.Within.TotalMilliseconds;
    private readonly List<string> _errors = [];

    private static Task<IReadOnlyList<string>> LiveOnPageAsync(IPage page) =>
        page.Locator($".card[data-network='{Net}'] .live-set li").AllTextContentsAsync();

    [ChromiumFact]
    public async Task The_page_shows_the_live_set_of_the_zone_and_sends_a_strict_content_security_policy()
    {
        var page = await node.NewPageAsync(1280, 900, _errors);
        var response = await page.GotoAsync(node.BaseUrl);
        Assert.Equal(200, response!.Status);
        Assert.Contains("default-src 'none'", response.Headers["content-security-policy"]);
        Assert.Equal("edgemanage status", await page.TitleAsync());
        // A decision may land between the page and the zone read: look until both agree.
        string[] onPage = [];
        await Eventually.True(async () =>
        {
            await page.ReloadAsync();
            onPage = [.. (await LiveOnPageAsync(page)).Order(StringComparer.Ordinal)];
            return onPage.Length == 3 && onPage.SequenceEqual(node.ZoneA());
        }, StatusNode.Within, "the page's live set equal to the zone's A records");
        foreach (var edge in onPage)
            Assert.Equal("in", await page.Locator($"tr[data-edge='{edge}'] td.live-flag").TextContentAsync());
        Assert.Equal(StatusNode.FleetEdges.Length, await page.Locator("table.edges tbody tr[data-edge]").CountAsync());
        Assert.Contains("example.test", await page.Locator("table.zones").TextContentAsync());
        Assert.True(_errors.Count == 0, string.Join("\n", _errors)); // no CSP violation, no script error
    }

    [ChromiumFact]
    public async Task An_edge_that_starts_refusing_turns_red_and_leaves_the_live_set_on_the_page_without_a_reload()
    {
        var page = await node.NewPageAsync(1280, 900, _errors);
        await page.GotoAsync(node.BaseUrl);
        var live = await LiveOnPageAsync(page);
        var victim = live.First(e => e != ModeEdge);
        await page.EvaluateAsync("() => { window.loadedOnce = 'yes'; }"); // gone if the page were reloaded
        Assert.Equal("in", await page.Locator($"tr[data-edge='{victim}']").GetAttributeAsync("data-live"));

        node.Fleet.Set(victim, EdgeBehaviour.Refuse());
        try
        {
            await page.WaitForFunctionAsync("""
                edge => {
                  const row = document.querySelector(`tr[data-edge="${edge}"]`);
                  const live = [...document.querySelectorAll('.live-set li')].map(li => li.textContent);
                  return row && row.dataset.health === 'fail' && row.dataset.live === 'out' && !live.includes(edge);
                }
                """, victim, new PageWaitForFunctionOptions { Timeout = WaitMs, PollingInterval = 100 });
            Assert.Equal("yes", await page.EvaluateAsync<string>("() => window.loadedOnce"));
            var background = await page.Locator($"tr[data-edge='{victim}'] td.health").EvaluateAsync<string>("td => getComputedStyle(td).backgroundColor");
            Assert.Equal("rgb(253, 231, 229)", background); // the failing row's red
            Assert.Equal("fail", await page.Locator($"tr[data-edge='{victim}'] td.health").TextContentAsync());
            // And the recent changes say it went out, and why.
            await Assertions.Expect(page.Locator("ol.recent")).ToContainTextAsync($"out {victim} (failing",
                new LocatorAssertionsToContainTextOptions { Timeout = WaitMs });
            Assert.True(_errors.Count == 0, string.Join("\n", _errors));
        }
        finally
        {
            node.Fleet.Set(victim, EdgeBehaviour.Ok());
        }
    }

    [ChromiumFact]
    public async Task A_mode_set_through_the_node_for_two_hours_appears_with_its_expiry_and_its_comment_as_text()
    {
        var page = await node.NewPageAsync(1280, 900, _errors);
        await page.GotoAsync(node.BaseUrl);
        await page.EvaluateAsync("() => { window.loadedOnce = 'yes'; }");
        const string comment = "disk <swap> & \"reboot\"";
        var before = DateTimeOffset.UtcNow;
        var set = await EdgemanageProcess.RunInProcessAsync("edge", "mode", "-A", Net, "-c", node.Config, "-m", "unavailable", "-C", comment,
            "--for", "2h", ModeEdge);
        Assert.True(set.ExitCode == 0, set.ToString());

        var mode = page.Locator($"tr[data-edge='{ModeEdge}'] td.mode");
        await Assertions.Expect(mode).ToContainTextAsync("unavailable", new LocatorAssertionsToContainTextOptions { Timeout = WaitMs });
        var until = await mode.Locator(".until").TextContentAsync();
        var expires = DateTimeOffset.ParseExact(until!["until ".Length..], "yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal);
        Assert.InRange(expires, before.AddHours(2).AddSeconds(-2), DateTimeOffset.UtcNow.AddHours(2).AddSeconds(2));
        // The comment arrives as text: escaped on the node, not markup in the page.
        Assert.EndsWith(comment, await mode.Locator(".comment").TextContentAsync());
        Assert.Equal(0, await page.Locator("td.mode swap").CountAsync());
        Assert.Equal("yes", await page.EvaluateAsync<string>("() => window.loadedOnce"));
        Assert.True(_errors.Count == 0, string.Join("\n", _errors));
    }

    [ChromiumFact]
    public async Task The_search_box_filters_on_the_node_and_the_page_fits_a_phone()
    {
        var page = await node.NewPageAsync(390, 844, _errors);
        await page.GotoAsync(node.BaseUrl);
        await page.Locator("input[name=q]").FillAsync("127.0.0.3");
        await Assertions.Expect(page.Locator("table.edges tbody tr[data-edge]")).ToHaveCountAsync(1, new LocatorAssertionsToHaveCountOptions { Timeout = WaitMs });
        Assert.Equal("127.0.0.3", await page.Locator("table.edges tbody tr[data-edge]").GetAttributeAsync("data-edge"));
        Assert.EndsWith("?network=statusnet&q=127.0.0.3", page.Url); // the view can be bookmarked
        await page.Locator("input[name=q]").FillAsync("");
        await Assertions.Expect(page.Locator("table.edges tbody tr[data-edge]")).ToHaveCountAsync(StatusNode.FleetEdges.Length,
            new LocatorAssertionsToHaveCountOptions { Timeout = WaitMs });
        // Wide tables scroll inside their box; the page itself does not scroll sideways.
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"));
        await SaveScreenshotAsync(page, "status-page-phone.png");

        var desktop = await node.NewPageAsync(1280, 900, _errors);
        await desktop.GotoAsync(node.BaseUrl);
        await SaveScreenshotAsync(desktop, "status-page.png");
        Assert.True(_errors.Count == 0, string.Join("\n", _errors));
    }

    /// <summary>
    /// Screenshots go to <c>EDGEMANAGE_STATUS_SCREENSHOTS</c> when it names a folder (how docs/status-page.png is made),
    /// else to a scratch folder, so the spec also proves the page renders to an image.
    /// </summary>
    private static async Task SaveScreenshotAsync(IPage page, string name)
    {
        var dir = Environment.GetEnvironmentVariable("EDGEMANAGE_STATUS_SCREENSHOTS") is { Length: > 0 } d ? d : Path.GetTempPath();
        var path = Path.Combine(dir, dir == Path.GetTempPath() ? $"edgemanage-{Guid.NewGuid():N}-{name}" : name);
        var bytes = await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        Assert.True(bytes.Length > 1000);
        if (dir == Path.GetTempPath()) File.Delete(path);
    }
}
