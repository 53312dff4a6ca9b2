using System.Collections.Concurrent;
using Akka.Actor;
using Edgemanage.Contracts.Networks;
using Edgemanage.Contracts.Probing;
using Edgemanage.Contracts.Zones;
using static Edgemanage.Contracts.Zones.ZoneReplies;

namespace Edgemanage.Actors.Metrics;

/// <summary>One counter: a long bumped with Interlocked, so any thread may count and a scrape reads it at any time.</summary>
public sealed class MetricCounter
{
    private long _value;

    internal MetricCounter(string[] labelValues) => LabelValues = labelValues;

    internal string[] LabelValues { get; }

    public long Value => Interlocked.Read(ref _value);

    public void Inc() => Interlocked.Increment(ref _value);

    public void Add(long n)
    {
        if (n > 0) Interlocked.Add(ref _value, n);
    }
}

/// <summary>A counter family: one counter per combination of label values, created on first use.</summary>
public sealed class CounterFamily
{
    private readonly ConcurrentDictionary<string, MetricCounter> _counters = new(StringComparer.Ordinal);

    public CounterFamily(string name, string help, params string[] labelNames)
    {
        Name = name;
        Help = help;
        LabelNames = labelNames;
    }

    public string Name { get; }
    public string Help { get; }
    public IReadOnlyList<string> LabelNames { get; }

    /// <summary>What one unit of a counter is worth in the exposition (1e-6 for a count of microseconds shown as seconds).</summary>
    public double Scale { get; init; } = 1;

    /// <summary>The counter for these label values (in <see cref="LabelNames"/> order). Cache it on a hot path.</summary>
    public MetricCounter With(params string[] labelValues)
    {
        if (labelValues.Length != LabelNames.Count)
            throw new ArgumentException($"{Name} takes {LabelNames.Count} label values, got {labelValues.Length}", nameof(labelValues));
        return _counters.GetOrAdd(string.Join('\u0000', labelValues), static (_, values) => new MetricCounter(values), labelValues);
    }

    public long ValueOf(params string[] labelValues) =>
        _counters.TryGetValue(string.Join('\u0000', labelValues), out var c) ? c.Value : 0;

    /// <param name="network">Only the counters of this network (a family labelled by network first); null: all.</param>
    public void WriteTo(MetricsText text, string? network = null)
    {
        text.Declare(Name, MetricType.Counter, Help);
        var counters = network is not null && LabelNames is ["network", ..]
            ? _counters.Values.Where(c => c.LabelValues[0] == network)
            : _counters.Values;
        foreach (var c in counters.OrderBy(c => string.Join('\u0000', c.LabelValues), StringComparer.Ordinal))
            text.Counter(Name, Help, c.Value * Scale, LabelNames.Select((n, i) => (n, c.LabelValues[i])).ToArray());
    }
}

/// <summary>The probe counters of one network from one vantage, one per outcome: what an EdgeActor bumps per probe.</summary>
public sealed class ProbeCounters
{
    private readonly MetricCounter[] _byOutcome;

    internal ProbeCounters(CounterFamily family, string network, string vantage) =>
        _byOutcome = Enum.GetValues<ProbeOutcome>().Select(o => family.With(network, vantage, o.Name())).ToArray();

    public void Count(ProbeOutcome outcome)
    {
        var i = (int)outcome;
        if (i < _byOutcome.Length) _byOutcome[i].Inc();
    }
}

/// <summary>
/// The counters of one ActorSystem (every network serve hosts, or one cron run), each labelled with its network,
/// incremented where things happen: probes
/// in the EdgeActor, decisions, substitutions, zone writes and hooks in the NetworkActor once a decision is
/// persisted. Gauges are not kept here: they are computed from the actors' state when metrics are scraped.
/// Counters start at zero with the ActorSystem, so in a cron run's textfile they count that run only.
/// </summary>
public sealed class EdgemanageMetrics : IExtension
{
    private readonly ConcurrentDictionary<(string Network, string Vantage), ProbeCounters> _probes = new();
    private readonly ConcurrentDictionary<(string Network, string Zone), uint> _serials = new();

