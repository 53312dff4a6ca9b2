using Akka.Event;
using Edgemanage.Actors.Commands;
using Edgemanage.Actors.Faults;
using Edgemanage.Contracts.Config;
using Edgemanage.Contracts.Zones;
using static Edgemanage.Contracts.Zones.ZoneCommands;
using static Edgemanage.Contracts.Zones.ZoneReplies;

namespace Edgemanage.Actors.Zones;

/// <summary>What a ZoneWriterActor needs to know that does not change while it runs.</summary>
public sealed record ZoneWriterSettings(
    string Network,
    string NamedDir,
    string? LiveListPath,
    DnsSettings Dns,
    ZoneTemplate Template,
    ZoneChecker? Checker,
    CommandSettings Commands,
    TimeSpan CommandTimeout,
    int SnapshotEvery,
    CrashPoints? Crash = null,
    DnsUpdateTarget? DnsUpdate = null);

/// <summary>
/// <c>publish: dns-update</c>: the primary, the key that signs the UPDATEs, and who this decider is (written into the
/// claim marker). Null in <see cref="ZoneWriterSettings"/> = zone files.
/// </summary>
public sealed record DnsUpdateTarget(DnsUpdateSettings Settings, Dynamic.TsigKey Key, string DeciderId);

/// <summary>
/// One publish step of a network's zones. Two kinds: zone files in named_dir (<see cref="ZonePublisher"/>) and DNS
/// UPDATEs to a primary (<see cref="Dynamic.DnsUpdatePublisher"/>); the ZoneWriterActor runs either, one step at a time.
/// </summary>
public interface IZonePublisher
{
    Task<ZonePublisher.Result> PublishAsync(PublishZones cmd, ZoneWriterState state, CancellationToken ct);
}

/// <summary>What a ZoneWriterActor holds between rounds: the highest serial used and what each zone publishes.</summary>
public sealed record ZoneWriterState(uint LastSerial, IReadOnlyDictionary<string, PublishedZone> Zones, IReadOnlyList<string>? LiveList)
{
    public static readonly ZoneWriterState Empty = new(0, new Dictionary<string, PublishedZone>(StringComparer.Ordinal), null);

    public ZoneWriterState Apply(ZonesWritten evt)
    {
        var zones = new Dictionary<string, PublishedZone>(Zones, StringComparer.Ordinal);
        foreach (var z in evt.Zones) zones[z.Zone] = z;
        return new ZoneWriterState(Math.Max(LastSerial, evt.Serial), zones, evt.LiveList ?? LiveList);
    }

    /// <summary>
    /// What adopting another decider's published state changes, as the event that records it; null when it changes
    /// nothing (the serial is not higher and every zone record is already this one).
    /// </summary>
    public ZonesWritten? Adopting(uint serialFloor, IReadOnlyList<PublishedZone> zones, IReadOnlyList<string>? live, long atUnixMs)
    {
        var changed = serialFloor > LastSerial
                      || zones.Any(z => !Zones.TryGetValue(z.Zone, out var mine) || mine != z)
                      || (live is not null && (LiveList is null || !LiveList.SequenceEqual(live, StringComparer.Ordinal)));
        return changed ? new ZonesWritten(atUnixMs, Math.Max(LastSerial, serialFloor), zones, live) : null;
    }
}

/// <summary>
/// One publish step, outside the actor so it can run as a task and be tested without Akka: resolve each
/// zone's addresses, render it, skip it only when its inputs are what was last recorded AND the file on disk is
/// byte for byte the one recorded (so a crash between writing and recording, or a hand edit, is repaired by the
/// next round), check it, write it atomically, then the live list and the hooks. Nothing is written when anything
/// about a zone is wrong: the old file stays and the outcome says why. The order of the steps and what a crash
/// at each leaves behind are in docs/architecture.md ("Writing and recording").
/// </summary>
public sealed class ZonePublisher(ZoneWriterSettings settings, HostResolver resolver, TimeProvider time, ILoggingAdapter log) : IZonePublisher
{
    /// <param name="Timing">Where the step's time went, for the debug log and the benchmarks.</param>
    public sealed record Result(ZonesPublished Reply, ZonesWritten? Event, string Timing = "");

    private readonly CrashPoints _crash = settings.Crash ?? CrashPoints.None;
    private readonly LiveListAndHooks _after = new(settings, log);
    private bool _leftoversRemoved;

    private sealed record Pending(string Zone, string Path, ZoneModel Model, string Hash, string CheckKey)
    {
        public string? Text { get; set; }
    }

