using System.Diagnostics;
using Xunit;

namespace Edgemanage.Tests.Support;

/// <summary>
/// A small tmpfs mounted for one spec, so a full disk is a real full disk (ENOSPC from the kernel) rather than a
/// mock. Mounting needs root: CI runs as root; elsewhere the specs that need one are skipped with the reason.
/// Dispose unmounts it (lazily, so a process still holding a file there cannot keep the mount busy).
/// </summary>
public sealed class SmallTmpfs : IDisposable
{
    public string Path { get; }

    private SmallTmpfs(string path) => Path = path;

    /// <summary>Why tmpfs specs cannot run here, or null when they can.</summary>
    public static string? UnavailableReason { get; } = Probe();

    /// <summary>Mounts a tmpfs of <paramref name="kibibytes"/> KiB at a fresh directory under the temp dir.</summary>
    public static SmallTmpfs Mount(int kibibytes)
    {
        var path = Directory.CreateTempSubdirectory("edgemanage-tmpfs-").FullName;
        var (code, output) = Run("mount", "-t", "tmpfs", "-o", $"size={kibibytes}k,mode=0755", "tmpfs", path);
        if (code != 0)
        {
            Directory.Delete(path);
            throw new InvalidOperationException($"mount tmpfs at {path} failed ({code}): {output}");
        }
        return new SmallTmpfs(path);
    }

    /// <summary>Fills the filesystem to the last byte with one file, which <see cref="Free"/> removes.</summary>
    public void Fill()
    {
        // Unbuffered: a buffer left over when the disk is full would make Dispose throw ENOSPC.
        using var filler = new FileStream(System.IO.Path.Combine(Path, ".filler"), FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        var block = new byte[64 * 1024];
        try
        {
            while (true) filler.Write(block);
        }
        catch (IOException)
        {
            // ENOSPC: the filesystem is full, which is the point. Write what still fits in smaller pieces.
            for (var size = block.Length / 2; size > 0; size /= 2)
                try { filler.Write(block, 0, size); } catch (IOException) { }
        }
    }

    /// <summary>Gives the space taken by <see cref="Fill"/> back.</summary>
    public void Free() => File.Delete(System.IO.Path.Combine(Path, ".filler"));

    public void Dispose()
    {
        Run("umount", "-l", Path);
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static string? Probe()
    {
        if (!IsRoot())
            return "needs root to mount a small tmpfs (CI runs as root)";
        try
        {
            using var probe = Mount(64);
            return null;
        }
        catch (Exception e)
        {
            return $"cannot mount a tmpfs here: {e.Message}";
        }
    }

    private static bool IsRoot()
    {
        try { return File.ReadAllText("/proc/self/status").Split('\n').Any(l => l.StartsWith("Uid:") && l.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1] == "0"); }
        catch (IOException) { return false; }
    }

    private static (int Code, string Output) Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        if (!process.WaitForExit(15_000))
        {
            process.Kill();
            return (-1, $"{file} did not finish within 15 s");
        }
        return (process.ExitCode, output);
    }
}

/// <summary>A fact that needs <see cref="SmallTmpfs"/>: skipped with the reason where it cannot mount one.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute([System.Runtime.CompilerServices.CallerMemberName] string member = "", [System.Runtime.CompilerServices.CallerFilePath] string file = "")
    {
        if (SmallTmpfs.UnavailableReason is { } reason) Edgemanage.Tests.Support.SkipWithReason.Skip(this, reason, member, file);
    }
}
