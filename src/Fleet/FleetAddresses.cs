namespace Edgemanage.Fleet;

public static class FleetAddresses
{
    /// <summary>
    /// <paramref name="count"/> distinct IPv4 loopback addresses starting at 127.0.0.<paramref name="first"/>,
    /// continuing into 127.0.1.x, 127.0.2.x and so on. Last octets 0 and 255 are skipped (network/broadcast
    /// look-alikes that some stacks treat specially) and so is 127.0.0.1, which real services on the machine
    /// may already use.
    /// </summary>
    public static IReadOnlyList<string> Range(int first, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(first, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(first, 254);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var result = new List<string>(count);
        // n holds the low 24 bits of the address (127.b2.b1.b0).
        for (var n = first; result.Count < count; n++)
        {
            if (n > 0xFFFFFF) throw new ArgumentOutOfRangeException(nameof(count), "not enough addresses in 127.0.0.0/8");
            var last = n & 0xFF;
            if (last is 0 or 255 || n == 1) continue;
            result.Add($"127.{(n >> 16) & 0xFF}.{(n >> 8) & 0xFF}.{last}");
        }
        return result;
    }
}
