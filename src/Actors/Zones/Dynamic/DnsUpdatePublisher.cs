using Akka.Event;
using Edgemanage.Contracts.Zones;
using static Edgemanage.Contracts.Zones.ZoneCommands;
using static Edgemanage.Contracts.Zones.ZoneReplies;

namespace Edgemanage.Actors.Zones.Dynamic;

/// <summary>
/// <c>publish: dns-update</c>: each zone's owned records (<see cref="OwnedRecords"/>) go to the primary as one signed
/// RFC 2136 UPDATE, computed from what the primary serves right now rather than from what this node remembers:
/// every step reads the zone, and sends nothing when the primary already serves the decision (a restart, a takeover
/// or a crash between decision and UPDATE converges on the next step, with no UPDATE when nothing differs). The
/// UPDATE's prerequisites are the records as read, so a concurrent change by anyone makes the server refuse all of
/// it. The server keeps the serial; the live list and hooks follow as with files.
/// </summary>
public sealed class DnsUpdatePublisher : IZonePublisher
{
    /// <summary>
    /// The check key of a zone published by UPDATE: no zone file exists to check (the primary validates each record),
    /// and a later switch to files finds no matching key, so the first file it writes is checked.
    /// </summary>
    public const string NotChecked = "dns-update";

    private readonly ZoneWriterSettings _settings;
    private readonly DnsUpdateTarget _target;
    private readonly DnsPrimary _primary;
    private readonly HostResolver _resolver;
    private readonly TimeProvider _time;
    private readonly ILoggingAdapter _log;
    private readonly LiveListAndHooks _after;
    // The marker this publisher wrote when it claimed each zone (its first UPDATE there). A later read that finds
    // another marker means a newer decider took the zone: this one stands down for it.
    private readonly Dictionary<string, string> _claims = new(StringComparer.Ordinal);

    public DnsUpdatePublisher(ZoneWriterSettings settings, HostResolver resolver, TimeProvider time, ILoggingAdapter log)
    {
        _settings = settings;
        _target = settings.DnsUpdate ?? throw new ArgumentException("publish: dns-update needs its target", nameof(settings));
        _primary = new DnsPrimary(_target.Settings, _target.Key);
        _resolver = resolver;
        _time = time;
        _log = log;
        _after = new LiveListAndHooks(settings, log);
    }

