using Edgemanage.Actors.Commands;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Commands;

/// <summary>Real processes, started without a shell.</summary>
public sealed class CommandRunnerSpecs
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    private static Task<Edgemanage.Contracts.Zones.CommandOutcome> Run(string line, TimeSpan? timeout = null) =>
        CommandRunner.RunAsync("run_after", line, timeout ?? Generous, CancellationToken.None);

    [Fact]
    public async Task Exit_code_and_stderr_are_reported()
    {
        var outcome = await Run("/bin/sh -c 'echo out; echo x >&2; exit 3'");

        Assert.Equal(3, outcome.ExitCode);
        Assert.Equal("x", outcome.Stderr);              // stdout is drained, not captured
        Assert.False(outcome.TimedOut);
        Assert.Null(outcome.StartError);
        Assert.False(outcome.Succeeded);
        Assert.Equal("run_after", outcome.Hook);
        Assert.Equal("/bin/sh -c 'echo out; echo x >&2; exit 3'", outcome.CommandLine);
    }

    [Fact]
    public async Task A_clean_exit_succeeds()
    {
        var outcome = await Run("/bin/sh -c 'exit 0'");

        Assert.True(outcome.Succeeded);
        Assert.Equal("", outcome.Stderr);
    }

    [Fact]
    public async Task Quoted_arguments_arrive_intact_and_nothing_is_expanded()
    {
        var outcome = await Run("/bin/sh -c 'printf \"%s|\" \"$@\" >&2' argv0 \"a b\" 'c  d' e\\ f '$HOME' '*'");

        Assert.Equal("a b|c  d|e f|$HOME|*|", outcome.Stderr);
    }

    [Fact]
    public async Task Lots_of_stdout_does_not_block_the_child()
    {
        var outcome = await Run("/bin/sh -c 'head -c 2000000 /dev/zero; exit 0'");

        Assert.True(outcome.Succeeded, outcome.Stderr);
    }

    [Fact]
    public async Task Stderr_keeps_only_the_last_4_KB()
    {
        var outcome = await Run("/bin/sh -c 'head -c 20000 /dev/zero | tr \"\\000\" a >&2; echo END >&2'");

        Assert.True(outcome.Stderr.Length <= CommandRunner.MaxCapturedChars + 1);
        Assert.StartsWith("…", outcome.Stderr, StringComparison.Ordinal);
        Assert.EndsWith("aaaaEND", outcome.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stdin_is_closed_so_a_reader_does_not_hang()
    {
        var outcome = await Run("/bin/cat");

        Assert.True(outcome.Succeeded);
        Assert.False(outcome.TimedOut);
    }

    [Fact]
    public async Task A_command_past_its_deadline_is_killed()
    {
        var outcome = await Run("sleep 30", TimeSpan.FromMilliseconds(200));

        Assert.True(outcome.TimedOut);
        Assert.Null(outcome.ExitCode);
        Assert.False(outcome.Succeeded);
    }

    [Fact]
    public async Task The_whole_process_tree_is_killed_on_timeout()
    {
        using var tmp = new TempDir();
        var pidFile = tmp.File("pid");
        var outcome = await Run($"/bin/sh -c 'sleep 31 & echo $! > \"$1\"; wait' sh '{pidFile}'", TimeSpan.FromMilliseconds(500));

        Assert.True(outcome.TimedOut);
        // If the shell was killed before it started the sleeper there is nothing left to check.
        if (!File.Exists(pidFile) || File.ReadAllText(pidFile).Trim() is not { Length: > 0 } pidText) return;
        var pid = int.Parse(pidText);
        // SIGKILL has been sent; give the kernel ample time to finish the job (a liveness bound, not a timing claim).
        var giveUp = DateTime.UtcNow.AddSeconds(30);
        while (IsAlive(pid) && DateTime.UtcNow < giveUp) await Task.Delay(20);
        Assert.False(IsAlive(pid), $"the grandchild sleep (pid {pid}) survived the timeout kill");
    }

    private static bool IsAlive(int pid)
    {
        // A zombie (no reaper in a container) counts as dead.
        try { return !File.ReadAllText($"/proc/{pid}/stat").Split(')')[^1].TrimStart().StartsWith('Z'); }
        catch (IOException) { return false; }
    }

    [Fact]
    public async Task Cancellation_kills_the_command_and_throws()
    {
        using var cts = new CancellationTokenSource();
        var run = CommandRunner.RunAsync("run_before", "sleep 30", Generous, cts.Token);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }

    [Fact]
    public async Task A_missing_program_is_a_start_error()
    {
        var outcome = await Run("/nonexistent/edgemanage-no-such-program --flag");

        Assert.Null(outcome.ExitCode);
        Assert.False(outcome.Succeeded);
        Assert.StartsWith("/nonexistent/edgemanage-no-such-program: cannot start: ", outcome.StartError);
    }

    [Fact]
    public async Task A_program_not_on_PATH_is_a_start_error()
    {
        var outcome = await Run("edgemanage-no-such-program");

        Assert.NotNull(outcome.StartError);
    }

    [Fact]
    public async Task A_file_without_execute_permission_is_a_start_error()
    {
        using var tmp = new TempDir();
        var script = tmp.Write("script.sh", "#!/bin/sh\nexit 0\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var outcome = await Run($"'{script}'");

        Assert.NotNull(outcome.StartError);
        Assert.Null(outcome.ExitCode);
    }

    [Fact]
    public async Task An_unsplittable_line_is_a_start_error()
    {
        var outcome = await Run("rndc 'reload");

        Assert.Contains("unterminated single quote", outcome.StartError);
        Assert.False(outcome.Succeeded);
    }

    [Fact]
    public async Task An_empty_line_is_a_start_error()
    {
        Assert.Equal("empty command", (await Run("   ")).StartError);
    }
}
