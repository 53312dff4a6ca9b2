using System.Globalization;
using System.Text.Json;
using Edgemanage.Actors.Replay;
using Edgemanage.Contracts.Edges;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Configuration;
using Edgemanage.Node.Replay;
using Opt = Edgemanage.Node.Cli.CommandLine.Option;

namespace Edgemanage.Node.Commands;

/// <summary>
/// <c>edgemanage replay</c>: re-decides a network's recorded decisions (or a trace's) with the real Judge, Quorum,
/// Selector, RotationBudget and CanaryOverlay, under the config or <c>--set</c> overrides, and says where and why the
/// result differs from what was recorded, with a summary (docs/replay.md). Reads only: the journal is opened
/// read-only and no lock is taken, so it runs beside a serving node.
/// </summary>
public static class ReplayCommand
{
    internal static readonly Opt[] Options =
    [
        new("dnet", "-A", "--dnet", true),
        new("config", "-c", "--config", true),
        new("from", null, "--from", true),
        new("to", null, "--to", true),
        new("set", null, "--set", true, Repeatable: true),
        new("json", null, "--json", false),
        new("trace", null, "--trace", true),
    ];

    public static Task<int> ExecuteAsync(CommandLine cl, TextWriter output, TextWriter error, CancellationToken ct = default)
    {
        cl.NoPositionals("replay");
        var trace = cl.Value("trace");
        var network = trace is null ? cl.Required("replay", "dnet", "-A DNET") : cl.Value("dnet");
        var from = TimeOption(cl.Value("from"), "--from");
        var to = TimeOption(cl.Value("to"), "--to");

        ReplayConfig config;
        ReplayTimeline timeline;
        if (trace is null)
        {
            var context = NetworkContext.Load(cl.Value("config") ?? NetworkContext.DefaultConfigPath, network!, error);
            if (context is null) return Task.FromResult(ExitCodes.UsageOrConfig);
            if (JournalGate.SqlitePathOf(context) is not { } path)
                throw new UsageException("replay: reads SQLite journals only (persistence.provider is not sqlite); export a trace and use --trace");
            if (!JournalGate.HasReadableJournal(context, error, "replay"))
            {
                error.WriteLine($"edgemanage: the journal of network {network} holds nothing to replay yet ({path})");
                return Task.FromResult(ExitCodes.Error);
            }
            config = ApplySets(ReplayConfig.From(context.Settings, network!), cl);
            var canaries = LoadCanaries(context);
            timeline = JournalTimeline.Read(path, network!, context.Settings.Vantage, context.Edges, canaries);
        }
        else
        {
            TraceData data;
            try
            {
                using var reader = new StreamReader(trace);
                data = TraceReader.Read(reader, trace);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"replay: cannot read the trace {trace}: {e.Message}");
            }
            catch (TraceException e)
            {
                error.WriteLine(e.Message);
                return Task.FromResult(ExitCodes.UsageOrConfig);
            }
            if (cl.Value("config") is { } configPath)
            {
                var loaded = ConfigLoader.Load(configPath);
                if (!loaded.Ok)
                {
                    foreach (var e in loaded.Errors) error.WriteLine(e);
                    return Task.FromResult(ExitCodes.UsageOrConfig);
                }
                config = ReplayConfig.From(loaded.Settings!, network ?? "");
            }
            else config = new ReplayConfig(null, null);
            foreach (var s in data.Settings) config = config.Set(s.Key, s.Value, $"{trace}:{s.Line}");
            config = ApplySets(config, cl);
            timeline = data.ToTimeline(config.ProbeTimeoutSeconds);
        }

