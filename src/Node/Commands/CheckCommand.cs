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
    public const string Usage = """
        usage: edgemanage check rotation  -A DNET [-c FILE] [-w N] [--critical N] [--window SECONDS]
               edgemanage check integrity -A DNET [-c FILE] [-w N] [--critical N]
               edgemanage check latency   -A DNET [-c FILE] [-w SECONDS] [--critical SECONDS] [-a]
               edgemanage check rotation|integrity --statefile FILE [-w N] [--critical N] [--window SECONDS]

        Nagios plugins: print one line 'LABEL STATUS message | perfdata' and exit 0 OK, 1 WARNING, 2 CRITICAL,
        3 UNKNOWN. They read the network's journal read-only (as query does, also while serve runs) and never
        create it. A value is WARNING from -w on and CRITICAL from --critical on.

          rotation   EDGE_ROTATE: substitutions of the live set in the last --window seconds (default 600; no
                     further back than dnschange_window). Defaults -w 4 --critical 8. perfdata frequency=N
          integrity  EDGE_TESTMATCH: edges and canaries whose last probe returned a body that does not match the
                     test object, named in the message. Defaults -w 1 --critical 1 (any mismatch is CRITICAL).
                     perfdata notok=N
          latency    ACTIVE_EDGE_LATENCY: the last fetch time of the slowest live edge (-a: of every edge); a
                     failed probe counts as probe_timeout and is named. Defaults -w 2.0 --critical 4.0 (seconds).
                     perfdata slowestactive=Ns

        options:
          -A, --dnet DNET        the network
          -c, --config FILE      the config (default /etc/edgemanage/edgemanage.yaml). NOTE: -c is the config
                                 file, as in every edgemanage command; the critical level is --critical or -C
          -w, --warning N        the warning level
          -C, --critical N       the critical level (must not be below the warning level)
          --window SECONDS       rotation: how far back to count (default 600)
          -a, --all              latency: every edge, not only the live ones
          --statefile FILE       rotation, integrity: read the original edgemanage's statefile (JSON) instead of the
                                 journal, for use during a migration

        exit code 3 (UNKNOWN), as the plugin API requires (not 2, which Nagios reads as CRITICAL), also for a bad
        command line, bad thresholds (not a number, or warning above critical), a broken config (the file:line
        is named), a network with no journal yet, or any unexpected failure.
        """;

    private const string GenericLabel = "EDGEMANAGE_CHECK";

    private static readonly Opt[] Options =
    [
        new("dnet", "-A", "--dnet", true),
        new("config", "-c", "--config", true),
        new("warning", "-w", "--warning", true),
        new("critical", "-C", "--critical", true),
        new("window", null, "--window", true),
        new("all", "-a", "--all", false),
        new("statefile", null, "--statefile", true),
    ];

    public static async Task<int> ExecuteAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken ct = default)
    {
        var kind = args.Count > 0 ? args[0] : null;
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
                : await RunAsync(kind!, label, args.Skip(1).ToArray(), error, ct);
        }
        catch (UsageException e)
        {
            result = NagiosChecks.Unknown(label, e.Message);
            error.WriteLine(Usage);
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

    private static async Task<CheckResult> RunAsync(string kind, string label, string[] args, TextWriter error, CancellationToken ct)
    {
        var command = $"check {kind}";
        var cl = CommandLine.Parse(command, args, Options);
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
