namespace Edgemanage.Contracts.Zones;

/// <summary>One zone of a network as read this round: its include, or why it must be left alone.</summary>
public sealed record ZoneSource(string Zone, string IncludeFileName, string? IncludeText, string? HoldReason);

/// <summary>What one zone should publish this round, after the canary overlay.</summary>
/// <param name="Zone">The zone name (the include's file name without its last ".zone").</param>
/// <param name="IncludeFileName">The include's file name, as shown in ";;; contents of X".</param>
/// <param name="IncludeText">The include's text, appended verbatim; null when it could not be read.</param>
/// <param name="Addresses">Edge names or IP literals in the order they are published (sorted live set, canary last).</param>
/// <param name="Canary">The canary IP this zone publishes, if any.</param>
/// <param name="HoldReason">Set when this zone must not be touched this round (broken include or canary entry).</param>
public sealed record ZoneContent(
    string Zone,
    string IncludeFileName,
    string? IncludeText,
    IReadOnlyList<string> Addresses,
    string? Canary,
    string? HoldReason);

/// <summary>What happened to one zone in a publish step.</summary>
public enum ZoneAction : byte
{
    Written = 0,
    Unchanged = 1,
    /// <summary>Not touched: its inputs were broken, or there was no live set to publish.</summary>
    Held = 2,
    /// <summary>The rendered zone failed its check; the old file stays.</summary>
    CheckFailed = 3,
    /// <summary>Rendering or writing failed; the old file stays.</summary>
    Failed = 4,
    /// <summary>Dry run: would be written.</summary>
    Planned = 5,
}

public sealed record ZoneOutcome(string Zone, ZoneAction Action, string Detail, uint? Serial, string? Diff);

/// <summary>The result of one configured command (run_before, run_after, run_after_changes, a zone check).</summary>
public sealed record CommandOutcome(string Hook, string CommandLine, int? ExitCode, bool TimedOut, string? StartError, string Stderr, TimeSpan Elapsed)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut && StartError is null;
}

/// <summary>
/// A zone as last published: a hash of everything its content depends on except the serial, the serial, the key of
/// the check it passed (a hash of its shape: template, include, record counts — not the addresses), so a zone whose
/// only change is its addresses is not checked again, and the SHA-256 of the exact bytes written, so that every
/// round can tell whether the file on disk is still the one recorded (null in records older than that).
/// </summary>
public sealed record PublishedZone(string Zone, string ContentHash, uint Serial, string CheckKey, string? FileHash = null);

/// <summary>Persisted by a ZoneWriterActor after it wrote zones (and the live list).</summary>
public sealed record ZonesWritten(long AtUnixMs, uint Serial, IReadOnlyList<PublishedZone> Zones, IReadOnlyList<string>? LiveList) : IEdgemanageMessage;

/// <summary>A ZoneWriterActor's snapshot: the highest serial ever used and what each zone holds.</summary>
public sealed record ZoneWriterSnapshot(uint LastSerial, IReadOnlyList<PublishedZone> Zones, IReadOnlyList<string>? LiveList) : IEdgemanageMessage;

public static class ZoneCommands
{
    /// <summary>
    /// Render, check and write the zones of one network, then the live list and the hooks (NetworkActor →
    /// ZoneWriterActor). <see cref="LiveChanged"/> says whether the network's live set changed this round.
    /// </summary>
    public sealed record PublishZones(
        string Network, long RoundId, IReadOnlyList<ZoneContent> Zones, IReadOnlyList<string> LiveList, bool LiveChanged,
        bool DryRun, bool ForceUpdate);
}

public static class ZoneReplies
{
    /// <summary>What a publish step did: per zone, the live list, and the hooks it ran.</summary>
    public sealed record ZonesPublished(
        long RoundId, IReadOnlyList<ZoneOutcome> Zones, bool AnyChanged, bool LiveListWritten, IReadOnlyList<CommandOutcome> Hooks,
        IReadOnlyList<string> Problems)
    {
        public bool AllPublished => Zones.All(z => z.Action is ZoneAction.Written or ZoneAction.Unchanged or ZoneAction.Planned);
    }
}
