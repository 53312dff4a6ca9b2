using Edgemanage.Contracts.Config;

namespace Edgemanage.Node.Configuration;

/// <summary>
/// <c>edgemanage validate -c FILE [-A DNET]</c>: reads everything a run would read and reports
/// every problem at once. It never probes edges and never writes; with publish: dns-update it asks the primary
/// (read-only, plus a signed UPDATE that changes nothing) whether each zone is a dynamic zone our key may update.
/// </summary>
public static class NetworkValidator
{
    public static ValidationReport Validate(string configPath, string? dnet)
    {
        var config = ConfigLoader.Load(configPath);
        var errors = config.Errors.ToList();
        var warnings = config.Warnings.ToList();
        if (config.Settings is not { } settings)
            return new ValidationReport { Errors = errors, Warnings = warnings };

        void Add(ConfigProblem p) => (p.IsError ? errors : warnings).Add(p);
        void AtKey(string key, string message, ProblemSeverity severity = ProblemSeverity.Error)
        {
            var (line, column) = config.Locate(key);
            Add(new ConfigProblem(configPath, line, column, message, severity));
        }

        // The same checks, and the same reader, as run and serve use (one validation path).
        if (Commands.NetworkContext.TestObjectProblem(settings, config) is { } objectProblem) Add(objectProblem);
        foreach (var p in InputChecks.Check(settings, config)) Add(p);
        if (settings.ZoneTemplate is { } template)
        {
            try
            {
                Edgemanage.Actors.Zones.ZoneTemplate.Load(template);
            }
            catch (Edgemanage.Actors.Zones.ZoneTemplateException e)
            {
                AtKey("zone_template", $"zone_template: {e.Message}");
            }
        }
        foreach (var (key, dir) in new[] { ("healthdata_store", settings.HealthDataStore), ("named_dir", settings.DnsUpdate is null ? settings.NamedDir : null) })
            if (dir is not null && !Directory.Exists(dir))
                AtKey(key, $"{key} directory '{dir}' does not exist", ProblemSeverity.Warning);

        var networks = NetworksToCheck(settings, dnet, AtKey, Add);
        if (dnet is null)
            foreach (var unused in settings.NetworkEdgeCount.Keys.Where(k => !networks.Contains(k)))
                AtKey($"dnet_edge_count", $"dnet_edge_count names network '{unused}', which has no edge list in edgelist_dir",
                    ProblemSeverity.Warning);

        var summaries = new List<NetworkSummary>();
        var edgeCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var network in networks)
        {
            var summary = CheckNetwork(settings, config, network, killerConfigured: config.Locate("canary_killer") != (0, 0), Add);
            summaries.Add(summary);
            edgeCounts[network] = summary.EdgeCount;
        }
        return new ValidationReport
        {
            Errors = errors, Warnings = warnings, EdgeCounts = edgeCounts, Networks = summaries, Settings = settings,
        };
    }

    private static List<string> NetworksToCheck(EdgemanageSettings settings, string? dnet,
        Action<string, string, ProblemSeverity> atKey, Action<ConfigProblem> add)
    {
        if (dnet is not null)
        {
            if (NameRules.CheckNetworkName(dnet) is { } issue)
            {
                add(new ConfigProblem("-A", 0, 0, issue.Message));
                return [];
            }
            return [dnet];
        }
        if (!Directory.Exists(settings.EdgeListDir))
        {
            atKey("edgelist_dir", $"edgelist_dir '{settings.EdgeListDir}' does not exist", ProblemSeverity.Error);
            return [];
        }
        var found = NameRules.NetworksIn(settings.EdgeListDir);
        if (found.Count == 0)
            atKey("edgelist_dir", $"edgelist_dir '{settings.EdgeListDir}' contains no network edge lists", ProblemSeverity.Warning);
        return found;
    }

    private static NetworkSummary CheckNetwork(EdgemanageSettings settings, ConfigLoadResult config, string network, bool killerConfigured,
        Action<ConfigProblem> add)
    {
        var paths = settings.ForNetwork(network);
        foreach (var p in InputChecks.CheckNetwork(settings, paths, config)) add(p);
        var edges = NetworkEdges.Load(settings, network);
        foreach (var p in edges.Errors.Concat(edges.Warnings)) add(p);

        var required = settings.EdgeCountFor(network);
        if (required < 1)
            add(new ConfigProblem(settings.SourcePath, 0, 0, $"edge_count for network '{network}' must be at least 1, got {required}"));
        else if (File.Exists(paths.EdgeList) && edges.Edges.Count < required)
            add(new ConfigProblem(paths.EdgeList, 0, 0,
                $"network '{network}' lists {edges.Edges.Count} usable edges but edge_count is {required}; a full live set can never be chosen, so no zone would be written"));

        var zones = ZoneIncludeScanner.Scan(paths.ZoneIncludeDir);
        foreach (var p in zones.Errors.Concat(zones.Warnings)) add(p);

        if (settings.DnsUpdate is { } update)
            foreach (var p in CheckPrimary(settings, config, update, zones.Zones.Select(z => z.Zone))) add(p);

        var canaryCount = 0;
        if (paths.CanaryFile is { } canaryFile)
        {
            var canaries = CanaryFileLoader.Load(canaryFile);
            foreach (var p in canaries.Errors.Concat(canaries.Warnings)) add(p);
            canaryCount = canaries.Canaries.Count;
            var zoneNames = zones.Zones.Select(z => z.Zone).ToHashSet(StringComparer.Ordinal);
            foreach (var zone in canaries.Canaries.Keys.Where(z => Directory.Exists(paths.ZoneIncludeDir) && !zoneNames.Contains(z)))
                add(new ConfigProblem(canaryFile, 0, 0,
                    $"canary zone '{zone}' has no include file in '{paths.ZoneIncludeDir}', so the canary is never published",
                    ProblemSeverity.Warning));
            // The original crashed here (KeyError) when canaries existed; we run with the killer off.
            if (canaryCount > 0 && !killerConfigured)
                add(new ConfigProblem(settings.SourcePath, 0, 0,
                    $"network '{network}' has canaries but canary_killer is not set, so it is off (the original required it)",
                    ProblemSeverity.Warning));
        }
        return new NetworkSummary(network, edges.Edges.Count, required, zones.Zones.Count, canaryCount);
    }

    /// <summary>
    /// publish: dns-update: each zone must be served by the primary (an authoritative SOA) and take our key's
    /// UPDATEs (a signed UPDATE that changes nothing answers NOERROR). Nothing is changed on the primary.
    /// </summary>
    private static IEnumerable<ConfigProblem> CheckPrimary(EdgemanageSettings settings, ConfigLoadResult config, DnsUpdateSettings update,
        IEnumerable<string> zones)
    {
        var (line, column) = config.Positions.TryGetValue("dns_update.primary", out var at) ? at : (0, 0);
        ConfigProblem Problem(string message) => new(settings.SourcePath, line, column, message);
        Actors.Zones.Dynamic.TsigKey key;
        try
        {
            key = Actors.Zones.Dynamic.TsigKeyFile.Read(update.KeyFile);
        }
        catch (Actors.Zones.Dynamic.TsigKeyFileException e)
        {
            return [Problem($"dns_update.key_file: {e.Message}")];
        }
        var primary = new Actors.Zones.Dynamic.DnsPrimary(update, key);
        var problems = new List<ConfigProblem>();
        foreach (var zone in zones)
        {
            try
            {
                primary.SerialAsync(zone, CancellationToken.None).GetAwaiter().GetResult();
                var answer = primary.ProbeAsync(zone, CancellationToken.None).GetAwaiter().GetResult();
                if (answer.KeyRefused)
                    problems.Add(Problem($"zone {zone}: the primary {primary.Endpoint} does not accept {key} (UPDATE {answer})"));
                else if (!answer.Succeeded)
                    problems.Add(Problem($"zone {zone} is not a dynamic zone for {key} on the primary {primary.Endpoint} " +
                                         $"(a no-op UPDATE was answered {answer}; the zone needs update-policy or allow-update for this key)"));
            }
            catch (Actors.Zones.Dynamic.DnsPrimaryException e)
            {
                problems.Add(Problem($"zone {zone}: {e.Message}"));
            }
        }
        return problems;
    }
}
