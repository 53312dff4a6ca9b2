using System.Globalization;

namespace Edgemanage.Node.Hosting;

/// <summary>
/// One run per network at a time, so one SQLite journal never has two writers. On Linux, .NET opens a file
/// with FileShare.None under an exclusive advisory flock, released when the process exits for any reason.
/// Who holds it is written to a sidecar file, because the locked file itself cannot be read by others.
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

    /// <summary>The ctl endpoint named in a holder line, if the holder is a serving node that has one.</summary>
    public static string? AdminAddressOf(string holder)
    {
        var at = holder.IndexOf(AdminMarker, StringComparison.Ordinal);
        if (at < 0) return null;
        var rest = holder[(at + AdminMarker.Length)..];
        var end = rest.IndexOfAny([' ', ')', ',']);
        return end < 0 ? rest : rest[..end];
    }

    /// <summary>
    /// Who holds the lock, without touching the lock itself (taking it even for an instant could make a cron run
    /// starting at that moment exit 4). A holder that crashed leaves its line behind: callers must cope with a stale one.
    /// </summary>
    public static string? ReadHolder(string path)
    {
        try
        {
            var holderPath = path + ".holder";
            return File.Exists(holderPath) ? File.ReadAllText(holderPath).Trim() : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static bool TryAcquire(string path, string purpose, out NetworkLock? acquired, out string holder)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var holderPath = path + ".holder";
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            var me = string.Create(CultureInfo.InvariantCulture,
                $"pid {Environment.ProcessId} ({purpose}) since {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss}Z");
            File.WriteAllText(holderPath, me + "\n");
            acquired = new NetworkLock(stream, holderPath);
            holder = me;
            return true;
        }
        catch (IOException)
        {
            acquired = null;
            holder = File.Exists(holderPath) ? File.ReadAllText(holderPath).Trim() : "another process";
            return false;
        }
    }

    public void Dispose()
    {
        try { File.Delete(_holderPath); } catch (IOException) { /* the lock itself is what matters */ }
        _lock.Dispose();
    }
}
