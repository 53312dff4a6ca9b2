using System.Text.RegularExpressions;
using Edgemanage.Fleet;
using Edgemanage.Node;
using Edgemanage.Node.Commands;
using Edgemanage.Tests.Support;
using Microsoft.Playwright;
using Xunit;

namespace Edgemanage.Tests.StatusPages;

/// <summary>
/// A fact that needs a real browser: Debian's <c>chromium</c>, driven by Playwright's bundled driver (no browser
/// download). Skipped with the reason when chromium is missing, unless <c>CI=true</c> (<c>.ci/run</c> installs it),
/// where it runs and fails: a browser spec that silently skips in CI proves nothing.
/// </summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string Executable = "/usr/bin/chromium";

    public static bool Available => File.Exists(Executable);

    public ChromiumFactAttribute([System.Runtime.CompilerServices.CallerMemberName] string member = "", [System.Runtime.CompilerServices.CallerFilePath] string file = "")
    {
        if (!Available && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            Edgemanage.Tests.Support.SkipWithReason.Skip(this, $"{Executable} is not installed (apt install chromium); .ci/run installs it", member, file);
    }
}

/// <summary>
/// One in-process <c>serve</c> of five loopback fleet edges (edge_count 3) with its metrics listener (and so its status
/// page) on a free port, and one headless chromium: shared by the browser specs so they cost one start-up.
/// </summary>
public sealed partial class StatusNode : IAsyncLifetime
{
    public const string Net = "statusnet";
    public static readonly string[] FleetEdges = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"];
    public static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    private readonly TempDir _dir = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly SharedOutput _output = new();
    private readonly SharedOutput _error = new();
    private Task<int>? _serve;

    public TestFleet Fleet { get; private set; } = null!;
    public string Config { get; private set; } = "";
    /// <summary>http://127.0.0.1:PORT/ — the status page.</summary>
    public string BaseUrl { get; private set; } = "";
    public IPlaywright? Playwright { get; private set; }
    public IBrowser? Browser { get; private set; }

    public string ZonePath => Path.Combine(_dir.Path, "named", "example.test.zone");

    public string[] ZoneA() => ZoneRecords.ApexA(ZonePath).Order(StringComparer.Ordinal).ToArray();

    public string Output => $"{_output}\n--- stderr\n{_error}";

    [GeneratedRegex(@"status page on (http://127\.0\.0\.1:\d+/)")]
    private static partial Regex StatusLine();

    public async Task InitializeAsync()
    {
        if (!ChromiumFactAttribute.Available) return; // every spec here skips (or fails in CI) without it
        Fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = FleetEdges });
        Config = DemoWorkspace.Write(_dir.Path, Net, Fleet.Port, Fleet.Body, FleetEdges,
            extraYaml: ServeWorkspace.FastServeYaml + "metrics:\n  listen: 127.0.0.1:0\n", goodEnough: 0.5, edgeCount: 3);
        var output = _output;
        var error = _error;
        _serve = Task.Run(() => EdgemanageCli.MainAsync(["serve", "-A", Net, "-c", Config, "--admin", "127.0.0.1:0"], output, error, _stop.Token));
        await Eventually.True(() => ZoneA().Length == 3 || _serve.IsCompleted, Within, "the first zone");
        if (_serve.IsCompleted) throw new InvalidOperationException($"serve ended early:\n{Output}");
        BaseUrl = StatusLine().Match(_output.ToString()) is { Success: true } m ? m.Groups[1].Value
            : throw new InvalidOperationException($"no 'status page on' line in serve's output:\n{Output}");

        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumFactAttribute.Executable,
            Headless = true,
            // CI runs as root, where chromium's sandbox cannot start; the pages are our own, on loopback.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>A fresh page of the given size, whose console errors (a CSP violation is one) land in <paramref name="errors"/>.</summary>
    public async Task<IPage> NewPageAsync(int width, int height, List<string> errors)
    {
        var context = await Browser!.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        var page = await context.NewPageAsync();
        page.Console += (_, message) =>
        {
            if (message.Type == "error") lock (errors) errors.Add(message.Text);
        };
        page.PageError += (_, message) =>
        {
            lock (errors) errors.Add(message);
        };
        return page;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        Playwright?.Dispose();
        await _stop.CancelAsync();
        if (_serve is not null) await _serve.WaitAsync(TimeSpan.FromSeconds(30));
        if (Fleet is not null) await Fleet.DisposeAsync();
        _stop.Dispose();
        _dir.Dispose();
    }
}
