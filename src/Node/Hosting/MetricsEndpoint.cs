using System.Net;
using System.Net.Sockets;
using System.Text;
using Edgemanage.Actors.Logging;
using Edgemanage.Actors.Metrics;
using Edgemanage.Contracts.Config;
using Edgemanage.Node.Cli;
using Edgemanage.Node.StatusPages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Edgemanage.Node.Hosting;

/// <summary>
/// serve's <c>GET /metrics</c>, on Kestrel: the metrics of every network the process serves. Each response closes its
/// connection (<c>Connection: close</c>). With a <see cref="Status"/>, also serve's status page at <c>/</c> and
/// <c>/status.*</c> (src/Node/StatusPages). 404 for other paths, 405 for methods other than GET and HEAD, 431 for a
/// request head over 8 KiB, 400 for what is not HTTP/1.x.
/// <para>
/// Why Kestrel rather than a hand-written loop: a scraper must get through while anything else on the network holds
/// connections open. A connection that sends no request, or not all of its head, is closed after
/// <see cref="IdleTimeout"/>; up to <see cref="MaxConnections"/> are held at once, each costing a few kilobytes and no
/// thread, so a flood of idle clients below that number never delays a scrape, and one above it delays a scrape by
/// at most the idle timeout (Kestrel turns away connections over the cap at once, and the idle ones time out).
/// Slow readers of a response are cut off by Kestrel's minimum data rate.
/// </para>
/// </summary>
public sealed class MetricsEndpoint : IAsyncDisposable
{
    public const int MaxRequestHeadBytes = 8192;
    /// <summary>Connections held at once; well above any scrape load, low enough to bound memory and descriptors.</summary>
    public const int MaxConnections = 1024;
    /// <summary>How long a connection may stay open without a complete request head.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(5);
    /// <summary>How long rendering the metrics may take before the scrape is answered 500.</summary>
    public static readonly TimeSpan RenderTimeout = TimeSpan.FromSeconds(10);

    private readonly IHost _host;
    private readonly Func<CancellationToken, Task<string>> _render;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Func<MetricsText, CancellationToken, Task>> _sources = [];
    private readonly object _gate = new();

    private MetricsEndpoint(Func<CancellationToken, Task<string>>? render, Func<MetricsEndpoint, IHost> host)
    {
        _render = render ?? RenderSourcesAsync;
        _host = host(this);
    }

    /// <summary>The status page at <c>/</c> (serve sets it); null = only /metrics, as the endpoint's own specs run it.</summary>
    public StatusEndpoint? Status { get; init; }

    /// <summary>The address actually bound (port 0 resolved).</summary>
    public IPEndPoint Bound { get; private set; } = new(IPAddress.None, 0);

