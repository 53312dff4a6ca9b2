namespace Edgemanage.Actors.Zones;

/// <summary>
/// SOA serials. The original used int(time.time()) at render time, so two writes in the same second, or a clock
/// step backwards, re-used or lowered the serial and secondaries ignored the change. We keep Unix seconds as the
/// usual value but never go backwards in the order secondaries use: serial number arithmetic (RFC 1982), in which
/// 32-bit serials wrap around, so a serial near 2^32 − 1 is followed by a small one that every secondary (and
/// named's own reload check) still takes as newer.
/// </summary>
public static class ZoneSerial
{
    private const uint Half = 0x8000_0000u;

    /// <summary>
    /// RFC 1982 §3.2: <paramref name="candidate"/> is greater than <paramref name="than"/> when it lies less than
    /// 2^31 ahead of it, going up and wrapping past 2^32 − 1. Two serials exactly 2^31 apart are unordered.
    /// </summary>
    public static bool IsNewer(uint candidate, uint than) => candidate != than && unchecked(candidate - than) < Half;

    /// <summary>
    /// The next serial: the clock (Unix seconds) when it is newer than both the last serial we used and the one on
    /// disk, else one more than the newer of those two (wrapping past 2^32 − 1, and skipping 0 as BIND's own
    /// increments do). <paramref name="lastUsed"/> 0 means "none yet".
    /// </summary>
    public static uint Next(uint lastUsed, uint? onDisk, long nowUnixSeconds)
    {
        uint? floor = lastUsed == 0 ? onDisk : onDisk is { } disk && IsNewer(disk, lastUsed) ? disk : lastUsed;
        // Past 2106 the clock no longer fits 32 bits; its low bits are what RFC 1982 arithmetic compares.
        var now = nowUnixSeconds <= 0 ? 0u : unchecked((uint)nowUnixSeconds);
        if (floor is not { } newest) return now == 0 ? 1u : now;
        if (now != 0 && IsNewer(now, newest)) return now;
        var next = unchecked(newest + 1);
        return next == 0 ? 1u : next;
    }

    /// <summary>
    /// True when <paramref name="next"/> is newer than <paramref name="previous"/> by RFC 1982 but numerically lower:
    /// the serial wrapped, which an operator reading serials as plain numbers should be told about.
    /// </summary>
    public static bool Wrapped(uint previous, uint next) => next < previous && IsNewer(next, previous);
}
