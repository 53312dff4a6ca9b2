using System.Runtime.InteropServices;
using System.Text;

namespace Edgemanage.Actors.Inputs;

/// <summary>What a path names, as the kernel sees it (after following symlinks, unless asked not to).</summary>
public enum FileKind { Missing, Regular, Directory, Fifo, Socket, CharacterDevice, BlockDevice, Symlink, Unknown }

/// <summary>
/// One look at a path. <see cref="ViaSymlink"/> says the name itself is a symlink (then Kind, Mode and Size describe
/// its target). <see cref="Mode"/> holds the permission bits only.
/// </summary>
public sealed record FileFacts(string Path, FileKind Kind, UnixFileMode Mode, long Size, bool ViaSymlink)
{
    public bool Exists => Kind != FileKind.Missing;
}

/// <summary>An input that cannot be used. The message names the file and is meant for the operator as is.</summary>
public sealed class InputFileException(string path, string message, Exception? inner = null) : IOException(message, inner)
{
    public string FilePath { get; } = path;
}

/// <summary>
/// The one way edgemanage reads what an operator hands it: the config, edge lists, canary files, testobject.local,
/// the zone template and the zone includes. Reading a path blindly can hang (a FIFO blocks open() until a writer
/// comes), never end (/dev/zero, /dev/urandom) or exhaust memory (a huge file), so every read first looks at the
/// path without opening it and refuses anything but a regular file, by the name of its kind, and then reads at
/// most a stated number of bytes.
/// </summary>
public static class InputFile
{
    /// <summary>The cap for text inputs: far above any real config, edge list, include or template.</summary>
    public const long DefaultMaxBytes = 16L * 1024 * 1024;

