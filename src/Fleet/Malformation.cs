using System.Text;

namespace Edgemanage.Fleet;

/// <summary>
/// Ways a response head can break RFC 9112 while still carrying the correct test object. Each is built so that
/// a lenient reader (one that trims, takes the first or last value, or ignores what it does not know) would
/// find the right body and call the edge healthy: a prober must refuse every one of them.
/// </summary>
public enum Malformation
{
    /// <summary>Content-Length and Transfer-Encoding: chunked together, chunked body (RFC 9112 §6.3 rule 3).</summary>
    ContentLengthWithChunked,
    /// <summary>Two Content-Length lines, the first one right.</summary>
    DifferingContentLengths,
    /// <summary>One Content-Length line listing two values, the first one right.</summary>
    DifferingContentLengthList,
    /// <summary>Transfer-Encoding: identity (not a coding any more), body until close.</summary>
    IdentityTransferEncoding,
    /// <summary>Transfer-Encoding: chunked, gzip: chunked is not the final coding; plain body until close.</summary>
    ChunkedNotFinal,
    /// <summary>Transfer-Encoding: chunked twice, chunked body (chunked applied more than once).</summary>
    ChunkedTwice,
    /// <summary>An HTTP/1.0 status line with Transfer-Encoding: chunked, chunked body.</summary>
    ChunkedInHttp10,
    /// <summary>A NUL byte in a header value.</summary>
    NulInHeaderValue,
    /// <summary>A NUL byte in a header name.</summary>
    NulInHeaderName,
    /// <summary>A CR not followed by LF inside a header value.</summary>
    BareCrInHeaderValue,
    /// <summary>A LF without CR inside a header value, so a lenient reader sees one more header line.</summary>
    BareLfInHeaderValue,
    /// <summary>Every head line ended by LF alone.</summary>
    BareLfLineEnds,
    /// <summary>An ESC (0x1B) in a header value.</summary>
    EscInHeaderValue,
    /// <summary>A DEL (0x7F) in a header value.</summary>
    DelInHeaderValue,
    /// <summary>A NUL byte in the reason phrase of the status line.</summary>
    NulInStatusLine,
    /// <summary>A control character (0x01) in the reason phrase of the status line.</summary>
    ControlInStatusLine,
    /// <summary>Whitespace between a field name and its colon ("Content-Length : n").</summary>
    SpaceBeforeColon,
    /// <summary>A header continued on the next line (obsolete line folding).</summary>
    FoldedHeader,
}

/// <summary>The byte-exact responses of <see cref="Malformation"/> and of the well-formed chunked control.</summary>
public static class MalformedResponses
{
    /// <summary>The full response (head and body) that an edge with <paramref name="kind"/> sends for <paramref name="body"/>.</summary>
    public static byte[] For(Malformation kind, byte[] body)
    {
        var n = body.Length;
        const string ok = "HTTP/1.1 200 OK\r\n";
        const string tail = "Connection: close\r\n\r\n";
        return kind switch
        {
            Malformation.ContentLengthWithChunked =>
                Join($"{ok}Content-Length: {n}\r\nTransfer-Encoding: chunked\r\n{tail}", Chunked(body)),
            Malformation.DifferingContentLengths => Join($"{ok}Content-Length: {n}\r\nContent-Length: {n + 1}\r\n{tail}", body),
            Malformation.DifferingContentLengthList => Join($"{ok}Content-Length: {n}, {n + 1}\r\n{tail}", body),
            Malformation.IdentityTransferEncoding => Join($"{ok}Transfer-Encoding: identity\r\n{tail}", body),
            Malformation.ChunkedNotFinal => Join($"{ok}Transfer-Encoding: chunked, gzip\r\n{tail}", body),
            Malformation.ChunkedTwice =>
                Join($"{ok}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n{tail}", Chunked(body)),
            Malformation.ChunkedInHttp10 => Join($"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n{tail}", Chunked(body)),
            Malformation.NulInHeaderValue => Join($"{ok}X-Edge: a\0b\r\nContent-Length: {n}\r\n{tail}", body),
            Malformation.NulInHeaderName => Join($"{ok}X-Ed\0ge: a\r\nContent-Length: {n}\r\n{tail}", body),
            Malformation.BareCrInHeaderValue => Join($"{ok}X-Edge: a\rb\r\nContent-Length: {n}\r\n{tail}", body),
            Malformation.BareLfInHeaderValue => Join($"{ok}X-Edge: a\nX-Smuggled: b\r\nContent-Length: {n}\r\n{tail}", body),
            Malformation.BareLfLineEnds => Join($"HTTP/1.1 200 OK\nContent-Length: {n}\nConnection: close\n\n", body),
            Malformation.EscInHeaderValue => Join($"{ok}X-Edge: a\u001bb\r\nContent-Length: {n}\r\n{tail}", body),
            Malformation.DelInHeaderValue => Join($"{ok}X-Edge: a\u007fb\r\nContent-Length: {n}\r\n{tail}", body),
            Malformation.NulInStatusLine => Join($"HTTP/1.1 200 O\0K\r\nContent-Length: {n}\r\n{tail}", body),
            Malformation.ControlInStatusLine => Join($"HTTP/1.1 200 O\u0001K\r\nContent-Length: {n}\r\n{tail}", body),
            Malformation.SpaceBeforeColon => Join($"{ok}Content-Length : {n}\r\n{tail}", body),
            Malformation.FoldedHeader => Join($"{ok}X-Edge: a\r\n b\r\nContent-Length: {n}\r\n{tail}", body),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a malformation"),
        };
    }

    /// <summary>A correct 200 whose body is chunked (with an extension and a trailer): the control for the chunked cases.</summary>
    public static byte[] WellFormedChunked(byte[] body) =>
        Join("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n", Chunked(body));

    /// <summary>The body in chunks of at most 1000 bytes, one with a chunk extension, ended by a trailer.</summary>
    private static byte[] Chunked(byte[] body)
    {
        var ms = new MemoryStream();
        for (var i = 0; i < body.Length; i += 1000)
        {
            var size = Math.Min(1000, body.Length - i);
            ms.Write(Encoding.ASCII.GetBytes(i == 0 ? $"{size:x};note=first\r\n" : $"{size:x}\r\n"));
            ms.Write(body, i, size);
            ms.Write("\r\n"u8);
        }
        ms.Write("0\r\nX-Trailer: done\r\n\r\n"u8);
        return ms.ToArray();
    }

    // Latin-1 keeps every control character as the single byte it stands for.
    private static byte[] Join(string head, byte[] body) => [.. Encoding.Latin1.GetBytes(head), .. body];
}
