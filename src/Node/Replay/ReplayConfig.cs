using System.Globalization;
using Edgemanage.Actors.Edges;
using Edgemanage.Actors.Networks;
using Edgemanage.Actors.Replay;
using Edgemanage.Contracts.Config;
using Edgemanage.Contracts.Networks;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Configuration;

namespace Edgemanage.Node.Replay;

/// <summary>
/// The config keys a decision depends on, as replay takes them: from the config file (or, for a trace replayed
/// without one, from its settings lines), then each <c>--set KEY=VALUE</c> in order. A bad key or value is a usage
/// error naming the key (exit 2).
/// </summary>
public sealed record ReplayConfig(
    double? GoodEnough,
    int? EdgeCount,
    int MinEdges = 1,
    int? DnsChangeMaxFreq = null,
    double DnsChangeWindowSeconds = 600,
    double ProbeTimeoutSeconds = 10,
    double PassWindowSeconds = 300,
    int HistoryLength = 2000,
    double KeepMargin = 0,
    double? JudgeMedianWindowSeconds = null,
    string Quorum = "majority",
    double VoteStaleAfterSeconds = 190,
    int MinVantages = 1,
    int? CanaryKiller = null,
    double MaxEdgeListShrink = DecisionGuard.DefaultMaxShrink)
{
    /// <summary>The keys <c>--set</c> understands, as the config spells them.</summary>
    public static readonly string[] Keys =
    [
        "goodenough", "edge_count", "min_edges", "dnschange_maxfreq", "dnschange_window", "probe_timeout", "pass_window_seconds",
        "history_length", "keep_margin", "judge_median_window", "quorum", "vote_stale_after", "min_vantages", "canary_killer",
        "max_edge_list_shrink",
    ];

    public static ReplayConfig From(EdgemanageSettings s, string network) => new(
        s.GoodEnough, s.EdgeCountFor(network), s.MinEdges, s.DnsChangeMaxFreq, s.DnsChangeWindowSeconds, s.Probe.TimeoutSeconds,
        s.PassWindowSeconds, s.HistoryLength, s.KeepMargin, s.JudgeMedianWindowSeconds, s.Quorum,
        s.VoteStaleAfterSeconds ?? 3 * s.ProbeIntervalSeconds + s.Probe.TimeoutSeconds, s.MinVantages, s.CanaryKiller, s.MaxEdgeListShrink);

    /// <summary>One <c>KEY=VALUE</c>, or a usage error naming the key.</summary>
    public ReplayConfig Set(string assignment, string where = "--set")
    {
        var eq = assignment.IndexOf('=');
        if (eq <= 0) throw new UsageException($"replay: {where} wants KEY=VALUE, got '{assignment}'");
        return Set(assignment[..eq].Trim(), assignment[(eq + 1)..].Trim(), where);
    }

    public ReplayConfig Set(string key, string value, string where)
    {
        string Bad(string what) => $"replay: {where} {key}: {what}, got '{value}'";
        double Number(double greaterThan, double max)
        {
            if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || !double.IsFinite(d))
                throw new UsageException(Bad("must be a number"));
            if (d <= greaterThan || d > max)
                throw new UsageException(Bad($"must be greater than {greaterThan.ToString(CultureInfo.InvariantCulture)} and at most {max.ToString(CultureInfo.InvariantCulture)}"));
            return d;
        }
        int Integer(int min, int max) =>
            int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
                ? n : throw new UsageException(Bad($"must be a whole number from {min} to {max}"));
        return key switch
        {
            "goodenough" => this with { GoodEnough = Number(0, 3600) },
            "edge_count" => this with { EdgeCount = Integer(1, 100_000) },
            "min_edges" => this with { MinEdges = Integer(1, 100_000) },
            "dnschange_maxfreq" => this with { DnsChangeMaxFreq = value is "none" or "off" or "unlimited" ? null : Integer(0, 1_000_000) },
            "dnschange_window" => this with { DnsChangeWindowSeconds = Number(0, 604_800) },
            "probe_timeout" => this with { ProbeTimeoutSeconds = Number(0, 3600) },
            "pass_window_seconds" => this with { PassWindowSeconds = Number(0, 604_800) },
            "history_length" => this with { HistoryLength = Integer(10, 100_000) },
            "keep_margin" => PolicyValues.TryKeepMargin(value, out var m, out var e1) ? this with { KeepMargin = m } : throw new UsageException($"replay: {where} {e1}"),
            "judge_median_window" => PolicyValues.TryMedianWindow(value, out var w, out var e2) ? this with { JudgeMedianWindowSeconds = w } : throw new UsageException($"replay: {where} {e2}"),
            "quorum" => QuorumSpec.TryParse(value, out _, out var qe) ? this with { Quorum = value } : throw new UsageException(Bad(qe ?? "not a quorum")),
            "vote_stale_after" => this with { VoteStaleAfterSeconds = Number(0, 604_800) },
            "min_vantages" => this with { MinVantages = Integer(1, 1000) },
            "canary_killer" => this with { CanaryKiller = Integer(0, 100_000) is var k && k > 0 ? k : null },
            "max_edge_list_shrink" => PolicyValues.TryMaxShrink(value, out var f, out var e3) ? this with { MaxEdgeListShrink = f } : throw new UsageException($"replay: {where} {e3}"),
            _ => throw new UsageException($"replay: {where}: unknown key '{key}'; one of {string.Join(", ", Keys)}"),
        };
    }

    /// <summary>The engine's settings; a usage error when goodenough or edge_count is still unknown (a trace without a config).</summary>
    public ReplaySettings ToSettings(long? fromUnixMs, long? toUnixMs)
    {
        if (GoodEnough is not { } ge) throw new UsageException("replay: goodenough is not known: give -c FILE, a settings line in the trace, or --set goodenough=SECONDS");
        if (EdgeCount is not { } count) throw new UsageException("replay: edge_count is not known: give -c FILE, a settings line in the trace, or --set edge_count=N");
        QuorumSpec.TryParse(Quorum, out var spec, out _);
        return new ReplaySettings(
            new JudgeSettings(ge, ProbeTimeoutSeconds, PassWindowSeconds, JudgeMedianWindowSeconds),
            new DecisionPolicy(count, Math.Min(MinEdges, count), new RotationBudget(DnsChangeMaxFreq, TimeSpan.FromSeconds(DnsChangeWindowSeconds)),
                KeepMargin > 0 ? ge * (1 + KeepMargin) : null),
            HistoryLength,
            new QuorumSettings(spec, TimeSpan.FromSeconds(VoteStaleAfterSeconds), MinVantages),
            CanaryKiller, fromUnixMs, toUnixMs, MaxEdgeListShrink);
    }
}
