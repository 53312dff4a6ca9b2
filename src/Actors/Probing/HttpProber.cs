using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using Edgemanage.Contracts.Config;
using Edgemanage.Contracts.Probing;

namespace Edgemanage.Actors.Probing;

/// <summary>
/// Fetches the test object from one edge over one fresh connection and checks its MD5.
/// <para>
/// The TCP connection goes to the edge's own address, while the URL, Host header, TLS SNI and certificate
/// check use <c>testobject.host</c>: that is what a browser sent to the edge by DNS would see. The prober
/// dials the edge, does the TLS handshake itself and speaks just enough HTTP/1.1 (<see cref="Http11"/>), so
/// every phase can be timed and nothing is shared between edges.
/// </para>
/// <para>
/// Every outcome is a value. The whole probe, retries and body included, is bounded by
/// <see cref="ProbeSettings.TimeoutSeconds"/>. If the caller's token is cancelled the probe still returns a
/// value: <see cref="ProbeOutcome.Timeout"/> with <see cref="ProbeResult.Detail"/> = <see cref="CancelledDetail"/>,
/// so callers that cancel (shutdown) can recognise and drop it rather than record it.
/// </para>
/// </summary>
public sealed class HttpProber : IProber
{
    public const string UserAgent = "Edgemanage/3 (.NET)";
    /// <summary>The detail of a probe ended by the caller's cancellation token, not by the deadline.</summary>
    public const string CancelledDetail = "cancelled by caller";

    private const int ReadBufferSize = 16 * 1024;

    private readonly TestObjectSettings _testObject;
    private readonly ProbeSettings _probe;
    private readonly byte[] _expectedMd5;
    private readonly TimeProvider _time;
    /// <summary>The whole request, built once: every probe sends the same bytes.</summary>
    private readonly byte[] _request;
    private readonly bool _https;
    private readonly int _port;
    private readonly TimeSpan _timeout;
    private readonly IPAddress? _sourceAddress;
    /// <summary>
    /// Read buffers for as many probes as may run at once (two each). The shared pool keeps only a few buffers per
    /// size and core, so with hundreds of probes in flight most rents were new 16 KB arrays: 32 MB of garbage, and a
    /// collection, per 5000-edge cron round (issue 14). Buffers are made as needed and kept for the next round.
    /// </summary>
    private readonly ArrayPool<byte> _buffers;

    public HttpProber(TestObjectSettings testObject, ProbeSettings probe, byte[] expectedMd5, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(testObject);
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(expectedMd5);
        if (expectedMd5.Length != 16) throw new ArgumentException("an MD5 digest is 16 bytes", nameof(expectedMd5));
        if (probe.TimeoutSeconds <= 0) throw new ArgumentOutOfRangeException(nameof(probe), "probe timeout must be positive");
        if (probe.Retries < 0) throw new ArgumentOutOfRangeException(nameof(probe), "probe retries must not be negative");

        _testObject = testObject;
        _probe = probe;
        _expectedMd5 = (byte[])expectedMd5.Clone();
        _time = time ?? TimeProvider.System;
        _timeout = TimeSpan.FromSeconds(probe.TimeoutSeconds);
        _https = testObject.Proto.Trim().ToLowerInvariant() switch
        {
            "https" => true,
            "http" => false,
            var other => throw new ArgumentException($"testobject.proto must be http or https, not '{other}'", nameof(testObject)),
        };
        // Capped: the pool sizes its bucket lists up front (8 bytes per slot and size class), and probe_concurrency may be 100 000.
        _buffers = ArrayPool<byte>.Create(ReadBufferSize, maxArraysPerBucket: Math.Clamp(2 * probe.Concurrency, 16, 4096));
        _port = testObject.Port;
        var path = testObject.Uri.StartsWith('/') ? testObject.Uri : "/" + testObject.Uri;
        var defaultPort = _https ? 443 : 80;
        var hostHeader = _port == defaultPort ? testObject.Host : $"{testObject.Host}:{_port}";
        _request = Http11.Request(path, hostHeader, UserAgent);
        if (probe.SourceAddress is { Length: > 0 } source)
        {
            _sourceAddress = IPAddress.TryParse(source.Trim('[', ']'), out var ip)
                ? ip
                : throw new ArgumentException($"probe_source_address '{source}' is not an IP address", nameof(probe));
        }
    }

