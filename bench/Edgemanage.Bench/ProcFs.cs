using System.Globalization;
using System.Runtime.InteropServices;

namespace Edgemanage.Bench;

/// <summary>
/// What the benchmarks read from Linux's /proc about a node: CPU time in clock ticks, resident memory, the load
/// average. Shared by soak, networks and cluster-soak.
/// </summary>
public static class ProcFs
{
    /// <summary>One reading of a process: its own CPU ticks (utime + stime), those of the children it has waited
    /// for (cutime + cstime), VmRSS and VmHWM (peak) in kB.</summary>
    public readonly record struct Reading(long Ticks, long WaitedChildrenTicks, long RssKb, long PeakKb);

    /// <summary>Fields of /proc/PID/stat after the command name: fields[0] is field 3 (state), fields[1] field 4 (ppid).</summary>
    private static string[]? StatFields(int pid)
    {
        try
        {
            // The command name (field 2) is in parentheses and may contain spaces: count fields after the last ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>utime + stime and cutime + cstime (clock ticks, fields 14–17 of /proc/PID/stat), VmRSS and VmHWM (kB).</summary>
    public static bool TryRead(int pid, out Reading reading)
    {
        reading = default;
        try
        {
            if (StatFields(pid) is not { } fields) return false;
            long F(int field) => long.Parse(fields[field - 3], CultureInfo.InvariantCulture);
            long rss = -1, peak = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kb(line["VmRSS:".Length..]);
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) peak = Kb(line["VmHWM:".Length..]);
            }
            if (rss < 0) return false;
            reading = new Reading(F(14) + F(15), F(16) + F(17), rss, peak);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return false;
        }
        static long Kb(string value) => long.Parse(value.Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// CPU ticks of a process and everything under it: its own, those of its waited-for children, and those of its
    /// live descendants (found by their parent pid), so a hook or check command the node runs is counted.
    /// </summary>
    public static long TreeTicks(int pid)
    {
        var parents = new Dictionary<int, List<int>>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p == pid) continue;
            if (StatFields(p) is not { Length: > 2 } f || !int.TryParse(f[1], CultureInfo.InvariantCulture, out var ppid)) continue;
            if (!parents.TryGetValue(ppid, out var list)) parents[ppid] = list = [];
            list.Add(p);
        }
        long total = 0;
        var pending = new Stack<int>([pid]);
        while (pending.TryPop(out var p))
        {
            if (TryRead(p, out var r)) total += r.Ticks + r.WaitedChildrenTicks;
            if (parents.TryGetValue(p, out var children)) foreach (var c in children) pending.Push(c);
        }
        return total;
    }

    private const int ScClkTck = 2; // _SC_CLK_TCK on Linux (glibc and musl)

    [DllImport("libc", EntryPoint = "sysconf", SetLastError = true)]
    private static extern long SysConf(int name);

    public static (long Ticks, string Source) ClockTicks()
    {
        try
        {
            var v = SysConf(ScClkTck);
            if (v > 0) return (v, "sysconf");
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
        }
        return (100, "assumed: sysconf unavailable");
    }

    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    /// <summary>Bytes of every file under <paramref name="dir"/>, and of its SQLite write-ahead logs (*-wal) alone; 0 when it does not exist yet.</summary>
    public static (long Total, long Wal) DirectoryBytes(string dir)
    {
        if (!Directory.Exists(dir)) return (0, 0);
        long total = 0, wal = 0;
        foreach (var path in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
        {
            long length;
            try { length = new FileInfo(path).Length; }
            catch (IOException) { continue; }
            total += length;
            if (path.EndsWith("-wal", StringComparison.Ordinal)) wal += length;
        }
        return (total, wal);
    }
}
