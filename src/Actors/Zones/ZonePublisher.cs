using Akka.Event;
using Edgemanage.Actors.Commands;
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
    int SnapshotEvery);

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
}

/// <summary>
/// One publish step, outside the actor so it can run as a task and be tested without Akka: resolve each
/// zone's addresses, render it, skip it when its content (serial aside) is what the zone already holds,
/// check it, write it atomically, then the live list and the hooks. Nothing is written when anything about
/// a zone is wrong: the old file stays and the outcome says why.
/// </summary>
public sealed class ZonePublisher(ZoneWriterSettings settings, HostResolver resolver, TimeProvider time, ILoggingAdapter log)
{
    public sealed record Result(ZonesPublished Reply, ZonesWritten? Event);

    private sealed record Rendered(string Zone, string Path, ZoneModel Model, string Hash);

    public async Task<Result> PublishAsync(PublishZones cmd, ZoneWriterState state, CancellationToken ct)
    {
        var outcomes = new List<ZoneOutcome>();
        var problems = new List<string>();
        var toWrite = new List<Rendered>();

        foreach (var zone in cmd.Zones.OrderBy(z => z.Zone, StringComparer.Ordinal))
        {
            var path = Path.Combine(settings.NamedDir, zone.Zone + ".zone");
            if (zone.HoldReason is { } hold || zone.IncludeText is null)
            {
                outcomes.Add(new ZoneOutcome(zone.Zone, ZoneAction.Held, zone.HoldReason ?? "include could not be read", null, null));
                continue;
            }
            var addresses = new List<ZoneAddress>();
            foreach (var edge in zone.Addresses)
            {
                var resolved = await resolver.ResolveAsync(edge, ct);
                if (resolved.Address is { } address) addresses.Add(address);
                else
                {
                    var warning = $"zone {zone.Zone}: edge {edge} left out: {resolved.Error}";
                    problems.Add(warning);
                    log.Warning(warning);
                }
            }
            if (addresses.Count == 0)
            {
                outcomes.Add(new ZoneOutcome(zone.Zone, ZoneAction.Failed,
                    "no address could be published (a zone is never written without A/AAAA records); the old file stays", null, null));
                continue;
            }
            var model = new ZoneModel(zone.Zone, zone.IncludeFileName, zone.IncludeText, addresses, 0, settings.Dns);
            string keyText;
            try
            {
                keyText = settings.Template.Render(model);
            }
            catch (ZoneTemplateException e)
            {
                outcomes.Add(new ZoneOutcome(zone.Zone, ZoneAction.Failed, $"template error: {e.Message}; the old file stays", null, null));
                continue;
            }
            var hash = ZoneFiles.ContentHash(keyText);
            if (!cmd.ForceUpdate && state.Zones.TryGetValue(zone.Zone, out var published) && published.ContentHash == hash && File.Exists(path))
            {
                outcomes.Add(new ZoneOutcome(zone.Zone, ZoneAction.Unchanged, "records and include unchanged", published.Serial, null));
                continue;
            }
            toWrite.Add(new Rendered(zone.Zone, path, model, hash));
        }

        uint? serial = null;
        var written = new List<PublishedZone>();
        if (toWrite.Count > 0)
        {
            // Never behind what any target file already carries (a zone written by the original, or by a node
            // whose journal was lost), never behind unix time, always ahead of the last serial we used.
            var onDisk = toWrite.Select(r => ZoneFiles.ReadSerial(r.Path)).Where(s => s is not null).Max();
            serial = ZoneSerial.Next(state.LastSerial, onDisk, time.GetUtcNow().ToUnixTimeSeconds());
            foreach (var r in toWrite)
                outcomes.Add(await WriteOneAsync(r, serial.Value, cmd.DryRun, written, ct));
        }

        var liveListWritten = !cmd.DryRun && WriteLiveList(cmd, state, problems);
        var anyChanged = written.Count > 0 || liveListWritten;
        var hooks = new List<CommandOutcome>();
        if (!cmd.DryRun)
        {
            foreach (var line in settings.Commands.RunAfter) hooks.Add(await RunHookAsync("run_after", line, ct));
            if (anyChanged)
                foreach (var line in settings.Commands.RunAfterChanges) hooks.Add(await RunHookAsync("run_after_changes", line, ct));
        }

        var ordered = outcomes.OrderBy(o => o.Zone, StringComparer.Ordinal).ToArray();
        var reply = new ZonesPublished(cmd.RoundId, ordered, anyChanged, liveListWritten, hooks, problems);
        var evt = written.Count > 0 || liveListWritten
            ? new ZonesWritten(time.GetUtcNow().ToUnixTimeMilliseconds(), serial ?? state.LastSerial, written, liveListWritten ? cmd.LiveList : null)
            : null;
        return new Result(reply, evt);
    }