        var result = ReplayEngine.Run(timeline, config.ToSettings(from, to));
        if (cl.Flag("json")) WriteJson(output, network, timeline, result);
        else WriteText(output, network, timeline, result);
        return Task.FromResult(ExitCodes.Ok);
    }

    private static ReplayConfig ApplySets(ReplayConfig config, CommandLine cl)
    {
        foreach (var s in cl.Values("set")) config = config.Set(s);
        return config;
    }

    private static IReadOnlyDictionary<string, string> LoadCanaries(NetworkContext context)
    {
        var canaries = new Dictionary<string, string>(StringComparer.Ordinal);
        if (context.Paths.CanaryFile is { } file && File.Exists(file) && CanaryFileLoader.Load(file) is { Ok: true } loaded)
            foreach (var (zone, ip) in loaded.Canaries) canaries[zone] = ip;
        return canaries;
    }

    /// <summary>--from / --to: an ISO 8601 time (UTC unless it says otherwise) or unix seconds.</summary>
    internal static long? TimeOption(string? text, string option)
    {
        if (text is null) return null;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var secs) && secs is >= 0 and < 1e11)
            return (long)Math.Round(secs * 1000);
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            return at.ToUnixTimeMilliseconds();
        throw new UsageException($"replay: {option} must be an ISO 8601 time (2026-12-05T10:00:00Z) or unix seconds, got '{text}'");
    }

    private static string Set(IEnumerable<string> edges) => edges.Any() ? string.Join(" ", edges) : "(none)";

    private static string Secs(double? s) => s is { } v ? v.ToString("0.#", CultureInfo.InvariantCulture) + " s" : "-";

    private static void WriteText(TextWriter o, string? network, ReplayTimeline timeline, ReplayResult result)
    {
        o.WriteLine($"replay of {(network is null ? "the trace" : $"network {network}")}:");
        foreach (var note in timeline.Notes) o.WriteLine($"  note: {note}");
        foreach (var d in result.Decisions.Where(d => d.Differs))
        {
            o.WriteLine($"differs at {JournalTimeline.Format(d.AtUnixMs)}: recorded {Set(d.Recorded!.Live)}; replayed {Set(d.Live)}");
            foreach (var why in d.Why) o.WriteLine($"  {why}");
        }
        var s = result.Summary;
        o.WriteLine($"decisions replayed: {s.Decisions}" + (s.RecordedDnsChanges is null ? "" : $" ({s.Differing} differ from the recorded ones)"));
        if (s.HealthDiffering > 0) o.WriteLine($"edge judgements that differ from the recorded ones: {s.HealthDiffering}");
        o.WriteLine($"DNS changes (live-set changes): {s.DnsChanges}" + (s.RecordedDnsChanges is { } r ? $" (recorded: {r})" : ""));
        o.WriteLine($"substitutions: {s.Substitutions} ({s.DiscretionarySubstitutions} discretionary)");
        o.WriteLine($"rotation budget exhausted: {s.BudgetExhausted} decision(s)");
        if (s.Frozen > 0) o.WriteLine($"frozen (too few vantages vote): {s.Frozen} decision(s)");
        if (s.HeldByGuard > 0) o.WriteLine($"held by the guard (every edge failing everywhere, or the edge list shrunk): {s.HeldByGuard} decision(s)");
        o.WriteLine("published edge failing or slower than goodenough: " +
                    (s.BadPublishedShare is { } share ? $"{(share * 100).ToString("0.00", CultureInfo.InvariantCulture)}% of published edge-time" : "-"));
        o.WriteLine($"first failure to removal: {s.Removed} removed, median {Secs(s.MedianFailureToRemovalSeconds)}, max {Secs(s.MaxFailureToRemovalSeconds)}; " +
                    $"{s.Recovered} recovered while published; {s.StillFailingAtEnd} still failing and published at the end");
    }

    private static void WriteJson(TextWriter o, string? network, ReplayTimeline timeline, ReplayResult result)
    {
        var doc = new
        {
            network,
            notes = timeline.Notes,
            summary = result.Summary,
            differing = result.Decisions.Where(d => d.Differs).Select(d => new
            {
                at = JournalTimeline.Format(d.AtUnixMs),
                at_unix_ms = d.AtUnixMs,
                recorded = d.Recorded!.Live,
                replayed = d.Live,
                recorded_published = d.Recorded.Published,
                replayed_published = d.Published,
                why = d.Why,
            }),
            episodes = result.Episodes.Select(e => new
            {
                edge = e.Edge,
                first_failure = JournalTimeline.Format(e.FirstFailureUnixMs),
                removed = e.RemovedAtUnixMs is { } r ? JournalTimeline.Format(r) : null,
                seconds = e.Seconds,
                recovered = e.Recovered,
            }),
        };
        o.WriteLine(JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
    }
}
