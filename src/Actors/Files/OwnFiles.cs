namespace Edgemanage.Actors.Files;

/// <summary>
/// How we write the small files we own in state_dir (the lock's holder line, the metrics textfile, the admin
/// secret): never in place, never through a name someone else may have planted.
///
/// A fresh temporary name is created with O_CREAT|O_EXCL (FileMode.CreateNew), which refuses to open anything that
/// already exists, a symlink included; it is written, fsynced and renamed over the target. rename(2) replaces
/// whatever is at the target, a symlink too, instead of writing through it. So a link planted at the target, or at
/// a predictable temporary name, can never redirect our bytes to another file.
/// </summary>
public static class OwnFiles
{
    /// <summary>rw-r--r--: what node_exporter and operators read.</summary>
    public const UnixFileMode Readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>rw-------: secrets.</summary>
    public const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Writes <paramref name="content"/> to <paramref name="path"/> atomically with <paramref name="mode"/> (whatever the umask).
    /// On failure the temporary file is removed, the old file is left as it was, and the exception is rethrown.
    /// </summary>
    public static void WriteAtomically(string path, string content, UnixFileMode mode = Readable) =>
        WriteAtomically(path, stream => stream.Write(new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(content)), mode);

    /// <summary>
    /// The same, for content written straight to the file by <paramref name="write"/> (a large text need not be one
    /// string first).
    /// </summary>
    /// <param name="durable">
    /// Flushed to disk before the rename (the default). Without: a reader still sees the old file or the new one,
    /// never half of one, but a crash of the machine right after may leave the new one empty; for a file rewritten
    /// every round (the metrics textfile), not worth an fsync of a megabyte.
    /// </param>
    public static void WriteAtomically(string path, Action<Stream> write, UnixFileMode mode = Readable, bool durable = true)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full) ?? throw new ArgumentException($"{path} has no parent folder", nameof(path));
        // A dot name not ending like the target, so globs (*.prom for node_exporter) never pick up a half-written file.
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = mode;
            using (var stream = new FileStream(temp, options))
            {
                write(stream);
                stream.Flush(flushToDisk: durable);
            }
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, mode);
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>True when <paramref name="e"/> (or what it wraps) is the kernel's ENOSPC or EDQUOT.</summary>
    public static bool IsDiskFull(Exception e)
    {
        for (var x = (Exception?)e; x is not null; x = x.InnerException)
        {
            if (x is IOException io && (io.HResult is 28 or 122 || unchecked((uint)io.HResult) is 0x80070070u or 0x80070027u)) return true;
            if (x.Message.Contains("No space left on device", StringComparison.OrdinalIgnoreCase)
                || x.Message.Contains("Disk quota exceeded", StringComparison.OrdinalIgnoreCase)
                || x.Message.Contains("database or disk is full", StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    /// <summary>Bytes an unprivileged writer may still use on the filesystem holding <paramref name="dir"/>; null when unknown.</summary>
    public static long? AvailableBytes(string dir)
    {
        try
        {
            // On Unix DriveInfo statfs()s whatever path it is given, so this is the filesystem of dir itself.
            return new DriveInfo(Path.GetFullPath(dir)).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }
}
