using System.Globalization;
using System.Text.Json;
using Akka.Actor;
using Edgemanage.Actors.Persistence;
using Edgemanage.Actors.Probing;
using Edgemanage.Contracts.Config;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Probing;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Hosting;
using static Edgemanage.Contracts.Edges.EdgeCommands;
using static Edgemanage.Contracts.Edges.EdgeReplies;
using static Edgemanage.Contracts.Networks.NetworkCommands;
using static Edgemanage.Contracts.Networks.NetworkReplies;
using Edgemanage.Contracts.Networks;
using Opt = Edgemanage.Node.Cli.CommandLine.Option;

namespace Edgemanage.Node.Commands;

/// <summary>
/// <c>edgemanage query</c>: the original edge_query (original-edgemanage.md §1.3) over the persisted journal.
/// Same flags, filters and output formats; json lines also carry the last outcome, last time and averages.
/// Read-only: it never probes, and never creates a journal that does not exist.
/// </summary>
public static class QueryCommand
{
    internal static readonly Opt[] Options =
    [
        new("dnet", "-A", "--dnet", true),
        new("config", "-c", "--config", true),
        new("health", "-H", "--health", true),
        new("state", "-s", "--state", true),
        new("mode", "-m", "--mode", true),
        new("format", "-f", "--format", true),
        new("quiet", "-q", "--quiet", false),
        new("verbose", "-v", "--verbose", false),
        new("header", null, "--header", false),
    ];

    private sealed record Filters(EdgeHealth? Health, bool AllPass, string? State, EdgeMode? Mode);

