using Edgemanage.Actors.Inputs;
using Edgemanage.Contracts.Config;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Edgemanage.Node.Configuration;

/// <summary>
/// Reads edgemanage.yaml. An original edge_manage 2.2.0 config loads unchanged: same keys, same
/// meaning (original-edgemanage.md §2). Unlike the original, which validated nothing and raised a
/// KeyError when a key was first used, every problem is reported up front with its position.
///
/// Deliberate relaxations of the original's "required" set: extra_edgelist_dir (a 2.2.0-only
/// roll-out aid), dnet_edge_count (an empty override map is the same as none), workers (probes
/// are asynchronous here), logpath (logging can go elsewhere) and canary_killer (absent = off,
/// where the original crashed once a canary existed) are optional.
/// </summary>
public static class ConfigLoader
{
    public static ConfigLoadResult Load(string path)
    {
        string text;
        try
        {
            text = InputFile.ReadText(path, "configuration file");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            var message = e is InputFileException ? e.Message : $"cannot read configuration file: {e.Message}";
            var problem = new ConfigProblem(path, 0, 0, message);
            return new ConfigLoadResult { SourcePath = path, Errors = [problem] };
        }
        var baseDir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? Directory.GetCurrentDirectory();
        return LoadFromText(text, path, baseDir);
    }

    /// <param name="yaml">The file's text.</param>
    /// <param name="sourcePath">Used in messages and as <see cref="EdgemanageSettings.SourcePath"/>.</param>
    /// <param name="baseDir">Relative paths in the config resolve against this directory.</param>
    public static ConfigLoadResult LoadFromText(string yaml, string sourcePath, string baseDir)
    {
        var sink = new ProblemSink(sourcePath);
        var positions = new Dictionary<string, (Mark Position, Mark KeyPosition)>(StringComparer.Ordinal);
        EdgemanageSettings? settings = null;

        var root = YamlSource.Parse(yaml, sink, emptyIsError: true);
        if (root is YamlMappingNode mapping)
            settings = Read(new MappingReader(mapping, "", sink, positions), baseDir, sourcePath);
        else if (root is not null)
            sink.Error(root.Start, $"the configuration must be a mapping of keys to values, got {YamlValues.Describe(root)}");

        return new ConfigLoadResult
        {
            SourcePath = sourcePath,
            Settings = sink.HasErrors ? null : settings,
            Errors = sink.Errors,
            Warnings = sink.Warnings,
            Positions = positions.ToDictionary(p => p.Key, p => ((int)p.Value.Position.Line, (int)p.Value.Position.Column)),
        };
    }