    public async Task<Result> PublishAsync(PublishZones cmd, ZoneWriterState state, CancellationToken ct)
    {
        var outcomes = new List<ZoneOutcome>();
        var problems = new List<string>();
        var pending = new List<Pending>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var timing = new List<string>();
        void Phase(string name)
        {
            timing.Add($"{name} {clock.Elapsed.TotalSeconds:F3}s");
            clock.Restart();
        }

        if (!cmd.DryRun && !_leftoversRemoved)
        {
            _leftoversRemoved = true;
            RemoveLeftoverTemps(cmd);
        }
        // Zones whose record predates file hashes but whose file is exactly what that record says: recorded again
        // with their hash, without a rewrite (no serial bump, no reload) the first time a newer build sees them.
        var adopted = new List<PublishedZone>();
        var rewrites = 0;
        foreach (var zone in cmd.Zones.OrderBy(z => z.Zone, StringComparer.Ordinal))
        {
            var path = Path.Combine(settings.NamedDir, zone.Zone + ".zone");
            if (zone.HoldReason is not null || zone.IncludeText is null)
            {
                outcomes.Add(new ZoneOutcome(zone.Zone, ZoneAction.Held, zone.HoldReason ?? "include could not be read", null, null));
                continue;
            }
            var addresses = await resolver.ResolveZoneAsync(zone, problems, log, ct);
            if (addresses.Count == 0)
            {
                outcomes.Add(new ZoneOutcome(zone.Zone, ZoneAction.Failed,
                    "no address could be published (a zone is never written without A/AAAA records); the old file stays", null, null));
                continue;
            }
            var model = new ZoneModel(zone.Zone, zone.IncludeFileName, zone.IncludeText, addresses, 0, settings.Dns);
            // Hash the inputs instead of a rendering: the same template and inputs give the same zone, and an
            // unchanged round then renders nothing (10 000 unchanged zones cost a hash each).
            var hash = ZoneFiles.ModelHash(settings.Template.Identity, model);
            var published = state.Zones.GetValueOrDefault(zone.Zone);
            if (!cmd.ForceUpdate && published is not null && published.ContentHash == hash)
            {
                // The inputs are those recorded; only the disk can still differ from the record.
                var onDisk = ZoneFiles.ReadExisting(path);
                if (onDisk is not null && published.FileHash is { } fileHash && ZoneFiles.BytesHash(onDisk) == fileHash)
                {
                    outcomes.Add(new ZoneOutcome(zone.Zone, ZoneAction.Unchanged, "records and include unchanged", published.Serial, null));
                    continue;
                }
                if (onDisk is not null && published.FileHash is null && AdoptLegacy(published, model, onDisk) is { } adopt)
                {
                    adopted.Add(adopt);
                    outcomes.Add(new ZoneOutcome(zone.Zone, ZoneAction.Unchanged, "records and include unchanged", published.Serial, null));
                    continue;
                }
            }
            if (!cmd.ForceUpdate && AdoptFromDisk(zone.Zone, path, model, hash) is { } found)
            {
                // This node has no record of the file (a takeover, a lost journal) or an older one, and the file holds
                // exactly these records: another decider or an unrecorded write put them there. Rewriting would only
                // bump the serial and make named reload the same zone; it is recorded as it is.
                adopted.Add(found);
                outcomes.Add(new ZoneOutcome(zone.Zone, ZoneAction.Unchanged, "the file on disk already holds these records", found.Serial, null));
                continue;
            }
            if (!cmd.ForceUpdate && published is not null && published.ContentHash == hash)
            {
                rewrites++;
                log.Warning("Zone {0} of {1}: {2} is not the file last recorded ({3}); rewriting it", zone.Zone, settings.Network, path,
                    File.Exists(path) ? "a write was not recorded, or it was edited" : "missing, empty or not a regular file");
            }
            pending.Add(new Pending(zone.Zone, path, model, hash, CheckKeyOf(model)));
        }

        Phase($"resolve+compare {cmd.Zones.Count}");
        uint? serial = null;
        var written = new List<PublishedZone>();
        if (pending.Count > 0)
        {
            // Newer (RFC 1982) than the last serial we used and than every file about to be replaced, whoever wrote
            // it (the original, a process killed before recording, a journal that was lost): named and the
            // secondaries only load a zone whose serial moved forward.
            var diskSerials = pending.Select(p => ZoneFiles.ReadSerial(p.Path)).OfType<uint>().ToArray();
            serial = ZoneSerial.Next(state.LastSerial, NewestSerial(diskSerials), time.GetUtcNow().ToUnixTimeSeconds());
            var highest = diskSerials.Append(state.LastSerial).Max();
            if (ZoneSerial.Wrapped(highest, serial.Value))
                log.Warning("Zones of {0}: the SOA serial wraps from {1} to {2}: lower as a number, newer by RFC 1982 serial arithmetic, " +
                            "which named and the secondaries use", settings.Network, highest, serial.Value);
            Phase("serial");
            var renderable = new List<Pending>();
            foreach (var p in pending)
            {
                try
                {
                    p.Text = settings.Template.Render(p.Model with { Serial = serial.Value });
                    renderable.Add(p);
                }
                catch (ZoneTemplateException e)
                {
                    outcomes.Add(new ZoneOutcome(p.Zone, ZoneAction.Failed, $"template error: {e.Message}; the old file stays", null, null));
                }
            }
            Phase($"render {renderable.Count}");
            if (cmd.DryRun)
            {
                foreach (var p in renderable)
                {
                    var old = File.Exists(p.Path) ? await File.ReadAllTextAsync(p.Path, ct) : null;
                    outcomes.Add(new ZoneOutcome(p.Zone, ZoneAction.Planned, old is null ? "would be created" : "would be rewritten", serial,
                        ZoneDiff.Unified(old, p.Text!, p.Path, p.Path + " (planned)")));
                }
            }
            else
            {
                var passed = await CheckAllAsync(renderable, state, outcomes, ct);
                Phase("check");
                Write(passed, serial.Value, outcomes, written);
                Phase($"write {passed.Count}");
            }
        }

        var (liveListWritten, hooks) = await _after.RunAsync(cmd, state, outcomes, written.Count > 0, problems, ct);
        var anyChanged = written.Count > 0 || liveListWritten;
        Phase("live list and hooks");
        if (rewrites > 0)
            problems.Add($"{rewrites} zone file(s) on disk differed from the last recorded write and were rewritten (see the log)");
        var ordered = outcomes.OrderBy(o => o.Zone, StringComparer.Ordinal).ToArray();
        var reply = new ZonesPublished(cmd.RoundId, ordered, anyChanged, liveListWritten, hooks, problems);
        var evt = anyChanged || (adopted.Count > 0 && !cmd.DryRun)
            ? new ZonesWritten(time.GetUtcNow().ToUnixTimeMilliseconds(), serial ?? state.LastSerial, [.. written, .. adopted],
                liveListWritten ? cmd.LiveList : null)
            : null;
        log.Debug("Publishing {0}: {1}", settings.Network, string.Join(", ", timing));
        return new Result(reply, evt, string.Join(", ", timing));
    }

