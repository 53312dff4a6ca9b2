using System.Globalization;
using System.Text.Json;
using Edgemanage.Contracts.Networks;
using Edgemanage.Node.Checks;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Configuration;
using Opt = Edgemanage.Node.Cli.CommandLine.Option;

namespace Edgemanage.Node.Commands;

/// <summary>
/// <c>edgemanage check rotation | integrity | latency</c>: the original's three Nagios plugins
/// (original-edgemanage.md §7) over our journal, read-only and without the lock, as <c>query</c> reads it (so they
/// work while <c>serve</c> runs). One status line on stdout, exit code 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN —
/// also for usage and configuration errors, which a plugin must not report as CRITICAL.
/// </summary>
public static class CheckCommand
{
    private const string GenericLabel = "EDGEMANAGE_CHECK";

    internal static readonly Opt[] Options =
    [
        new("dnet", "-A", "--dnet", true),
        new("config", "-c", "--config", true),
        new("warning", "-w", "--warning", true),
        new("critical", "-C", "--critical", true),
        new("window", null, "--window", true),
        new("all", "-a", "--all", false),
        new("statefile", null, "--statefile", true),
    ];

    /// <summary>The kinds an option belongs to, or null for an option of every kind.</summary>
    internal static string[]? KindsOf(string option) => option switch
    {
        "window" => ["rotation"],
        "all" => ["latency"],
        "statefile" => ["rotation", "integrity"],
        _ => null,
    };

    /// <summary>A command line the tree refused: UNKNOWN on stdout (exit 3), as for every other usage error here.</summary>
    public static int UsageError(string command, string message, TextWriter output, TextWriter error)
    {
        var kind = command.Length > "check ".Length ? command["check ".Length..] : null;
        var label = kind switch
        {
            "rotation" => NagiosChecks.RotationLabel,
            "integrity" => NagiosChecks.IntegrityLabel,
            "latency" => NagiosChecks.LatencyLabel,
            _ => GenericLabel,
        };
        // "check: unknown sub-command 'uptime'" reads better without its command (the label says check).
        if (kind is null && message.StartsWith("check: ", StringComparison.Ordinal))
            message = message["check: ".Length..].Replace("unknown sub-command", "unknown check", StringComparison.Ordinal);
        var result = NagiosChecks.Unknown(label, message);
        error.WriteLine($"try 'edgemanage {command} --help'");
        output.WriteLine(result.Line);
        return result.ExitCode;
    }

    public static async Task<int> ExecuteAsync(string kind, CommandLine cl, TextWriter output, TextWriter error, CancellationToken ct = default)
    {
        var label = kind switch
        {
            "rotation" => NagiosChecks.RotationLabel,
            "integrity" => NagiosChecks.IntegrityLabel,
            "latency" => NagiosChecks.LatencyLabel,
            _ => GenericLabel,
        };
        CheckResult result;
        try
        {
            result = label == GenericLabel
                ? NagiosChecks.Unknown(label, kind is null ? "usage: edgemanage check rotation|integrity|latency (see --help)"
                    : $"unknown check '{kind}': use rotation, integrity or latency")
                : await RunAsync(kind!, label, cl, error, ct);
        }
        catch (UsageException e)
        {
            result = NagiosChecks.Unknown(label, e.Message);
            error.WriteLine($"try 'edgemanage check {kind} --help'");
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            result = NagiosChecks.Unknown(label, "interrupted");
        }
        catch (Exception e)
        {
            // A plugin that crashes is exit 1, WARNING, to Nagios: every failure here is UNKNOWN instead.
            result = NagiosChecks.Unknown(label, $"check {kind} failed: {e.GetType().Name}: {OneLine(e.Message)}");
        }
        output.WriteLine(result.Line);
        return result.ExitCode;
    }

