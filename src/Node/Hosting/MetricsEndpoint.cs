using System.Net;
using System.Net.Sockets;
using System.Text;
using Edgemanage.Actors.Logging;
using Edgemanage.Actors.Metrics;
using Edgemanage.Contracts.Config;
using Edgemanage.Node.Cli;

namespace Edgemanage.Node.Hosting;

/// <summary>
/// serve's <c>GET /metrics</c>: a minimal HTTP/1.1 server on a TcpListener (HttpListener cannot bind port 0), serving
/// the metrics of every network the process serves. One request per connection (<c>Connection: close</c>); a request
/// head larger than 8 KiB is refused with 431, one that does not arrive within 10 s is dropped; at most 64 connections
/// are handled at once (more are answered 503). 404 for other paths, 405 for methods other than GET and HEAD.
/// </summary>
public sealed class MetricsEndpoint : IAsyncDisposable
{
    public const int MaxRequestHeadBytes = 8192;
    public const int MaxConnections = 64;
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    private readonly TcpListener _listener;
    private readonly Func<CancellationToken, Task<string>> _render;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly List<Func<MetricsText, CancellationToken, Task>> _sources = [];
    private readonly object _gate = new();
    private readonly HashSet<Task> _connections = [];

    private readonly TimeSpan _requestTimeout;

    private MetricsEndpoint(TcpListener listener, Func<CancellationToken, Task<string>>? render, TimeSpan requestTimeout)
    {
        _listener = listener;
        _requestTimeout = requestTimeout;
        _render = render ?? RenderSourcesAsync;
        Bound = (IPEndPoint)listener.LocalEndpoint;
        _accepting = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The address actually bound (port 0 resolved).</summary>
    public IPEndPoint Bound { get; }

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
    /// Starts the endpoint and prints its URL, or prints and logs a warning and returns null when it cannot bind
    /// (port in use, bad address): metrics are never a reason to stop serving DNS.
    /// </summary>
    public static MetricsEndpoint? TryStart(string listen, TextWriter output, TextWriter error, OperatorLog log)
    {
        try
        {
            var endpoint = Start(listen);
            output.WriteLine($"metrics on {endpoint.Url}");
            output.Flush();
            log.Info($"Metrics endpoint listening on {endpoint.Url}");
            return endpoint;
        }
        catch (Exception e) when (e is SocketException or ArgumentException or FormatException)
        {
            var message = $"metrics endpoint not started: cannot listen on {listen}: {e.Message}; serving without metrics";
            error.WriteLine($"edgemanage: warning: {message}");
            error.Flush();
            log.Warning(message);
            return null;
        }
    }

    /// <summary>
    /// Binds and starts accepting; <paramref name="render"/> replaces the registered sources and
    /// <paramref name="requestTimeout"/> the <see cref="RequestTimeout"/> (tests).
    /// </summary>
    public static MetricsEndpoint Start(string listen, Func<CancellationToken, Task<string>>? render = null, TimeSpan? requestTimeout = null)
    {
        if (!TryParseListen(listen, out var host, out var port)) throw new FormatException($"'{listen}' is not host:port");
        var address = IPAddress.TryParse(host, out var ip) ? ip
            : Dns.GetHostAddresses(host).OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).FirstOrDefault()
              ?? throw new ArgumentException($"{host} has no address");
        var listener = new TcpListener(address, port);
        listener.Start(backlog: 128);
        return new MetricsEndpoint(listener, render, requestTimeout ?? RequestTimeout);
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

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (OperationCanceledException) { break; }
            catch (ObjectDisposedException) { break; }
            catch (SocketException) { continue; }
            lock (_gate)
            {
                var busy = _connections.Count >= MaxConnections;
                var task = HandleAsync(client, busy);
                _connections.Add(task);
                _ = task.ContinueWith(t => { lock (_gate) _connections.Remove(t); }, TaskScheduler.Default);
            }
        }
    }

    private async Task HandleAsync(TcpClient client, bool busy)
    {
        await Task.Yield();
        using (client)
        {
            try
            {
                client.NoDelay = true;
                var stream = client.GetStream();
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                deadline.CancelAfter(_requestTimeout);
                if (busy)
                {
                    await WriteResponseAsync(stream, 503, "Service Unavailable", "too many connections\n", headOnly: false, deadline.Token);
                    return;
                }
                var head = await ReadHeadAsync(stream, deadline.Token);
                if (head is null)
                {
                    await WriteResponseAsync(stream, 431, "Request Header Fields Too Large", "request head too large\n", false, deadline.Token);
                    return;
                }
                var requestLine = head.Split("\r\n", 2)[0].Split(' ');
                if (requestLine.Length != 3 || !requestLine[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
                {
                    await WriteResponseAsync(stream, 400, "Bad Request", "bad request\n", false, deadline.Token);
                    return;
                }
                var (method, target) = (requestLine[0], requestLine[1]);
                var path = target.Split('?', 2)[0];
                var headOnly = method == "HEAD";
                if (method is not ("GET" or "HEAD"))
                {
                    await WriteResponseAsync(stream, 405, "Method Not Allowed", "only GET\n", false, deadline.Token, "Allow: GET, HEAD\r\n");
                    return;
                }
                if (path != "/metrics")
                {
                    await WriteResponseAsync(stream, 404, "Not Found", "not found: metrics are at /metrics\n", headOnly, deadline.Token);
                    return;
                }
                string body;
                try
                {
                    body = await _render(deadline.Token);
                }
                catch (Exception e) when (e is not OperationCanceledException || !_stop.IsCancellationRequested)
                {
                    await WriteResponseAsync(stream, 500, "Internal Server Error", $"metrics failed: {e.GetType().Name}: {e.Message}\n", headOnly, deadline.Token);
                    return;
                }
                await WriteResponseAsync(stream, 200, "OK", body, headOnly, deadline.Token, contentType: MetricsText.ContentType);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // A client that went away or never finished its request: nothing to answer.
            }
        }
    }

    /// <summary>Reads up to the blank line ending the request head; null when it exceeds <see cref="MaxRequestHeadBytes"/>.</summary>
    private static async Task<string?> ReadHeadAsync(NetworkStream stream, CancellationToken ct)
    {
        var buffer = new byte[MaxRequestHeadBytes];
        var filled = 0;
        while (true)
        {
            if (filled == buffer.Length) return null;
            var n = await stream.ReadAsync(buffer.AsMemory(filled), ct);
            if (n == 0) throw new IOException("connection closed before the request head ended");
            var from = Math.Max(0, filled - 3);
            filled += n;
            var end = buffer.AsSpan(from, filled - from).IndexOf("\r\n\r\n"u8);
            if (end >= 0) return Encoding.ASCII.GetString(buffer, 0, from + end);
        }
    }

    private static async Task WriteResponseAsync(NetworkStream stream, int status, string reason, string body, bool headOnly,
        CancellationToken ct, string extraHeaders = "", string contentType = "text/plain; charset=utf-8")
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var head = $"HTTP/1.1 {status} {reason}\r\nContent-Type: {contentType}\r\nContent-Length: {bytes.Length}\r\n{extraHeaders}Connection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), ct);
        if (!headOnly) await stream.WriteAsync(bytes, ct);
        await stream.FlushAsync(ct);
        // Half-close so the client sees the end of the response before the socket goes away.
        try { stream.Socket.Shutdown(SocketShutdown.Send); } catch (SocketException) { }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try { await _accepting; } catch (OperationCanceledException) { }
        Task[] running;
        lock (_gate) running = _connections.ToArray();
        await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
        _listener.Dispose();
    }
}
