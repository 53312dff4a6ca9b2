using System.Globalization;
using Akka.Actor;
using Edgemanage.Actors.Logging;
using Edgemanage.Actors.Networks;
using Edgemanage.Actors.Persistence;
using Edgemanage.Actors.Probing;
using Edgemanage.Contracts.Config;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Configuration;
using Edgemanage.Node.Hosting;
using Edgemanage.Node.Legacy;
using Edgemanage.Node.Output;
using static Edgemanage.Contracts.Edges.EdgeCommands;
using static Edgemanage.Contracts.Edges.EdgeReplies;
using static Edgemanage.Contracts.Networks.NetworkCommands;
using static Edgemanage.Contracts.Networks.NetworkReplies;
using Opt = Edgemanage.Node.Cli.CommandLine.Option;

namespace Edgemanage.Node.Commands;

/// <summary>
/// <c>edgemanage import-legacy -A DNET [-c FILE] [--statefile PATH] [--healthdata DIR] [-n]</c>: moves what the
/// original edgemanage knew about a network into the journal: each edge's (and canary's) fetch times, mode and
/// comment from <c>&lt;healthdata_store&gt;/&lt;edge&gt;.edgestore</c>, and the last live set and rotation times
/// from the statefile. Runs under the network lock. Importing twice adds nothing: samples at or before an edge's
/// newest stored one are skipped, a mode only when it differs, a decision only when none is recorded. A file that
/// cannot be read is reported (with line:column for invalid JSON) and the rest still imported; exit code 3 then.
/// </summary>
public static class ImportLegacyCommand
{
    internal static readonly Opt[] Options =
    [
        new("dnet", "-A", "--dnet", true),
        new("config", "-c", "--config", true),
        new("statefile", null, "--statefile", true),
        new("healthdata", null, "--healthdata", true),
        new("dry-run", "-n", "--dry-run", false),
    ];

