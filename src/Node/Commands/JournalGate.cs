using System.Globalization;
using Edgemanage.Actors.Files;
using Edgemanage.Actors.Persistence;
using Edgemanage.Actors.Zones;
using Edgemanage.Contracts.Config;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Configuration;
using Edgemanage.Node.Hosting;

namespace Edgemanage.Node.Commands;

/// <summary>
/// What every command that opens a network's SQLite journal goes through before an ActorSystem starts: free space
/// for a writer, a read-only inspection (<see cref="SqliteJournal.Inspect"/>), and the check that a journal with no
/// record of the network is not silently taken for a new one when the network has clearly run here before.
/// Every refusal is exit 1 within seconds, names the file and says what to do; the file is left as it was found.
/// </summary>
public static class JournalGate
{
    /// <summary>What a writer needs free beside the journal: a round's events, a snapshot and the WAL growing with them.</summary>
    public const long MinimumFreeBytes = 1 << 20;

    /// <summary>How long SQLite may spend on the integrity check and on decoding payloads (each, at most).</summary>
    public static readonly TimeSpan CheckBudget = TimeSpan.FromSeconds(8);

    public const string NewJournalFlag = "--new-journal";

    public enum Access { Read, Write }

    /// <summary>
    /// Signs that this network was run here by us before: our lock file in state_dir, marked by every writer that opened
    /// the journal (<see cref="NetworkLock.MarkJournalWriter"/>; the original never made one), together with a zone of
    /// the network in named_dir, its live list, or a holder line left by a run that died. Zones and live list alone are
    /// not enough: the original writes the same files, and a first run after it must start (from live_list).
    /// </summary>
    public static string? PriorRunEvidence(NetworkContext context)
    {
        var paths = context.Paths;
        if (!NetworkLock.IsMarked(paths.NetworkLock)) return null;
        var signs = new List<string>();
        if (NetworkLock.ReadHolder(paths.NetworkLock) is { Length: > 0 } holder) signs.Add($"a lock holder line '{holder}' in {NetworkLock.HolderPathOf(paths.NetworkLock)}");
        if (paths.LiveList is { } live && new FileInfo(live) is { Exists: true, Length: > 0 }) signs.Add($"the live list {live}");
        // Zone files are a sign only where we write them (publish: files).
        if (context.Settings.DnsUpdate is null)
        {
            try
            {
                var zones = ZoneIncludeScanner.Scan(paths.ZoneIncludeDir).Zones
                    .Select(z => Path.Combine(context.Settings.NamedDir, z.Zone + ".zone")).Where(File.Exists).ToList();
                if (zones.Count > 0) signs.Add(zones.Count == 1 ? $"the zone {zones[0]}" : $"{zones.Count} zones in {context.Settings.NamedDir}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* no zones to count: fewer signs */ }
        }
        return signs.Count == 0 ? null : $"{string.Join(", ", signs)}, beside the lock {paths.NetworkLock}";
    }

    /// <summary>The SQLite journal a command of this network would open, or null when it is not a SQLite file of ours to check.</summary>
    public static string? SqlitePathOf(NetworkContext context) =>
        context.Settings.Persistence.Provider == PersistenceProvider.Sqlite
            ? JournalTarget.For(context.Settings.Persistence, context.Paths.Journal).SqlitePath
            : null;

    /// <summary>
    /// A writer, before it takes the lock: is there room beside the journal? Returns exit 1 after naming the full
    /// state_dir, or null to go on. A full disk used to surface as a lock "held by" nobody, or as a round whose
    /// records silently failed.
    /// </summary>
    public static int? CheckSpace(NetworkContext context, TextWriter error)
    {
        var dir = SqlitePathOf(context) is { } journal ? Path.GetDirectoryName(journal)! : context.Settings.StateDir;
        var existing = dir;
        while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent) existing = parent;
        if (OwnFiles.AvailableBytes(existing) is { } free && free < MinimumFreeBytes)
        {
            error.WriteLine($"edgemanage: state_dir {dir} is full ({free} bytes free, at least {MinimumFreeBytes} needed to record a round); " +
                            "nothing was probed or written. Free some space and run again");
            return ExitCodes.Error;
        }
        return null;
    }

    /// <summary>
    /// Inspects the journal and decides whether the command may open it. Returns null to go on, or the exit code
    /// after explaining why not. A writer with <paramref name="newJournal"/> sets an existing journal aside (renamed,
    /// never deleted) and starts a new one.
    /// </summary>
    /// <param name="held">A writer's lock: marked once the journal passes, as the sign for later runs that one is expected.</param>
    public static int? Check(NetworkContext context, Access access, bool newJournal, string? evidence, TextWriter output, TextWriter error,
        string command, NetworkLock? held = null)
    {
        var code = Check(context, access, newJournal, evidence, output, error, command, out _);
        if (code is null && access == Access.Write && held is not null && SqlitePathOf(context) is { } path) held.MarkJournalWriter(path);
        return code;
    }

    /// <summary>
    /// The readers' gate (query, why, check, run -n): throws <see cref="JournalRefusedException"/> (exit 1, already
    /// explained on <paramref name="error"/>) for a damaged journal; returns false when there is nothing of the
    /// network to read (no journal, or one without its records), so the reader answers with defaults and starts no
    /// ActorSystem against a file the plugin could only fail on.
    /// </summary>
    public static bool HasReadableJournal(NetworkContext context, TextWriter error, string command)
    {
        if (Check(context, Access.Read, newJournal: false, PriorRunEvidence(context), TextWriter.Null, error, command, out var condition) is { } code)
            throw new JournalRefusedException(code, $"the journal {SqlitePathOf(context)} " +
                (condition?.Condition == JournalCondition.Unreadable ? $"cannot be read: {condition.Problem}" : $"is damaged: {condition?.Problem}"));
        return SqlitePathOf(context) is null || condition?.Condition == JournalCondition.Healthy;
    }

    public static int? Check(NetworkContext context, Access access, bool newJournal, string? evidence, TextWriter output, TextWriter error,
        string command, out JournalInspection? found)
    {
        found = null;
        if (SqlitePathOf(context) is not { } path) return null;
        var network = context.Paths.Network;
        var inspection = SqliteJournal.Inspect(path, new SqliteJournal.NetworkIds(network, context.Settings.Vantage), CheckBudget);
        foreach (var note in inspection.Notes) error.WriteLine($"edgemanage: note: journal {path}: {note}");
        found = inspection;

        if (access == Access.Write && newJournal)
        {
            if (inspection.Condition != JournalCondition.Missing) return SetAside(path, inspection, output, error);
            output.WriteLine($"{NewJournalFlag}: no journal at {path}; starting a new one");
            return null;
        }

        switch (inspection.Condition)
        {
            case JournalCondition.Damaged:
                error.WriteLine($"edgemanage: the journal {path} is damaged: {inspection.Problem}");
                error.WriteLine($"edgemanage: {command} stopped before opening it; the file was not changed and nothing was written. " +
                                $"Restore it from a backup, or start a new journal deliberately with 'edgemanage run -A {network} {NewJournalFlag}' " +
                                "(the damaged file is kept beside it, renamed)");
                return ExitCodes.Error;
            case JournalCondition.Unreadable:
                var dir = Path.GetDirectoryName(path)!;
                // SQLite's "unable to open database file" rarely says why: a WAL journal needs its folder writable
                // and room for its -shm index, even to be read. Say which of those it is.
                var full = OwnFiles.AvailableBytes(dir) is < MinimumFreeBytes
                    ? $" (state_dir {dir} is full: even a reader of a WAL journal needs room for its -shm index)"
                    : Unwritable(path) is { } unwritable ? $" ({unwritable}; even a reader of a WAL journal needs its folder writable)" : "";
                error.WriteLine($"edgemanage: the journal {path} cannot be read: {inspection.Problem}{full}");
                error.WriteLine($"edgemanage: {command} stopped before opening it; the file was not changed and nothing was written");
                return ExitCodes.Error;
            case JournalCondition.Missing or JournalCondition.NoData when evidence is not null:
                var what = inspection.Condition == JournalCondition.Missing ? "does not exist" : $"holds no record of network {network}";
                var message = $"the journal {path} {what}, but {network} has run here before: {evidence}";
                if (access == Access.Read)
                {
                    // A reader writes nothing, so it may still answer (with defaults); it must not hide the loss.
                    error.WriteLine($"edgemanage: warning: {message}; the answer below knows no history");
                    return null;
                }
                error.WriteLine($"edgemanage: {message}.");
                error.WriteLine("edgemanage: starting afresh would forget every edge's history and mode and the last decision, and the next " +
                                $"round could publish a different live set. If the journal was moved or lost, put it back. To start a new " +
                                $"journal deliberately, run again with {NewJournalFlag}. Nothing was probed or written");
                return ExitCodes.Error;
        }

        if (access == Access.Write && inspection.Condition != JournalCondition.Missing && Unwritable(path) is { } why)
        {
            error.WriteLine($"edgemanage: the journal {path} cannot be written: {why}; nothing was probed or written");
            return ExitCodes.Error;
        }
        return null;
    }

    /// <summary>
    /// Whether a writer could write the journal and its -wal/-shm companions: opened for writing (which changes
    /// nothing), so a read-only file or filesystem (EACCES, EPERM, EROFS) is named now, not as a plugin failure later.
    /// </summary>
    private static string? Unwritable(string path)
    {
        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            if (!File.Exists(file)) continue;
            try
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return $"{file}: {e.Message}";
            }
        }
        var dir = Path.GetDirectoryName(path)!;
        var probe = Path.Combine(dir, $".edgemanage-write-probe.{Guid.NewGuid():N}");
        try
        {
            // SQLite creates -wal and -shm beside the journal: the folder must take new files too.
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write)) { }
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"its folder {dir} does not take new files ({e.Message})";
        }
        return null;
    }

    /// <summary>--new-journal: the old journal (damaged, foreign or simply the old history) is renamed aside, never deleted.</summary>
    private static int? SetAside(string path, JournalInspection inspection, TextWriter output, TextWriter error)
    {
        var stamp = DateTimeOffset.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var aside = $"{path}.{(inspection.Condition == JournalCondition.Damaged ? "damaged" : "old")}-{stamp}";
        try
        {
            foreach (var suffix in new[] { "", "-wal", "-shm" })
                if (File.Exists(path + suffix)) File.Move(path + suffix, aside + suffix, overwrite: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"edgemanage: {NewJournalFlag}: cannot set the journal {path} aside as {aside}: {e.Message}; nothing was probed or written");
            return ExitCodes.Error;
        }
        var why = inspection.Condition == JournalCondition.Damaged ? $" (damaged: {inspection.Problem})" : "";
        output.WriteLine($"{NewJournalFlag}: the journal {path} was set aside as {aside}{why}; starting a new one");
        return null;
    }
}

/// <summary>The journal gate refused a command; what and why was already written to stderr.</summary>
public sealed class JournalRefusedException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
