using System.Globalization;
using Edgemanage.Node.Cli;

namespace Edgemanage.Node.Configuration;

/// <summary>
/// The opt-in policy keys (keep_margin, judge_median_window), parsed alike from the config and from
/// <c>replay --set</c>, so a value replay accepts is one the config accepts.
/// </summary>
internal static class PolicyValues
{
    /// <summary>keep_margin: a fraction of goodenough, 0 (off) to 10.</summary>
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
