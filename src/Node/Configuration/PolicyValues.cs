using System.Globalization;
using Edgemanage.Node.Cli;

namespace Edgemanage.Node.Configuration;

/// <summary>
/// The policy keys (keep_margin, judge_median_window, max_edge_list_shrink), parsed alike from the config and from
/// <c>replay --set</c>, so a value replay accepts is one the config accepts.
/// </summary>
internal static class PolicyValues
{
    /// <summary>keep_margin: a fraction of goodenough, 0 (off) to 10.</summary>
    public const string MaxShrinkExpected = "a fraction from 0 to 1 (0.5), a percentage from 0% to 100% (\"50%\"), or off";

    /// <summary>
    /// max_edge_list_shrink: a fraction (0.5), a percentage ("50%"), or off (= 1: never hold for a shrink); 0 holds on
    /// any shrink at all. Shared by the config file and replay's <c>--set</c>.
    /// </summary>
    public static bool TryMaxShrink(string text, out double fraction, out string? error)
    {
        error = null;
        fraction = 1;
        text = text.Trim();
        if (string.Equals(text, "off", StringComparison.OrdinalIgnoreCase)) return true;
        var percent = text.EndsWith('%');
        if (!YamlValues.TryDouble(percent ? text[..^1].TrimEnd() : text, out var value) || !double.IsFinite(value))
        {
            error = $"max_edge_list_shrink must be {MaxShrinkExpected}, got '{text}'";
            return false;
        }
        fraction = percent ? value / 100 : value;
        if (fraction is >= 0 and <= 1) return true;
        error = $"max_edge_list_shrink must be {MaxShrinkExpected}, got '{text}'" +
                (!percent && value is > 1 and <= 100 ? $" (write \"{text}%\" for a percentage)" : "");
        return false;
    }

    public static bool TryKeepMargin(string text, out double margin, out string? error)
    {
        error = null;
        if (!double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out margin) || !double.IsFinite(margin))
            error = $"keep_margin must be a number such as 0.2 (a share of goodenough), got '{text}'";
        else if (margin is < 0 or > 10)
            error = $"keep_margin must be between 0 (off) and 10, got {text}";
        return error is null;
    }

    /// <summary>judge_median_window: seconds (a number) or a duration (60s, 2m); 0 = off; at most a day.</summary>
    public static bool TryMedianWindow(string text, out double? seconds, out string? error)
    {
        error = null;
        seconds = null;
        double value;
        if (double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && double.IsFinite(n)) value = n;
        else if (DurationText.TryParse(text, out var d, out _)) value = d.TotalSeconds;
        else
        {
            error = $"judge_median_window must be seconds or a duration such as 60s or 2m, got '{text}'";
            return false;
        }
        if (value is < 0 or > 86400)
        {
            error = $"judge_median_window must be between 0 (off) and 1d, got {text}";
            return false;
        }
        seconds = value > 0 ? value : null;
        return true;
    }

    /// <summary>Reads both keys of the config's top level, reporting a bad value at its line.</summary>
    public static (double? KeepMargin, double? MedianWindowSeconds) Read(MappingReader top)
    {
        double? margin = null, window = null;
        if (top.String("keep_margin", required: false) is { } m)
        {
            if (TryKeepMargin(m, out var v, out var error)) margin = v;
            else top.Sink.Error(top.Node("keep_margin", false, "")!.Start, error!);
        }
        if (top.String("judge_median_window", required: false) is { } w)
        {
            if (TryMedianWindow(w, out var v, out var error)) window = v;
            else top.Sink.Error(top.Node("judge_median_window", false, "")!.Start, error!);
        }
        return (margin, window);
    }
}
