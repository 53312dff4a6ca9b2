using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Edgemanage.Node.Configuration;

/// <summary>
/// Scalar interpretation following YAML 1.1 as PyYAML's safe_load sees it, because existing
/// edgemanage.yaml files were written for that loader.
/// </summary>
internal static class YamlValues
{
    private static readonly HashSet<string> Trues = new(StringComparer.OrdinalIgnoreCase) { "true", "yes", "on" };
    private static readonly HashSet<string> Falses = new(StringComparer.OrdinalIgnoreCase) { "false", "no", "off" };

    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } s
        && (string.IsNullOrEmpty(s.Value) || s.Value is "~" or "null" or "Null" or "NULL");

    public static bool TryBool(YamlScalarNode s, out bool value)
    {
        value = Trues.Contains(s.Value ?? "");
        return value || Falses.Contains(s.Value ?? "");
    }

    // One number syntax for every key and every command: plain decimal, as a person writes it. YAML 1.1 would
    // also read 1_000, 0x10, 010 (octal!) and 1e3, and not every reader of the file agreed on those; refusing
    // them means a number means the same thing to validate, run, serve and the operator.
    private static readonly System.Text.RegularExpressions.Regex DecimalInteger = new(@"^[+-]?(0|[1-9][0-9]*)$");
    private static readonly System.Text.RegularExpressions.Regex DecimalNumber = new(@"^[+-]?(0|[1-9][0-9]*)(\.[0-9]+)?$");

    /// <summary>A plain decimal integer ("-3", "0", "1000"); not "1_000", "0x10", "010" or "1e3".</summary>
    public static bool TryLong(string text, out long value)
    {
        value = 0;
        return DecimalInteger.IsMatch(text)
            && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>A plain decimal number ("0.7", "10", "-1.5"); not "1_000", "0x10", "010", ".5" or "1e3".</summary>
    public static bool TryDouble(string text, out double value)
    {
        value = 0;
        return DecimalNumber.IsMatch(text)
            && double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value)
            && double.IsFinite(value);
    }

    private static readonly System.Text.RegularExpressions.Regex NumberLike = new(@"^[+-]?\.?[0-9][0-9a-zA-Z_.+-]*$");

    /// <summary>For a value that looks like a number in another syntax (1_000, 0x10, 010, 1e3), what we accept.</summary>
    public static string SyntaxHint(string? text) =>
        text is not null && NumberLike.IsMatch(text) && !DecimalNumber.IsMatch(text)
            ? "; numbers are plain decimal here (no '_', hex, octal, leading zero or exponent)"
            : "";

    /// <summary>How a node is shown after "got" in a type error.</summary>
    public static string Describe(YamlNode node) => node switch
    {
        _ when IsNull(node) => "null",
        YamlScalarNode s => $"'{s.Value}'",
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        _ => "an alias",
    };
}
