using System.Runtime.InteropServices;

namespace Edgemanage.Actors.Faults;

/// <summary>
/// Named instants of the publishing protocol (docs/architecture.md, "Writing and recording") at which the fault
/// suite kills this process with SIGKILL, to prove that a crash at each of them converges on the next round.
/// Armed only by the environment variable <see cref="EnvironmentVariable"/> (<c>POINT</c> or <c>POINT@N</c>, the
/// N-th time the point is reached, 1 by default); unset, every <see cref="Reach"/> is a no-op. The kill is a real
/// kill -9 of the whole process, not an exception: no finally block, flush or shutdown hook runs.
/// </summary>
public sealed class CrashPoints
{
    public const string EnvironmentVariable = "EDGEMANAGE_CRASH_AT";

    /// <summary>Temp files of the zones to write are on disk (synced); nothing is renamed yet.</summary>
    public const string ZonesStaged = "zones-staged";

    /// <summary>One zone file was renamed over its target (reached once per zone: <c>zone-renamed@2</c> is the second).</summary>
    public const string ZoneRenamed = "zone-renamed";

    /// <summary>The live list was written; the hooks have not run.</summary>
    public const string LiveListWritten = "live-list-written";

    /// <summary>The hooks ran; the zone writer has not recorded what it wrote.</summary>
    public const string HooksRan = "hooks-ran";

    /// <summary>The zone writer recorded what it wrote; the decision is not recorded yet.</summary>
    public const string ZonesRecorded = "zones-recorded";

    /// <summary>The decision is recorded: the round is complete.</summary>
    public const string DecisionRecorded = "decision-recorded";

    public static readonly IReadOnlyList<string> All = [ZonesStaged, ZoneRenamed, LiveListWritten, HooksRan, ZonesRecorded, DecisionRecorded];

    public static readonly CrashPoints None = new(null, 0);

    private readonly string? _point;
    private readonly int _occurrence;
    private int _reached;

    private CrashPoints(string? point, int occurrence)
    {
        _point = point;
        _occurrence = occurrence;
    }

    /// <summary>The crash point armed in this process's environment, or <see cref="None"/>.</summary>
    public static CrashPoints FromEnvironment() => Parse(Environment.GetEnvironmentVariable(EnvironmentVariable));

    public static CrashPoints Parse(string? spec)
    {
        if (string.IsNullOrWhiteSpace(spec)) return None;
        var at = spec.IndexOf('@');
        var point = at < 0 ? spec.Trim() : spec[..at].Trim();
        var occurrence = at < 0 ? 1 : int.TryParse(spec[(at + 1)..], out var n) && n > 0 ? n : 1;
        if (!All.Contains(point))
            throw new ArgumentException($"{EnvironmentVariable}: unknown crash point '{point}' (known: {string.Join(", ", All)})");
        return new CrashPoints(point, occurrence);
    }

    public bool Armed => _point is not null;

    /// <summary>Called by the protocol as it passes <paramref name="point"/>; kills the process when that is the armed instant.</summary>
    public void Reach(string point)
    {
        if (_point != point || Interlocked.Increment(ref _reached) != _occurrence) return;
        Console.Error.Flush();
        kill(Environment.ProcessId, SigKill);
    }

    private const int SigKill = 9;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
