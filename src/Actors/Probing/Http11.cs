using System.IO.Compression;
using System.Text;
using Edgemanage.Contracts.Probing;

namespace Edgemanage.Actors.Probing;

/// <summary>An outcome decided while talking to the edge, carried out of the I/O code as an exception.</summary>
internal sealed class ProbeFailure(ProbeOutcome outcome, string message, Exception? inner = null) : Exception(message, inner)
{
    public ProbeOutcome Outcome { get; } = outcome;

    public static ProbeFailure Protocol(string message) => new(ProbeOutcome.ProtocolError, message);
}

/// <summary>The parts of a response head a probe needs.</summary>
internal sealed record Http11Head(int Status, long? ContentLength, bool Chunked, string? ContentEncoding);

/// <summary>
/// Just enough HTTP/1.1 for a probe: one GET per connection with <c>Connection: close</c>, a response head,
/// and a body framed by Content-Length, chunked encoding or the close of the connection. Written for the
/// probe's needs rather than taken from SocketsHttpHandler because a handler per probe (needed so that a
/// connection is never shared between edges) cost about 35 KB and a quarter of a millisecond of CPU per
/// probe, which at thousands of edges per round is most of the round's CPU. Anything an edge sends that this
/// reader does not accept is a <see cref="ProbeOutcome.ProtocolError"/> naming what was wrong.
/// </summary>
internal static class Http11
{
    public const int MaxHeadBytes = 64 * 1024;
    private const int MaxLineBytes = 8 * 1024;

    public static byte[] Request(string path, string hostHeader, string userAgent) => Encoding.ASCII.GetBytes(
        $"GET {path} HTTP/1.1\r\nHost: {hostHeader}\r\nUser-Agent: {userAgent}\r\nAccept: */*\r\n" +
        "Accept-Encoding: gzip, deflate\r\nConnection: close\r\n\r\n");

    /// <summary>
    /// Reads the final response head, skipping interim 1xx responses. Every line of every head is held to
    /// <see cref="ResponseFields"/>: a head that breaks RFC 9112 is a protocol failure, never a guess.
    /// </summary>
    public static async ValueTask<Http11Head> ReadHeadAsync(ByteSource source, CancellationToken ct)
    {
        var headBytes = 0;
        while (true)
        {
            var statusLine = await source.ReadLineAsync(MaxLineBytes, ct, HeadLineEnd).ConfigureAwait(false)
                ?? throw ProbeFailure.Protocol("the edge closed the connection without answering");
            headBytes += statusLine.Length;
            if (ResponseFields.StatusLine(statusLine, out var status, out var minorVersion) is { } badStatus)
                throw ProbeFailure.Protocol(badStatus);
            List<string>? contentLengths = null, transferEncodings = null;
            string? encoding = null;
            while (true)
            {
                var line = await source.ReadLineAsync(MaxLineBytes, ct, HeadLineEnd).ConfigureAwait(false)
                    ?? throw ProbeFailure.Protocol("the edge closed the connection in the middle of the response headers");
                headBytes += line.Length + 2;
                if (headBytes > MaxHeadBytes) throw ProbeFailure.Protocol($"response headers longer than {MaxHeadBytes} bytes");
                if (line.Length == 0) break;
                if (ResponseFields.FieldLine(line, out var name, out var value) is { } badField)
                    throw ProbeFailure.Protocol(badField);
                if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                    (contentLengths ??= []).Add(value);
                else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                    (transferEncodings ??= []).Add(value);
                else if (name.Equals("Content-Encoding", StringComparison.OrdinalIgnoreCase))
                    encoding = value.ToLowerInvariant();
            }
            // Interim responses (100 Continue, 103 Early Hints) precede the real one; their lines were checked
            // above all the same, since a smuggled byte is no better for being in an interim head.
            if (status is >= 100 and < 200 && status != 101) continue;
            if (ResponseFields.Framing(minorVersion, (IReadOnlyList<string>?)contentLengths ?? [], (IReadOnlyList<string>?)transferEncodings ?? [],
                    out var framing) is { } badFraming)
                throw ProbeFailure.Protocol(badFraming);
            return new Http11Head(status, framing.ContentLength, framing.Chunked, encoding is "identity" or "" ? null : encoding);
        }
    }

    /// <summary>RFC 9112 §2.2: head lines end in CR LF; a lone LF would let a value hide a second header.</summary>
    private const bool HeadLineEnd = true;

    /// <summary>The body as the edge framed it, decoded when it says it is compressed.</summary>
    public static Stream Body(ByteSource source, Http11Head head, int status)
    {
        Stream framed = status is 204 or 304 ? new FramedBody(source, FramedBody.Mode.Length, 0)
            : head.Chunked ? new FramedBody(source, FramedBody.Mode.Chunked, 0)
            : head.ContentLength is { } n ? new FramedBody(source, FramedBody.Mode.Length, n)
            : new FramedBody(source, FramedBody.Mode.UntilClose, 0);
        return head.ContentEncoding switch
        {
            null => framed,
            "gzip" or "x-gzip" => new GZipStream(framed, CompressionMode.Decompress),
            // HTTP's "deflate" is the zlib format (RFC 9110 8.4.1.2).
            "deflate" => new ZLibStream(framed, CompressionMode.Decompress),
            var other => throw ProbeFailure.Protocol($"unsupported Content-Encoding '{Printable(other)}'"),
        };
    }

