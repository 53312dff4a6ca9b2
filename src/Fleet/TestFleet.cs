using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Edgemanage.Fleet;

/// <summary>
/// A loopback HTTP/1.1 server standing in for a fleet of edges: one listening socket per address, all on one
/// port, each address with a behaviour that tests change at runtime. One request per connection, then close,
/// because probes use one fresh connection each. Raw sockets, no web framework: it has to serve thousands of
/// addresses and connections from a test process cheaply.
/// </summary>
public sealed partial class TestFleet : IAsyncDisposable
{
    private const int MaxRequestHeaderBytes = 16 * 1024;
    private const int MaxPortAttempts = 20;

    private readonly FleetOptions _options;
    private readonly Dictionary<string, EdgeListener> _listeners;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Socket, byte> _connections = new();
    private readonly SslServerAuthenticationOptions? _tlsOptions;
    private readonly byte[] _okResponse;        // headers + body, precomposed: the hot path of benchmarks
    private readonly byte[] _wrongBodyResponse;
    private readonly byte[] _notFoundResponse;
    private readonly byte[] _okHeaders;
    private readonly string _path;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _active;      // connection handlers running, +1 while not disposed (so it only hits 0 after dispose)
    private int _disposed;

    private static readonly byte[] Filler = MakeFiller();

    public int Port { get; }
    public IReadOnlyList<string> Addresses { get; }
    public byte[] Body { get; }
    public X509Certificate2? Certificate { get; }

