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

    public static bool TryLong(string text, out long value) =>
        long.TryParse(text.Replace("_", ""), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    public static bool TryDouble(string text, out double value) =>
        double.TryParse(text.Replace("_", ""), NumberStyles.Float, CultureInfo.InvariantCulture, out value)
        && double.IsFinite(value);

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
