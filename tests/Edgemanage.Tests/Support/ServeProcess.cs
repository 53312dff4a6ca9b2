using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Edgemanage.Tests.Support;

/// <summary>
/// A long-running <c>edgemanage serve</c> child process: its output is collected as it comes, it can be waited
/// on for a line, stopped with SIGTERM (the graceful way) or killed outright (a crash).
/// </summary>
public sealed class ServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly string _name;

    private ServeProcess(string name, Process process)
    {
        _name = name;
        _process = process;
        process.OutputDataReceived += (_, e) => Append("out", e.Data);
        process.ErrorDataReceived += (_, e) => Append("err", e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public static ServeProcess Start(string name, params string[] args) => StartCommand(name, "serve", args);

    /// <summary><c>serve</c> with <paramref name="environment"/> added to the child's (e.g. a crash point of the fault suite).</summary>
    public static ServeProcess StartWith(string name, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        StartCommand(name, "serve", args, environment);

    /// <summary>Any long-running edgemanage command (e.g. <c>demo --serve</c>).</summary>
    public static ServeProcess StartCommand(string name, string command, params string[] args) => StartCommand(name, command, args, null);

    /// <summary>Any long-running edgemanage command with <paramref name="environment"/> added to the child's.</summary>
    public static ServeProcess StartCommandWith(string name, string command, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        StartCommand(name, command, args, environment);

    private static ServeProcess StartCommand(string name, string command, string[] args, IReadOnlyDictionary<string, string>? environment)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) psi.Environment[key] = value;
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "edgemanage.dll"));
        psi.ArgumentList.Add(command);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return new ServeProcess(name, Process.Start(psi)!);
    }

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public bool HasExited => _process.HasExited;

    private void Append(string stream, string? line)
    {
        if (line is null) return;
        lock (_output) _output.Append('[').Append(_name).Append(' ').Append(stream).Append("] ").AppendLine(line);
    }

    public Task WaitForOutputAsync(string text, TimeSpan within) =>
        Eventually.True(() => Output.Contains(text, StringComparison.Ordinal) || HasExited, within, $"'{text}' from {_name}")
            .ContinueWith(t =>
            {
                if (t.IsFaulted || !Output.Contains(text, StringComparison.Ordinal))
                    throw new InvalidOperationException($"{_name} did not print '{text}'{(HasExited ? $" (exited {_process.ExitCode})" : "")}:\n{Output}");
            });

    /// <summary>SIGTERM, then the exit code; a node that does not stop within 30 s is killed and that is an error.</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()])) await kill.WaitForExitAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{_name} did not stop within 30 s of SIGTERM:\n{Output}");
        }
        return _process.ExitCode;
    }

    /// <summary>The exit code once the process ends on its own (a crash point killing it, say), within <paramref name="within"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan within)
    {
        using var cts = new CancellationTokenSource(within);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{_name} did not exit within {within.TotalSeconds:F0} s:\n{Output}");
        }
        return _process.ExitCode;
    }

    /// <summary>A crash: SIGKILL, no chance to leave the cluster.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    /// <summary>
    /// A TCP port free on 127.0.0.1 right now, below the kernel's ephemeral range (32768 and up): a cluster port in that
    /// range can be taken, once its node is killed, by a peer's reconnection attempt that the kernel gives the same
    /// local port, a TCP self-connection, and the restarted node then finds its port in use. Ports are handed out in
    /// turn from a random start, so specs running in parallel never get the same one.
    /// </summary>
    public static int FreePort()
    {
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            var port = LowPortsFrom + (int)((uint)Interlocked.Increment(ref _nextLowPort) % LowPortsCount);
            var listener = new TcpListener(IPAddress.Loopback, port);
            try
            {
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // taken: try the next one
            }
            finally
            {
                listener.Stop();
            }
        }
        throw new InvalidOperationException($"no free port in {LowPortsFrom}-{LowPortsFrom + LowPortsCount - 1}");
    }

    private const int LowPortsFrom = 20000;
    private const int LowPortsCount = 12000;
    private static int _nextLowPort = Random.Shared.Next(LowPortsCount);
}
