using System.Text.RegularExpressions;

namespace Edgemanage.Actors.Zones.Dynamic;

/// <summary>A TSIG key: what signs every UPDATE edgemanage sends to the primary.</summary>
/// <param name="Algorithm">As BIND names it: hmac-sha256, hmac-sha512, …</param>
/// <param name="Source">The file it came from, for messages.</param>
public sealed record TsigKey(string Name, string Algorithm, byte[] Secret, string Source)
{
    /// <summary>What messages show: the key's name and file, never its secret.</summary>
    public override string ToString() => $"key '{Name}' ({Algorithm}) from {Source}";
}

public sealed class TsigKeyFileException(string message) : Exception(message);

/// <summary>
/// Reads the key file an operator already has for BIND: <c>tsig-keygen</c>'s output, the same file named.conf
/// includes, <c>key "NAME" { algorithm hmac-sha256; secret "BASE64"; };</c>. One file, one key, so the name, the
/// algorithm and the secret can never disagree with what the primary was given.
/// </summary>
public static partial class TsigKeyFile
{
    public static readonly IReadOnlyList<string> Algorithms =
        ["hmac-md5", "hmac-sha1", "hmac-sha224", "hmac-sha256", "hmac-sha384", "hmac-sha512"];

    public static TsigKey Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TsigKeyFileException($"{path}: cannot read the key file: {e.Message}");
        }
        return Parse(text, path);
    }

    public static TsigKey Parse(string text, string source)
    {
        // Comments as named.conf allows them, replaced by spaces of the same length so line numbers stay right. Quoted
        // strings are matched first and kept: a base64 secret can hold "//".
        var plain = Comment().Replace(text, m => m.Value.StartsWith('"') ? m.Value : new string(m.Value.Select(c => c == '\n' ? '\n' : ' ').ToArray()));
        var keys = KeyStatement().Matches(plain);
        if (keys.Count == 0)
            throw new TsigKeyFileException($"{source}: no key statement: expected what tsig-keygen prints, " +
                                           "key \"NAME\" { algorithm hmac-sha256; secret \"BASE64\"; };");
        if (keys.Count > 1)
            throw new TsigKeyFileException($"{source}:{LineOf(plain, keys[1].Index)}: more than one key statement; give edgemanage a file with its own key only");
        var key = keys[0];
        var name = key.Groups["name"].Value.TrimEnd('.');
        var body = key.Groups["body"];
        string Field(string field)
        {
            var m = Regex.Match(body.Value, $@"(?:^|[;\s{{]){field}\s+(?:""(?<v>[^""]*)""|(?<v>[^"";\s]+))\s*;");
            if (!m.Success)
                throw new TsigKeyFileException($"{source}:{LineOf(plain, key.Index)}: key '{name}' has no {field}");
            return m.Groups["v"].Value;
        }
        var algorithm = Field("algorithm").ToLowerInvariant();
        var secretText = Field("secret");
        var algorithmLine = LineOf(plain, body.Index + body.Value.IndexOf("algorithm", StringComparison.Ordinal));
        if (!Algorithms.Contains(algorithm))
            throw new TsigKeyFileException($"{source}:{algorithmLine}: key '{name}': algorithm '{algorithm}' is not one of {string.Join(", ", Algorithms)}");
        byte[] secret;
        try
        {
            secret = Convert.FromBase64String(secretText);
        }
        catch (FormatException)
        {
            throw new TsigKeyFileException($"{source}:{LineOf(plain, body.Index + body.Value.IndexOf("secret", StringComparison.Ordinal))}: key '{name}': the secret is not base64");
        }
        if (secret.Length == 0)
            throw new TsigKeyFileException($"{source}:{LineOf(plain, key.Index)}: key '{name}': the secret is empty");
        return new TsigKey(name, algorithm, secret, source);
    }

    private static int LineOf(string text, int index) => text.AsSpan(0, Math.Clamp(index, 0, text.Length)).Count('\n') + 1;

    [GeneratedRegex(@"""[^""]*""|/\*.*?\*/|//[^\n]*|#[^\n]*", RegexOptions.Singleline)]
    private static partial Regex Comment();

    [GeneratedRegex(@"\bkey\s+""?(?<name>[^""\s{]+)""?\s*\{(?<body>[^}]*)\}\s*;", RegexOptions.Singleline)]
    private static partial Regex KeyStatement();
}