    private static async Task<CheckResult> RunAsync(string kind, string label, CommandLine cl, TextWriter error, CancellationToken ct)
    {
        var command = $"check {kind}";
        if (cl.Positionals.Count > 0)
            throw new UsageException($"{command}: unexpected argument '{cl.Positionals[0]}' (the network is -A DNET; the original's statefile is --statefile FILE)");
        var defaults = kind switch
        {
            "rotation" => NagiosChecks.RotationDefaults,
            "integrity" => NagiosChecks.IntegrityDefaults,
            _ => NagiosChecks.LatencyDefaults,
        };
        var thresholds = NagiosChecks.ParseThresholds(cl.Value("warning"), cl.Value("critical"), defaults, whole: kind != "latency", out var bad);
        if (thresholds is null) return NagiosChecks.Unknown(label, $"invalid thresholds: {bad}");
        if (cl.Value("window") is not null && kind != "rotation") throw new UsageException($"{command}: --window applies to rotation only");
        if (cl.Flag("all") && kind != "latency") throw new UsageException($"{command}: -a applies to latency only");
        var window = 600.0;
        if (cl.Value("window") is { } ws
            // The config's number syntax, and a bound, so the window cannot overflow the milliseconds it becomes.
            && (!Configuration.YamlValues.TryDouble(ws, out window) || window <= 0 || window > MaxWindowSeconds))
            throw new UsageException($"{command}: --window must be a number of seconds above 0 and at most {MaxWindowSeconds}, got '{ws}'");

        if (cl.Value("statefile") is { } statefile)
        {
            if (kind == "latency") throw new UsageException($"{command}: --statefile applies to rotation and integrity (the original's statefile has no fetch times)");
            if (cl.Value("config") is { } c && double.TryParse(c, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                throw new UsageException($"{command}: -c is the config file here; the critical level is --critical or -C");
            if (cl.Value("dnet") is not null || cl.Value("config") is not null)
                throw new UsageException($"{command}: --statefile is read on its own; give it without -A and -c");
            return FromStatefile(kind, label, statefile, thresholds, window);
        }

        var network = cl.Required(command, "dnet", "-A DNET");
        var configPath = cl.Value("config") ?? NetworkContext.DefaultConfigPath;
        var problems = new StringWriter();
        var context = NetworkContext.Load(configPath, network, problems);
        error.Write(problems.ToString());
        if (context is null) return NagiosChecks.Unknown(label, ConfigProblemSummary(configPath, problems.ToString()));
        if (QueryCommand.HasNoJournal(context))
            return NagiosChecks.Unknown(label, $"no state yet for {network} (no journal at {context.Paths.Journal})");

        var addresses = kind switch
        {
            "rotation" => [],
            "integrity" => context.ProbedAddresses(ReadCanaries(context, error)),
            _ => context.Edges.ToArray(),
        };
        // A serving node answers from memory (and knows about a DNS freeze); otherwise the journal, read-only.
        (IReadOnlyList<Contracts.Edges.EdgeReport>, NetworkReplies.NetworkStatus)? state;
        try
        {
            state = await ServingNode.TryReadAsync(context, addresses.Length > 0, ct) ?? await QueryCommand.ReadStatusAsync(context, addresses, ct, error);
        }
        catch (JournalRefusedException refused)
        {
            // A damaged journal is a real fault of the monitored service (the next round will refuse to run), not a
            // plugin problem: CRITICAL, with the file and SQLite's words; the gate has written what to do to stderr.
            return new CheckResult(label, NagiosStatus.Critical, OneLine(refused.Message));
        }
        if (state is not { } read) return NagiosChecks.Unknown(label, $"no state yet for {network} (no journal at {context.Paths.Journal})");
        var (reports, status) = read;
        // A serving node whose journal takes no writes still decides, from memory: every check says so, CRITICAL.
        return NagiosChecks.WithJournalProblem(NagiosChecks.WithPublishProblem(
            Judge(kind, cl, context, network, addresses, reports, status, thresholds, window), status.PublishProblem), status.JournalProblem);
    }

    private static CheckResult Judge(string kind, CommandLine cl, NetworkContext context, string network, IReadOnlyList<string> addresses,
        IReadOnlyList<Contracts.Edges.EdgeReport> reports, NetworkReplies.NetworkStatus status, Thresholds thresholds, double window)
    {
        var listed = addresses.ToHashSet(StringComparer.Ordinal);
        reports = reports.Where(r => listed.Contains(r.Edge)).ToArray();
        if (status.FrozenReason is { } frozen && kind == "rotation")
        {
            // DNS is not rotating because it is frozen: that is worth a warning whatever the count says.
            var rotation = NagiosChecks.Rotation(network, status.LastDecision is not null, status.SubstitutionTimesUnixMs, status.AtUnixMs,
                window, status.BudgetWindowMs / 1000.0, thresholds, status.BudgetMax, status.BudgetRemaining);
            return rotation with
            {
                Status = rotation.Status is NagiosStatus.Critical ? NagiosStatus.Critical : NagiosStatus.Warning,
                Message = $"DNS FROZEN: {(frozen.EndsWith("; DNS is frozen", StringComparison.Ordinal) ? frozen[..^"; DNS is frozen".Length] : frozen)}; {rotation.Message}",
            };
        }
        switch (kind)
        {
            case "rotation":
                return NagiosChecks.Rotation(network, status.LastDecision is not null, status.SubstitutionTimesUnixMs, status.AtUnixMs,
                    window, status.BudgetWindowMs / 1000.0, thresholds, status.BudgetMax, status.BudgetRemaining);
            case "integrity":
                return NagiosChecks.Integrity(network, reports.Select(r => new IntegrityInput(r.Edge, r.Verdict.Last?.Outcome)).ToArray(), thresholds);
            default:
                var live = status.Live.ToHashSet(StringComparer.Ordinal);
                return NagiosChecks.Latency(network, reports.Select(r => new LatencyInput(r.Edge, r.Verdict.Last, live.Contains(r.Edge))).ToArray(),
                    cl.Flag("all"), status.LastDecision is not null || status.Live.Count > 0, context.Settings.Probe.TimeoutSeconds, thresholds);
        }
    }

    /// <summary>The canaries are probed too, so a canary serving the wrong object is an integrity failure as well.</summary>
    private static IReadOnlyDictionary<string, string> ReadCanaries(NetworkContext context, TextWriter error)
    {
        if (context.Paths.CanaryFile is not { } path) return new Dictionary<string, string>();
        var loaded = CanaryFileLoader.Load(path);
        if (loaded.Ok) return loaded.Canaries;
        error.WriteLine($"edgemanage: warning: canary file {path} has errors (first: {loaded.Errors[0]}); canaries are not checked");
        return new Dictionary<string, string>();
    }

    /// <summary>"configuration error: file:line:col: error: …", the first of the loader's errors, for the status line.</summary>
    private static string ConfigProblemSummary(string configPath, string problems)
    {
        var lines = problems.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var errors = lines.Where(l => l.Contains(": error:", StringComparison.Ordinal)).ToList();
        var first = errors.FirstOrDefault() ?? lines.FirstOrDefault(l => !l.Contains("warning", StringComparison.Ordinal)) ?? "the configuration cannot be used";
        var more = errors.Count > 1 ? $" (and {errors.Count - 1} more; see stderr)" : "";
        var hint = !File.Exists(configPath) && double.TryParse(configPath, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
            ? $" (-c is the config file here; the critical level is --critical or -C)"
            : "";
        return $"configuration error: {first}{more}{hint}";
    }

    /// <summary>The original's per-network statefile (original-edgemanage.md §5.1), for rotation and integrity during a migration.</summary>
    /// <summary>--window's upper bound: a year, far beyond any journal's rotation record.</summary>
    private const double MaxWindowSeconds = 365 * 86_400;

    private static CheckResult FromStatefile(string kind, string label, string path, Thresholds thresholds, double window)
    {
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(Actors.Inputs.InputFile.ReadText(path, "statefile"));
            root = doc.RootElement.Clone();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return NagiosChecks.Unknown(label, $"cannot read statefile {path}: {OneLine(e.Message)}");
        }
        var key = kind == "rotation" ? "rotation_list" : "verification_failures";
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(key, out var list))
            return NagiosChecks.Unknown(label, $"statefile {path} has no '{key}'");
        if (list.ValueKind != JsonValueKind.Array)
            return NagiosChecks.Unknown(label, $"statefile {path}: '{key}' is not a list");
        if (kind == "rotation")
        {
            var times = new List<long>();
            foreach (var item in list.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Number || !item.TryGetDouble(out var seconds))
                    return NagiosChecks.Unknown(label, $"statefile {path}: '{key}' holds a non-number ({item.GetRawText()})");
                times.Add((long)Math.Round(seconds * 1000));
            }
            // The original appends a time per run whose live set changed; it keeps the last 100 of them.
            return NagiosChecks.Rotation(Path.GetFileName(path), hasDecision: true, times, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                window, double.PositiveInfinity, thresholds, noun: "live-set change");
        }
        var names = new List<string>();
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
                return NagiosChecks.Unknown(label, $"statefile {path}: '{key}' holds a non-string ({item.GetRawText()})");
            names.Add(item.GetString()!);
        }
        return NagiosChecks.IntegrityFromNames(names, thresholds);
    }

    private static string OneLine(string s) => s.ReplaceLineEndings(" ").Trim();
}
