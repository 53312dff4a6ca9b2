using System.IO.Compression;
using System.Text;
using Edgemanage.Actors.Probing;
using Edgemanage.Contracts.Probing;
using Xunit;

namespace Edgemanage.Tests.Probing;

/// <summary>
/// The probe's HTTP/1.1 reader on byte-exact responses, including what the loopback fleet never sends:
/// chunked and compressed bodies, interim responses, and the many ways an edge can get a response wrong.
/// </summary>
public sealed class Http11Specs
{
    private static readonly byte[] Object = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("edgemanage test object\n", 200)));

    /// <summary>A stream that hands out its bytes a few at a time, as a slow network would.</summary>
    private sealed class TrickleStream(byte[] data, int step) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
            base.ReadAsync(buffer[..Math.Min(step, buffer.Length)], ct);
    }

    private static async Task<(Http11Head Head, byte[] Body)> Read(byte[] response, int step = 7)
    {
        var source = new ByteSource(new TrickleStream(response, step), new byte[16 * 1024]);
        var head = await Http11.ReadHeadAsync(source, CancellationToken.None);
        await using var body = Http11.Body(source, head, head.Status);
        var copy = new MemoryStream();
        var buffer = new byte[1000];
        int n;
        while ((n = await body.ReadAsync(buffer)) > 0) copy.Write(buffer, 0, n);
        return (head, copy.ToArray());
    }

    private static byte[] Bytes(string head, byte[]? body = null) => [.. Encoding.ASCII.GetBytes(head), .. body ?? []];

    private static byte[] Chunked(byte[] body, int chunk)
    {
        var ms = new MemoryStream();
        for (var i = 0; i < body.Length; i += chunk)
        {
            var n = Math.Min(chunk, body.Length - i);
            ms.Write(Encoding.ASCII.GetBytes($"{n:x};ext=1\r\n"));
            ms.Write(body, i, n);
            ms.Write("\r\n"u8);
        }
        ms.Write("0\r\nX-Trailer: yes\r\n\r\n"u8);
        return ms.ToArray();
    }

    private static byte[] Compress(byte[] body, Func<Stream, Stream> wrap)
    {
        var ms = new MemoryStream();
        using (var z = wrap(ms)) z.Write(body);
        return ms.ToArray();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    public async Task Reads_a_content_length_body_whatever_the_packet_sizes(int step)
    {
        var (head, body) = await Read(Bytes($"HTTP/1.1 200 OK\r\nContent-Length: {Object.Length}\r\nServer: x\r\n\r\n", Object), step);
        Assert.Equal(200, head.Status);
        Assert.Equal(Object, body);
    }

    [Fact]
    public async Task Reads_a_chunked_body_with_extensions_and_trailers()
    {
        var (head, body) = await Read(Bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", Chunked(Object, 333)));
        Assert.True(head.Chunked);
        Assert.Equal(Object, body);
    }

    [Fact]
    public async Task Reads_a_body_delimited_by_the_close_of_the_connection()
    {
        var (_, body) = await Read(Bytes("HTTP/1.0 200 OK\r\n\r\n", Object));
        Assert.Equal(Object, body);
    }

    [Fact]
    public async Task Decodes_gzip_and_deflate_bodies()
    {
        var gz = Compress(Object, s => new GZipStream(s, CompressionLevel.Fastest));
        var (_, gzBody) = await Read(Bytes($"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {gz.Length}\r\n\r\n", gz));
        Assert.Equal(Object, gzBody);

        var zl = Compress(Object, s => new ZLibStream(s, CompressionLevel.Fastest));
        var (_, zlBody) = await Read(Bytes("HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nTransfer-Encoding: chunked\r\n\r\n", Chunked(zl, 100)));
        Assert.Equal(Object, zlBody);
    }

    [Fact]
    public async Task Skips_interim_responses()
    {
        var (final, content) = await Read(Bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nabc"));
        Assert.Equal(404, final.Status);
        Assert.Equal("abc"u8.ToArray(), content);
    }

    [Theory]
    [InlineData("", "closed the connection without answering")]
    [InlineData("SSH-2.0-OpenSSH_9.2\r\n\r\n", "not an HTTP/1.x status line")]
    [InlineData("HTTP/1.1 2x0 OK\r\n\r\n", "not an HTTP/1.x status line")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n", "in the middle of the response headers")]
    [InlineData("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "malformed response header line")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "bad Content-Length")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", "bad Content-Length")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", "after 3 of 10 body bytes")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk size")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcdeXY", "not followed by CR LF")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", "inside a chunk")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Encoding: compress\r\n\r\n", "unsupported Content-Encoding")]
    // RFC 9112 framing and field syntax: each of these was once read as a good response.
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", "both Content-Length")]
    [InlineData("HTTP/1.1 200 OK\r\nX-Evil: a\0b\r\nContent-Length: 3\r\n\r\nabc", "a NUL byte in the value of header 'X-Evil'")]
    [InlineData("HTTP/1.1 200 OK\r\nX-Evil: a\rb\r\nContent-Length: 3\r\n\r\nabc", "a bare CR in the value of header 'X-Evil'")]
    [InlineData("HTTP/1.1 200 OK\r\nX-Evil: a\nContent-Length: 3\r\n\r\nabc", "a bare LF ends the response head line 'X-Evil: a'")]
    [InlineData("HTTP/1.1 200 OK\nContent-Length: 3\n\nabc", "a bare LF ends the response head line 'HTTP/1.1 200 OK'")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", "unsupported Transfer-Encoding")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "unsupported Transfer-Encoding")]
    [InlineData("HTTP/1.1 200 O\0K\r\nContent-Length: 3\r\n\r\nabc", "a NUL byte in the status line")]
    [InlineData("HTTP/1.1 103 Early Hints\r\nLink: a\0b\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", "a NUL byte in the value of header 'Link'")]
    public async Task Every_malformed_response_is_a_protocol_error_that_says_what_was_wrong(string response, string expected)
    {
        var failure = await Assert.ThrowsAsync<ProbeFailure>(() => Read(Encoding.Latin1.GetBytes(response)));
        Assert.Equal(ProbeOutcome.ProtocolError, failure.Outcome);
        Assert.Contains(expected, failure.Message);
    }

    [Fact]
    public async Task An_endless_header_is_cut_off()
    {
        var huge = "HTTP/1.1 200 OK\r\n" + string.Concat(Enumerable.Repeat("X-Filler: " + new string('a', 1000) + "\r\n", 100)) + "\r\n";
        var failure = await Assert.ThrowsAsync<ProbeFailure>(() => Read(Encoding.ASCII.GetBytes(huge), 4096));
        Assert.Contains($"longer than {Http11.MaxHeadBytes} bytes", failure.Message);

        var oneLine = "HTTP/1.1 200 OK\r\nX-Filler: " + new string('a', 20_000) + "\r\n\r\n";
        var lineFailure = await Assert.ThrowsAsync<ProbeFailure>(() => Read(Encoding.ASCII.GetBytes(oneLine), 4096));
        Assert.Contains("response line longer than", lineFailure.Message);
    }

    [Fact]
    public void The_request_is_a_plain_http11_get_that_closes()
    {
        var text = Encoding.ASCII.GetString(Http11.Request("/obj", "www.example.test:8080", "UA/1"));
        Assert.Equal("GET /obj HTTP/1.1\r\nHost: www.example.test:8080\r\nUser-Agent: UA/1\r\nAccept: */*\r\n" +
                     "Accept-Encoding: gzip, deflate\r\nConnection: close\r\n\r\n", text);
    }
}
