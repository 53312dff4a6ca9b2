using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Edgemanage.Actors.Faults;

namespace Edgemanage.Actors.Zones;

/// <summary>File-level helpers for published zones: atomic replacement, reading back a serial, content keys.</summary>
public static class ZoneFiles
{
    /// <summary>Zone files are world-readable (named runs as another user) but only we write them.</summary>
    public const UnixFileMode ZoneFileMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>
    /// The zone an include file defines: its file name without the LAST ".zone" (so "test.zone.zone" is zone
    /// "test.zone", as in the original).
    /// </summary>
    public static string ZoneNameOf(string includeFileName)
    {
        var name = Path.GetFileName(includeFileName);
        return name.EndsWith(".zone", StringComparison.Ordinal) ? name[..^".zone".Length] : name;
    }

    /// <summary>
    /// Replaces <paramref name="path"/> with <paramref name="content"/> (UTF-8, no BOM) so that a reader (named)
    /// sees either the old or the new file, never a partial one: write a temp file in the same folder (same file
    /// system, so the rename is atomic), fsync it, rename it over the target. The mode is 0644 whatever the umask
    /// (the original's daemon ran with umask 0 and produced 0666 files). On failure the temp file is removed and
    /// the old file is untouched.
    /// </summary>
    public static void WriteAtomic(string path, string content)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full) ?? throw new ArgumentException($"{path} has no parent folder", nameof(path));
        // A dot name so that a crash leftover is not picked up by globbing "*.zone" in named_dir.
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = ZoneFileMode;
            using (var stream = new FileStream(temp, options))
            {
                var bytes = Utf8NoBom.GetBytes(content);
                stream.Write(bytes);
                // fsync before the rename: otherwise a power loss can leave the renamed name pointing at an empty file.
                stream.Flush(flushToDisk: true);
            }
            // UnixCreateMode is filtered by the umask; set the mode explicitly so it does not depend on it.
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, ZoneFileMode);
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>
    /// The SOA serial of an existing zone file, or null when the file is missing, unreadable or has no parseable
    /// SOA. Handles the single-line SOA we write and the usual parenthesised multi-line form with comments.
    /// Used so that a new serial is never behind what named has already loaded (e.g. after the journal was lost).
    /// </summary>
    public static uint? ReadSerial(string path) => ReadExisting(path) is { } bytes ? ParseSerial(Utf8NoBom.GetString(bytes)) : null;

    /// <summary>The SOA serial in zone text (see <see cref="ReadSerial"/>).</summary>
    public static uint? ParseSerial(string zoneText)
    {
        var tokens = Tokens(zoneText).GetEnumerator();
        while (tokens.MoveNext())
        {
            if (!tokens.Current.Equals("SOA", StringComparison.OrdinalIgnoreCase)) continue;
            // SOA <mname> <rname> <serial> ...; parentheses were already turned into separators.
            for (var skip = 0; skip < 2; skip++)
                if (!tokens.MoveNext()) return null;
            if (!tokens.MoveNext()) return null;
            return uint.TryParse(tokens.Current, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var serial)
                ? serial
                : null;
        }
        return null;
    }

    /// <summary>Whitespace-separated tokens with ';' comments removed and '(' ')' treated as separators.</summary>
    private static IEnumerable<string> Tokens(string text)
    {
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine;
            var comment = line.IndexOf(';');
            if (comment >= 0) line = line[..comment];
            foreach (var token in line.Split([' ', '\t', '\r', '(', ')'], StringSplitOptions.RemoveEmptyEntries))
                yield return token;
        }
    }

    /// <summary>
    /// The content key of a rendered zone: SHA-256 (lower-case hex) of its UTF-8 bytes. Render with serial 0 so
    /// that the key changes only when what the zone publishes changes, not on every serial bump.
    /// </summary>
    public static string ContentHash(string renderedWithSerialZero) =>
        Convert.ToHexStringLower(SHA256.HashData(Utf8NoBom.GetBytes(renderedWithSerialZero)));

    /// <summary>SHA-256 (lower-case hex) of a file's exact bytes, as <see cref="ContentHash"/> gives for the text we wrote.</summary>
    public static string BytesHash(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>Zone files are small; a larger one at a zone's path is not ours and is simply rewritten.</summary>
    private const long MaxCompareBytes = 64L << 20;

    /// <summary>
    /// The bytes of the regular file at <paramref name="path"/>, to compare with what we would write; null when there
    /// is none, or something else is there (a symlink, a folder, a device, a file too large to be a zone of ours) —
    /// any of which the next atomic write replaces. Never follows a symlink, so nothing planted in named_dir makes us
    /// read (or block on) another file.
    /// </summary>
    public static byte[]? ReadExisting(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.LinkTarget is not null || info.Length > MaxCompareBytes) return null;
            // FileInfo cannot tell a FIFO or a device from a regular file; an empty length is what both report, and an
            // empty zone is never ours either.
            if (info.Length == 0) return null;
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>The name of a temp file of <see cref="WriteAtomic"/> and <see cref="WriteAtomicBatch"/>: ".TARGET.GUID.tmp".</summary>
    private static readonly Regex TempName = new(@"^\.(?<target>.+)\.[0-9a-f]{32}\.tmp$", RegexOptions.CultureInvariant);

    /// <summary>
    /// Removes the temp files that a process killed mid-write left in <paramref name="dir"/> for the targets named in
    /// <paramref name="targets"/> (file names), and only those: our own naming pattern, for files only this network
    /// writes (we hold its lock, or are its decider), so another network's write in flight is never touched.
    /// Returns the paths removed.
    /// </summary>
    public static IReadOnlyList<string> RemoveLeftoverTemps(string dir, IReadOnlySet<string> targets)
    {
        var removed = new List<string>();
        if (targets.Count == 0 || !Directory.Exists(dir)) return removed;
        try
        {
            foreach (var path in Directory.EnumerateFiles(dir, ".*.tmp"))
            {
                var match = TempName.Match(Path.GetFileName(path));
                if (!match.Success || !targets.Contains(match.Groups["target"].Value)) continue;
                try
                {
                    File.Delete(path);
                    removed.Add(path);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return removed;
    }

    /// <summary>
    /// The content key of a zone from its inputs, without rendering it: the template's identity and every value the
    /// template can see except the serial. With the template fixed, equal keys mean equal zones (serial aside).
    /// </summary>
    public static string ModelHash(string templateIdentity, ZoneModel model)
    {
        var text = new StringBuilder();
        void Field(string value) => text.Append(value.Length).Append(':').Append(value).Append('\n');
        Field(templateIdentity);
        Field(model.Zone);
        Field(model.IncludeFileName);
        Field(model.IncludeText);
        foreach (var a in model.Addresses) Field(a.RecordType + " " + a.Ip);
        Field("ns");
        foreach (var ns in model.Dns.NsRecords) Field(ns);
        Field(model.Dns.SoaNameserver);
        Field(model.Dns.SoaMailbox);
        Field("rotate");
        foreach (var r in model.Dns.RotateZones) Field(r);
        return ContentHash(text.ToString());
    }

    /// <summary>One file of a batch write and what happened to it (null = written).</summary>
    public sealed record BatchItem(string Path, string Content)
    {
        public Exception? Error { get; internal set; }
    }

    /// <summary>
    /// <see cref="WriteAtomic"/> for many files at once, with the same guarantee (a reader sees the old or the new
    /// file, and the new one's data is on disk before its name is): every temp file is written first, then ONE
    /// <c>syncfs</c> makes them all durable, then each is renamed over its target. An fsync per file costs about
    /// 0.8 ms here, 8 s for 10 000 zones; one syncfs costs a few ms. Where syncfs is unavailable each file is
    /// fsynced. A failing item keeps its old file and records its error; the others still go ahead.
    /// </summary>
    public static void WriteAtomicBatch(IReadOnlyList<BatchItem> items, CrashPoints? crash = null)
    {
        var temps = new string?[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            try
            {
                temps[i] = WriteTemp(items[i].Path, items[i].Content, flushToDisk: false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                items[i].Error = e;
            }
        }
        var firstTemp = temps.FirstOrDefault(t => t is not null);
        if (firstTemp is null) return;
        if (!SyncFileSystem(firstTemp))
        {
            for (var i = 0; i < items.Count; i++)
            {
                if (temps[i] is not { } temp) continue;
                try
                {
                    using var handle = File.OpenHandle(temp, FileMode.Open, FileAccess.ReadWrite);
                    RandomAccess.FlushToDisk(handle);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    items[i].Error = e;
                    TryDelete(temp);
                    temps[i] = null;
                }
            }
        }
        crash?.Reach(CrashPoints.ZonesStaged);
        for (var i = 0; i < items.Count; i++)
        {
            if (temps[i] is not { } temp) continue;
            try
            {
                File.Move(temp, Path.GetFullPath(items[i].Path), overwrite: true);
                crash?.Reach(CrashPoints.ZoneRenamed);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                items[i].Error = e;
                TryDelete(temp);
            }
        }
    }

    private static string WriteTemp(string path, string content, bool flushToDisk)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full) ?? throw new ArgumentException($"{path} has no parent folder", nameof(path));
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = ZoneFileMode;
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(Utf8NoBom.GetBytes(content));
                stream.Flush(flushToDisk);
            }
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, ZoneFileMode);
            return temp;
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int syncfs(int fd);

    /// <summary>Flushes the whole file system holding <paramref name="anyFile"/> (Linux syncfs); false when unavailable.</summary>
    private static bool SyncFileSystem(string anyFile)
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            using var handle = File.OpenHandle(anyFile, FileMode.Open, FileAccess.Read);
            return syncfs((int)handle.DangerousGetHandle()) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