    /// <summary>query run from another command's body (demo), with a command line of its own.</summary>
    public static Task<int> ExecuteAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken ct = default) =>
        ExecuteAsync(CommandTree.Bind(["query", .. args]), output, error, ct);

    public static async Task<int> ExecuteAsync(CommandLine cl, TextWriter output, TextWriter error, CancellationToken ct = default)
    {
        cl.NoPositionals("query");
        var network = cl.Required("query", "dnet", "-A DNET");
        var format = cl.OneOf("query", "format", "-f", "flat", "flat", "csv", "json");
        var filters = ParseFilters(cl);
        var context = NetworkContext.Load(cl.Value("config") ?? NetworkContext.DefaultConfigPath, network, error);
        if (context is null) return ExitCodes.UsageOrConfig;

        var (reports, decision) = await ReadStateAsync(context, ct, error: error);
        var live = (decision?.Live ?? []).ToHashSet(StringComparer.Ordinal);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var rows = reports.Where(r => Matches(r, filters, live)).ToList();
        Write(output, rows, live, format, cl.Flag("quiet"), cl.Flag("verbose"), cl.Flag("header"), now);
        return ExitCodes.Ok;
    }

    private static Filters ParseFilters(CommandLine cl)
    {
        EdgeHealth? health = null;
        var allPass = false;
        if (cl.Value("health") is { } h)
        {
            if (h == "allpass") allPass = true;
            else if (EdgeValueNames.TryParseHealth(h, out var parsed)) health = parsed;
            else throw new UsageException($"query: -H must be allpass or one of pass_threshold, pass_window, pass_average, pass, fail, untested; got '{h}'");
        }
        var state = cl.Value("state");
        if (state is not null && state is not ("in" or "out")) throw new UsageException($"query: -s must be in or out, got '{state}'");
        EdgeMode? mode = null;
        if (cl.Value("mode") is { } m)
        {
            if (!EdgeValueNames.TryParseMode(m, out var parsed))
                throw new UsageException($"query: -m must be one of available, force, blindforce, unavailable; got '{m}'");
            mode = parsed;
        }
        return new Filters(health, allPass, state, mode);
    }

    /// <summary>
    /// Recovers the network's history groups and its last decision from the journal, or returns defaults when
    /// there is none yet.
    /// </summary>
    public static async Task<(IReadOnlyList<EdgeReport> Reports, DecisionRecord? Decision)> ReadStateAsync(
        NetworkContext context, CancellationToken ct, bool withReports = true, TextWriter? error = null, string command = "query")
    {
        var settings = context.Settings;
        var network = context.Paths.Network;
        // The gate: a damaged journal ends the command here (exit 1, named); one without the network's records is
        // answered like no journal at all, without starting an ActorSystem on it.
        if (!JournalGate.HasReadableJournal(context, error ?? TextWriter.Null, command))
        {
            // Like edge_query on untracked edges: defaults, without creating anything on disk.
            return (context.Edges.Select(e => new EdgeReport(network, e, settings.Vantage, EdgeMode.Available, "", -1,
                new EdgeVerdict(EdgeHealth.Untested, null, null, null, 0), null)).ToArray(), null);
        }
        var journal = JournalTarget.For(settings.Persistence, context.Paths.Journal).ForReading();
        await using var node = await EdgemanageNode.StartAsync(settings, network, withReports ? context.Edges : [], NoProber.Instance, journal,
            cancellationToken: ct, publish: PublishPlan.ReadOnly(network));
        var decision = await node.Network!.Ask<LastDecision>(new GetLastDecision(network), TimeSpan.FromSeconds(60), ct);
        if (!withReports) return ([], decision.Decision);
        var reports = await node.NetworkEdges.Ask<EdgeReports>(new GetEdgeReports(network), TimeSpan.FromSeconds(60), ct);
        return (reports.Edges, decision.Decision);
    }

    /// <summary>True when the network has a SQLite journal of its own that does not exist yet (nothing was ever recorded).</summary>
    public static bool HasNoJournal(NetworkContext context) =>
        context.Settings.Persistence.Provider == PersistenceProvider.Sqlite && context.Settings.Persistence.ConnectionString is null
        && !File.Exists(context.Paths.Journal);

    /// <summary>
    /// The sibling of <see cref="ReadStateAsync"/> for the Nagios checks (and anything else that wants the budget):
    /// the reports of <paramref name="addresses"/> and the NetworkActor's <see cref="NetworkStatus"/>, recovered
    /// read-only with the network's real dnschange_maxfreq and dnschange_window, so the substitution times and the
    /// budget are the ones the deciding process sees. Returns null, creating nothing, when there is no journal yet.
    /// </summary>
    public static async Task<(IReadOnlyList<EdgeReport> Reports, NetworkStatus Status)?> ReadStatusAsync(
        NetworkContext context, IReadOnlyList<string> addresses, CancellationToken ct, TextWriter? error = null)
    {
        if (!JournalGate.HasReadableJournal(context, error ?? TextWriter.Null, "check")) return null;
        var settings = context.Settings;
        var network = context.Paths.Network;
        var readOnly = PublishPlan.ReadOnly(network);
        var plan = readOnly with
        {
            Network = readOnly.Network with
            {
                Budget = new Edgemanage.Actors.Networks.RotationBudget(settings.DnsChangeMaxFreq, TimeSpan.FromSeconds(settings.DnsChangeWindowSeconds)),
                LiveListPath = context.Paths.LiveList,
            },
        };
        var journal = JournalTarget.For(settings.Persistence, context.Paths.Journal).ForReading();
        await using var node = await EdgemanageNode.StartAsync(settings, network, addresses, NoProber.Instance, journal,
            cancellationToken: ct, publish: plan);
        var status = await node.Network!.Ask<NetworkStatus>(new GetNetworkStatus(network), TimeSpan.FromSeconds(60), ct);
        if (addresses.Count == 0) return ([], status);
        var reports = await node.NetworkEdges.Ask<EdgeReports>(new GetEdgeReports(network), TimeSpan.FromSeconds(60), ct);
        return (reports.Edges, status);
    }

    /// <summary>"in" when the edge is in the last published live set, as edge_query's state field.</summary>
    private static string StateOf(EdgeReport r, IReadOnlySet<string> live) => live.Contains(r.Edge) ? "in" : "out";

    private static bool Matches(EdgeReport r, Filters f, IReadOnlySet<string> live) =>
        (!f.AllPass || r.Verdict.Health != EdgeHealth.Fail)
        && (f.Health is null || r.Verdict.Health == f.Health)
        && (f.State is null || StateOf(r, live) == f.State)
        && (f.Mode is null || r.Mode == f.Mode);

    private static long Duration(EdgeReport r, long nowMs) => r.ModeChangedAtUnixMs < 0 ? -1 : (nowMs - r.ModeChangedAtUnixMs) / 1000;

    private static void Write(TextWriter output, List<EdgeReport> rows, IReadOnlySet<string> live, string format, bool quiet, bool verbose, bool header, long nowMs)
    {
        if (format == "json")
        {
            foreach (var r in rows) output.WriteLine(JsonLine(r, live, quiet, verbose, nowMs));
            return;
        }
        var sep = format == "csv" ? "," : "\t";
        string[] fields = verbose ? ["mode", "state", "health", "edgename", "duration", "comment"]
            : quiet ? ["edgename"]
            : ["edgename", "duration"];
        if (header && rows.Count > 0) output.WriteLine(string.Join(sep, fields));
        foreach (var r in rows)
        {
            var values = fields.Select(f => f switch
            {
                "mode" => r.Mode.Name(),
                "state" => StateOf(r, live),
                "health" => r.Verdict.Health.Name(),
                "edgename" => r.Edge,
                "duration" => Duration(r, nowMs).ToString(CultureInfo.InvariantCulture),
                _ => r.Comment,
            });
            output.WriteLine(string.Join(sep, values));
        }
    }

    private static string JsonLine(EdgeReport r, IReadOnlySet<string> live, bool quiet, bool verbose, long nowMs)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("edge", r.Edge);
            // The original wrote this as a string; scripts parse it that way.
            if (!quiet || verbose) w.WriteString("time_since_state_change", Duration(r, nowMs).ToString(CultureInfo.InvariantCulture));
            if (verbose)
            {
                w.WriteString("health", r.Verdict.Health.Name());
                w.WriteString("state", StateOf(r, live));
                w.WriteString("mode", r.Mode.Name());
                w.WriteString("comment", r.Comment);
                // edge mode --for: when the mode in force reverts to available (epoch seconds); absent otherwise.
                if (r.ModeExpiresAtUnixMs is { } expires) w.WriteNumber("mode_expires_at", expires / 1000.0);
            }
            var v = r.Verdict;
            if (v.Last is { } last)
            {
                w.WriteString("last_outcome", last.Outcome.Name());
                w.WriteNumber("last_time", Math.Round(last.Seconds, 6));
                w.WriteNumber("last_at", last.AtUnixMs / 1000.0);
            }
            else
            {
                w.WriteNull("last_outcome");
                w.WriteNull("last_time");
            }
            WriteNumberOrNull(w, "average", v.Average);
            WriteNumberOrNull(w, "window_average", v.WindowAverage);
            w.WriteNumber("samples", v.SampleCount);
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteNumberOrNull(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v) w.WriteNumber(name, Math.Round(v, 6));
        else w.WriteNull(name);
    }
}
