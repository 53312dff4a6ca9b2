using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Xunit;

namespace Edgemanage.Tests.Support;

/// <summary>
/// A real BIND <c>named</c> on 127.0.0.1, serving zone files from a folder, for tests that check what
/// edgemanage publishes the way an operator's name server sees it. Each instance has its own work folder,
/// ports and rndc key, so several can run side by side; nothing listens beyond loopback.
/// </summary>
public sealed class NamedServer : IAsyncDisposable
{
    // named, rndc and dig live in sbin on Debian and Ubuntu, which is not on every user's PATH.
    private static readonly string[] ExtraDirs = ["/usr/sbin", "/sbin", "/usr/local/sbin"];
    private static readonly Lazy<(string? Named, string? Rndc, string? Dig, string? Nsupdate, string? Missing)> Tools = new(FindTools);

    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ReloadDeadline = TimeSpan.FromSeconds(20);

    private readonly Process _process;
    private readonly TempDir _work;
    private readonly IReadOnlyList<string> _zones;
    private readonly List<string> _lines = [];
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _disposed;

    private NamedServer(Process process, TempDir work, IReadOnlyList<string> zones, int port, int controlPort, DynamicKey? key)
    {
        _process = process;
        _work = work;
        _zones = zones;
        Port = port;
        ControlPort = controlPort;
        Key = key;
    }

    /// <summary>
    /// A TSIG key that may change a dynamic zone's A, AAAA and TXT records, as an operator gives one to
    /// edgemanage for <c>publish: dns-update</c>. <see cref="KeyFileText"/> is what <c>tsig-keygen NAME</c>
    /// prints, which is both what named.conf includes and what <c>dns_update.key_file</c> reads.
    /// </summary>
    public sealed record DynamicKey(string Name, string Secret, string Algorithm = "hmac-sha256")
    {
        /// <summary>A key with a fresh random 256-bit secret, as tsig-keygen makes one.</summary>
        public static DynamicKey Generate(string name = "edgemanage-key") =>
            new(name, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));