    private async Task<ZoneOutcome> WriteOneAsync(Rendered r, uint serial, bool dryRun, List<PublishedZone> written, CancellationToken ct)
    {
        string text;
        try
        {
            text = settings.Template.Render(r.Model with { Serial = serial });
        }
        catch (ZoneTemplateException e)
        {
            return new ZoneOutcome(r.Zone, ZoneAction.Failed, $"template error: {e.Message}; the old file stays", null, null);
        }
        if (dryRun)
        {
            var old = File.Exists(r.Path) ? await File.ReadAllTextAsync(r.Path, ct) : null;
            return new ZoneOutcome(r.Zone, ZoneAction.Planned, old is null ? "would be created" : "would be rewritten", serial,
                ZoneDiff.Unified(old, text, r.Path, r.Path + " (planned)"));
        }

        if (settings.Checker is { } checker)
        {
            // Check a copy outside named_dir, so named never sees a zone that failed its check.
            var scratch = Path.Combine(Path.GetTempPath(), $"edgemanage-check-{Environment.ProcessId}-{Guid.NewGuid():N}");
            Directory.CreateDirectory(scratch);
            try
            {
                var candidate = Path.Combine(scratch, r.Zone + ".zone");
                await File.WriteAllTextAsync(candidate, text, ct);
                var check = await checker.CheckAsync(r.Zone, candidate, settings.CommandTimeout, ct);
                if (!check.Succeeded)
                {
                    var why = check.StartError ?? (check.TimedOut ? "timed out" : $"exit {check.ExitCode}");
                    var detail = $"zone check failed ({why}): {FirstLines(check.Stderr)}; the old file stays";
                    log.Error("Zone {0} of {1}: {2}", r.Zone, settings.Network, detail);
                    return new ZoneOutcome(r.Zone, ZoneAction.CheckFailed, detail, null, null);
                }
            }
            finally
            {
                try { Directory.Delete(scratch, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }

        try
        {
            ZoneFiles.WriteAtomic(r.Path, text);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Error("Zone {0} of {1}: writing {2} failed: {3}", r.Zone, settings.Network, r.Path, e.Message);
            return new ZoneOutcome(r.Zone, ZoneAction.Failed, $"writing {r.Path} failed: {e.Message}; the old file stays", null, null);
        }
        written.Add(new PublishedZone(r.Zone, r.Hash, serial));
        log.Info("Wrote zone {0} ({1}) with serial {2}", r.Zone, r.Path, serial);
        return new ZoneOutcome(r.Zone, ZoneAction.Written, $"written with serial {serial}", serial, null);
    }

    /// <summary>The live list is rewritten when the set changed, or when the file is missing or differs.</summary>
    private bool WriteLiveList(PublishZones cmd, ZoneWriterState state, List<string> problems)
    {
        if (settings.LiveListPath is not { } path) return false;
        var text = cmd.LiveList.Count == 0 ? "\n" : string.Join("\n", cmd.LiveList) + "\n";
        var same = state.LiveList is { } last && last.SequenceEqual(cmd.LiveList, StringComparer.Ordinal);
        if (same && !cmd.LiveChanged && File.Exists(path) && File.ReadAllText(path) == text) return false;
        try
        {
            ZoneFiles.WriteAtomic(path, text);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var problem = $"writing live_list {path} failed: {e.Message}";
            problems.Add(problem);
            log.Error(problem);
            return false;
        }
    }

    private async Task<CommandOutcome> RunHookAsync(string hook, string line, CancellationToken ct)
    {
        var outcome = await CommandRunner.RunAsync(hook, line, settings.CommandTimeout, ct);
        if (outcome.Succeeded) log.Info("{0} '{1}' exited 0 in {2:F1}s", hook, line, outcome.Elapsed.TotalSeconds);
        else log.Error("{0} '{1}' failed: {2}; stderr: {3}", hook, line,
            outcome.StartError ?? (outcome.TimedOut ? $"killed after {settings.CommandTimeout.TotalSeconds:F0}s" : $"exit {outcome.ExitCode}"),
            FirstLines(outcome.Stderr));
        return outcome;
    }

    public static string FirstLines(string text, int max = 3)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "(no stderr)" : string.Join(" | ", lines.Take(max)) + (lines.Length > max ? " | …" : "");
    }
}
