using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Edgemanage.Bench;

/// <summary>
/// A BIND <c>named</c> for the benchmarks, on 127.0.0.1 only, run as the current user in a scratch folder (the way
/// tests/Edgemanage.Tests/Support/NamedServer.cs runs it): one zone, served from a file, either static (reloaded with
/// rndc, as <c>publish: files</c> needs) or dynamic (an <c>update-policy</c> granting a TSIG key A, AAAA and TXT
/// under the zone, as <c>publish: dns-update</c> needs). Queries are logged (<c>querylog yes</c>) so a benchmark can
/// count what a round asked. Nothing listens beyond loopback; no recursion, no NOTIFY.
/// </summary>
public sealed class BenchNamed : IAsyncDisposable
{
    private static readonly string[] ExtraDirs = ["/usr/sbin", "/sbin", "/usr/local/sbin"];
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly Lock _gate = new();

    private BenchNamed(Process process, string workDir, int port, int controlPort)
    {
        _process = process;
        WorkDir = workDir;
        Port = port;
        ControlPort = controlPort;
    }

    public string WorkDir { get; }
    public int Port { get; }
    public int ControlPort { get; }
    public string RndcConf => Path.Combine(WorkDir, "rndc.conf");

    /// <summary>The TSIG key file (tsig-keygen output) a dynamic zone grants; null for a static zone.</summary>
    public string? UpdateKeyFile { get; private set; }

    public static string Tool(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Concat(ExtraDirs).Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"{name} not found on PATH or in /usr/sbin: install bind9 and bind9-dnsutils");

    /// <summary>Everything named logged so far (it runs with -g: all logging goes to stderr).</summary>
    public int LineCount
    {
        get { lock (_gate) return _lines.Count; }
    }

    public IReadOnlyList<string> LinesSince(int mark)
    {
        lock (_gate) return _lines.Skip(mark).ToArray();
    }

    public string Tail(int count = 30)
    {
        lock (_gate) return string.Join('\n', _lines.TakeLast(count));
    }