    private static EdgemanageSettings? Read(MappingReader top, string baseDir, string sourcePath)
    {
        var testObject = ConfigSections.ReadTestObject(top, baseDir);
        var dns = ConfigSections.ReadDns(top);
        var commands = ConfigSections.ReadCommands(top);
        var probe = ConfigSections.ReadProbe(top);
        var persistence = ConfigSections.ReadPersistence(top);

        var goodEnough = top.Number("goodenough", required: true, max: ConfigLimits.Hour);
        var edgeCount = top.Integer("edge_count", required: true, min: 1, max: 100_000);
        var networkEdgeCount = ConfigSections.ReadNetworkEdgeCount(top);
        var healthStore = top.Path("healthdata_store", required: true, baseDir);
        var edgeListDir = top.Path("edgelist_dir", required: true, baseDir);
        var extraEdgeListDir = top.Path("extra_edgelist_dir", required: false, baseDir);
        var stateFile = top.Path("statefile", required: true, baseDir);
        var logPath = top.Path("logpath", required: false, baseDir);
        var lockFile = top.Path("lockfile", required: true, baseDir);
        var zoneTemplateDir = top.Path("zonetemplate_dir", required: true, baseDir);
        // named_dir is where zone files go: publish: dns-update writes none, so it needs no named_dir.
        var publishesFiles = top.String("publish", required: false)?.ToLowerInvariant() != "dns-update";
        var namedDir = top.Path("named_dir", required: publishesFiles, baseDir);
        var liveList = top.Path("live_list", required: false, baseDir);
        var canaryFiles = top.Path("canary_files", required: false, baseDir);
        var canaryKiller = ConfigSections.ReadCanaryKiller(top);
        // Documented by the original but never implemented there; accepted so old configs load.
        var dnsChangeMaxFreq = top.Integer("dnschange_maxfreq", required: false, min: 0, max: ConfigLimits.Count);
        var runFrequency = top.Number("run_frequency", required: false, max: ConfigLimits.Day);
        var testing = top.Bool("testing", required: false);
        var stateDir = top.Path("state_dir", required: false, baseDir);
        var vantage = ConfigSections.ReadVantage(top);
        var historyLength = top.Integer("history_length", required: false, min: 10, max: 100_000);
        var passWindow = top.Number("pass_window_seconds", required: false, max: ConfigLimits.Week);
        // Opt-in policies (docs/replay.md): 0 / absent is today's behaviour exactly.
        var (keepMargin, medianWindow) = PolicyValues.Read(top);
        var snapshotEvery = top.Integer("snapshot_every", required: false, min: 1, max: ConfigLimits.Count);

        var minEdges = top.Integer("min_edges", required: false, min: 1, max: 100_000);
        if (minEdges is not null && edgeCount is not null && minEdges > edgeCount)
            top.Sink.Error(top.Node("min_edges", false, "")!.Start, $"min_edges ({minEdges}) must not exceed edge_count ({edgeCount})");
        var dnsChangeWindow = top.Number("dnschange_window", required: false, max: ConfigLimits.Week);
        var zoneTemplate = top.Path("zone_template", required: false, baseDir);
        var zoneCheck = ConfigSections.ReadZoneCheckCommand(top);
        var commandTimeout = top.Number("command_timeout", required: false, max: ConfigLimits.Day);
        var probeInterval = top.Number("probe_interval", required: false, max: ConfigLimits.Day);
        if (probeInterval is < 1)
            top.Sink.Error(top.Node("probe_interval", false, "")!.Start, $"probe_interval must be at least 1 second, got {probeInterval}");
        var decisionInterval = top.Number("decision_interval", required: false, max: ConfigLimits.Day);
        var batchWindow = top.Number("history_batch_window", required: false, max: ConfigLimits.Hour);
        var cluster = ConfigSections.ReadCluster(top);
        var admin = ConfigSections.ReadAdmin(top, baseDir);
        var metrics = ConfigSections.ReadMetrics(top, baseDir);
        var dnsUpdate = ConfigSections.ReadPublish(top, baseDir);
        var quorum = top.String("quorum", required: false);
        if (quorum is not null && !Edgemanage.Contracts.Networks.QuorumSpec.TryParse(quorum, out _, out var quorumError))
            top.Sink.Error(top.Node("quorum", false, "")!.Start, $"quorum: {quorumError}");
        var staleAfter = top.Number("vote_stale_after", required: false, max: ConfigLimits.Week);
        var minVantages = top.Integer("min_vantages", required: false, min: 1, max: 1000);
        var maxShrink = ConfigSections.ReadMaxEdgeListShrink(top);

        top.WarnUnknownKeys(ConfigKeys.TopLevel);

        if (top.Sink.HasErrors) return null;
        return new EdgemanageSettings
        {
            SourcePath = sourcePath,
            TestObject = testObject!,
            Dns = dns!,
            GoodEnough = goodEnough!.Value,
            EdgeCount = (int)edgeCount!.Value,
            NetworkEdgeCount = networkEdgeCount,
            HealthDataStore = healthStore!,
            EdgeListDir = edgeListDir!,
            ExtraEdgeListDir = extraEdgeListDir,
            StateFile = stateFile!,
            LogPath = logPath,
            LockFile = lockFile!,
            ZoneTemplateDir = zoneTemplateDir!,
            NamedDir = namedDir ?? "",
            LiveList = liveList,
            CanaryFiles = canaryFiles,
            CanaryKiller = canaryKiller,
            DnsChangeMaxFreq = (int?)dnsChangeMaxFreq,
            RunFrequency = runFrequency,
            Workers = probe.Workers,
            Commands = commands,
            Testing = testing ?? false,
            Probe = probe.Settings,
            StateDir = stateDir ?? healthStore!,
            Persistence = persistence,
            Vantage = vantage ?? "local",
            HistoryLength = (int)(historyLength ?? 2000),
            PassWindowSeconds = passWindow ?? 300,
            KeepMargin = keepMargin ?? 0,
            JudgeMedianWindowSeconds = medianWindow,
            SnapshotEvery = (int)(snapshotEvery ?? 20),
            MinEdges = (int)(minEdges ?? 1),
            DnsChangeWindowSeconds = dnsChangeWindow ?? 600,
            ZoneTemplate = zoneTemplate,
            ZoneCheckCommand = zoneCheck,
            CommandTimeoutSeconds = commandTimeout ?? 30,
            ProbeIntervalSeconds = probeInterval ?? runFrequency ?? 60,
            DecisionIntervalSeconds = decisionInterval ?? 10,
            HistoryBatchWindowSeconds = batchWindow ?? 5,
            Cluster = cluster,
            Admin = admin,
            Metrics = metrics,
            DnsUpdate = dnsUpdate,
            Quorum = quorum ?? "majority",
            VoteStaleAfterSeconds = staleAfter,
            MinVantages = (int)(minVantages ?? 1),
            MaxEdgeListShrink = maxShrink ?? 0.5,
        };
    }
}
