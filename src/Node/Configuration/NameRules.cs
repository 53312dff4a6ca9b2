using System.Net;
using System.Net.Sockets;

namespace Edgemanage.Node.Configuration;

/// <summary>A rejected name: where (0-based index of the first offending character) and why.</summary>
public readonly record struct NameIssue(int Index, string Message);

/// <summary>
/// Syntax rules for the names that end up in file paths, URLs and zone files: edges (host names
/// or IP literals), zone names, network names.
/// </summary>
public static class NameRules
{
    /// <summary>
    /// The networks of an edge-list directory: every file whose name is a usable network name (dot files, such as an
    /// editor's swap file, are not networks), in ordinal order; none when the directory does not exist.
    /// </summary>
    public static List<string> NetworksIn(string edgeListDir) =>
        Directory.Exists(edgeListDir)
            ? Directory.GetFiles(edgeListDir).Select(Path.GetFileName).OfType<string>()
                .Where(n => !n.StartsWith('.') && CheckNetworkName(n) is null).Order(StringComparer.Ordinal).ToList()
            : [];

    /// <summary>An edge: an RFC 1123 host name, four dotted decimal octets, or an IPv6 literal.</summary>
    public static NameIssue? CheckEdge(string text)
    {
        if (LooksLikeIPv6(text)) return CheckIPv6(text);
        if (text.Length > 0 && text.All(c => char.IsAsciiDigit(c) || c == '.')) return CheckIPv4(text);
        return CheckHostName(text, allowUnderscore: false);
    }

    /// <summary>An IP literal of either family, with the same strictness as <see cref="CheckEdge"/>.</summary>
    public static NameIssue? CheckIpLiteral(string text) =>
        LooksLikeIPv6(text) ? CheckIPv6(text)
        : text.All(c => char.IsAsciiDigit(c) || c == '.') ? CheckIPv4(text)
        : new NameIssue(0, $"'{text}' is not an IP address");

    // Every IPv6 literal has at least two colons; "edge:8080" or "http://edge" are host names
    // gone wrong, and the host-name check points at the colon.
    private static bool LooksLikeIPv6(string text) => text.Count(c => c == ':') >= 2;

    public static bool IsIpLiteral(string text) => CheckIpLiteral(text) is null;

    // .NET accepts "1.2.3", "1" and octal/hex forms as IPv4 shorthand; an edge list entry like
    // that is far more likely a typo than intent, so only the canonical form passes.
    private static NameIssue? CheckIPv4(string text)
    {
        var parts = text.Split('.');
        var ok = parts.Length == 4 && parts.All(p =>
            p.Length is >= 1 and <= 3 && p.All(char.IsAsciiDigit) && (p.Length == 1 || p[0] != '0') && int.Parse(p) <= 255);
        return ok ? null : new NameIssue(0, $"'{text}' is not a valid IPv4 address (four dotted decimal octets 0-255 are required)");
    }

    private static NameIssue? CheckIPv6(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (!char.IsAsciiHexDigit(c) && c != ':' && c != '.')
                return new NameIssue(i, $"'{text}' is not a valid IPv6 address (unexpected character '{c}')");
        }
        return IPAddress.TryParse(text, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6
            ? null
            : new NameIssue(0, $"'{text}' is not a valid IPv6 address");
    }

    /// <summary>
    /// RFC 1123 host name: labels of letters, digits and hyphens, 1-63 characters, not starting or
    /// ending with a hyphen, at most 253 characters; one trailing dot (absolute name) is allowed.
    /// Zone names may also use underscores (service labels such as _dmarc are legal DNS).
    /// </summary>
    public static NameIssue? CheckHostName(string text, bool allowUnderscore)
    {
        var what = allowUnderscore ? "DNS name" : "host name";
        if (text.Length == 0) return new NameIssue(0, $"empty {what}");
        var name = text.EndsWith('.') && text.Length > 1 ? text[..^1] : text;
        var start = 0;
        while (true)
        {
            var end = name.IndexOf('.', start);
            if (end < 0) end = name.Length;
            if (end == start)
                return new NameIssue(start, $"'{text}' is not a valid {what}: empty label");
            for (var i = start; i < end; i++)
            {
                var c = name[i];
                if (!char.IsAsciiLetterOrDigit(c) && c != '-' && !(allowUnderscore && c == '_'))
                    return new NameIssue(i, $"'{text}' is not a valid {what}: character '{c}' is not allowed");
            }
            if (name[start] == '-')
                return new NameIssue(start, $"'{text}' is not a valid {what}: a label starts with '-'");
            if (name[end - 1] == '-')
                return new NameIssue(end - 1, $"'{text}' is not a valid {what}: a label ends with '-'");
            if (end - start > 63)
                return new NameIssue(start + 63, $"'{text}' is not a valid {what}: a label is longer than 63 characters");
            if (end == name.Length) break;
            start = end + 1;
        }
        return name.Length > 253
            ? new NameIssue(253, $"'{text}' is not a valid {what}: longer than 253 characters")
            : null;
    }

    /// <summary>A network (dnet) name is used as a file name in several directories.</summary>
    public static NameIssue? CheckNetworkName(string name)
    {
        if (name is "" or "." or "..") return new NameIssue(0, $"'{name}' is not a valid network name");
        // It becomes part of file names and persistence ids.
        if (name.Length > 100) return new NameIssue(100, $"'{name[..20]}…' is not a valid network name: longer than 100 characters");
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.'))
                return new NameIssue(i, $"'{name}' is not a valid network name: character '{c}' is not allowed");
        }
        return null;
    }
}
