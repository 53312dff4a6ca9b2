using System.Globalization;
using Edgemanage.Actors.Files;

namespace Edgemanage.Node.Hosting;

/// <summary>
/// One run per network at a time, so one SQLite journal never has two writers. On Linux, .NET opens a file
/// with FileShare.None under an exclusive advisory flock, released by the kernel when the process exits for any
/// reason: a lock whose holder died is simply free, and the next taker replaces the dead holder's line.
/// Who holds it is written to a sidecar file, because the locked file itself cannot be read by others.
///
/// Only contention ("another process holds it") is reported as a held lock. Any other failure, a full state_dir
/// above all, is a <see cref="NetworkLockException"/> naming the path and the reason: it used to surface as
/// "locked by  (…)" with an empty holder, the half-written line of the failed attempt.
/// </summary>
public sealed class NetworkLock : IDisposable
{
    private readonly FileStream _lock;
    private readonly string _holderPath;

    private NetworkLock(FileStream lockStream, string holderPath)
    {
        _lock = lockStream;
        _holderPath = holderPath;
    }

    /// <summary>In a serve holder line, what precedes the ctl endpoint's host:port.</summary>
    public const string AdminMarker = "ctl at ";

    /// <summary>A holder line is one short line; more than this is not ours, and is not read.</summary>
    private const int HolderCap = 4096;

    /// <summary>The ctl endpoint named in a holder line, if the holder is a serving node that has one.</summary>
    public static string? AdminAddressOf(string holder)
    {
        var at = holder.IndexOf(AdminMarker, StringComparison.Ordinal);
        if (at < 0) return null;
        var rest = holder[(at + AdminMarker.Length)..];
        var end = rest.IndexOfAny([' ', ')', ',']);
        return end < 0 ? rest : rest[..end];
    }

    public static string HolderPathOf(string lockPath) => lockPath + ".holder";

    /// <summary>
    /// Who holds the lock, without touching the lock itself (taking it even for an instant could make a cron run
    /// starting at that moment exit 4). A holder that crashed leaves its line behind: callers must cope with a stale one.
    /// Only a non-empty file that is not a link is read, and only its first 4 KiB: a FIFO or a device planted there cannot hang us.
    /// </summary>
    public static string? ReadHolder(string path)
    {
        try
        {
            var holderPath = HolderPathOf(path);
            var info = new FileInfo(holderPath);
            // Length 0 covers what must never be opened: a FIFO would block the open, a device like /dev/zero never
            // ends. Our own holder line is never empty, so nothing of ours is skipped.
            if (!info.Exists || info.LinkTarget is not null || info.Length == 0) return null;
            using var stream = new FileStream(holderPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var buffer = new byte[HolderCap];
            var n = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            return System.Text.Encoding.UTF8.GetString(buffer, 0, n).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Takes the lock, or says who holds it (false). Throws <see cref="NetworkLockException"/> when the lock could not
    /// be taken for any other reason (full disk, permissions, a symlink planted at the lock): never reported as held.
    /// </summary>
    public static bool TryAcquire(string path, string purpose, out NetworkLock? acquired, out string holder)
    {
        var full = Path.GetFullPath(path);
        var holderPath = HolderPathOf(full);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure(full, "cannot create its folder", e);
        }
        if (new FileInfo(full).LinkTarget is { } target)
            throw new NetworkLockException(full, $"the lock {full} is a symbolic link (to {target}); we never lock or write through a link. Remove it");

        FileStream stream;
        try
        {
            stream = new FileStream(full, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (IsContention(e))
        {
            acquired = null;
            holder = ReadHolder(full) is { Length: > 0 } line ? line : "another process (its holder line is not written yet, or was lost)";
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure(full, "cannot open the lock", e);
        }

        var me = string.Create(CultureInfo.InvariantCulture,
            $"pid {Environment.ProcessId} ({purpose}) since {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss}Z");
        try
        {
            // A dead holder's line (or a link planted at the holder's name) is replaced, never written through.
            OwnFiles.WriteAtomically(holderPath, me + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stream.Dispose();
            throw Failure(holderPath, "cannot write the lock's holder line", e);
        }
        acquired = new NetworkLock(stream, holderPath);
        holder = me;
        return true;
    }

    /// <summary>
    /// flock refused because another open file holds it: .NET reports a sharing violation, with EWOULDBLOCK's errno
    /// as HResult on Linux (11) and macOS (35), or Windows' ERROR_SHARING_VIOLATION.
    /// </summary>
    private static bool IsContention(IOException e) =>
        e.HResult is 11 or 35 || unchecked((uint)e.HResult) is 0x80070020u or 0x80070021u;

    private static NetworkLockException Failure(string path, string what, Exception e)
    {
        var dir = Path.GetDirectoryName(path)!;
        return OwnFiles.IsDiskFull(e) || OwnFiles.AvailableBytes(dir) == 0
            ? new NetworkLockException(path, $"state_dir {dir} is full: {what} {path}: {e.Message}", diskFull: true, e)
            : new NetworkLockException(path, $"{what} {path}: {e.Message}", diskFull: false, e);
    }

    /// <summary>
    /// Marks the lock file as that of a network whose journal a writer has opened here (run, serve, edge mode, import):
    /// the journal gate's sign that a journal is expected. A dry run or a reader never marks it, so a first `run -n`
    /// after the original edgemanage does not make the real first run look like a lost journal. Best effort: a
    /// failure to write the mark (a full disk) leaves the lock as good as it was.
    /// </summary>
    public void MarkJournalWriter(string journal)
    {
        try
        {
            var line = System.Text.Encoding.UTF8.GetBytes($"journal {journal}\n");
            _lock.SetLength(0);
            _lock.Write(line);
            _lock.Flush(flushToDisk: true);
        }
        catch (IOException) { /* only a sign for later runs; the lock itself holds */ }
    }

    /// <summary>Whether a writer has ever marked this lock (see <see cref="MarkJournalWriter"/>); read with stat only, never opened.</summary>
    public static bool IsMarked(string path) => new FileInfo(path) is { Exists: true, Length: > 0 } info && info.LinkTarget is null;

    public void Dispose()
    {
        try { File.Delete(_holderPath); } catch (IOException) { } catch (UnauthorizedAccessException) { /* the lock itself is what matters */ }
        _lock.Dispose();
    }
}

/// <summary>The network's lock could not be taken for a reason other than another holder: the message names the path.</summary>
public sealed class NetworkLockException(string path, string message, bool diskFull = false, Exception? inner = null) : IOException(message, inner)
{
    public string Path { get; } = path;
    public bool DiskFull { get; } = diskFull;
}