    public static EdgemanageMetrics Get(ActorSystem system) => system.WithExtension<EdgemanageMetrics, EdgemanageMetricsProvider>();

    public CounterFamily Probes { get; } = new("edgemanage_probes_total",
        "Probes finished, by network, probing vantage and outcome (ok, timeout, refused, reset, dns, tls, http-status, checksum, too-large, protocol).",
        "network", "vantage", "outcome");

    public CounterFamily Decisions { get; } = new("edgemanage_decisions_total",
        "Decisions recorded (dry runs are not counted).", "network");

    public CounterFamily DegradedDecisions { get; } = new("edgemanage_decisions_degraded_total",
        "Decisions recorded as degraded (fewer than edge_count edges, or a zone not published).", "network");

    public CounterFamily FrozenDecisions { get; } = new("edgemanage_decisions_frozen_total",
        "serve: decisions skipped because too few vantages voted (DNS frozen).", "network");

    public CounterFamily HeldDecisions { get; } = new("edgemanage_decisions_held_total",
        "Decisions the guard held (nothing published), by reason: edge_list_shrink (max_edge_list_shrink) or all_edges_failing.",
        "network", "reason");

    public CounterFamily Substitutions { get; } = new("edgemanage_substitutions_total",
        "Live edges replaced by another edge; kind is discretionary (a usable edge replaced by a better one, limited by dnschange_maxfreq) or necessary.",
        "network", "kind");

    public CounterFamily DeferredSubstitutions { get; } = new("edgemanage_substitutions_deferred_total",
        "Edges that would have been replaced but were kept because dnschange_maxfreq allowed no more substitutions (counted per decision).",
        "network");

    public CounterFamily ZoneWrites { get; } = new("edgemanage_zone_writes_total",
        "What publishing did to each zone, by action: written, unchanged, held, check_failed, failed.", "network", "action");

    public CounterFamily ZoneCheckFailures { get; } = new("edgemanage_zone_check_failures_total",
        "Rendered zones that failed zone_check_command (the old file stayed).", "network");

    public CounterFamily HookRuns { get; } = new("edgemanage_hook_runs_total", "Hooks run, by hook name.", "network", "hook");

    public CounterFamily HookFailures { get; } = new("edgemanage_hook_failures_total",
        "Hooks that failed (non-zero exit, timeout, or could not start), by hook name.", "network", "hook");

    public CounterFamily PersistFailures { get; } = new("edgemanage_persist_failures_total",
        "serve: journal writes that failed or did not complete in time, by writer (decisions, zones, history); deciding and zone writing go on from memory meanwhile.",
        "network", "source");

    public CounterFamily UnrecordedSamplesDropped { get; } = new("edgemanage_unrecorded_samples_dropped_total",
        "serve: probe samples never recorded because the journal stayed unwritable longer than the per-edge buffer holds (oldest dropped first).",
        "network");

    /// <summary>Counted in microseconds, shown in seconds.</summary>
    public CounterFamily DecisionSeconds { get; } = new("edgemanage_decision_seconds_total",
        "serve: time spent on decisions, by phase: deciding (judging the observations and choosing the live set, on the decider) and publishing (canaries, rendering and writing the zones, until the zone writer answers).",
        "network", "phase") { Scale = 1e-6 };

    public IEnumerable<CounterFamily> Counters =>
    [
        Probes, Decisions, DegradedDecisions, FrozenDecisions, HeldDecisions, DecisionSeconds, Substitutions, DeferredSubstitutions, ZoneWrites, ZoneCheckFailures,
        HookRuns, HookFailures, PersistFailures, UnrecordedSamplesDropped,
    ];

    /// <summary>The probe counters of one network and vantage; an EdgeActor keeps the instance and counts with no lookup.</summary>
    public ProbeCounters ProbesOf(string network, string vantage) =>
        _probes.GetOrAdd((network, vantage), static (key, family) => new ProbeCounters(family, key.Network, key.Vantage), Probes);