    private TestFleet(FleetOptions options, int port, Dictionary<string, EdgeListener> listeners, X509Certificate2? certificate)
    {
        _options = options;
        _listeners = listeners;
        Port = port;
        Addresses = options.Addresses.ToArray();
        Body = options.Body ?? FleetOptions.DefaultBody;
        _path = options.Path;
        Certificate = certificate;
        if (certificate is not null)
        {
            _tlsOptions = new SslServerAuthenticationOptions
            {
                // A context built once avoids rebuilding the chain for every one of thousands of handshakes.
                ServerCertificateContext = SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true),
                ClientCertificateRequired = false,
            };
        }
        _okResponse = Compose(200, Body);
        _okHeaders = HeaderBytes(200, Body.Length);
        var wrong = (byte[])Body.Clone();
        for (var i = 0; i < wrong.Length; i++) wrong[i] ^= 0x5A;
        if (wrong.Length == 0) wrong = "x"u8.ToArray(); // an empty correct body still needs a different wrong one
        _wrongBodyResponse = Compose(200, wrong);
        _notFoundResponse = Compose(404, "not found\n"u8.ToArray());
        _active = 1;
    }

    public static async Task<TestFleet> StartAsync(FleetOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Addresses.Count == 0) throw new ArgumentException("the fleet needs at least one address", nameof(options));
        var parsed = new List<(string Name, IPAddress Ip)>(options.Addresses.Count);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in options.Addresses)
        {
            if (!IPAddress.TryParse(name.Trim('[', ']'), out var ip))
                throw new ArgumentException($"fleet address '{name}' is not an IP literal", nameof(options));
            // Hard rule of this project: test traffic never leaves the machine.
            if (!IPAddress.IsLoopback(ip))
                throw new ArgumentException($"fleet address '{name}' is not a loopback address", nameof(options));
            if (!seen.Add(name)) throw new ArgumentException($"fleet address '{name}' is listed twice", nameof(options));
            parsed.Add((name, ip));
        }

        // Generating a key pair takes a few milliseconds; keep it off the caller's thread.
        var certificate = options.Tls ? await Task.Run(() => FleetCertificate.Create(options.TlsHost), ct).ConfigureAwait(false) : null;

        for (var attempt = 1; ; attempt++)
        {
            ct.ThrowIfCancellationRequested();
            var listeners = new Dictionary<string, EdgeListener>(StringComparer.OrdinalIgnoreCase);
            var port = options.Port;
            try
            {
                foreach (var (name, ip) in parsed)
                {
                    var listener = new EdgeListener(name, ip, options.Backlog);
                    listeners.Add(name, listener);
                    port = listener.Bind(port);
                }
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse && options.Port == 0 && attempt < MaxPortAttempts)
            {
                // The port picked for the first address is taken on another one: start again with a new port.
                foreach (var l in listeners.Values) l.Close();
                continue;
            }
            catch (SocketException e)
            {
                foreach (var l in listeners.Values) l.Close();
                var failed = listeners.Values.LastOrDefault();
                var hint = failed?.Ip.AddressFamily == AddressFamily.InterNetworkV6
                    ? " (is IPv6 loopback available?)"
                    : "";
                throw new InvalidOperationException(
                    $"fleet cannot listen on {failed?.Name}:{port}: {e.SocketErrorCode} {e.Message}{hint}", e);
            }

            var fleet = new TestFleet(options, port, listeners, certificate);
            foreach (var l in listeners.Values) l.Start(fleet);
            return fleet;
        }
    }

    public void Set(string address, EdgeBehaviour behaviour)
    {
        ArgumentNullException.ThrowIfNull(behaviour);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        Listener(address).SetBehaviour(behaviour, this);
    }

    public void SetForPeer(string address, string peerAddress, EdgeBehaviour behaviour)
    {
        ArgumentNullException.ThrowIfNull(behaviour);
        if (!IPAddress.TryParse(peerAddress.Trim('[', ']'), out var peer))
            throw new ArgumentException($"peer address '{peerAddress}' is not an IP literal", nameof(peerAddress));
        Listener(address).PeerBehaviours[Normalise(peer)] = behaviour;
    }

    /// <summary>Forgets a per-peer behaviour so that peer gets the address's behaviour again.</summary>
    public void ClearForPeer(string address, string peerAddress)
    {
        if (IPAddress.TryParse(peerAddress.Trim('[', ']'), out var peer))
            Listener(address).PeerBehaviours.TryRemove(Normalise(peer), out _);
    }

    public EdgeBehaviour Get(string address) => Listener(address).Behaviour;

    /// <summary>Connections accepted on that address (one request each), counted before any response is written.</summary>
    public long RequestCount(string address) => Interlocked.Read(ref Listener(address).Requests);

    /// <summary>Sum of <see cref="RequestCount"/> over all addresses.</summary>
    public long TotalRequests => _listeners.Values.Sum(l => Interlocked.Read(ref l.Requests));

    private EdgeListener Listener(string address) =>
        _listeners.TryGetValue(address, out var l) ? l
        : _listeners.TryGetValue(address.Trim('[', ']'), out l) ? l
        : throw new KeyNotFoundException($"'{address}' is not an address of this fleet");

    private static IPAddress Normalise(IPAddress ip) => ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip;

    // ---------------------------------------------------------------------------------------------
    // Connection handling

    internal void OnAccepted(EdgeListener listener, Socket socket)
    {
        if (Interlocked.Increment(ref _active) == 1 || _stop.IsCancellationRequested)
        {
            // Raced with dispose: the fleet is going away.
            socket.Dispose();
            Release();
            return;
        }
        _connections.TryAdd(socket, 0);
        _ = HandleAsync(listener, socket);
    }

    private async Task HandleAsync(EdgeListener listener, Socket socket)
    {
        var ct = _stop.Token;
        Stream? stream = null;
        try
        {
            var peer = socket.RemoteEndPoint is IPEndPoint ep ? Normalise(ep.Address) : IPAddress.None;
            var behaviour = listener.BehaviourFor(peer);
            Interlocked.Increment(ref listener.Requests);

            if (behaviour is EdgeBehaviour.Resetting or EdgeBehaviour.Refusing)
            {
                // Linger 0 makes close() send RST instead of FIN. Refusing only gets here for a per-peer
                // behaviour: a listener cannot refuse some clients, a reset is the nearest thing.
                socket.LingerState = new LingerOption(true, 0);
                return; // finally closes
            }

            socket.NoDelay = true; // responses go out in few writes; don't let Nagle hold the last one back
            stream = new NetworkStream(socket, ownsSocket: false);
            if (_tlsOptions is not null)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                await ssl.AuthenticateAsServerAsync(_tlsOptions, ct).ConfigureAwait(false);
            }

            var path = await ReadRequestAsync(stream, ct).ConfigureAwait(false);
            if (path is null) return; // client left, or sent garbage (already answered)

            switch (behaviour)
            {
                case EdgeBehaviour.Hanging:
                    await DrainUntilClosedAsync(stream, ct).ConfigureAwait(false);
                    return;
                case EdgeBehaviour.Failing f:
                    await stream.WriteAsync(Compose(f.Code, Encoding.ASCII.GetBytes($"status {f.Code}\n")), ct).ConfigureAwait(false);
                    break;
                case var _ when !PathMatches(path):
                    await stream.WriteAsync(_notFoundResponse, ct).ConfigureAwait(false);
                    break;
                case EdgeBehaviour.Serving:
                    await stream.WriteAsync(_okResponse, ct).ConfigureAwait(false);
                    break;
                case EdgeBehaviour.Delayed d:
                    await Task.Delay(d.BeforeHeaders, ct).ConfigureAwait(false);
                    await stream.WriteAsync(_okResponse, ct).ConfigureAwait(false);
                    break;
                case EdgeBehaviour.Corrupt:
                    await stream.WriteAsync(_wrongBodyResponse, ct).ConfigureAwait(false);
                    break;
                case EdgeBehaviour.Trickling t:
                    await TrickleAsync(stream, t.Total, ct).ConfigureAwait(false);
                    break;
                case EdgeBehaviour.Huge h:
                    await StreamHugeAsync(stream, h.Bytes, ct).ConfigureAwait(false);
                    break;
                case EdgeBehaviour.Malformed m:
                    await stream.WriteAsync(MalformedResponses.For(m.Kind, Body), ct).ConfigureAwait(false);
                    break;
                case EdgeBehaviour.Chunked:
                    await stream.WriteAsync(MalformedResponses.WellFormedChunked(Body), ct).ConfigureAwait(false);
                    break;
            }

            await stream.FlushAsync(ct).ConfigureAwait(false);
            if (stream is SslStream tls) await tls.ShutdownAsync().ConfigureAwait(false);
            // FIN after the response: with "Connection: close" that is how the client knows we are done.
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception)
        {
            // The client went away, the fleet is stopping, or the handshake failed: nothing to report,
            // the client side sees the effect and that is what tests look at.
        }
        finally
        {
            if (stream is not null) await stream.DisposeAsync().ConfigureAwait(false);
            _connections.TryRemove(socket, out _);
            socket.Dispose();
            Release();
        }
    }

    private bool PathMatches(string path)
    {
        var q = path.IndexOf('?');
        var p = q >= 0 ? path.AsSpan(0, q) : path.AsSpan();
        return p.SequenceEqual(_path);
    }

    /// <summary>Reads up to the blank line ending the headers and returns the request target, or null.</summary>
    private static async Task<string?> ReadRequestAsync(Stream stream, CancellationToken ct)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(MaxRequestHeaderBytes);
        try
        {
            var filled = 0;
            var scanFrom = 0;
            while (true)
            {
                if (filled == MaxRequestHeaderBytes)
                {
                    await stream.WriteAsync(Compose(431, "request headers too large\n"u8.ToArray()), ct).ConfigureAwait(false);
                    return null;
                }
                var n = await stream.ReadAsync(buffer.AsMemory(filled, MaxRequestHeaderBytes - filled), ct).ConfigureAwait(false);
                if (n == 0) return null;
                filled += n;
                var end = buffer.AsSpan(Math.Max(0, scanFrom - 3), filled - Math.Max(0, scanFrom - 3)).IndexOf("\r\n\r\n"u8);
                if (end >= 0) break;
                scanFrom = filled;
            }

            var lineEnd = buffer.AsSpan(0, filled).IndexOf("\r\n"u8);
            var line = Encoding.ASCII.GetString(buffer, 0, lineEnd);
            var parts = line.Split(' ');
            if (parts.Length != 3 || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
            {
                await stream.WriteAsync(Compose(400, "bad request\n"u8.ToArray()), ct).ConfigureAwait(false);
                return null;
            }
            var target = parts[1];
            // Absolute-form (proxy style) targets: keep only the path.
            if (target.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || target.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
                target = Uri.TryCreate(target, UriKind.Absolute, out var u) ? u.PathAndQuery : "/";
            return target;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Hang: hold the connection without answering until the client gives up or the fleet stops.</summary>
    private static async Task DrainUntilClosedAsync(Stream stream, CancellationToken ct)
    {
        var buffer = new byte[256];
        while (await stream.ReadAsync(buffer, ct).ConfigureAwait(false) > 0) { }
    }

    private async Task TrickleAsync(Stream stream, TimeSpan total, CancellationToken ct)
    {
        await stream.WriteAsync(_okHeaders, ct).ConfigureAwait(false);
        await stream.FlushAsync(ct).ConfigureAwait(false);
        var pieces = Math.Max(1, Math.Min(Body.Length, 20));
        var pause = total / pieces;
        for (var i = 0; i < pieces; i++)
        {
            await Task.Delay(pause, ct).ConfigureAwait(false);
            var from = (int)((long)Body.Length * i / pieces);
            var to = (int)((long)Body.Length * (i + 1) / pieces);
            await stream.WriteAsync(Body.AsMemory(from, to - from), ct).ConfigureAwait(false);
            await stream.FlushAsync(ct).ConfigureAwait(false);
        }
    }

    private static async Task StreamHugeAsync(Stream stream, long bytes, CancellationToken ct)
    {
        await stream.WriteAsync(HeaderBytes(200, bytes), ct).ConfigureAwait(false);
        // One shared read-only filler buffer, written again and again: the body never exists in memory.
        for (var left = bytes; left > 0;)
        {
            var n = (int)Math.Min(left, Filler.Length);
            await stream.WriteAsync(Filler.AsMemory(0, n), ct).ConfigureAwait(false);
            left -= n;
        }
    }

    private static byte[] HeaderBytes(int code, long length) => Encoding.ASCII.GetBytes(
        $"HTTP/1.1 {code} {Reason(code)}\r\nContent-Type: application/octet-stream\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n");

    private static byte[] Compose(int code, byte[] body)
    {
        var headers = HeaderBytes(code, body.Length);
        var all = new byte[headers.Length + body.Length];
        headers.CopyTo(all, 0);
        body.CopyTo(all, headers.Length);
        return all;
    }

    private static string Reason(int code) => code switch
    {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    };

    private static byte[] MakeFiller()
    {
        var b = new byte[64 * 1024];
        for (var i = 0; i < b.Length; i++) b[i] = (byte)('a' + i % 26);
        return b;
    }

    private void Release()
    {
        if (Interlocked.Decrement(ref _active) == 0) _drained.TrySetResult();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _stop.Cancel();
        foreach (var l in _listeners.Values) l.Close();
        // Cancellation alone does not interrupt a handler blocked in a socket read that ignores the token
        // (e.g. inside a TLS handshake); closing the sockets does.
        foreach (var s in _connections.Keys)
        {
            try { s.LingerState = new LingerOption(true, 0); } catch { /* already closed */ }
            s.Dispose();
        }
        Release(); // drop the "not disposed" reference so the count can reach zero
        await _drained.Task.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var l in _listeners.Values) await l.StoppedAsync().ConfigureAwait(false);
        _stop.Dispose();
        Certificate?.Dispose();
    }

    // ---------------------------------------------------------------------------------------------
}
