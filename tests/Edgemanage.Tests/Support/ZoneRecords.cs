namespace Edgemanage.Tests.Support;

/// <summary>What a written zone file publishes, as the specs that watch DNS change read it.</summary>
public static class ZoneRecords
{
    /// <summary>The apex A records' addresses, in file order; none when the zone is not written yet.</summary>
    public static string[] ApexA(string zonePath) => File.Exists(zonePath) ? ApexAIn(File.ReadAllText(zonePath)) : [];

    /// <summary>The same, from a zone's text.</summary>
    public static string[] ApexAIn(string zoneText) =>
        zoneText.Split('\n').Where(l => l.StartsWith("@\t\tIN\tA\t", StringComparison.Ordinal)).Select(l => l.Split('\t')[^1]).ToArray();

    /// <summary>The SOA serial (the template writes the SOA on the first line).</summary>
    public static uint Serial(string zoneText) => uint.Parse(zoneText.Split('\n')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries)[6]);
}
