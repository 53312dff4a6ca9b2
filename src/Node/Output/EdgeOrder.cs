using System.Net;

namespace Edgemanage.Node.Output;

/// <summary>
/// The order edges are listed in for people: addresses numerically (127.0.0.2 before 127.0.0.10, IPv4 before IPv6),
/// then host names alphabetically. Decisions store edges in ordinal order, which puts 127.0.0.10 first; tables and the
/// live line are read by eye, next to edge lists that are written in address order.
/// </summary>
public sealed class EdgeOrder : IComparer<string>
{
    public static readonly EdgeOrder Instance = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        var xIp = IPAddress.TryParse(x, out var a);
        var yIp = IPAddress.TryParse(y, out var b);
        if (xIp != yIp) return xIp ? -1 : 1;
        if (!xIp) return string.CompareOrdinal(x, y);
        if (a!.AddressFamily != b!.AddressFamily) return a.AddressFamily.CompareTo(b.AddressFamily);
        var byBytes = a.GetAddressBytes().AsSpan().SequenceCompareTo(b.GetAddressBytes());
        return byBytes != 0 ? byBytes : string.CompareOrdinal(x, y);
    }

    public static IEnumerable<string> Sort(IEnumerable<string> edges) => edges.Order(Instance);
}
