using System.Diagnostics;

namespace Edgemanage.Tests.Support;

/// <summary>Runs the real <c>edgemanage</c> executable as a child process, so a restart is a real process restart.</summary>
public static class EdgemanageProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
    }

    public static Task<Result> RunAsync(params string[] args) => RunAsync(args, whileRunning: null);

    /// <summary>
    /// Runs edgemanage; <paramref name="whileRunning"/> gets the live process (to signal it, say);
    /// <paramref name="environment"/> is added to the child's environment (e.g. a crash point of the fault suite).
    /// </summary>
    public static async Task<Result> RunAsync(string[] args, Func<Process, Task>? whileRunning,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) psi.Environment[name] = value;
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "edgemanage.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            if (whileRunning is not null) await whileRunning(process);
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"edgemanage {string.Join(' ', args)} did not finish within 2 minutes");
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>In-process, for the many small CLI cases where a child process would only add seconds.</summary>
    public static async Task<Result> RunInProcessAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await Edgemanage.Node.EdgemanageCli.MainAsync(args, stdout, stderr);
        return new Result(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>
    /// Runs a command in-process until its result satisfies <paramref name="done"/> (a zone is written just before
    /// its decision is persisted, so a read right after a zone change can still see the previous decision).
    /// </summary>
    public static async Task<Result> RunInProcessUntilAsync(Func<Result, bool> done, TimeSpan within, params string[] args)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var result = await RunInProcessAsync(args);
            if (done(result) || DateTime.UtcNow > deadline) return result;
            await Task.Delay(200);
        }
    }

    /// <summary><c>query -f json -v</c> of a network, one row per edge; the query must succeed.</summary>
    public static async Task<Dictionary<string, System.Text.Json.JsonElement>> QueryRowsAsync(string network, string config)
    {
        var query = await RunInProcessAsync("query", "-A", network, "-c", config, "-f", "json", "-v");
        Xunit.Assert.True(query.ExitCode == 0, query.ToString());
        return query.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .ToDictionary(e => e.GetProperty("edge").GetString()!);
    }
}
