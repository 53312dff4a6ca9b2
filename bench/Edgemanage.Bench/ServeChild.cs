using System.Diagnostics;
using System.Globalization;

namespace Edgemanage.Bench;

/// <summary>
/// One <c>edgemanage serve</c> child of a benchmark: stdout and stderr go to files in the work dir as they come,
/// and, when asked, stdout is also kept in memory so the benchmark can wait for a line (a soak keeps nothing: it
/// runs for a long time).
/// </summary>
public sealed class ServeChild : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _stdoutFile;
    private readonly StreamWriter _stderrFile;
    private readonly System.Text.StringBuilder? _stdout;
    private readonly Func<string, bool>? _keepStderr;
    private readonly List<(DateTime At, string Line)> _stderrKept = [];
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _stdoutDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _disposed;

    private ServeChild(string name, Process process, string stdoutPath, string stderrPath, bool keepStdout, Func<string, bool>? keepStderr)
    {
        _keepStderr = keepStderr;
        Name = name;
        _process = process;
        StdoutPath = stdoutPath;
        StderrPath = stderrPath;
        _stdout = keepStdout ? new() : null;
        _stdoutFile = new StreamWriter(stdoutPath) { AutoFlush = true };
        _stderrFile = new StreamWriter(stderrPath) { AutoFlush = true };
    }

    public string Name { get; }
    public string StdoutPath { get; }
    public string StderrPath { get; }
    public int Pid => _process.Id;

    public bool Exited
    {
        get
        {
            try { return _process.HasExited; }
            catch (InvalidOperationException) { return true; }
        }
    }

    /// <summary>What the child printed so far (empty unless started with keepStdout).</summary>
    public string Stdout
    {
        get { lock (_gate) return _stdout?.ToString() ?? ""; }
    }

    /// <param name="edgemanage">The published apphost, or edgemanage.dll (run through dotnet; the dotnet host is then the node's process).</param>
    /// <summary>The stderr lines that matched <c>keepStderr</c>, each with the time it arrived here (debug lines carry no time of their own).</summary>
    public IReadOnlyList<(DateTime At, string Line)> KeptStderr
    {
        get { lock (_gate) return _stderrKept.ToArray(); }
    }

    /// <param name="fileStem">The output files are FILESTEM.out and FILESTEM.err in <paramref name="workDir"/>.</param>
    /// <param name="keepStderr">Stderr lines to keep in memory with their arrival time (<see cref="KeptStderr"/>).</param>
    public static ServeChild Start(string name, string edgemanage, string workDir, string[] args, string fileStem, bool keepStdout, TextWriter log,
        Func<string, bool>? keepStderr = null)
    {
        string[] command = edgemanage.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? ["dotnet", edgemanage, .. args] : [edgemanage, .. args];
        var psi = new ProcessStartInfo(command[0])
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in command.Skip(1)) psi.ArgumentList.Add(a);
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var child = new ServeChild(name, process, Path.Combine(workDir, fileStem + ".out"), Path.Combine(workDir, fileStem + ".err"), keepStdout, keepStderr);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data, stdout: true);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data, stdout: false);
        if (!process.Start()) throw new InvalidOperationException($"cannot start {command[0]}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        log.WriteLine($"# started {name} (pid {process.Id}): {string.Join(" ", command)}");
        return child;
    }

    private void OnLine(string? line, bool stdout)
    {
        lock (_gate)
        {
            if (_disposed) return;
            if (line is null)
            {
                (stdout ? _stdoutDone : _stderrDone).TrySetResult();
                return;
            }
            if (stdout)
            {
                _stdout?.AppendLine(line);
                _stdoutFile.WriteLine(line);
            }
            else
            {
                _stderrFile.WriteLine(line);
                if (_keepStderr?.Invoke(line) == true) _stderrKept.Add((DateTime.Now, line));
            }
        }
    }

    /// <summary>A crash: SIGKILL at once, waiting until the process is gone.</summary>
    public void Kill()
    {
        if (Exited) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>SIGTERM, up to <paramref name="grace"/> to exit, then SIGKILL; the exit code (-1 when killed).</summary>
    public async Task<int> StopAsync(TimeSpan grace, TextWriter log)
    {
        if (!Exited)
        {
            using (var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", _process.Id.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false }))
                if (kill is not null) await kill.WaitForExitAsync();
            using var cts = new CancellationTokenSource(grace);
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                log.WriteLine($"# {Name} still running {grace.TotalSeconds:F0} s after SIGTERM: killed");
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
                await DrainAsync();
                return -1;
            }
        }
        await DrainAsync();
        return _process.ExitCode;
    }

    // The output pipes close with the process; bounded anyway.
    private Task DrainAsync() =>
        Task.WhenAny(Task.WhenAll(_stdoutDone.Task, _stderrDone.Task), Task.Delay(TimeSpan.FromSeconds(5)));

    public string Tail(int lines = 40)
    {
        var text = new System.Text.StringBuilder();
        string status;
        try { status = _process.HasExited ? $"exited {_process.ExitCode}" : "still running"; }
        catch (InvalidOperationException) { status = "state unknown"; }
        text.AppendLine($"--- {Name}: {status}");
        foreach (var path in new[] { StdoutPath, StderrPath })
        {
            string[] all;
            try { all = File.ReadAllLines(path); }
            catch (IOException) { continue; }
            text.AppendLine($"--- {path} (last {Math.Min(lines, all.Length)} of {all.Length} lines)");
            foreach (var l in all.TakeLast(lines)) text.AppendLine(l);
        }
        return text.ToString();
    }

    public void Dispose()
    {
        // A benchmark that failed half-way must not leave a node probing the fleet (and holding its lock).
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // it exited between the check and the kill
        }
        lock (_gate)
        {
            _disposed = true;
            _stdoutFile.Dispose();
            _stderrFile.Dispose();
        }
        _process.Dispose();
    }
}

/// <summary>Option values shared by the benchmark sub-commands.</summary>
public static class BenchArgs
{
    public static int PositiveInt(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0 ? v
            : throw new ArgumentException($"{name} must be a positive integer, got '{value}'");

    public static double PositiveDouble(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 && double.IsFinite(v) ? v
            : throw new ArgumentException($"{name} must be a positive number, got '{value}'");
}
