using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Edgemanage.Contracts.Config;

namespace Edgemanage.Actors.Zones.Dynamic;

/// <summary>One RRset edgemanage owns: an owner name (absolute, lower case, with its final dot) and A or AAAA.</summary>
public readonly record struct RRsetKey(string Name, string Type)
{
    public override string ToString() => $"{Name} {Type}";
}

/// <summary>What the primary serves for one zone's owned records, as read just before an UPDATE.</summary>
/// <param name="Serial">The SOA serial the primary answered (null when it gave none).</param>
/// <param name="RRsets">Each owned RRset's addresses, canonical and sorted (empty when it does not exist).</param>
/// <param name="Marker">The claim marker's text (null when there is none).</param>
public sealed record ServedZone(uint? Serial, IReadOnlyDictionary<RRsetKey, IReadOnlyList<string>> RRsets, string? Marker);

/// <summary>One RRset an UPDATE replaces: what it must still be (the prerequisite) and what it becomes.</summary>
public sealed record RRsetChange(RRsetKey Key, IReadOnlyList<string> Served, IReadOnlyList<string> Decided);

/// <summary>
/// The one UPDATE for a zone: its prerequisites are every changed RRset as read and the marker as read, so the
/// server applies all of it or none of it, and only when nobody changed those records since they were read.
/// </summary>
/// <param name="NewMarker">The claim this UPDATE writes, or null when this decider already holds the zone's claim.</param>
public sealed record UpdatePlan(string Zone, IReadOnlyList<RRsetChange> Changes, string? ServedMarker, string? NewMarker)
{
    public bool IsEmpty => Changes.Count == 0;
}

/// <summary>
/// The records edgemanage owns in a zone under <c>publish: dns-update</c>, and the difference between what a decision
/// wants and what the primary serves. Pure: no DNS here, so every rule is a table test.
/// <list type="bullet">
/// <item>The apex A and AAAA RRsets and those of each <c>dns.rotate_zones</c> label ("@" is the apex): the names the
/// zone template fills with the live set in files mode.</item>
/// <item>The claim marker, TXT at <c>_edgemanage.ZONE</c>: which decider last took the zone. A decider claims the zone
/// with its first UPDATE, so a decider that started earlier and still runs (a partitioned node, a forgotten cron
/// line) sees the newer claim and stands down instead of writing over the newer decider's records.</item>
/// </list>
/// </summary>
public static partial class OwnedRecords
{
    public const string MarkerLabel = "_edgemanage";

    public static string Absolute(string zone) => zone.TrimEnd('.').ToLowerInvariant() + ".";

    public static string MarkerName(string zone) => $"{MarkerLabel}.{Absolute(zone)}";

    /// <summary>The owner names of the address RRsets: the apex first, then each rotate label once.</summary>
    public static IReadOnlyList<string> OwnedNames(string zone, DnsSettings dns)
    {
        var apex = Absolute(zone);
        var names = new List<string> { apex };
        foreach (var label in dns.RotateZones)
        {
            var name = label is "@" ? apex : $"{label.ToLowerInvariant()}.{apex}";
            if (!names.Contains(name, StringComparer.Ordinal)) names.Add(name);
        }
        return names;
    }

    /// <summary>What the decision publishes: every owned name carries the live set (empty RRsets included, so a family
    /// that left the set is deleted).</summary>
    public static IReadOnlyDictionary<RRsetKey, IReadOnlyList<string>> Decided(string zone, DnsSettings dns, IEnumerable<ZoneAddress> addresses)
    {
        var list = addresses.ToArray();
        var v4 = Canonical(list.Where(a => !a.IsIPv6).Select(a => a.Ip));
        var v6 = Canonical(list.Where(a => a.IsIPv6).Select(a => a.Ip));
        var decided = new Dictionary<RRsetKey, IReadOnlyList<string>>();
        foreach (var name in OwnedNames(zone, dns))
        {
            decided[new RRsetKey(name, "A")] = v4;
            decided[new RRsetKey(name, "AAAA")] = v6;
        }
        return decided;
    }

    /// <summary>Addresses as the server compares them: parsed and printed back (IPv6 shortened), sorted, each once.</summary>
    public static IReadOnlyList<string> Canonical(IEnumerable<string> addresses) =>
        addresses.Select(a => IPAddress.TryParse(a, out var ip) ? ip.ToString() : a)
            .Distinct(StringComparer.Ordinal)
            .OrderBy(a => IPAddress.TryParse(a, out var ip) ? ip.GetAddressBytes() : [], ByteOrder.Instance)
            .ThenBy(a => a, StringComparer.Ordinal)
            .ToArray();