    /// <summary>
    /// Starts named serving each zone from <c>ZONESDIR/ZONE.zone</c>; with <paramref name="dynamicKeyName"/> every zone is
    /// dynamic for that key, which is made with tsig-keygen into the work folder. Returns once every zone is loaded.
    /// </summary>
    public static async Task<BenchNamed> StartAsync(string workDir, IReadOnlyList<string> zones, string zonesDir, string? dynamicKeyName, TextWriter log)
    {
        Directory.CreateDirectory(workDir);
        var port = Edgemanage.Fleet.LoopbackPorts.Free(tcpAndUdp: true);
        var controlPort = Edgemanage.Fleet.LoopbackPorts.Free(tcpAndUdp: true, avoid: port);
        var rndcKey = Path.Combine(workDir, "rndc.key");
        File.WriteAllText(rndcKey, $$"""
            key "rndc-key" {
                algorithm hmac-sha256;
                secret "{{Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}}";
            };

            """);
        File.WriteAllText(Path.Combine(workDir, "rndc.conf"), $$"""
            include "{{rndcKey}}";
            options { default-key "rndc-key"; default-server 127.0.0.1; default-port {{controlPort}}; };

            """);
        string? updateKey = null;
        var policy = "";
        if (dynamicKeyName is not null)
        {
            updateKey = Path.Combine(workDir, dynamicKeyName + ".key");
            var keygen = await RunAsync(Tool("tsig-keygen"), ["-a", "hmac-sha256", dynamicKeyName]);
            if (keygen.Code != 0) throw new InvalidOperationException($"tsig-keygen failed: {keygen.Stderr}");
            File.WriteAllText(updateKey, keygen.Stdout);
            policy = $"update-policy {{ grant {dynamicKeyName} zonesub A AAAA TXT; }};";
        }
        File.WriteAllText(Path.Combine(workDir, "named.conf"), $$"""
            include "{{rndcKey}}";
            {{(updateKey is null ? "" : $"include \"{updateKey}\";")}}
            options {
                directory "{{workDir}}";
                listen-on port {{port}} { 127.0.0.1; };
                listen-on-v6 { none; };
                recursion no;
                dnssec-validation no;
                notify no;
                querylog yes;
                pid-file "{{workDir}}/named.pid";
                session-keyfile "{{workDir}}/session.key";
                managed-keys-directory "{{workDir}}";
            };
            controls { inet 127.0.0.1 port {{controlPort}} allow { 127.0.0.1; } keys { "rndc-key"; }; };
            {{string.Concat(zones.Select(z => $"zone \"{z}\" {{ type primary; file \"{Path.GetFullPath(Path.Combine(zonesDir, z + ".zone"))}\"; {policy} }};\n"))}}
            """);
        var psi = new ProcessStartInfo(Tool("named"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workDir,
        };
        foreach (var a in new[] { "-g", "-c", Path.Combine(workDir, "named.conf") }) psi.ArgumentList.Add(a);
        var process = new Process { StartInfo = psi };
        var named = new BenchNamed(process, workDir, port, controlPort) { UpdateKeyFile = updateKey };
        process.OutputDataReceived += (_, e) => named.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => named.OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        log.WriteLine($"# named (pid {process.Id}) on 127.0.0.1:{port}, {zones.Count} zone(s){(updateKey is null ? " (static)" : $" (dynamic for key {dynamicKeyName})")}; work dir {workDir}");
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(120))
        {
            string[] snapshot;
            lock (named._gate) snapshot = named._lines.ToArray();
            if (snapshot.Count(l => l.Contains("/IN: loaded serial", StringComparison.Ordinal)) >= zones.Count
                && snapshot.Any(l => l.EndsWith(" running", StringComparison.Ordinal)))
                return named;
            if (process.HasExited || snapshot.Any(l => l.Contains("not loaded due to errors", StringComparison.Ordinal))) break;
            await Task.Delay(50);
        }
        var tail = named.Tail();
        await named.DisposeAsync();
        throw new InvalidOperationException($"named did not load its {zones.Count} zone(s):\n{tail}");
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_gate) _lines.Add(line);
    }

    /// <summary>The addresses <c>dig +short NAME A</c> answers now, sorted; null when dig failed.</summary>
    public async Task<string[]?> AddressesAsync(string name)
    {
        var dig = await RunAsync(Tool("dig"),
            ["@127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "+short", "+norecurse", "+time=1", "+tries=1", name, "A"]);
        if (dig.Code != 0) return null;
        return dig.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal).ToArray();
    }

    private ARSoft.Tools.Net.Dns.DnsClient? _fast;

    /// <summary>
    /// The addresses named answers for NAME A, sorted, asked in process over UDP (a fraction of a millisecond on loopback,
    /// where a dig process costs tens): for polling at a resolution dig cannot give. Null when named did not answer.
    /// </summary>
    public async Task<string[]?> FastAddressesAsync(string name)
    {
        _fast ??= new ARSoft.Tools.Net.Dns.DnsClient([IPAddress.Loopback], [new ARSoft.Tools.Net.Dns.UdpClientTransport(Port)], true, 1000)
        {
            Is0x20ValidationEnabled = false,
        };
        var answer = await _fast.ResolveAsync(ARSoft.Tools.Net.DomainName.Parse(name), ARSoft.Tools.Net.Dns.RecordType.A,
            ARSoft.Tools.Net.Dns.RecordClass.INet, new ARSoft.Tools.Net.Dns.DnsQueryOptions { IsRecursionDesired = false });
        return answer?.AnswerRecords.OfType<ARSoft.Tools.Net.Dns.ARecord>().Select(r => r.Address.ToString()).Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The zone's SOA serial as served now, or null.</summary>
    public async Task<long?> SerialAsync(string zone)
    {
        var dig = await RunAsync(Tool("dig"),
            ["@127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "+short", "+norecurse", "+time=1", "+tries=1", zone, "SOA"]);
        var parts = dig.Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return dig.Code == 0 && parts.Length >= 3 && long.TryParse(parts[2], CultureInfo.InvariantCulture, out var s) ? s : null;
    }

    /// <summary>The rndc command line that reloads every zone (for run_after_changes: no shell, single spaces).</summary>
    public string ReloadCommand => $"{Tool("rndc")} -c {RndcConf} reload";

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await RunAsync(Tool("rndc"), ["-c", RndcConf, "stop"]);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try { await _process.WaitForExitAsync(cts.Token); }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync();
                }
            }
        }
        finally
        {
            _process.Dispose();
        }
    }

    internal static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string file, IReadOnlyList<string> args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
            return (-1, await stdout, await stderr + $"\n{Path.GetFileName(file)} killed after 15 s");
        }
        return (p.ExitCode, await stdout, await stderr);
    }

}
