using System.Globalization;

namespace Edgemanage.Actors.Probing;

/// <summary>How the body of a response is delimited, once its framing fields passed <see cref="ResponseFields.Framing"/>.</summary>
internal readonly record struct BodyFraming(long? ContentLength, bool Chunked);

/// <summary>
/// The rules of RFC 9112 that a response head must follow before the probe believes anything it says. Pure:
/// each method looks at text already read and returns null when it is acceptable, or a sentence naming what
/// was wrong. <see cref="Http11"/> turns such a sentence into a <c>protocol</c> failure of the edge.
/// <para>
/// Why strict: an edge whose framing is ambiguous (two lengths, a length and chunking, an unknown transfer
/// coding) or whose head carries control characters answers differently depending on which parser reads it.
/// A browser or a proxy in front of it may see another body than the probe did, so such an edge is not
/// "serving the object" whatever bytes happened to follow, and it must not be judged <c>ok</c>.
/// </para>
/// </summary>
internal static class ResponseFields
{
    /// <summary>
    /// Checks a status line (RFC 9112 §4: <c>HTTP/1.x SP 3DIGIT SP reason-phrase</c>, the reason possibly empty)
    /// and returns its status code and minor version.
    /// </summary>
    public static string? StatusLine(string line, out int status, out int minorVersion)
    {
        status = 0;
        minorVersion = 0;
        // Control characters first: a NUL or bare CR inside a status line is its own, clearer, reason.
        if (ControlCharacter(line) is { } bad)
            return $"{bad} in the status line '{Printable(line)}'";
        // The reason phrase is optional; a server may even omit the space before it (RFC 9112 §4 allows
        // recipients to accept that), so "HTTP/1.1 200" is fine and "HTTP/1.1 2000" is not.
        if (line.Length < 12 || !line.StartsWith("HTTP/1.", StringComparison.Ordinal) || !char.IsAsciiDigit(line[7])
            || line[8] != ' ' || !int.TryParse(line.AsSpan(9, 3), NumberStyles.None, CultureInfo.InvariantCulture, out status)
            || status < 100 || (line.Length > 12 && line[12] != ' '))
        {
            status = 0;
            return $"not an HTTP/1.x status line: '{Printable(line)}'";
        }
        minorVersion = line[7] - '0';
        return null;
    }

    /// <summary>
    /// Checks one field line (RFC 9112 §5: <c>field-name ":" OWS field-value OWS</c>) and splits it. The name is
    /// a token with nothing between it and the colon; the value holds no control character but HTAB.
    /// </summary>
    public static string? FieldLine(string line, out string name, out string value)
    {
        name = "";
        value = "";
        if (line.Length > 0 && line[0] is ' ' or '\t')
            return $"a folded header line (obsolete line folding) '{Printable(line)}'";
        var colon = line.IndexOf(':');
        if (colon < 0) return $"malformed response header line '{Printable(line)}' (no colon)";
        if (colon == 0) return $"malformed response header line '{Printable(line)}' (empty field name)";
        var rawName = line.AsSpan(0, colon);
        for (var i = 0; i < rawName.Length; i++)
        {
            var c = rawName[i];
            if (IsTokenChar(c)) continue;
            var what = c is ' ' or '\t' ? "whitespace" : Describe(c);
            return $"malformed response header line '{Printable(line)}' ({what} in the field name)";
        }
        name = rawName.ToString();
        var rawValue = line.AsSpan(colon + 1).Trim(" \t");
        if (ControlCharacter(rawValue) is { } bad)
        {
            name = "";
            return $"{bad} in the value of header '{Printable(rawName.ToString())}'";
        }
        value = rawValue.ToString();
        return null;
    }

    /// <summary>
    /// Decides the body's framing from every Content-Length and Transfer-Encoding field of the response
    /// (RFC 9112 §6.1 and §6.3). Rejected: both fields at once; Content-Length values that differ or are not a
    /// plain decimal number; a transfer coding other than one final <c>chunked</c>; Transfer-Encoding in an
    /// HTTP/1.0 response. Identical repeated lengths ("42, 42") are taken as one, as RFC 9110 §8.6 allows.
    /// </summary>
    public static string? Framing(int minorVersion, IReadOnlyList<string> contentLengths, IReadOnlyList<string> transferEncodings,
        out BodyFraming framing)
    {
        framing = default;
        if (transferEncodings.Count > 0)
        {
            var shown = string.Join(", ", transferEncodings.Select(Printable));
            if (contentLengths.Count > 0)
                return $"both Content-Length '{string.Join(", ", contentLengths.Select(Printable))}' and Transfer-Encoding '{shown}' (ambiguous framing)";
            if (minorVersion == 0)
                return $"Transfer-Encoding '{shown}' in an HTTP/1.0 response";
            var codings = transferEncodings.SelectMany(v => v.Split(',')).Select(c => c.Trim(' ', '\t')).Where(c => c.Length > 0).ToList();
            if (codings.Count == 0) return "an empty Transfer-Encoding";
            if (codings.Count > 1 || !codings[0].Equals("chunked", StringComparison.OrdinalIgnoreCase))
                return $"unsupported Transfer-Encoding '{shown}' (only a single 'chunked' is accepted)";
            framing = new BodyFraming(null, Chunked: true);
            return null;
        }
        long? length = null;
        foreach (var member in contentLengths.SelectMany(v => v.Split(',')))
        {
            var digits = member.Trim(' ', '\t');
            if (digits.Length == 0 || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                return $"bad Content-Length '{Printable(string.Join(", ", contentLengths))}'";
            if (length is { } earlier && earlier != n)
                return $"bad Content-Length '{Printable(string.Join(", ", contentLengths))}' (conflicting values)";
            length = n;
        }
        framing = new BodyFraming(length, Chunked: false);
        return null;
    }

    /// <summary>tchar of RFC 9110 §5.6.2.</summary>
    private static bool IsTokenChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';

    /// <summary>The first control character other than HTAB (C0 and DEL), described; null when there is none.</summary>
    private static string? ControlCharacter(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
            if ((c < 0x20 && c != '\t') || c == 0x7F) return Describe(c);
        return null;
    }

    private static string Describe(char c) => c switch
    {
        '\0' => "a NUL byte",
        '\r' => "a bare CR",
        '\n' => "a bare LF",
        _ when c < 0x20 || c == 0x7F => $"control character 0x{(int)c:X2}",
        _ => $"'{c}'",
    };

    /// <summary>Text fit for a log line: cut at 80 characters, control characters shown as '?'.</summary>
    public static string Printable(string s)
    {
        var cut = s.Length > 80 ? s[..80] + "…" : s;
        return string.Create(cut.Length, cut, static (span, text) =>
        {
            for (var i = 0; i < text.Length; i++) span[i] = char.IsControl(text[i]) ? '?' : text[i];
        });
    }
}
