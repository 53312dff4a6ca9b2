using Edgemanage.Contracts.Zones;
using Edgemanage.Actors.Zones;
using Edgemanage.Node.Configuration;

namespace Edgemanage.Node.Commands;

/// <summary>
/// What a round publishes from, read before anything is probed: the zone includes, the canary file, the zone
/// template and the check command. A broken template is a configuration error (nothing runs). A broken include
/// holds that zone; a broken canary file holds every zone, since which zone should carry which canary is then
/// unknown — in both cases the zones on disk stay as they were, the round still probes and records history,
/// and the problem is printed with its file and line.
/// </summary>
public sealed record PublishInputs(
    IReadOnlyDictionary<string, string> Canaries,
    string? CanaryHold,
    ZoneTemplate Template,
    ZoneChecker? Checker,
    IReadOnlyList<ConfigProblem> Problems)
{
    /// <summary>The zones of one round and what was wrong with their includes.</summary>
    public sealed record ZoneSet(IReadOnlyList<ZoneSource> Zones, IReadOnlyList<ConfigProblem> Problems);

    /// <summary>
    /// Template, check command and canary file: read before anything is probed (the canaries are probed too).
    /// Returns null when the template cannot be used (printed to <paramref name="error"/>; exit 2).
    /// </summary>
    public static PublishInputs? Load(NetworkContext context, TextWriter error)
    {
        var settings = context.Settings;
        ZoneTemplate template;
        try
        {
            template = settings.ZoneTemplate is { } path ? ZoneTemplate.Load(path) : ZoneTemplate.Builtin();
        }
        catch (ZoneTemplateException e)
        {
            error.WriteLine($"edgemanage: error: zone_template: {e.Message}");
            error.WriteLine("edgemanage: the zone template cannot be used; nothing was probed or written");
            return null;
        }

        var problems = new List<ConfigProblem>();
        var canaries = new Dictionary<string, string>(StringComparer.Ordinal);
        string? canaryHold = null;
        if (context.Paths.CanaryFile is { } canaryFile)
        {
            var loaded = CanaryFileLoader.Load(canaryFile);
            problems.AddRange(loaded.Errors.Concat(loaded.Warnings));
            if (loaded.Ok) foreach (var (zone, ip) in loaded.Canaries) canaries[zone] = ip;
            else canaryHold = $"canary file {canaryFile} has {NetworkContext.Plural(loaded.Errors.Count, "error")} (first: {loaded.Errors[0]}); zones are left as they were until it is fixed";
        }
        return new PublishInputs(canaries, canaryHold, template, ZoneChecker.Create(settings.ZoneCheckCommand), problems);
    }

    /// <summary>
    /// Reads every zone include of the network. Slow with thousands of zones (a file each), and only needed
    /// once the round is decided, so <c>run</c> reads them while the node starts and the edges are probed.
    /// </summary>
    public ZoneSet ReadZones(NetworkContext context)
    {
        var scan = ZoneIncludeScanner.Scan(context.Paths.ZoneIncludeDir);
        // The text was read by the scan itself (one reader, one verdict for validate, run and serve).
        var zones = scan.Zones.Select(include => new ZoneSource(include.Zone, Path.GetFileName(include.Path), include.Text, CanaryHold)).ToList();
        // A broken include still names a zone (its file name): hold that zone so the old file is kept and the
        // reason is reported with it, rather than the zone silently disappearing from the round.
        foreach (var broken in scan.Errors.Select(e => e.File).Distinct(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(broken);
            if (!ZoneIncludeScanner.IsIncludeName(name)) continue;
            var zone = ZoneIncludeScanner.ZoneOf(name);
            if (NameRules.CheckHostName(zone, allowUnderscore: true) is not null || zones.Any(z => z.Zone == zone)) continue;
            var first = scan.Errors.First(e => e.File == broken);
            zones.Add(new ZoneSource(zone, name, null, $"zone include is broken: {first}"));
        }
        return new ZoneSet(zones.OrderBy(z => z.Zone, StringComparer.Ordinal).ToArray(), scan.Errors.Concat(scan.Warnings).ToArray());
    }
}