    /// <summary>A decision that was persisted, with what publishing did.</summary>
    public void RecordDecision(DecisionRecord decision, ZonesPublished zones)
    {
        var network = decision.Network;
        Decisions.With(network).Inc();
        if (decision.Degraded) DegradedDecisions.With(network).Inc();
        foreach (var s in decision.Substitutions.Where(s => s.Out is not null && s.In is not null))
            Substitutions.With(network, s.Discretionary ? "discretionary" : "necessary").Inc();
        DeferredSubstitutions.With(network).Add(decision.Edges.Count(e => e.Reason == DecisionReason.Deferred));
        foreach (var z in zones.Zones)
        {
            ZoneWrites.With(network, ActionName(z.Action)).Inc();
            if (z.Action == ZoneAction.CheckFailed) ZoneCheckFailures.With(network).Inc();
            if (z.Serial is { } serial && z.Action is ZoneAction.Written or ZoneAction.Unchanged) _serials[(network, z.Zone)] = serial;
        }
        RecordHooks(network, zones.Hooks);
    }

    public void RecordHooks(string network, IEnumerable<CommandOutcome> hooks)
    {
        foreach (var h in hooks)
        {
            HookRuns.With(network, h.Hook).Inc();
            if (!h.Succeeded) HookFailures.With(network, h.Hook).Inc();
        }
    }

    /// <summary>Creates the zero-valued series of a network's counters, so they exist (for rate and alerts) before the first count.</summary>
    public void Touch(string network)
    {
        foreach (var family in new[] { Decisions, DegradedDecisions, FrozenDecisions, DeferredSubstitutions, ZoneCheckFailures })
            family.With(network);
        Substitutions.With(network, "discretionary");
        Substitutions.With(network, "necessary");
    }

    public void RecordFrozen(string network) => FrozenDecisions.With(network).Inc();

    /// <summary>A decision the guard held, counted once per cause.</summary>
    public void RecordHeld(string network, Networks.GuardVerdict guard)
    {
        foreach (var hold in guard.Holds) HeldDecisions.With(network, Networks.DecisionGuard.Label(hold.Cause)).Inc();
    }

    /// <summary>The serial each zone carries as last written or confirmed unchanged by this process.</summary>
    public IReadOnlyList<(string Network, string Zone, uint Serial)> ZoneSerials =>
        _serials.Select(kv => (kv.Key.Network, kv.Key.Zone, kv.Value)).OrderBy(z => z.Network, StringComparer.Ordinal)
            .ThenBy(z => z.Zone, StringComparer.Ordinal).ToArray();

    public static string ActionName(ZoneAction action) => action switch
    {
        ZoneAction.Written => "written",
        ZoneAction.Unchanged => "unchanged",
        ZoneAction.Held => "held",
        ZoneAction.CheckFailed => "check_failed",
        ZoneAction.Failed => "failed",
        ZoneAction.Planned => "planned",
        _ => "unknown",
    };

    /// <summary>
    /// Writes every counter family (HELP and TYPE even when nothing was counted yet) and the zone serials; with
    /// <paramref name="only"/>, that network's series only (serve: one metrics source per network, one system).
    /// </summary>
    public void WriteTo(MetricsText text, string? only = null)
    {
        foreach (var family in Counters) family.WriteTo(text, only);
        text.Declare("edgemanage_zone_serial", MetricType.Gauge, ZoneSerialHelp);
        foreach (var (network, zone, serial) in ZoneSerials.Where(z => only is null || z.Network == only))
            text.Gauge("edgemanage_zone_serial", ZoneSerialHelp, serial, ("network", network), ("zone", zone));
    }

    private const string ZoneSerialHelp = "SOA serial of each zone as last written or found unchanged by this process.";
}

public sealed class EdgemanageMetricsProvider : ExtensionIdProvider<EdgemanageMetrics>
{
    public override EdgemanageMetrics CreateExtension(ExtendedActorSystem system) => new();
}