    public string Url => $"http://{(Bound.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{Bound.Address}]" : Bound.Address.ToString())}:{Bound.Port}/metrics";

    /// <summary>
    /// The listen address serve uses: <c>--metrics-listen</c> (host:port, or off) over the config's <c>metrics.listen</c>;
    /// null = no endpoint. A malformed override is a usage error.
    /// </summary>
    public static string? ListenFor(MetricsSettings settings, string? overrideValue)
    {
        if (overrideValue is null) return settings.Listen;
        if (overrideValue == "off") return null;
        if (TryParseListen(overrideValue, out _, out _)) return overrideValue;
        throw new UsageException($"serve: --metrics-listen must be HOST:PORT or off, got '{overrideValue}'");
    }

    /// <summary>host:port, [v6]:port; host is an IP literal or a name (resolved, IPv4 first).</summary>
    public static bool TryParseListen(string listen, out string host, out int port)
    {
        host = "";
        port = 0;
        var colon = listen.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(listen.AsSpan(colon + 1), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out port) || port > 65535)
            return false;
        host = listen[..colon];
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        return host.Length > 0 && (IPAddress.TryParse(host, out _) || Uri.CheckHostName(host) == UriHostNameType.Dns);
    }

    /// <summary>
    /// Starts the endpoint (with the status page, when given) and prints its URL, or prints and logs a warning and returns null when it cannot bind
    /// (port in use, bad address): metrics are never a reason to stop serving DNS.
    /// </summary>
    public static MetricsEndpoint? TryStart(string listen, TextWriter output, TextWriter error, OperatorLog log, StatusEndpoint? status = null)
    {
        try
        {
            var endpoint = Start(listen, status: status);
            output.WriteLine($"metrics on {endpoint.Url}");
            if (status is not null) output.WriteLine($"status page on {endpoint.Url[..^"metrics".Length]}");
            output.Flush();
            log.Info($"Metrics endpoint listening on {endpoint.Url}");
            return endpoint;
        }
        catch (Exception e) when (e is SocketException or IOException or ArgumentException or FormatException)
        {
            var message = $"metrics endpoint not started: cannot listen on {listen}: {e.Message}; serving without metrics";
            error.WriteLine($"edgemanage: warning: {message}");
            error.Flush();
            log.Warning(message);
            return null;
        }
    }

    /// <summary>
    /// Binds and starts serving; <paramref name="render"/> replaces the registered sources and
    /// <paramref name="idleTimeout"/> the <see cref="IdleTimeout"/> (tests). Throws IOException when the port is taken.
    /// </summary>
    public static MetricsEndpoint Start(string listen, Func<CancellationToken, Task<string>>? render = null, TimeSpan? idleTimeout = null,
        StatusEndpoint? status = null)
    {
        if (!TryParseListen(listen, out var host, out var port)) throw new FormatException($"'{listen}' is not host:port");
        var address = IPAddress.TryParse(host, out var ip) ? ip
            : Dns.GetHostAddresses(host).OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).FirstOrDefault()
              ?? throw new ArgumentException($"{host} has no address");
        var idle = idleTimeout ?? IdleTimeout;
        var endpoint = new MetricsEndpoint(render, self => new HostBuilder()
            .ConfigureServices(services => services.AddSingleton<IHostLifetime, SignalsBelongToServe>())
            .ConfigureWebHost(web => web
                .UseSetting(WebHostDefaults.PreventHostingStartupKey, "true")
                .UseKestrel(kestrel =>
                {
                    kestrel.AddServerHeader = false;
                    kestrel.Limits.MaxConcurrentConnections = MaxConnections;
                    kestrel.Limits.KeepAliveTimeout = idle;
                    kestrel.Limits.RequestHeadersTimeout = idle;
                    kestrel.Limits.MaxRequestHeadersTotalSize = MaxRequestHeadBytes;
                    kestrel.Limits.MaxRequestLineSize = MaxRequestHeadBytes;
                    kestrel.Limits.MaxRequestBodySize = 64 * 1024; // nothing here reads a body
                    kestrel.Listen(address, port, l => l.Protocols = HttpProtocols.Http1);
                })
                .Configure(app => app.Run(self.HandleAsync)),
                // ASPNETCORE_* variables of the operator's shell must not change what serve listens on.
                options => options.SuppressEnvironmentConfiguration = true)
            .Build()) { Status = status };
        try
        {
            endpoint._host.StartAsync().GetAwaiter().GetResult();
        }
        catch
        {
            endpoint._host.Dispose();
            throw;
        }
        var bound = endpoint._host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        endpoint.Bound = new IPEndPoint(address, new Uri(bound).Port);
        return endpoint;
    }

    /// <summary>
    /// The generic host would otherwise install its console lifetime, which stops the host on SIGTERM by itself;
    /// serve owns its signals (Program.cs) and stops this endpoint when it is done.
    /// </summary>
    private sealed class SignalsBelongToServe : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Adds a source of metrics (one per served network); disposing the result removes it.</summary>
    public IDisposable Register(Func<MetricsText, CancellationToken, Task> source)
    {
        lock (_gate) _sources.Add(source);
        return new Registration(() => { lock (_gate) _sources.Remove(source); });
    }

    private sealed class Registration(Action remove) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) remove();
        }
    }

    private Task<string> RenderSourcesAsync(CancellationToken ct)
    {
        Func<MetricsText, CancellationToken, Task>[] sources;
        lock (_gate) sources = _sources.ToArray();
        return NodeMetrics.RenderAsync(sources, ct);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        // One request per connection, as before Kestrel: scrapers open a new one each time anyway, and a
        // connection left open between scrapes is one more a flood could add to.
        response.Headers.Connection = "close";
        var headOnly = HttpMethods.IsHead(request.Method);
        if (!HttpMethods.IsGet(request.Method) && !headOnly)
        {
            response.Headers.Allow = "GET, HEAD";
            await WriteAsync(response, 405, "only GET\n", headOnly: false);
            return;
        }
        if (request.Path != "/metrics" && Status is { } status && StatusEndpoint.Handles(request.Path))
        {
            // The status page shares this listener, its limits and its timeouts (src/Node/StatusPages).
            using var pageDeadline = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, context.RequestAborted);
            pageDeadline.CancelAfter(RenderTimeout);
            try
            {
                await status.HandleAsync(context, pageDeadline.Token);
            }
            catch (Exception e) when (!_stop.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested && !response.HasStarted)
            {
                await WriteAsync(response, 500, $"status page failed: {e.GetType().Name}: {e.Message}\n", headOnly);
            }
            return;
        }
        if (request.Path != "/metrics")
        {
            await WriteAsync(response, 404, "not found: metrics are at /metrics\n", headOnly);
            return;
        }
        string body;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, context.RequestAborted);
        deadline.CancelAfter(RenderTimeout);
        try
        {
            body = await _render(deadline.Token);
        }
        catch (Exception e) when (!_stop.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            await WriteAsync(response, 500, $"metrics failed: {e.GetType().Name}: {e.Message}\n", headOnly);
            return;
        }
        await WriteAsync(response, 200, body, headOnly, MetricsText.ContentType);
    }

    private static async Task WriteAsync(HttpResponse response, int status, string body, bool headOnly,
        string contentType = "text/plain; charset=utf-8")
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength = bytes.Length;
        if (!headOnly) await response.Body.WriteAsync(bytes);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        // In-flight scrapes get a few seconds to finish; then Kestrel drops them.
        using (var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            try { await _host.StopAsync(grace.Token); } catch (OperationCanceledException) { }
        }
        _host.Dispose();
        _stop.Dispose();
    }
}