    /// <summary>
    /// The UPDATE that makes the primary serve <paramref name="decided"/>, or an empty plan when it already does.
    /// <paramref name="heldClaim"/> is the marker this decider wrote when it claimed the zone (null before its first
    /// UPDATE); <paramref name="newClaim"/> makes the marker it would write now, from the served claim number.
    /// </summary>
    public static UpdatePlan Plan(string zone, IReadOnlyDictionary<RRsetKey, IReadOnlyList<string>> decided, ServedZone served,
        string? heldClaim, Func<long, string> newClaim)
    {
        var changes = new List<RRsetChange>();
        foreach (var (key, want) in decided)
        {
            var have = served.RRsets.GetValueOrDefault(key) ?? [];
            if (!have.SequenceEqual(want, StringComparer.Ordinal)) changes.Add(new RRsetChange(key, have, want));
        }
        if (changes.Count == 0) return new UpdatePlan(zone, [], served.Marker, null);
        var claimed = heldClaim is not null && heldClaim == served.Marker;
        return new UpdatePlan(zone, changes, served.Marker, claimed ? null : newClaim(ClaimNumber(served.Marker) + 1));
    }

    /// <summary>A decider that claimed a zone and now reads another marker was succeeded by a newer one.</summary>
    public static bool Superseded(string? heldClaim, ServedZone served) => heldClaim is not null && heldClaim != served.Marker;

    public static string ClaimText(long number, string decider, DateTimeOffset at) =>
        $"edgemanage claim={number} by={decider} at={at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}";

    /// <summary>The claim number in a marker; 0 when there is no marker or it is not ours to read.</summary>
    public static long ClaimNumber(string? marker) =>
        marker is not null && ClaimPattern().Match(marker) is { Success: true } m && long.TryParse(m.Groups[1].Value, out var n) ? n : 0;

    /// <summary>The UPDATE in nsupdate's syntax: what <c>-n</c> prints, and what an operator can paste into nsupdate -k.</summary>
    public static string Script(UpdatePlan plan, string primary, int ttl)
    {
        var (host, port) = SplitPrimary(primary);
        var b = new StringBuilder();
        b.Append("server ").Append(host).Append(' ').Append(port).Append('\n');
        b.Append("zone ").Append(Absolute(plan.Zone)).Append('\n');
        foreach (var c in plan.Changes)
        {
            if (c.Served.Count == 0) b.Append($"prereq nxrrset {c.Key.Name} IN {c.Key.Type}\n");
            else foreach (var a in c.Served) b.Append($"prereq yxrrset {c.Key.Name} IN {c.Key.Type} {a}\n");
        }
        var marker = MarkerName(plan.Zone);
        b.Append(plan.ServedMarker is null ? $"prereq nxrrset {marker} IN TXT\n" : $"prereq yxrrset {marker} IN TXT {Quote(plan.ServedMarker)}\n");
        foreach (var c in plan.Changes)
        {
            b.Append($"update delete {c.Key.Name} IN {c.Key.Type}\n");
            foreach (var a in c.Decided) b.Append($"update add {c.Key.Name} {ttl} IN {c.Key.Type} {a}\n");
        }
        if (plan.NewMarker is { } claim)
        {
            b.Append($"update delete {marker} IN TXT\n");
            b.Append($"update add {marker} {ttl} IN TXT {Quote(claim)}\n");
        }
        b.Append("send\n");
        return b.ToString();
    }

    private static (string Host, string Port) SplitPrimary(string primary)
    {
        var colon = primary.LastIndexOf(':');
        return (primary[..colon].Trim('[', ']'), primary[(colon + 1)..]);
    }

    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    [GeneratedRegex(@"^edgemanage claim=(\d+)\b")]
    private static partial Regex ClaimPattern();

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y)
        {
            if (x is null || y is null) return (x?.Length ?? -1).CompareTo(y?.Length ?? -1);
            if (x.Length != y.Length) return x.Length.CompareTo(y.Length);
            for (var i = 0; i < x.Length; i++)
                if (x[i] != y[i]) return x[i].CompareTo(y[i]);
            return 0;
        }
    }
}