    private static string Printable(string s) => ResponseFields.Printable(s);
}

/// <summary>Buffered reads from the connection: lines for the head and chunk sizes, then raw body bytes.</summary>
internal sealed class ByteSource(Stream stream, byte[] buffer)
{
    private int _start;
    private int _end;

    /// <summary>
    /// One line without its CR LF, or null when the connection ended before any byte of it. With
    /// <paramref name="requireCrLf"/> a line ended by a lone LF is a protocol failure.
    /// </summary>
    public async ValueTask<string?> ReadLineAsync(int maxLength, CancellationToken ct, bool requireCrLf = false)
    {
        var searchFrom = _start;
        while (true)
        {
            var newline = Array.IndexOf(buffer, (byte)'\n', searchFrom, _end - searchFrom);
            if (newline >= 0)
            {
                var length = newline - _start;
                if (length > 0 && buffer[newline - 1] == (byte)'\r') length--;
                else if (requireCrLf)
                    throw ProbeFailure.Protocol(
                        $"a bare LF ends the response head line '{ResponseFields.Printable(Encoding.Latin1.GetString(buffer, _start, length))}' (CR LF required)");
                var line = Encoding.Latin1.GetString(buffer, _start, length);
                _start = newline + 1;
                return line;
            }
            if (_end - _start >= maxLength) throw ProbeFailure.Protocol($"a response line longer than {maxLength} bytes");
            if (_start > 0)
            {
                Buffer.BlockCopy(buffer, _start, buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            searchFrom = _end;
            var n = await stream.ReadAsync(buffer.AsMemory(_end), ct).ConfigureAwait(false);
            if (n == 0)
            {
                if (_end > _start) throw ProbeFailure.Protocol("the edge closed the connection in the middle of a line");
                return null;
            }
            _end += n;
        }
    }

    public async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken ct)
    {
        if (_end > _start)
        {
            var n = Math.Min(destination.Length, _end - _start);
            buffer.AsMemory(_start, n).CopyTo(destination);
            _start += n;
            return n;
        }
        return await stream.ReadAsync(destination, ct).ConfigureAwait(false);
    }
}

/// <summary>A read-only stream over the body bytes of one response, ending where the framing says.</summary>
internal sealed class FramedBody(ByteSource source, FramedBody.Mode mode, long declaredLength) : Stream
{
    public enum Mode { Length, Chunked, UntilClose }

    private readonly long _declaredLength = declaredLength;
    private long _remaining = declaredLength;   // Length: bytes left; Chunked: bytes left in the current chunk
    private long _read;
    private bool _done = mode == Mode.Length && declaredLength <= 0;

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken ct = default)
    {
        if (_done || destination.Length == 0) return 0;
        if (mode == Mode.Chunked && _remaining == 0)
        {
            if (_read > 0) await ExpectLineEnd(ct).ConfigureAwait(false);
            _remaining = await ReadChunkSize(ct).ConfigureAwait(false);
            if (_remaining == 0)
            {
                await SkipTrailers(ct).ConfigureAwait(false);
                _done = true;
                return 0;
            }
        }
        var want = mode == Mode.UntilClose ? destination.Length : (int)Math.Min(destination.Length, _remaining);
        var n = await source.ReadAsync(destination[..want], ct).ConfigureAwait(false);
        if (n == 0)
        {
            if (mode == Mode.UntilClose)
            {
                _done = true;
                return 0;
            }
            throw ProbeFailure.Protocol(mode == Mode.Length
                ? $"the edge closed the connection after {_read} of {_declaredLength} body bytes"
                : $"the edge closed the connection inside a chunk after {_read} body bytes");
        }
        _read += n;
        if (mode != Mode.UntilClose)
        {
            _remaining -= n;
            if (mode == Mode.Length && _remaining == 0) _done = true;
        }
        return n;
    }

    private async ValueTask<long> ReadChunkSize(CancellationToken ct)
    {
        var line = await source.ReadLineAsync(1024, ct).ConfigureAwait(false)
            ?? throw ProbeFailure.Protocol($"the edge closed the connection before the chunk after {_read} body bytes");
        var digits = line.Split(';')[0].Trim();
        if (!long.TryParse(digits, System.Globalization.NumberStyles.AllowHexSpecifier, null, out var size) || size < 0)
            throw ProbeFailure.Protocol($"bad chunk size '{(digits.Length > 20 ? digits[..20] : digits)}'");
        return size;
    }

    private async ValueTask ExpectLineEnd(CancellationToken ct)
    {
        string? line;
        try
        {
            line = await source.ReadLineAsync(2, ct).ConfigureAwait(false);
        }
        catch (ProbeFailure)
        {
            line = null; // more than CR LF before the next line end
        }
        if (line is not "") throw ProbeFailure.Protocol("a chunk is not followed by CR LF");
    }

    private async ValueTask SkipTrailers(CancellationToken ct)
    {
        for (var i = 0; i < 100; i++)
        {
            var line = await source.ReadLineAsync(8 * 1024, ct).ConfigureAwait(false);
            if (line is null or "") return;
        }
        throw ProbeFailure.Protocol("more than 100 trailer lines");
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("probe bodies are read asynchronously");
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