    public static async Task<int> ExecuteAsync(CommandLine cl, TextWriter output, TextWriter error, CancellationToken ct = default)
    {
        cl.NoPositionals("import-legacy");
        var network = cl.Required("import-legacy", "dnet", "-A DNET");
        var dryRun = cl.Flag("dry-run");
        var context = NetworkContext.Load(cl.Value("config") ?? NetworkContext.DefaultConfigPath, network, error);
        if (context is null) return ExitCodes.UsageOrConfig;
        var settings = context.Settings;

        var healthDir = cl.Value("healthdata") is { } h ? Path.GetFullPath(h) : settings.HealthDataStore;
        var statePath = cl.Value("statefile") is { } s ? Path.GetFullPath(s) : context.Paths.StateFile;
        if (!Directory.Exists(healthDir))
        {
            if (cl.Value("healthdata") is not null)
            {
                error.WriteLine($"edgemanage: import-legacy: --healthdata {healthDir} is not a directory");
                return ExitCodes.UsageOrConfig;
            }
            error.WriteLine($"edgemanage: warning: healthdata_store {healthDir} does not exist; no edge history to import");
        }
        if (cl.Value("statefile") is not null && !File.Exists(statePath))
        {
            error.WriteLine($"edgemanage: import-legacy: --statefile {statePath} does not exist");
            return ExitCodes.UsageOrConfig;
        }

        // The canaries' health files are imported too: their history lives beside the edges'.
        var canaries = new Dictionary<string, string>(StringComparer.Ordinal);
        if (context.Paths.CanaryFile is { } canaryFile)
        {
            var loaded = CanaryFileLoader.Load(canaryFile);
            foreach (var p in loaded.Errors.Concat(loaded.Warnings)) error.WriteLine(p);
            foreach (var (zone, ip) in loaded.Canaries) canaries[zone] = ip;
        }
        var addresses = context.ProbedAddresses(canaries);
        var known = addresses.ToHashSet(StringComparer.Ordinal);

        // Read and parse everything before taking the lock: pure, and nothing is written yet.
        var timeout = settings.Probe.TimeoutSeconds;
        var stores = addresses.Select(edge =>
        {
            var path = Path.Combine(healthDir, edge + ".edgestore");
            return ReadText(path, out var text, out var readError) is false
                ? new LegacyEdgeStore(edge, path, [], null, "", -1, [], [new LegacyProblem(path, LegacySeverity.Error, $"cannot read: {readError}")])
                : LegacyFiles.ParseEdgeStore(path, edge, text, timeout);
        }).ToArray();
        var state = ReadText(statePath, out var stateText, out var stateError) is false
            ? new LegacyStateFile(statePath, null, [], [], [new LegacyProblem(statePath, LegacySeverity.Error, $"cannot read: {stateError}")])
            : LegacyFiles.ParseStateFile(statePath, stateText);

        var problems = stores.SelectMany(st => st.Problems).Concat(state.Problems).ToList();
        if (Directory.Exists(healthDir))
            foreach (var file in Directory.EnumerateFiles(healthDir, "*.edgestore").Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileName(file)[..^".edgestore".Length];
                if (!known.Contains(name))
                    problems.Add(new LegacyProblem(file, LegacySeverity.Warning,
                        $"{name} is not in the edge lists of {network} or its canary file; ignored"));
            }
        if (state.LastLive is { } lastLive)
            foreach (var edge in lastLive.Where(e => !context.Edges.Contains(e, StringComparer.Ordinal)))
                problems.Add(new LegacyProblem(statePath, LegacySeverity.Warning,
                    $"last_live names {edge}, which is not in the edge lists of {network}; it stays in the imported live set until the next decision replaces it"));
        foreach (var p in problems) error.WriteLine(p);
        var ignoredEdgeKeys = stores.SelectMany(st => st.IgnoredKeys).Distinct().Order(StringComparer.Ordinal).ToArray();
        if (ignoredEdgeKeys.Length > 0)
            error.WriteLine($"edgemanage: note: ignored in the health files (recomputed here, or never used): {string.Join(", ", ignoredEdgeKeys)}");
        if (state.IgnoredKeys.Count > 0)
            error.WriteLine($"edgemanage: note: ignored in the statefile (kept in the journal by other means, or never used): {string.Join(", ", state.IgnoredKeys.Order(StringComparer.Ordinal))}");

        using var log = NetworkContext.OpenLog(settings, verbose: false);
        if (!dryRun && JournalGate.CheckSpace(context, error) is { } full) return full;
        if (!NetworkLock.TryAcquire(context.Paths.NetworkLock, $"edgemanage import-legacy -A {network}", out var networkLock, out var holder))
        {
            error.WriteLine($"edgemanage: network {network} is locked by {holder} ({context.Paths.NetworkLock}); nothing was imported");
            return ExitCodes.Locked;
        }
        using (networkLock)
        {
            // Importing into a damaged journal would bury the damage under new records. Coming from the original,
            // there is no earlier run of ours to protect, so no evidence is passed.
            if (JournalGate.Check(context, dryRun ? JournalGate.Access.Read : JournalGate.Access.Write, newJournal: false, evidence: null,
                    output, error, "import-legacy", networkLock) is { } refused)
                return refused;
            // A dry run never creates the journal: with none yet, it works on a throwaway one.
            var scratch = dryRun && settings.Persistence.Provider == PersistenceProvider.Sqlite && settings.Persistence.ConnectionString is null
                && !File.Exists(context.Paths.Journal)
                ? Path.Combine(Path.GetTempPath(), $"edgemanage-import-dry-run-{Environment.ProcessId}-{Guid.NewGuid():N}.db")
                : null;
            try
            {
                var journal = JournalTarget.For(settings.Persistence, scratch ?? context.Paths.Journal);
                var required = settings.EdgeCountFor(network);
                var plan = new PublishPlan(new NetworkActorSettings(network, required, Math.Min(settings.MinEdges, required),
                    new RotationBudget(settings.DnsChangeMaxFreq, TimeSpan.FromSeconds(settings.DnsChangeWindowSeconds)),
                    context.Edges, canaries, settings.CanaryKiller, settings.SnapshotEvery), null, null);
                await using var node = await EdgemanageNode.StartAsync(settings, network, addresses, NoProber.Instance, journal,
                    cancellationToken: ct, publish: plan, log: log);
                return await ImportAsync(node, context, healthDir, stores, state, problems, dryRun, output, error, log, ct);
            }
            finally
            {
                if (scratch is not null)
                    foreach (var f in new[] { scratch, scratch + "-wal", scratch + "-shm" })
                        try { File.Delete(f); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }
    }

    private static async Task<int> ImportAsync(EdgemanageNode node, NetworkContext context, string healthDir, IReadOnlyList<LegacyEdgeStore> stores,
        LegacyStateFile state, IReadOnlyList<LegacyProblem> problems, bool dryRun, TextWriter output, TextWriter error, OperatorLog log,
        CancellationToken ct)
    {
        var network = context.Paths.Network;
        var settings = context.Settings;
        var askTimeout = TimeSpan.FromSeconds(120);
        var verb = dryRun ? "would import" : "imported";
        output.WriteLine($"{(dryRun ? "dry run: " : "")}import-legacy {network}: health files from {healthDir}, statefile {state.File}");

        // One command (and at most two events) per edge, all in flight together: each group persists its own.
        var readable = stores.Where(st => st.Mode is not null || st.Samples.Count > 0).ToArray();
        var replies = await Task.WhenAll(readable.Select(st => node.NetworkEdges.Ask<object>(
            new ImportEdgeHistory(network, st.Edge, st.Samples, st.Mode, st.Comment, st.ModeChangedAtUnixMs, dryRun), askTimeout, ct)));
        int newSamples = 0, modes = 0, upToDate = 0;
        var failed = 0;
        foreach (var reply in replies)
        {
            switch (reply)
            {
                case EdgeHistoryImported imported when imported.NewSamples == 0 && !imported.ModeImported:
                    upToDate++;
                    break;
                case EdgeHistoryImported imported:
                    newSamples += imported.NewSamples;
                    if (imported.ModeImported) modes++;
                    var skipped = imported.SkippedSamples > 0 ? $" ({imported.SkippedSamples} already stored or beyond history_length)" : "";
                    output.WriteLine($"  {imported.Edge}: {imported.NewSamples} new samples{skipped}; {imported.Note}");
                    break;
                case EdgeModeRejected rejected:
                    failed++;
                    error.WriteLine($"edgemanage: {rejected.Edge}: not imported: {rejected.Reason}");
                    break;
                case Status.Failure f:
                    failed++;
                    error.WriteLine($"edgemanage: not imported: {f.Cause.Message}");
                    break;
            }
        }

        string decisionSummary;
        if (state.LastLive is not { Count: > 0 } live)
        {
            decisionSummary = "no live set in the statefile";
        }
        else
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var windowMs = (long)(settings.DnsChangeWindowSeconds * 1000);
            // Only the substitutions inside dnschange_window count against dnschange_maxfreq; older ones are history.
            var times = state.RotationListUnixSeconds.Select(t => (long)Math.Round(t * 1000)).Where(t => t > now - windowMs && t <= now).ToArray();
            var note = $"imported from legacy statefile {state.File}";
            var reply = await node.Network!.Ask<DecisionImported>(new ImportDecision(network, live, times, note, dryRun), askTimeout, ct);
            if (reply.Existing is { } existing)
            {
                decisionSummary = "decision not imported: the journal already has one";
                output.WriteLine($"  decision: not imported: the journal already has a decision ({DecisionFormat.Time(existing.AtUnixMs)}, live " +
                                 $"{string.Join(" ", existing.Live)}); a recorded decision is never overwritten");
            }
            else
            {
                decisionSummary = $"decision {verb}";
                output.WriteLine($"  decision: {verb}: live {string.Join(" ", live.Order(StringComparer.Ordinal))}; " +
                                 $"{NetworkContext.Plural(times.Length, "substitution")} inside dnschange_window");
            }
        }

        var unreadable = problems.Where(p => p.IsError).Select(p => p.File).Distinct().Count();
        var summary = $"{newSamples} new samples; {NetworkContext.Plural(modes, "mode")}; {NetworkContext.Plural(upToDate, "edge")} already up to date; {decisionSummary}";
        output.WriteLine($"{(dryRun ? "would import" : "imported")}: {summary}{(dryRun ? " (dry run: nothing was written)" : "")}");
        if (!dryRun) log.Info($"import-legacy {network}: {summary}");
        if (failed > 0) return ExitCodes.Error;
        if (unreadable > 0)
        {
            error.WriteLine($"edgemanage: {NetworkContext.Plural(unreadable, "file")} could not be read completely (see above); the rest {(dryRun ? "would be imported" : "was imported")}");
            return ExitCodes.Degraded;
        }
        return ExitCodes.Ok;
    }

    /// <summary>False on an I/O error; true with null text when the file does not exist.</summary>
    private static bool ReadText(string path, out string? text, out string? readError)
    {
        text = null;
        readError = null;
        if (Actors.Inputs.InputFile.IsMissing(path)) return true;
        try
        {
            // The one reader of inputs: a FIFO or a device is refused by name instead of hanging the import.
            text = Actors.Inputs.InputFile.ReadText(path, "legacy file");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            readError = e.Message;
            return false;
        }
    }
}
