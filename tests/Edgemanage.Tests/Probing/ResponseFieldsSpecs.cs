using Edgemanage.Actors.Probing;
using Xunit;

namespace Edgemanage.Tests.Probing;

/// <summary>
/// RFC 9112's rules for a response head, one table per kind of line: what is accepted, and for what is not,
/// the words the operator will read in the edge's failure reason.
/// </summary>
public sealed class ResponseFieldsSpecs
{
    [Theory]
    [InlineData("HTTP/1.1 200 OK", 200, 1)]
    [InlineData("HTTP/1.0 404 Not Found", 404, 0)]
    [InlineData("HTTP/1.1 200", 200, 1)]
    [InlineData("HTTP/1.1 200 ", 200, 1)]
    [InlineData("HTTP/1.1 200 Fine\tthanks \u00e9", 200, 1)] // HTAB and obs-text are allowed in a reason
    public void Accepts_well_formed_status_lines(string line, int status, int minor)
    {
        Assert.Null(ResponseFields.StatusLine(line, out var s, out var m));
        Assert.Equal((status, minor), (s, m));
    }

    [Theory]
    [InlineData("HTTP/1.1 200 O\0K", "a NUL byte in the status line")]
    [InlineData("HTTP/1.1 200 O\rK", "a bare CR in the status line")]
    [InlineData("HTTP/1.1 200 O\nK", "a bare LF in the status line")]
    [InlineData("HTTP/1.1 200 O\u0001K", "control character 0x01 in the status line")]
    [InlineData("HTTP/1.1 200 O\u007fK", "control character 0x7F in the status line")]
    [InlineData("HTTP/1.1 2000 OK", "not an HTTP/1.x status line")]
    [InlineData("HTTP/1.x 200 OK", "not an HTTP/1.x status line")]
    [InlineData("HTTP/2 200 OK", "not an HTTP/1.x status line")]
    [InlineData("HTTP/1.1 099 Low", "not an HTTP/1.x status line")]
    [InlineData("ICY 200 OK", "not an HTTP/1.x status line")]
    public void Rejects_malformed_status_lines_naming_the_fault(string line, string expected)
    {
        var problem = ResponseFields.StatusLine(line, out _, out _);
        Assert.NotNull(problem);
        Assert.Contains(expected, problem);
        Assert.DoesNotContain('\0', problem); // the reason goes into logs: no raw control characters
    }

    [Theory]
    [InlineData("Content-Length: 42", "Content-Length", "42")]
    [InlineData("X-Empty:", "X-Empty", "")]
    [InlineData("X-Ows: \t spaced \t", "X-Ows", "spaced")]
    [InlineData("X-Tab: a\tb", "X-Tab", "a\tb")]
    [InlineData("X-Latin: caf\u00e9", "X-Latin", "caf\u00e9")]
    [InlineData("x!#$%&'*+-.^_`|~9: v", "x!#$%&'*+-.^_`|~9", "v")]
    public void Accepts_well_formed_field_lines(string line, string name, string value)
    {
        Assert.Null(ResponseFields.FieldLine(line, out var n, out var v));
        Assert.Equal((name, value), (n, v));
    }

    [Theory]
    [InlineData("X-Nul: a\0b", "a NUL byte in the value of header 'X-Nul'")]
    [InlineData("X-Cr: a\rb", "a bare CR in the value of header 'X-Cr'")]
    [InlineData("X-Lf: a\nb", "a bare LF in the value of header 'X-Lf'")]
    [InlineData("X-Esc: a\u001bb", "control character 0x1B in the value of header 'X-Esc'")]
    [InlineData("X-Del: a\u007fb", "control character 0x7F in the value of header 'X-Del'")]
    [InlineData("X-Trailing-Nul: ab\0", "a NUL byte in the value of header 'X-Trailing-Nul'")]
    [InlineData("X-N\0ul: v", "a NUL byte in the field name")]
    [InlineData("Content-Length : 5", "whitespace in the field name")]
    [InlineData("X(y): v", "'(' in the field name")]
    [InlineData(" folded: v", "obsolete line folding")]
    [InlineData("\tfolded", "obsolete line folding")]
    [InlineData("no colon here", "no colon")]
    [InlineData(": v", "empty field name")]
    public void Rejects_malformed_field_lines_naming_the_fault(string line, string expected)
    {
        var problem = ResponseFields.FieldLine(line, out _, out _);
        Assert.NotNull(problem);
        Assert.Contains(expected, problem);
        Assert.DoesNotContain('\0', problem);
    }

    // Columns: HTTP/1.minor, Content-Length values ('|' between field lines), Transfer-Encoding values, then the
    // expected length and chunking (accepted) or the expected words (rejected).
    [Theory]
    [InlineData(1, "", "", null, false)]
    [InlineData(1, "42", "", 42L, false)]
    [InlineData(1, "42|42", "", 42L, false)]
    [InlineData(1, "42, 42", "", 42L, false)]
    [InlineData(1, "0", "", 0L, false)]
    [InlineData(1, "", "chunked", null, true)]
    [InlineData(1, "", "Chunked", null, true)]
    [InlineData(0, "42", "", 42L, false)]
    public void Accepts_unambiguous_framing(int minor, string lengths, string codings, long? length, bool chunked)
    {
        Assert.Null(ResponseFields.Framing(minor, Fields(lengths), Fields(codings), out var framing));
        Assert.Equal(new BodyFraming(length, chunked), framing);
    }

    [Theory]
    [InlineData(1, "42", "chunked", "both Content-Length '42' and Transfer-Encoding 'chunked'")]
    [InlineData(1, "0", "identity", "both Content-Length")]
    [InlineData(1, "42|43", "", "conflicting values")]
    [InlineData(1, "42, 43", "", "conflicting values")]
    [InlineData(1, "42, ", "", "bad Content-Length")]
    [InlineData(1, "+42", "", "bad Content-Length")]
    [InlineData(1, "4 2", "", "bad Content-Length")]
    [InlineData(1, "0x10", "", "bad Content-Length")]
    [InlineData(1, "99999999999999999999", "", "bad Content-Length")]
    [InlineData(1, "", "gzip", "unsupported Transfer-Encoding 'gzip'")]
    [InlineData(1, "", "gzip, chunked", "unsupported Transfer-Encoding 'gzip, chunked'")]
    [InlineData(1, "", "chunked, gzip", "unsupported Transfer-Encoding")]
    [InlineData(1, "", "chunked|chunked", "unsupported Transfer-Encoding 'chunked, chunked'")]
    [InlineData(1, "", "identity", "unsupported Transfer-Encoding")]
    [InlineData(1, "", "chunked;q=1", "unsupported Transfer-Encoding")]
    [InlineData(1, "", " , ", "an empty Transfer-Encoding")]
    [InlineData(0, "", "chunked", "Transfer-Encoding 'chunked' in an HTTP/1.0 response")]
    public void Rejects_ambiguous_or_unknown_framing_naming_the_fault(int minor, string lengths, string codings, string expected)
    {
        var problem = ResponseFields.Framing(minor, Fields(lengths), Fields(codings), out _);
        Assert.NotNull(problem);
        Assert.Contains(expected, problem);
    }

    private static string[] Fields(string joined) => joined.Length == 0 ? [] : joined.Split('|');
}