    /// <summary>Looks at <paramref name="path"/> without opening it; Missing when it (or a directory above it) does not exist.</summary>
    public static FileFacts Examine(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!OperatingSystem.IsLinux()) return ExaminePortably(full);
        try
        {
            var target = Statx(full, followSymlinks: true);
            var self = target.Kind == FileKind.Missing ? Statx(full, followSymlinks: false) : null;
            // A dangling symlink: the name exists, what it points at does not.
            if (self is { Kind: FileKind.Symlink }) return target with { ViaSymlink = true };
            var viaSymlink = target.Kind != FileKind.Missing && Statx(full, followSymlinks: false).Kind == FileKind.Symlink;
            return target with { ViaSymlink = viaSymlink };
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return ExaminePortably(full);
        }
    }

    /// <summary>
    /// True when nothing is at <paramref name="path"/> (not even a dangling symlink), for optional inputs. A path that
    /// cannot be examined (a symlink loop, no permission) is not missing: reading it then says why.
    /// </summary>
    public static bool IsMissing(string path)
    {
        try
        {
            return Examine(path) is { Kind: FileKind.Missing, ViaSymlink: false };
        }
        catch (InputFileException)
        {
            return false;
        }
    }

    /// <summary>The kind as operators say it, for messages: "a FIFO", "a character device".</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Missing => "missing",
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a directory",
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.Socket => "a socket",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Symlink => "a symlink",
        _ => "not a regular file or directory",
    };

    /// <summary>
    /// Null when <paramref name="path"/> is missing or of the <paramref name="expected"/> kind; otherwise why not,
    /// e.g. "logpath '/dev/null' is a character device, not a regular file".
    /// </summary>
    public static string? WrongKind(string path, FileKind expected, string what)
    {
        var facts = Examine(path);
        return facts.Kind == FileKind.Missing || facts.Kind == expected
            ? null
            : $"{what} '{path}' is {Describe(facts.Kind)}, not {Describe(expected)}";
    }

    /// <summary>
    /// Reads a whole regular file of at most <paramref name="maxBytes"/> bytes. Anything else is an
    /// <see cref="InputFileException"/> whose message starts with <paramref name="what"/> and the path.
    /// </summary>
    public static byte[] ReadBytes(string path, string what, long maxBytes = DefaultMaxBytes)
    {
        var facts = Examine(path);
        RequireRegular(facts, path, what);
        if (facts.Size > maxBytes) throw TooLarge(path, what, maxBytes);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
            // The file may have been swapped between the look and the open: check what was opened, too.
            if (!stream.CanSeek) throw new InputFileException(path, $"{what} '{path}' is not a regular file");
            var buffer = new MemoryStream((int)Math.Min(Math.Max(stream.Length, 0), maxBytes));
            var chunk = new byte[64 * 1024];
            int n;
            while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (buffer.Length + n > maxBytes) throw TooLarge(path, what, maxBytes); // it grew while being read
                buffer.Write(chunk, 0, n);
            }
            return buffer.ToArray();
        }
        catch (Exception e) when (e is IOException and not InputFileException or UnauthorizedAccessException)
        {
            throw new InputFileException(path, $"cannot read {what} '{path}': {e.Message}", e);
        }
    }

    /// <summary><see cref="ReadBytes"/> as UTF-8 text (a byte order mark is dropped; invalid bytes become U+FFFD).</summary>
    public static string ReadText(string path, string what, long maxBytes = DefaultMaxBytes)
    {
        var bytes = ReadBytes(path, what, maxBytes);
        var bom = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        return Encoding.UTF8.GetString(bytes, bom, bytes.Length - bom);
    }

    /// <summary>
    /// Null, or why a symlinked input may not be published with <paramref name="published"/>: its target is not
    /// readable by everyone the published file would be readable by (a symlink to a 0600 secret must not end up
    /// in a 0644 zone). A file placed in the directory itself is the operator's own choice and is not judged.
    /// </summary>
    public static string? WiderWhenPublished(FileFacts facts, UnixFileMode published, string what)
    {
        if (!facts.ViaSymlink || facts.Kind != FileKind.Regular || OperatingSystem.IsWindows()) return null;
        const UnixFileMode readBits = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        var widened = published & readBits & ~facts.Mode;
        if (widened == 0) return null;
        return $"{what} '{facts.Path}' is a symlink to a file with mode {Octal(facts.Mode)}, but what it feeds is published with mode " +
               $"{Octal(published)}, readable by more than the file is; make the target readable like that ({Octal(facts.Mode | widened)}) or copy it";
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode & 0xFFF, 8).PadLeft(4, '0');

    /// <summary>"16 MiB", "64 KiB" or "100 bytes": how a cap is named in an error.</summary>
    public static string FormatSize(long bytes) => bytes switch
    {
        >= 1024 * 1024 when bytes % (1024 * 1024) == 0 => $"{bytes / (1024 * 1024)} MiB",
        >= 1024 when bytes % 1024 == 0 => $"{bytes / 1024} KiB",
        _ => $"{bytes} bytes",
    };

    private static void RequireRegular(FileFacts facts, string path, string what)
    {
        switch (facts.Kind)
        {
            case FileKind.Regular: return;
            case FileKind.Missing:
                throw new InputFileException(path, facts.ViaSymlink
                    ? $"{what} '{path}' is a symlink to something that does not exist"
                    : $"{what} '{path}' does not exist");
            default:
                throw new InputFileException(path, $"{what} '{path}' is {Describe(facts.Kind)}, not a regular file");
        }
    }

    private static InputFileException TooLarge(string path, string what, long maxBytes) =>
        new(path, $"{what} '{path}' is larger than {FormatSize(maxBytes)}");

    // ---- Looking without opening ------------------------------------------------------------------------------

    // statx(2) fills a kernel-defined struct that is the same on every Linux architecture, unlike struct stat,
    // so reading it needs no per-architecture layout. Offsets from include/uapi/linux/stat.h.
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;
    private const int StatxSize = 256;
    private const int ModeOffset = 28;   // __u16 stx_mode
    private const int SizeOffset = 40;   // __u64 stx_size
    private const int Enoent = 2, Enotdir = 20;

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int NativeStatx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask,
        [Out] byte[] buffer);

    private static FileFacts Statx(string path, bool followSymlinks)
    {
        var buffer = new byte[StatxSize];
        if (NativeStatx(AtFdCwd, path, followSymlinks ? 0 : AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is Enoent or Enotdir) return new FileFacts(path, FileKind.Missing, 0, 0, false);
            throw new InputFileException(path, $"'{path}' cannot be examined: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        var mode = BitConverter.ToUInt16(buffer, ModeOffset);
        var size = BitConverter.ToInt64(buffer, SizeOffset);
        var kind = (mode & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0x1000 => FileKind.Fifo,
            0xC000 => FileKind.Socket,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            0xA000 => FileKind.Symlink,
            _ => FileKind.Unknown,
        };
        return new FileFacts(path, kind, (UnixFileMode)(mode & 0xFFF), size, false);
    }

    /// <summary>Elsewhere (a developer's Mac or Windows): what .NET can tell without opening the file.</summary>
    private static FileFacts ExaminePortably(string path)
    {
        var info = new FileInfo(path);
        var viaSymlink = info.LinkTarget is not null;
        if (Directory.Exists(path)) return new FileFacts(path, FileKind.Directory, 0, 0, viaSymlink);
        if (!File.Exists(path)) return new FileFacts(path, FileKind.Missing, 0, 0, viaSymlink);
        var mode = OperatingSystem.IsWindows() ? (UnixFileMode)0b110_100_100 : File.GetUnixFileMode(path);
        return new FileFacts(path, FileKind.Regular, mode, info.Length, viaSymlink);
    }
}
