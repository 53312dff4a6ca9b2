using System.Globalization;

namespace Edgemanage.Node.Cli;

/// <summary>
/// Durations as operators type them: 90s, 30m, 2h, 1d, 1h30m (units s, m, h, d, w; each at most once, largest
/// first). A bare number is refused: "10" could mean minutes to one person and seconds to another.
/// </summary>
public static class DurationText
{
    private static readonly (char Unit, TimeSpan Size)[] Units =
    [
        ('w', TimeSpan.FromDays(7)), ('d', TimeSpan.FromDays(1)), ('h', TimeSpan.FromHours(1)), ('m', TimeSpan.FromMinutes(1)), ('s', TimeSpan.FromSeconds(1)),
    ];

    /// <summary>A command's <c>--for</c> value, or a usage error that shows the accepted forms.</summary>
    public static TimeSpan ParseOption(string command, string text) =>
        TryParse(text, out var duration, out var why) ? duration
            : throw new UsageException($"{command}: --for must be a duration such as 90s, 30m, 2h, 1d or 1h30m; got '{text}' ({why})");

    public static bool TryParse(string text, out TimeSpan duration, out string? error)
    {
        duration = TimeSpan.Zero;
        error = null;
        var rest = text.Trim().ToLowerInvariant();
        if (rest.Length == 0)
        {
            error = "a duration is empty";
            return false;
        }
        var lastUnit = -1;
        while (rest.Length > 0)
        {
            var digits = 0;
            while (digits < rest.Length && char.IsAsciiDigit(rest[digits])) digits++;
            if (digits == 0 || digits == rest.Length)
            {
                error = $"'{text}' is not a duration like 90s, 30m, 2h, 1d or 1h30m";
                return false;
            }
            var unit = Array.FindIndex(Units, u => u.Unit == rest[digits]);
            if (unit < 0 || unit <= lastUnit)
            {
                error = $"'{text}' is not a duration like 90s, 30m, 2h, 1d or 1h30m (units w, d, h, m, s, largest first, each once)";
                return false;
            }
            if (!long.TryParse(rest[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count > 100_000)
            {
                error = $"'{text}' is too long a duration";
                return false;
            }
            duration += Units[unit].Size * count;
            lastUnit = unit;
            rest = rest[(digits + 1)..];
        }
        if (duration <= TimeSpan.Zero)
        {
            error = $"'{text}' is not a positive duration";
            return false;
        }
        if (duration > TimeSpan.FromDays(3650))
        {
            error = $"'{text}' is longer than ten years";
            return false;
        }
        return true;
    }
}