    /// <summary>
    /// The file as this node would write it: exactly what <paramref name="model"/> renders to with the serial the file
    /// carries. Then it is recorded with that serial and its hash instead of rewritten.
    /// </summary>
    private PublishedZone? AdoptFromDisk(string zone, string path, ZoneModel model, string hash)
    {
        if (ZoneFiles.ReadExisting(path) is not { } onDisk || ZoneFiles.ReadSerial(path) is not { } serial) return null;
        try
        {
            var fileHash = ZoneFiles.ContentHash(settings.Template.Render(model with { Serial = serial }));
            return ZoneFiles.BytesHash(onDisk) == fileHash ? new PublishedZone(zone, hash, serial, CheckKeyOf(model), fileHash) : null;
        }
        catch (ZoneTemplateException)
        {
            return null;
        }
    }

    /// <summary>
    /// A record written before file hashes were kept: the file is still ours when it is exactly what the record's
    /// inputs render to with the record's serial. Then it is recorded again, with its hash, instead of rewritten.
    /// </summary>
    private PublishedZone? AdoptLegacy(PublishedZone published, ZoneModel model, byte[] onDisk)
    {
        try
        {
            var text = settings.Template.Render(model with { Serial = published.Serial });
            var hash = ZoneFiles.ContentHash(text);
            return ZoneFiles.BytesHash(onDisk) == hash ? published with { FileHash = hash } : null;
        }
        catch (ZoneTemplateException)
        {
            return null;
        }
    }

    /// <summary>The newest serial by RFC 1982 among those found on disk.</summary>
    private static uint? NewestSerial(IEnumerable<uint> serials)
    {
        uint? newest = null;
        foreach (var value in serials)
            if (newest is not { } n || ZoneSerial.IsNewer(value, n)) newest = value;
        return newest;
    }

    /// <summary>
    /// Temp files of zones of this network (and of its live list) that a process killed mid-write left behind. Safe
    /// once per process: the caller holds the network's lock (or is its decider), so no write of ours is in flight.
    /// </summary>
    private void RemoveLeftoverTemps(PublishZones cmd)
    {
        var removed = ZoneFiles.RemoveLeftoverTemps(settings.NamedDir,
            cmd.Zones.Select(z => z.Zone + ".zone").ToHashSet(StringComparer.Ordinal)).ToList();
        if (settings.LiveListPath is { } live && Path.GetDirectoryName(Path.GetFullPath(live)) is { } liveDir)
            removed.AddRange(ZoneFiles.RemoveLeftoverTemps(liveDir, new HashSet<string>(StringComparer.Ordinal) { Path.GetFileName(live) }));
        if (removed.Count > 0)
            log.Warning("Removed {0} temp file(s) an interrupted write of {1} left behind: {2}", removed.Count, settings.Network,
                string.Join(", ", removed.Take(5).Select(Path.GetFileName)) + (removed.Count > 5 ? ", …" : ""));
    }

