using System.Globalization;

namespace Edgemanage.Node.Output;

/// <summary>
/// How ctl and the status page describe the dnschange_maxfreq budget. Every swap counts against it, the necessary ones
/// (a failing live edge replaced) too, but only discretionary swaps wait for it; /metrics splits the same swaps into
/// <c>edgemanage_substitutions_total{kind="necessary"|"discretionary"}</c>. Saying "discretionary substitutions left
/// (2 made)" next to a discretionary counter of 0 read as a contradiction, so the text names what it counts.
/// </summary>
public static class ThrottleText
{
    /// <param name="made">Swaps inside the window, of either kind.</param>
    public static string Describe(int? max, int remaining, int made, long windowMs)
    {
        var window = (windowMs / 1000.0).ToString("0", CultureInfo.InvariantCulture) + "s";
        var swaps = made == 1 ? "1 swap" : $"{made} swaps";
        return max is { } m
            ? $"{remaining} of {m} swaps left in the {window} window ({swaps} made, necessary ones included; only discretionary swaps wait)"
            : $"unlimited (dnschange_maxfreq unset); {swaps} in the last {window}";
    }
}