    /// <summary>MD5 of a file, read in a stream (the test object may be large).</summary>
    public static byte[] HashFile(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.SequentialScan);
        return MD5.HashData(file);
    }

    public async Task<ProbeResult> ProbeAsync(string edge, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(edge);
        var startedAt = _time.GetUtcNow();
        // One deadline for the whole probe; the caller's token feeds into it so there is one token to watch.
        using var deadline = new CancellationTokenSource(_timeout, _time);
        using var callerLink = cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), deadline);

        var attempts = 0;
        Attempt attempt;
        while (true)
        {
            attempts++;
            attempt = await AttemptAsync(edge, deadline.Token).ConfigureAwait(false);
            if (attempt.Outcome == ProbeOutcome.Timeout && cancellationToken.IsCancellationRequested)
                attempt = attempt with { Detail = CancelledDetail };
            // Connection errors are worth an immediate retry (the original did the same, without back-off);
            // a timeout has used the budget, and an HTTP or checksum failure would only repeat.
            if (IsConnectionError(attempt.Outcome) && attempts <= _probe.Retries && !deadline.IsCancellationRequested)
                continue;
            break;
        }

        var ok = attempt.Outcome == ProbeOutcome.Ok;
        return new ProbeResult(
            Edge: edge,
            Outcome: attempt.Outcome,
            Seconds: ok ? attempt.HeadersSeconds!.Value : _probe.TimeoutSeconds,
            StartedAt: startedAt,
            Attempts: attempts,
            HttpStatus: attempt.Status,
            BodyBytes: attempt.BodyBytes,
            Phases: new ProbePhases(attempt.ConnectSeconds, attempt.TlsSeconds, attempt.HeadersSeconds, attempt.BodySeconds),
            Detail: attempt.Detail);
    }

    private static bool IsConnectionError(ProbeOutcome o) =>
        o is ProbeOutcome.Refused or ProbeOutcome.Reset or ProbeOutcome.NameResolution or ProbeOutcome.Tls;

    /// <summary>Times are seconds since this attempt started (before name resolution and connect).</summary>
    private sealed record Attempt(
        ProbeOutcome Outcome, string? Detail, int? Status, long BodyBytes,
        double? ConnectSeconds, double? TlsSeconds, double? HeadersSeconds, double? BodySeconds);

    private async Task<Attempt> AttemptAsync(string edge, CancellationToken token)
    {
        var connector = new Connector(this, edge, _time.GetTimestamp());
        double? headers = null;
        int? status = null;
        long bodyBytes = 0;
        byte[]? sourceBuffer = null, bodyBuffer = null;
        Stream? connection = null;
        Attempt Result(ProbeOutcome outcome, string? detail, double? body = null) => new(
            outcome, detail, status, bodyBytes, connector.ConnectSeconds, connector.TlsSeconds, headers, body);

        try
        {
            connection = await connector.ConnectAsync(token).ConfigureAwait(false);
            await connection.WriteAsync(_request, token).ConfigureAwait(false);
            sourceBuffer = _buffers.Rent(ReadBufferSize);
            var source = new ByteSource(connection, sourceBuffer);
            var head = await Http11.ReadHeadAsync(source, token).ConfigureAwait(false);
            headers = Elapsed(connector.Start);
            status = head.Status;
            if (!_probe.Accepts(head.Status))
                return Result(ProbeOutcome.HttpStatus, $"HTTP {head.Status}");

            // An uncompressed body announced as too large fails before a byte of it is read.
            if (head.ContentLength is { } announced && announced > _probe.BodyMaxBytes && head.ContentEncoding is null)
                return Result(ProbeOutcome.BodyTooLarge, $"Content-Length {announced} is over body_max_bytes {_probe.BodyMaxBytes}");

            await using var body = Http11.Body(source, head, head.Status);
            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            bodyBuffer = _buffers.Rent(ReadBufferSize);
            int n;
            while ((n = await body.ReadAsync(bodyBuffer.AsMemory(0, ReadBufferSize), token).ConfigureAwait(false)) > 0)
            {
                bodyBytes += n;
                if (bodyBytes > _probe.BodyMaxBytes)
                    return Result(ProbeOutcome.BodyTooLarge, $"body over body_max_bytes {_probe.BodyMaxBytes}");
                md5.AppendData(bodyBuffer, 0, n);
            }
            var bodySeconds = Elapsed(connector.Start);
            var digestLength = md5.GetHashAndReset(bodyBuffer);
            var digest = bodyBuffer.AsSpan(0, digestLength);
            return digest.SequenceEqual(_expectedMd5)
                ? Result(ProbeOutcome.Ok, null, bodySeconds)
                : Result(ProbeOutcome.ChecksumMismatch,
                    $"MD5 {Convert.ToHexStringLower(digest)} != expected {Convert.ToHexStringLower(_expectedMd5)}", bodySeconds);
        }
        catch (Exception) when (token.IsCancellationRequested)
        {
            var phase = connector.ConnectSeconds is null ? "connecting"
                : _https && connector.TlsSeconds is null ? "in the TLS handshake"
                : headers is null ? "waiting for response headers" : "reading the body";
            return Result(ProbeOutcome.Timeout, $"no complete answer within {_probe.TimeoutSeconds:0.###} s ({phase})");
        }
        catch (Exception e)
        {
            var (outcome, detail) = Classify(e);
            return Result(outcome, detail);
        }
        finally
        {
            if (connection is not null) await connection.DisposeAsync().ConfigureAwait(false);
            if (sourceBuffer is not null) _buffers.Return(sourceBuffer);
            if (bodyBuffer is not null) _buffers.Return(bodyBuffer);
        }
    }

    private double Elapsed(long start) => _time.GetElapsedTime(start).TotalSeconds;

    /// <summary>Maps whatever the stack threw to an outcome, looking through the wrapping exceptions.</summary>
    internal static (ProbeOutcome, string) Classify(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case ProbeFailure f:
                    return (f.Outcome, f.Message);
                case SocketException s when FromSocketError(s.SocketErrorCode) is { } o:
                    return (o, Describe(s));
                case AuthenticationException a:
                    return (ProbeOutcome.Tls, "TLS: " + a.Message);
            }
        }
        return (ProbeOutcome.ProtocolError, $"{error.GetType().Name}: {Innermost(error).Message}");
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }

    private static ProbeOutcome? FromSocketError(SocketError code) => code switch
    {
        SocketError.ConnectionRefused => ProbeOutcome.Refused,
        // Unreachable networks and hosts are "cannot connect" just like a refusal; the detail tells them apart.
        SocketError.NetworkUnreachable or SocketError.HostUnreachable or SocketError.NetworkDown
            or SocketError.HostDown or SocketError.AddressNotAvailable => ProbeOutcome.Refused,
        // EPIPE surfaces as Shutdown: writing the request into a connection the edge already reset.
        SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown
            or SocketError.NotConnected => ProbeOutcome.Reset,
        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain or SocketError.NoRecovery => ProbeOutcome.NameResolution,
        SocketError.TimedOut => ProbeOutcome.Timeout,
        _ => null,
    };

    private static string Describe(SocketException s) => s.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.ConnectionReset => "connection reset",
        _ => $"{s.SocketErrorCode}: {s.Message}",
    };

    /// <summary>Dials one edge for one attempt and remembers when each phase finished.</summary>
    private sealed class Connector(HttpProber prober, string edge, long start)
    {
        public long Start { get; } = start;
        public double? ConnectSeconds { get; private set; }
        public double? TlsSeconds { get; private set; }

        public async ValueTask<Stream> ConnectAsync(CancellationToken ct)
        {
            var addresses = await ResolveAsync(ct).ConfigureAwait(false);
            SocketException? last = null;
            foreach (var address in addresses)
            {
                if (prober._sourceAddress is { } src && src.AddressFamily != address.AddressFamily)
                    continue; // cannot reach this family from the configured source address
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    if (prober._sourceAddress is { } source) socket.Bind(new IPEndPoint(source, 0));
                    await socket.ConnectAsync(new IPEndPoint(address, prober._port), ct).ConfigureAwait(false);
                }
                catch (SocketException e)
                {
                    socket.Dispose();
                    last = e;
                    continue; // try the edge's next address, if it has one
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
                ConnectSeconds = prober.Elapsed(Start);
                var network = new NetworkStream(socket, ownsSocket: true);
                return prober._https ? await HandshakeAsync(network, ct).ConfigureAwait(false) : network;
            }
            if (last is not null) throw last;
            throw new ProbeFailure(ProbeOutcome.Refused,
                $"no address of '{edge}' is in the family of probe_source_address {prober._sourceAddress}");
        }

        private async ValueTask<IPAddress[]> ResolveAsync(CancellationToken ct)
        {
            if (IPAddress.TryParse(edge.Trim('[', ']'), out var literal)) return [literal];
            // RFC 6761 6.4: resolver APIs should answer names under .invalid negatively at once. Doing so
            // here also means such a name never causes a DNS query to leave the machine.
            if (IsUnderInvalid(edge))
                throw new ProbeFailure(ProbeOutcome.NameResolution, $"cannot resolve '{edge}': .invalid names never resolve");
            try
            {
                var found = await Dns.GetHostAddressesAsync(edge, ct).ConfigureAwait(false);
                return found.Length > 0 ? found
                    : throw new ProbeFailure(ProbeOutcome.NameResolution, $"'{edge}' resolves to no address");
            }
            catch (SocketException e)
            {
                throw new ProbeFailure(ProbeOutcome.NameResolution, $"cannot resolve '{edge}': {e.Message}", e);
            }
            catch (ArgumentException e)
            {
                throw new ProbeFailure(ProbeOutcome.NameResolution, $"'{edge}' is not a valid host name: {e.Message}", e);
            }
        }

        private async ValueTask<Stream> HandshakeAsync(NetworkStream network, CancellationToken ct)
        {
            var tls = new SslStream(network, leaveInnerStreamOpen: false);
            var options = new SslClientAuthenticationOptions
            {
                TargetHost = prober._testObject.Host,
                ApplicationProtocols = [SslApplicationProtocol.Http11],
            };
            if (!prober._testObject.Verify)
                options.RemoteCertificateValidationCallback = static (_, _, _, _) => true; // verify: false
            try
            {
                await tls.AuthenticateAsClientAsync(options, ct).ConfigureAwait(false);
            }
            catch (AuthenticationException e)
            {
                await tls.DisposeAsync().ConfigureAwait(false);
                throw new ProbeFailure(ProbeOutcome.Tls, "TLS: " + e.Message, e);
            }
            catch (IOException e) when (e.InnerException is not SocketException)
            {
                // The edge closed the connection in the middle of the handshake: a TLS failure, not a reset.
                await tls.DisposeAsync().ConfigureAwait(false);
                throw new ProbeFailure(ProbeOutcome.Tls, "TLS: " + e.Message, e);
            }
            catch
            {
                await tls.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            TlsSeconds = prober.Elapsed(Start);
            return tls;
        }
    }

    private static bool IsUnderInvalid(string name)
    {
        var n = name.TrimEnd('.');
        return n.Equals("invalid", StringComparison.OrdinalIgnoreCase)
            || n.EndsWith(".invalid", StringComparison.OrdinalIgnoreCase);
    }
}