    public async Task<ZonePublisher.Result> PublishAsync(PublishZones cmd, ZoneWriterState state, CancellationToken ct)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var problems = new List<string>();
        var outcomes = new List<ZoneOutcome>();
        var records = new List<PublishedZone>();
        var updated = 0;
        // Once the primary has not answered, the other zones are not tried this step: a step stays one timeout long
        // however many zones there are, and the next decision tries them all again.
        string? unreachable = null;
        foreach (var zone in cmd.Zones.OrderBy(z => z.Zone, StringComparer.Ordinal))
        {
            if (zone.HoldReason is not null || zone.IncludeText is null)
            {
                outcomes.Add(new ZoneOutcome(zone.Zone, ZoneAction.Held, zone.HoldReason ?? "include could not be read", null, null));
                continue;
            }
            if (unreachable is not null)
            {
                outcomes.Add(new ZoneOutcome(zone.Zone, ZoneAction.Failed, $"not tried: {unreachable}; tried again next decision", null, null));
                continue;
            }
            var (outcome, record, down) = await PublishZoneAsync(zone, cmd.DryRun, problems, ct);
            if (down) unreachable = $"the primary {_primary.Endpoint} did not answer for an earlier zone";
            outcomes.Add(outcome);
            if (outcome.Action == ZoneAction.Written) updated++;
            // Recorded when it says something new (a serial the primary moved, another set): a step that finds the
            // primary as last recorded writes nothing to the journal.
            if (record is not null && !cmd.DryRun && state.Zones.GetValueOrDefault(zone.Zone) != record) records.Add(record);
        }
        var (liveListWritten, hooks) = await _after.RunAsync(cmd, state, outcomes, updated > 0, problems, ct);
        var anyChanged = updated > 0 || liveListWritten;
        var reply = new ZonesPublished(cmd.RoundId, outcomes.OrderBy(o => o.Zone, StringComparer.Ordinal).ToArray(), anyChanged, liveListWritten, hooks, problems);
        var serial = records.Count == 0 ? state.LastSerial : Math.Max(state.LastSerial, records.Max(r => r.Serial));
        var evt = records.Count > 0 || liveListWritten
            ? new ZonesWritten(_time.GetUtcNow().ToUnixTimeMilliseconds(), serial, records, liveListWritten ? cmd.LiveList : null)
            : null;
        var timing = $"dns-update {cmd.Zones.Count} zone(s), {updated} UPDATE(s) {clock.Elapsed.TotalSeconds:F3}s";
        _log.Debug("Publishing {0}: {1}", _settings.Network, timing);
        return new ZonePublisher.Result(reply, evt, timing);
    }

    private async Task<(ZoneOutcome Outcome, PublishedZone? Record, bool PrimaryDown)> PublishZoneAsync(ZoneContent zone, bool dryRun, List<string> problems, CancellationToken ct)
    {
        var addresses = await _resolver.ResolveZoneAsync(zone, problems, _log, ct);
        if (addresses.Count == 0)
            return (Failed(zone.Zone, "no address could be published (a zone is never left without A/AAAA records); the primary keeps what it serves"), null, false);

        var decided = OwnedRecords.Decided(zone.Zone, _settings.Dns, addresses);
        var hash = ZoneFiles.ContentHash(string.Join("\n", decided.OrderBy(d => d.Key.ToString(), StringComparer.Ordinal)
            .Select(d => d.Key + " " + string.Join(",", d.Value))));
        ServedZone served;
        try
        {
            served = await _primary.ReadAsync(zone.Zone, decided.Keys, ct);
        }
        catch (DnsPrimaryException e)
        {
            return (Failed(zone.Zone, $"reading it from the primary failed: {e.Message}; not published, tried again next decision"), null, e.Unreachable);
        }

        var held = _claims.GetValueOrDefault(zone.Zone);
        if (OwnedRecords.Superseded(held, served))
            return (Failed(zone.Zone, $"a newer decider claimed it on the primary {_primary.Endpoint} ('{served.Marker ?? "marker removed"}'); " +
                                      "this decider no longer publishes it"), null, false);
        var plan = OwnedRecords.Plan(zone.Zone, decided, served, held,
            n => OwnedRecords.ClaimText(n, _target.DeciderId, _time.GetUtcNow()));
        if (plan.IsEmpty)
            return (new ZoneOutcome(zone.Zone, ZoneAction.Unchanged, $"the primary serves the decided records; serial {served.Serial}", served.Serial, null),
                new PublishedZone(zone.Zone, hash, served.Serial ?? 0, NotChecked), false);

        var script = OwnedRecords.Script(plan, _primary.Endpoint, _target.Settings.Ttl);
        if (dryRun)
            return (new ZoneOutcome(zone.Zone, ZoneAction.Planned, $"would send an UPDATE to {_primary.Endpoint} changing {plan.Changes.Count} RRset(s) (the primary serves serial {served.Serial} now and picks the next)",
                null, script), null, false);

        UpdateAnswer answer;
        try
        {
            answer = await _primary.SendAsync(plan, _target.Settings.Ttl, ct);
        }
        catch (DnsPrimaryException e)
        {
            return (Failed(zone.Zone, $"UPDATE failed: {e.Message}; not published, tried again next decision"), null, e.Unreachable);
        }
        if (answer.KeyRefused)
            return (Failed(zone.Zone, $"UPDATE {answer}: the primary {_primary.Endpoint} does not accept {_target.Key}; " +
                                      "fix dns_update.key_file or the primary's key"), null, false);
        if (answer.PrerequisiteFailed)
            return (Failed(zone.Zone, $"UPDATE {answer}: the records changed on the primary between read and UPDATE " +
                                      "(another decider or an operator); nothing was applied; read again next decision"), null, false);
        if (!answer.Succeeded)
            return (Failed(zone.Zone, $"UPDATE {answer} from the primary {_primary.Endpoint}" +
                                      (answer.Rcode is "REFUSED" or "NOTAUTH" ? $" (is the zone dynamic, and may {_target.Key} update it?)" : "") +
                                      "; not published, tried again next decision"), null, false);
        if (plan.NewMarker is { } claim)
        {
            _claims[zone.Zone] = claim;
            _log.Info("Zone {0} of {1}: claimed on the primary {2} ({3})", zone.Zone, _settings.Network, _primary.Endpoint, claim);
        }
        // The primary chose the new serial; read it back for the record and for ctl zones.
        uint? serial = null;
        try
        {
            serial = await _primary.SerialAsync(zone.Zone, ct);
        }
        catch (DnsPrimaryException e)
        {
            problems.Add($"zone {zone.Zone}: updated, but reading the new serial failed: {e.Message}");
        }
        _log.Info("Zone {0} of {1}: UPDATE NOERROR from {2}, {3} RRset(s) replaced, serial {4}", zone.Zone, _settings.Network, _primary.Endpoint,
            plan.Changes.Count, serial?.ToString() ?? "unknown");
        return (new ZoneOutcome(zone.Zone, ZoneAction.Written, $"UPDATE NOERROR; primary serial {serial?.ToString() ?? "unknown"}", serial, null),
            new PublishedZone(zone.Zone, hash, serial ?? served.Serial ?? 0, NotChecked), false);
    }

    private ZoneOutcome Failed(string zone, string detail)
    {
        _log.Error("Zone {0} of {1}: {2}", zone, _settings.Network, detail);
        return new ZoneOutcome(zone, ZoneAction.Failed, detail, null, null);
    }
}