    /// <summary>
    /// What a zone check depends on: the zone's shape (template, include, names, how many A and AAAA records),
    /// not its addresses, which are valid literals by construction. A zone whose only change is its addresses —
    /// every zone of a network, each time the live set changes — is not checked again.
    /// </summary>
    private string CheckKeyOf(ZoneModel model)
    {
        if (settings.Checker is not { } checker) return "";
        var shape = model with
        {
            Addresses = model.Addresses.Select((a, i) => new ZoneAddress(a.IsIPv6 ? $"2001:db8::{i + 1:x}" : $"192.0.2.{i % 250 + 1}", a.IsIPv6)).ToArray(),
        };
        return ZoneFiles.ModelHash(settings.Template.Identity + "\n" + checker.CommandLine, shape);
    }

    /// <summary>Checks the zones that need it, a few processes at a time; returns those that may be written.</summary>
    private async Task<List<Pending>> CheckAllAsync(List<Pending> zones, ZoneWriterState state, List<ZoneOutcome> outcomes, CancellationToken ct)
    {
        if (settings.Checker is not { } checker) return zones;
        var toCheck = zones.Where(p => state.Zones.GetValueOrDefault(p.Zone)?.CheckKey != p.CheckKey).ToArray();
        var failures = new System.Collections.Concurrent.ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        // Check copies outside named_dir, so named never sees a zone that failed its check.
        var scratch = Path.Combine(Path.GetTempPath(), $"edgemanage-check-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(scratch);
        try
        {
            await Parallel.ForEachAsync(toCheck, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount), CancellationToken = ct },
                async (p, token) =>
                {
                    var candidate = Path.Combine(scratch, p.Zone + ".zone");
                    await File.WriteAllTextAsync(candidate, p.Text!, token);
                    var check = await checker.CheckAsync(p.Zone, candidate, settings.CommandTimeout, token);
                    if (check.Succeeded) return;
                    var why = check.StartError ?? (check.TimedOut ? "timed out" : $"exit {check.ExitCode}");
                    failures[p.Zone] = $"zone check failed ({why}): {FirstLines(check.Stderr)}; the old file stays";
                });
        }
        finally
        {
            try { Directory.Delete(scratch, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        var passed = new List<Pending>();
        foreach (var p in zones)
        {
            if (failures.TryGetValue(p.Zone, out var detail))
            {
                log.Error("Zone {0} of {1}: {2}", p.Zone, settings.Network, detail);
                outcomes.Add(new ZoneOutcome(p.Zone, ZoneAction.CheckFailed, detail, null, null));
            }
            else passed.Add(p);
        }
        return passed;
    }

    private void Write(List<Pending> zones, uint serial, List<ZoneOutcome> outcomes, List<PublishedZone> written)
    {
        var batch = zones.Select(p => new ZoneFiles.BatchItem(p.Path, p.Text!)).ToArray();
        ZoneFiles.WriteAtomicBatch(batch, _crash);
        for (var i = 0; i < zones.Count; i++)
        {
            var p = zones[i];
            if (batch[i].Error is { } e)
            {
                log.Error("Zone {0} of {1}: writing {2} failed: {3}", p.Zone, settings.Network, p.Path, e.Message);
                outcomes.Add(new ZoneOutcome(p.Zone, ZoneAction.Failed, $"writing {p.Path} failed: {e.Message}; the old file stays", null, null));
                continue;
            }
            written.Add(new PublishedZone(p.Zone, p.Hash, serial, p.CheckKey, ZoneFiles.ContentHash(p.Text!)));
            outcomes.Add(new ZoneOutcome(p.Zone, ZoneAction.Written, $"written with serial {serial}", serial, null));
        }
        if (written.Count > 0)
            log.Info("Wrote {0} zone(s) of {1} with serial {2}: {3}", written.Count, settings.Network, serial,
                string.Join(", ", written.Take(10).Select(w => w.Zone)) + (written.Count > 10 ? ", …" : ""));
    }

    public static string FirstLines(string text, int max = 3)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "(no stderr)" : string.Join(" | ", lines.Take(max)) + (lines.Length > max ? " | …" : "");
    }
}