        /// <summary>The same name and algorithm with another secret: what a primary configured with a stale key holds.</summary>
        public DynamicKey WithNewSecret() => this with { Secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) };

        public string KeyFileText => $$"""
            key "{{Name}}" {
            	algorithm {{Algorithm}};
            	secret "{{Secret}}";
            };

            """;

        /// <summary>Writes the key file at <paramref name="path"/> (creating its folder) and returns the path.</summary>
        public string WriteTo(string path)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            File.WriteAllText(path, KeyFileText);
            return path;
        }
    }

    /// <summary>The key the zones accept UPDATEs signed with; null when the zones are static (loaded from files only).</summary>
    public DynamicKey? Key { get; }

    /// <summary>
    /// The key file named.conf includes (in <see cref="WorkDir"/>), for <c>nsupdate -k</c> or a config's
    /// <c>dns_update.key_file</c>; null when the zones are static.
    /// </summary>
    public string? KeyFile => Key is null ? null : Path.Combine(WorkDir, "update.key");

    /// <summary>The primary as a config's <c>dns_update.primary</c> names it.</summary>
    public string Endpoint => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>True when named, rndc, dig and nsupdate were all found.</summary>
    public static bool IsAvailable => Tools.Value.Missing is null;

    /// <summary>Why the tools are unusable (null when <see cref="IsAvailable"/>).</summary>
    public static string? MissingReason => Tools.Value.Missing;

    /// <summary>The DNS port (TCP and UDP) on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The rndc control port on 127.0.0.1.</summary>
    public int ControlPort { get; }

    /// <summary>named's own folder: named.conf, rndc.conf, the key, pid file and its scratch files.</summary>
    public string WorkDir => _work.Path;

    public string RndcConfPath => Path.Combine(WorkDir, "rndc.conf");

    /// <summary>
    /// What an edgemanage config can put in <c>run_after_changes</c> to make this server reload. It reloads
    /// every zone and returns before the zones are loaded (named loads them in the background). Its words are
    /// separated by single spaces and contain none (the work folder is under the temp folder), because the
    /// original splits commands on single spaces without a shell.
    /// </summary>
    public string ReloadCommandLine => $"{Tools.Value.Rndc} -c {RndcConfPath} reload";

    /// <summary>Everything named has logged so far (it runs with -g: all logging goes to stderr).</summary>
    public string Output
    {
        get { lock (_gate) return string.Join('\n', _lines); }
    }

    /// <summary>
    /// Starts named serving <c>&lt;namedDir&gt;/&lt;zone&gt;.zone</c> for each zone, and returns once it
    /// answers and every zone is loaded. Throws with named's output when it cannot start or a zone fails to load.
    /// </summary>
    public static Task<NamedServer> StartAsync(string namedDir, IEnumerable<string> zones, CancellationToken ct = default) =>
        StartAsync(namedDir, zones, dynamicKey: null, ct);

    /// <summary>
    /// The same, but with <paramref name="dynamicKey"/> every zone is dynamic: it accepts UPDATEs signed with
    /// that key for A, AAAA and TXT records at or under the zone name (and refuses unsigned ones), as the issue
    /// 12 BIND example configures a primary. The zone files are still needed for the first load (SOA, NS and
    /// the NS glue), and named writes each zone's journal (<c>&lt;zone&gt;.zone.jnl</c>) beside its file, so
    /// <paramref name="namedDir"/> must be writable. On a restart over the same folder named replays the
    /// journal, so a second server serves what the first one was sent.
    /// </summary>
    public static Task<NamedServer> StartAsync(string namedDir, IEnumerable<string> zones, DynamicKey? dynamicKey, CancellationToken ct = default) =>
        StartAsync(namedDir, zones, dynamicKey, dynamicZones: null, ct);

    /// <summary>
    /// The same, with only <paramref name="dynamicZones"/> dynamic (null: all); the other zones know the key but grant
    /// it nothing, so a signed UPDATE to them is REFUSED: an operator who forgot a zone's update-policy.
    /// </summary>
    public static async Task<NamedServer> StartAsync(string namedDir, IEnumerable<string> zones, DynamicKey? dynamicKey,
        IReadOnlyCollection<string>? dynamicZones, CancellationToken ct = default)
    {
        if (MissingReason is { } missing) throw new InvalidOperationException(missing);
        var zoneList = zones.ToArray();
        // Ports are found free and then released before named binds them; another process can take one in
        // between. That is rare, shows as "address in use", and a fresh pair of ports fixes it.
        for (var attempt = 1; ; attempt++)
        {
            var server = await TryStartAsync(Path.GetFullPath(namedDir), zoneList, dynamicKey, dynamicZones, ct);
            if (server.Started is { } started) return started;
            if (attempt < 3 && server.Output.Contains("address in use", StringComparison.OrdinalIgnoreCase)) continue;
            throw new InvalidOperationException(server.Failure + Explain(server.Output) + "\n--- named output\n" + server.Output);
        }
    }

    private sealed record Attempt(NamedServer? Started, string Failure, string Output);

    private static async Task<Attempt> TryStartAsync(string namedDir, string[] zones, DynamicKey? dynamicKey,
        IReadOnlyCollection<string>? dynamicZones, CancellationToken ct)
    {
        var work = new TempDir();
        var port = Edgemanage.Fleet.LoopbackPorts.Free(tcpAndUdp: true);
        var controlPort = Edgemanage.Fleet.LoopbackPorts.Free(tcpAndUdp: false, avoid: port);
        var key = Path.Combine(work.Path, "rndc.key");
        File.WriteAllText(key, $$"""
            key "rndc-key" {
                algorithm hmac-sha256;
                secret "{{Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}}";
            };

            """);
        File.WriteAllText(Path.Combine(work.Path, "rndc.conf"), $$"""
            include "{{key}}";
            options {
                default-key "rndc-key";
                default-server 127.0.0.1;
                default-port {{controlPort}};
            };

            """);
        // Every file named would otherwise write under /run/named or /var/cache/bind is kept in the work
        // folder, so it runs as any user. No recursion, validation or NOTIFY: it is an authoritative server
        // that must not talk to anything beyond loopback.
        // A dynamic zone grants the key exactly what edgemanage owns (addresses and its TXT claim marker) at or
        // under the zone name; NS, SOA and the rest stay the operator's, so an UPDATE touching them is refused.
        var updateKey = dynamicKey is null ? null : dynamicKey.WriteTo(Path.Combine(work.Path, "update.key"));
        var policy = dynamicKey is null ? "" : $" update-policy {{ grant \"{dynamicKey.Name}\" zonesub A AAAA TXT; }};";
        var zoneStatements = string.Concat(zones.Select(z =>
            $"zone \"{z}\" {{ type master; file \"{Path.Combine(namedDir, z + ".zone")}\";" +
            $"{(dynamicZones is null || dynamicZones.Contains(z) ? policy : "")} }};\n"));
        var includeUpdateKey = updateKey is null ? "" : $"include \"{updateKey}\";\n";
        File.WriteAllText(Path.Combine(work.Path, "named.conf"), $$"""
            include "{{key}}";
            {{includeUpdateKey}}
            options {
                directory "{{work.Path}}";
                listen-on port {{port}} { 127.0.0.1; };
                listen-on-v6 { none; };
                recursion no;
                dnssec-validation no;
                notify no;
                pid-file "{{work.Path}}/named.pid";
                session-keyfile "{{work.Path}}/session.key";
                managed-keys-directory "{{work.Path}}";
            };
            controls {
                inet 127.0.0.1 port {{controlPort}} allow { 127.0.0.1; } keys { "rndc-key"; };
            };
            {{zoneStatements}}
            """);

        // Foreground (-g) as the current user: no -u, since dropping to the bind user would lose access to
        // the work folder when we run as root, and a non-root user has nothing to drop.
        var psi = new ProcessStartInfo(Tools.Value.Named!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = work.Path,
        };
        psi.ArgumentList.Add("-g");
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(Path.Combine(work.Path, "named.conf"));
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var server = new NamedServer(process, work, zones, port, controlPort, dynamicKey);
        process.OutputDataReceived += (_, e) => server.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => server.OnLine(e.Data);
        process.Exited += (_, _) => server.Pulse();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            // "running" is the last line of start-up; zones may still be loading, so wait for each as well.
            var deadline = DateTime.UtcNow + StartDeadline;
            await server.WaitForLineAsync(0, l => l.EndsWith(" running", StringComparison.Ordinal), deadline, ct);
            foreach (var zone in zones)
            {
                var line = await server.WaitForLineAsync(0, l => IsZoneLoadLine(l, zone), deadline, ct);
                if (!line.Contains("loaded serial", StringComparison.Ordinal))
                    throw new InvalidOperationException($"named did not load zone {zone} from {Path.Combine(namedDir, zone + ".zone")}");
            }
            return new Attempt(server, "", server.Output);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            var output = server.Output;
            await server.DisposeAsync();
            return new Attempt(null, $"named did not start: {e.Message}", output);
        }
    }

    public sealed record ZoneReload(string Zone, ZoneReloadOutcome Outcome, string Detail);

    public enum ZoneReloadOutcome
    {
        /// <summary>named read the file and now serves its contents.</summary>
        Loaded,
        /// <summary>The file is unchanged since the last load; nothing was read.</summary>
        UpToDate,
        /// <summary>The file has errors; named keeps serving what it had loaded before.</summary>
        Failed,
    }

    /// <summary>
    /// Reloads each zone and waits until named has finished with it. Unlike <see cref="ReloadCommandLine"/>,
    /// which returns as soon as named has queued the work, this tells whether each zone loaded, so a test
    /// never races named's background loading. It never throws for a zone with errors: that is an outcome.
    /// </summary>
    public async Task<IReadOnlyList<ZoneReload>> ReloadAsync(CancellationToken ct = default)
    {
        var results = new List<ZoneReload>();
        foreach (var zone in _zones)
        {
            int mark;
            lock (_gate) mark = _lines.Count;
            var rndc = await RunToolAsync(Tools.Value.Rndc!, ["-c", RndcConfPath, "reload", zone], ct);
            if (rndc.ExitCode != 0)
                throw new InvalidOperationException($"rndc reload {zone} failed: {rndc}\n--- named output\n{Tail()}");
            if (rndc.Stdout.Contains("up-to-date", StringComparison.Ordinal))
            {
                results.Add(new ZoneReload(zone, ZoneReloadOutcome.UpToDate, rndc.Stdout.Trim()));
                continue;
            }
            var line = await WaitForLineAsync(mark, l => IsZoneLoadLine(l, zone), DateTime.UtcNow + ReloadDeadline, ct);
            if (line.Contains("loaded serial", StringComparison.Ordinal))
            {
                results.Add(new ZoneReload(zone, ZoneReloadOutcome.Loaded, line));
                continue;
            }
            // The lines before "not loaded due to errors" say what was wrong, with the file and line number.
            string detail;
            lock (_gate) detail = string.Join('\n', _lines.Skip(mark).Where(l => l.Contains(zone, StringComparison.OrdinalIgnoreCase)));
            results.Add(new ZoneReload(zone, ZoneReloadOutcome.Failed, detail));
        }
        return results;
    }

    /// <summary>
    /// The answers of <c>dig +short</c>, one per record, as named serves them now. A TXT record comes back
    /// as dig prints it: each string in double quotes (<c>"edgemanage claim=1 ..."</c>).
    /// </summary>
    public async Task<IReadOnlyList<string>> QueryAsync(string name, string type, CancellationToken ct = default)
    {
        var dig = await RunToolAsync(Tools.Value.Dig!,
            ["@127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "+short", "+norecurse", "+time=2", "+tries=1", name, type], ct);
        if (dig.ExitCode != 0) throw new InvalidOperationException($"dig {name} {type} failed: {dig}\n--- named output\n{Tail()}");
        return dig.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>The zone's SOA serial as served now, or null when named does not serve the zone.</summary>
    public async Task<long?> SerialAsync(string zone, CancellationToken ct = default)
    {
        var soa = await QueryAsync(zone, "SOA", ct);
        // mname rname serial refresh retry expire minimum
        return soa.Count == 0 ? null : long.Parse(soa[0].Split(' ', StringSplitOptions.RemoveEmptyEntries)[2], CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Waits until the zone is served with at least this serial: for when something else (edgemanage's
    /// run_after_changes) reloaded named and only the served serial shows that it is done.
    /// </summary>
    public async Task WaitForSerialAsync(string zone, long serial, TimeSpan within, CancellationToken ct = default)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var served = await SerialAsync(zone, ct);
            if (served >= serial) return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"named still serves {zone} with serial {served?.ToString(CultureInfo.InvariantCulture) ?? "(none)"} " +
                                           $"after {within.TotalSeconds:F0} s, wanted {serial}\n--- named output\n{Tail()}");
            await Task.Delay(50, ct);
        }
    }

    public sealed record NsupdateResult(int ExitCode, string Output)
    {
        public bool Succeeded => ExitCode == 0;

        public override string ToString() => $"nsupdate exit {ExitCode}: {Output.Trim()}";
    }

    /// <summary>
    /// Runs nsupdate against this server with <paramref name="script"/> (nsupdate commands such as
    /// <c>zone</c>, <c>prereq</c>, <c>update add</c>, <c>send</c>; the <c>server</c> line is added), signed
    /// with <see cref="KeyFile"/> unless <paramref name="signed"/> is false, or with <paramref name="keyFile"/>
    /// when given (a stale or foreign key). It plays a second decider or an operator changing the zone by hand.
    /// A refused update is an outcome, not an exception: nsupdate exits non-zero and prints the rcode
    /// ("update failed: REFUSED").
    /// </summary>
    public async Task<NsupdateResult> NsupdateAsync(string script, bool signed = true, string? keyFile = null, CancellationToken ct = default)
    {
        keyFile ??= signed ? KeyFile ?? throw new InvalidOperationException("this server has no dynamic zones: start it with a DynamicKey") : null;
        var args = new List<string>();
        if (keyFile is not null) args.AddRange(["-k", keyFile]);
        // -t bounds each request, so a server that never answers fails the call rather than the test's timeout.
        args.AddRange(["-t", "5"]);
        var input = $"server 127.0.0.1 {Port.ToString(CultureInfo.InvariantCulture)}\n{script.TrimEnd()}\n";
        if (!script.Split('\n').Any(l => l.Trim() == "send")) input += "send\n";
        var result = await RunToolAsync(Tools.Value.Nsupdate!, args, ct, input);
        return new NsupdateResult(result.ExitCode, (result.Stdout + result.Stderr).Trim());
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            if (!_process.HasExited)
            {
                // A clean stop first, so named removes its pid file and closes its ports; kill only if it hangs.
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try
                {
                    await RunToolAsync(Tools.Value.Rndc!, ["-c", RndcConfPath, "stop"], cts.Token);
                    await _process.WaitForExitAsync(cts.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or TimeoutException)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync(CancellationToken.None);
                }
            }
        }
        finally
        {
            _process.Dispose();
            _work.Dispose();
        }
    }

    private static bool IsZoneLoadLine(string line, string zone) =>
        line.Contains($"zone {zone}/IN: ", StringComparison.OrdinalIgnoreCase)
        && (line.Contains("loaded serial", StringComparison.Ordinal) || line.Contains("not loaded due to errors", StringComparison.Ordinal));

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_gate) _lines.Add(line);
        Pulse();
    }

    private void Pulse()
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    /// <summary>The first line from index <paramref name="from"/> on that matches; woken by each new line, bounded by the deadline.</summary>
    private async Task<string> WaitForLineAsync(int from, Func<string, bool> match, DateTime deadline, CancellationToken ct)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                for (var i = from; i < _lines.Count; i++)
                    if (match(_lines[i])) return _lines[i];
                from = _lines.Count;
                changed = _changed.Task;
            }
            if (_process.HasExited)
            {
                // Exited fires before the last output lines are read; take them before giving up.
                await _process.WaitForExitAsync(ct);
                lock (_gate)
                    for (var i = from; i < _lines.Count; i++)
                        if (match(_lines[i])) return _lines[i];
                throw new InvalidOperationException($"named exited with code {_process.ExitCode}");
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException("named did not log what was expected in time");
            try
            {
                await changed.WaitAsync(left, ct);
            }
            catch (TimeoutException)
            {
                // checked once more at the top of the loop, then reported
            }
        }
    }

    private string Tail()
    {
        lock (_gate) return string.Join('\n', _lines.TakeLast(40));
    }

    private static string Explain(string output) =>
        output.Contains("permission denied", StringComparison.OrdinalIgnoreCase)
            ? "\nnamed could not read or write a file. If AppArmor confines /usr/sbin/named (Ubuntu), it may only read /etc/bind " +
              "and /var/cache/bind: disable the profile for tests with 'sudo apparmor_parser -R /etc/apparmor.d/usr.sbin.named'."
            : "";


    private static (string?, string?, string?, string?, string?) FindTools()
    {
        var named = Find("named");
        var rndc = Find("rndc");
        var dig = Find("dig");
        // nsupdate comes with dig (bind9-dnsutils), so requiring it asks nothing more of a machine.
        var nsupdate = Find("nsupdate");
        var missing = new[] { ("named", named), ("rndc", rndc), ("dig", dig), ("nsupdate", nsupdate) }
            .Where(t => t.Item2 is null).Select(t => t.Item1).ToArray();
        var reason = missing.Length == 0 ? null
            : $"{string.Join(", ", missing)} not found on PATH (or in /usr/sbin); install bind9 and bind9-dnsutils";
        return (named, rndc, dig, nsupdate, reason);
    }

    private static string? Find(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Concat(ExtraDirs)
        .Select(dir => Path.Combine(dir, tool))
        .FirstOrDefault(File.Exists);

    private sealed record ToolResult(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}: {Stdout.Trim()} {Stderr.Trim()}";
    }

    private static async Task<ToolResult> RunToolAsync(string file, IReadOnlyList<string> args, CancellationToken ct, string? stdin = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        if (stdin is not null)
        {
            // nsupdate reads its commands until end of input, so the input is closed once written.
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        // dig and rndc have their own timeouts; this bound only catches a tool that hangs regardless.
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(TimeSpan.FromSeconds(15));
        try
        {
            await process.WaitForExitAsync(bounded.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(file)} {string.Join(' ', args)} did not finish within 15 s");
        }
        return new ToolResult(process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>
/// A fact that needs a real named. Skipped, saying what to install, where BIND is missing; but on CI
/// (CI=true), where it is always installed, a missing named must fail the test rather than hide it.
/// </summary>
public sealed class NamedFactAttribute : FactAttribute
{
    public NamedFactAttribute([System.Runtime.CompilerServices.CallerMemberName] string member = "", [System.Runtime.CompilerServices.CallerFilePath] string file = "")
    {
        if (!NamedServer.IsAvailable && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            Edgemanage.Tests.Support.SkipWithReason.Skip(this, NamedServer.MissingReason ?? "named is not available", member, file);
    }
}
