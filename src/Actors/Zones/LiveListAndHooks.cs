using Akka.Event;
using Edgemanage.Actors.Commands;
using Edgemanage.Actors.Faults;
using Edgemanage.Contracts.Zones;
using static Edgemanage.Contracts.Zones.ZoneCommands;

namespace Edgemanage.Actors.Zones;

/// <summary>
/// What follows the zones in every publish step, whichever way they were published: the live list (it says what
/// DNS serves, so it follows the zones) and the run_after / run_after_changes hooks.
/// </summary>
public sealed class LiveListAndHooks(ZoneWriterSettings settings, ILoggingAdapter log)
{
    private readonly CrashPoints _crash = settings.Crash ?? CrashPoints.None;

    /// <param name="zonesChanged">Whether any zone was written (or updated on the primary) in this step.</param>
    public async Task<(bool LiveListWritten, IReadOnlyList<CommandOutcome> Hooks)> RunAsync(PublishZones cmd, ZoneWriterState state,
        IReadOnlyList<ZoneOutcome> outcomes, bool zonesChanged, List<string> problems, CancellationToken ct)
    {
        // When none of the zones carries the new set (every one failed or was held) the live list keeps naming the old one.
        var zonesCarrySet = cmd.Zones.Count == 0 || outcomes.Any(o => o.Action is ZoneAction.Written or ZoneAction.Unchanged);
        var liveListWritten = !cmd.DryRun && zonesCarrySet && WriteLiveList(cmd, state, problems);
        if (liveListWritten) _crash.Reach(CrashPoints.LiveListWritten);
        var anyChanged = zonesChanged || liveListWritten;
        var hooks = new List<CommandOutcome>();
        if (!cmd.DryRun)
        {
            foreach (var line in settings.Commands.RunAfter) hooks.Add(await RunHookAsync("run_after", line, ct));
            if (anyChanged)
                foreach (var line in settings.Commands.RunAfterChanges) hooks.Add(await RunHookAsync("run_after_changes", line, ct));
        }
        if (anyChanged) _crash.Reach(CrashPoints.HooksRan);
        return (liveListWritten, hooks);
    }

    /// <summary>The live list is rewritten when the set changed or differs from the record, or when the file is missing or differs.</summary>
    private bool WriteLiveList(PublishZones cmd, ZoneWriterState state, List<string> problems)
    {
        if (settings.LiveListPath is not { } path) return false;
        var text = cmd.LiveList.Count == 0 ? "\n" : string.Join("\n", cmd.LiveList) + "\n";
        var same = state.LiveList is { } last && last.SequenceEqual(cmd.LiveList, StringComparer.Ordinal);
        if (same && !cmd.LiveChanged && ZoneFiles.ReadExisting(path) is { } onDisk && System.Text.Encoding.UTF8.GetString(onDisk) == text) return false;
        try
        {
            ZoneFiles.WriteAtomic(path, text);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var problem = $"writing live_list {path} failed: {e.Message}";
            problems.Add(problem);
            log.Error(problem);
            return false;
        }
    }

    private async Task<CommandOutcome> RunHookAsync(string hook, string line, CancellationToken ct)
    {
        var outcome = await CommandRunner.RunAsync(hook, line, settings.CommandTimeout, ct);
        if (outcome.Succeeded) log.Info("{0} '{1}' exited 0 in {2:F1}s", hook, line, outcome.Elapsed.TotalSeconds);
        else log.Error("{0} '{1}' failed: {2}; stderr: {3}", hook, line,
            outcome.StartError ?? (outcome.TimedOut ? $"killed after {settings.CommandTimeout.TotalSeconds:F0}s" : $"exit {outcome.ExitCode}"),
            ZonePublisher.FirstLines(outcome.Stderr));
        return outcome;
    }
}
