namespace Edgemanage.Node.Configuration;

/// <summary>
/// The upper bounds of numeric keys. Every number in the config has one, far above any sensible value and far
/// below what would overflow where it is used (TimeSpan, int, timer arithmetic), so a typo is a config error
/// at its line instead of an OverflowException in the middle of a round.
/// </summary>
internal static class ConfigLimits
{
    /// <summary>Timeouts and thresholds of a single probe or step: one hour.</summary>
    public const double Hour = 3600;

    /// <summary>Intervals and command timeouts: one day.</summary>
    public const double Day = 86_400;

    /// <summary>Windows over history (pass window, DNS change window, vote staleness): one week.</summary>
    public const double Week = 7 * 86_400;

    /// <summary>Counters (snapshot_every, dnschange_maxfreq).</summary>
    public const long Count = 1_000_000;

    /// <summary>body_max_bytes: 1 GiB; the test object is read into memory with this cap too.</summary>
    public const long BodyBytes = 1L << 30;

    /// <summary>How deep YAML may nest. The config needs 3 levels; the representation model recurses per level.</summary>
    public const int YamlDepth = 32;
}
