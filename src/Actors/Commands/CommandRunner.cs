using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using Edgemanage.Contracts.Zones;

namespace Edgemanage.Actors.Commands;

/// <summary>
/// Runs a configured command (run_before, run_after, run_after_changes, zone_check_command) without a shell and
/// waits for it, with a deadline. The original Popen-ed hooks without waiting, so a failing `rndc reload` went
/// unnoticed and a hanging one piled up; here every run ends in a <see cref="CommandOutcome"/> the caller logs.
/// </summary>
public static class CommandRunner
{
    /// <summary>How much of the captured output is kept: the end of it, where the error usually is.</summary>
    public const int MaxCapturedChars = 4096;

    /// <summary>After the process exits, how long to wait for its pipes to close (a background grandchild may hold them).</summary>
    private static readonly TimeSpan DrainGrace = TimeSpan.FromSeconds(2);

    /// <summary>Splits <paramref name="commandLine"/> with <see cref="ShellWords"/> and runs it.</summary>
    /// <param name="hook">A label for messages, e.g. "run_after_changes".</param>
    /// <param name="timeout">Zero or negative means no deadline.</param>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> fired; the process tree was killed first.</exception>
    public static Task<CommandOutcome> RunAsync(string hook, string commandLine, TimeSpan timeout, CancellationToken ct)
    {
        IReadOnlyList<string> argv;
        try
        {
            argv = ShellWords.Split(commandLine);
        }
        catch (FormatException e)
        {
            return Task.FromResult(new CommandOutcome(hook, commandLine, null, false, e.Message, "", TimeSpan.Zero));
        }
        return RunAsync(hook, commandLine, argv, timeout, captureStdout: false, ct);
    }

    /// <summary>
    /// Runs an already split command. <paramref name="commandLine"/> is only the label shown in the outcome.
    /// With <paramref name="captureStdout"/> the captured text holds stdout and stderr together (named-checkzone
    /// reports its errors on stdout); otherwise stdout is read and discarded so the child never blocks on a full pipe.
    /// </summary>
    public static async Task<CommandOutcome> RunAsync(string hook, string commandLine, IReadOnlyList<string> argv, TimeSpan timeout,
        bool captureStdout, CancellationToken ct)
    {
        if (argv.Count == 0 || argv[0].Length == 0)
            return new CommandOutcome(hook, commandLine, null, false, "empty command", "", TimeSpan.Zero);

        var info = new ProcessStartInfo(argv[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        for (var i = 1; i < argv.Count; i++) info.ArgumentList.Add(argv[i]);

        var stopwatch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = info };
        try
        {
            if (!process.Start())
                return new CommandOutcome(hook, commandLine, null, false, $"{argv[0]}: the process did not start", "", stopwatch.Elapsed);
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or PlatformNotSupportedException)
        {
            return new CommandOutcome(hook, commandLine, null, false, $"{argv[0]}: cannot start: {e.Message}", "", stopwatch.Elapsed);
        }

        // Hooks get no input; a command that reads stdin sees end-of-file instead of hanging until the deadline.
        try { process.StandardInput.Close(); } catch (IOException) { }

        var captured = new TailBuffer(MaxCapturedChars);
        var stderrDrain = DrainAsync(process.StandardError, captured);
        var stdoutDrain = DrainAsync(process.StandardOutput, captureStdout ? captured : null);

        var timedOut = false;
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            if (timeout > TimeSpan.Zero) deadline.CancelAfter(timeout);
            try
            {
                await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Kill the whole tree: `sh -c "sleep 100"` style commands would otherwise leave the sleeper behind.
                KillTree(process);
                if (ct.IsCancellationRequested) throw;
                timedOut = true;
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }

        await Task.WhenAny(Task.WhenAll(stderrDrain, stdoutDrain), Task.Delay(DrainGrace, CancellationToken.None)).ConfigureAwait(false);
        return new CommandOutcome(hook, commandLine, timedOut ? null : process.ExitCode, timedOut, null, captured.ToString().TrimEnd(), stopwatch.Elapsed);
    }

    private static void KillTree(Process process)
    {
        try { process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }   // it exited in the meantime
        catch (Win32Exception) { }
    }

    private static async Task DrainAsync(StreamReader reader, TailBuffer? into)
    {
        var buffer = new char[4096];
        try
        {
            int read;
            while ((read = await reader.ReadAsync(buffer.AsMemory()).ConfigureAwait(false)) > 0)
                into?.Append(buffer.AsSpan(0, read));
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The pipe went away with the process; what was read so far is kept.
        }
    }

    /// <summary>Keeps the last N characters written to it, from two readers at once.</summary>
    private sealed class TailBuffer(int capacity)
    {
        private readonly StringBuilder _text = new();
        private bool _truncated;

        public void Append(ReadOnlySpan<char> chunk)
        {
            lock (_text)
            {
                _text.Append(chunk);
                if (_text.Length > capacity)
                {
                    _text.Remove(0, _text.Length - capacity);
                    _truncated = true;
                }
            }
        }

        public override string ToString()
        {
            lock (_text) return _truncated ? "…" + _text : _text.ToString();
        }
    }
}
