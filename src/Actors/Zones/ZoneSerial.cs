namespace Edgemanage.Actors.Zones;

/// <summary>
/// SOA serials. The original used int(time.time()) at render time, so two writes in the same second, or a clock
/// step backwards, re-used or lowered the serial and secondaries ignored the change. We keep Unix seconds as the
/// usual value but never go backwards: the next serial is strictly above the last one we used and the one on disk.
/// </summary>
public static class ZoneSerial
{
    /// <summary>max(lastUsed + 1, onDisk + 1, now).</summary>
    /// <exception cref="OverflowException">
    /// The serial would pass uint.MaxValue (only possible with a hand-set serial near 2^32 or a clock past 2106);
    /// wrapping would need RFC 1982 care on the secondaries, so we refuse rather than silently publish a "lower" serial.
    /// </exception>
    public static uint Next(uint lastUsed, uint? onDisk, long nowUnixSeconds)
    {
        long next = Math.Max((long)lastUsed + 1, Math.Max(nowUnixSeconds, 0));
        if (onDisk is { } disk) next = Math.Max(next, (long)disk + 1);
        if (next > uint.MaxValue)
            throw new OverflowException($"the next SOA serial ({next}) does not fit in 32 bits (last used {lastUsed}, on disk {onDisk?.ToString() ?? "none"})");
        return (uint)next;
    }
}
