using System.Runtime.InteropServices;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Commands;
using Edgemanage.Node.Configuration;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Configuration;

/// <summary>
/// One validation path: a table of hostile or mistaken inputs, by class (numbers, kinds, paths, strings, nesting,
/// includes). Each must be refused by <c>validate</c> with a message naming the key or the file, and by
/// <c>run</c> the same way (the same words), never with a crash or a hang. Driven in-process through the real
/// loaders and the real command; a few go through a real <c>run</c> process, where a stack overflow or a hang
/// would show as what it is.
/// </summary>
public sealed class ConfigMutationSpecs
{
    /// <summary>A mutation: what it does to a valid installation, and the words both commands must say.</summary>
    public sealed record Mutation(string Class, string Name, Func<Workspace, string> Apply, Func<Workspace, string> Expect)
    {
        public override string ToString() => $"{Class}: {Name}";
    }

    /// <summary>A valid installation of network testnet; a mutation returns the config to use.</summary>
    public sealed class Workspace : IDisposable
    {
        public TempDir Dir { get; } = new();

        public Workspace()
        {
            Dir.Write("object.bin", "the test object");
            Dir.Dir("health");
            Dir.Dir("named");
            Dir.Write("edges/testnet", "127.0.0.2\n127.0.0.3\n127.0.0.4\n");
            Dir.Write("zones/testnet/example.org.zone", "www 60 IN CNAME example.org.\n");
        }

        public string Config(string yaml) => Dir.Write("edgemanage.yaml", yaml);
        public string Plus(string extra) => Config(ConfigSamples.MinimalPlus(extra));
        public string With(string line, string replacement) => Config(ConfigSamples.MinimalWith(line, replacement));
        public string P(string relative) => Dir.File(relative);

        public string Fifo(string relative)
        {
            var path = Dir.File(relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (File.Exists(path)) File.Delete(path);
            Assert.Equal(0, MakeFifo(path, 0b110_100_100));
            return path;
        }

        public void Dispose() => Dir.Dispose();
    }

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MakeFifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    private static Mutation M(string @class, string name, Func<Workspace, string> apply, string expect) =>
        new(@class, name, apply, _ => expect);

    private static Mutation M(string @class, string name, Func<Workspace, string> apply, Func<Workspace, string> expect) =>
        new(@class, name, apply, expect);

    /// <summary>Every mutation that makes the configuration unusable: validate exits 2 and run exits 2 before probing.</summary>
    public static readonly Mutation[] Refused =
    [
        // Numbers: one syntax (plain decimal) and an upper bound for every key.
        M("numbers", "huge probe_timeout", w => w.Plus("probe_timeout: 99999999999999999999"), "probe_timeout must be at most 3600"),
        M("numbers", "probe_timeout in exponent form", w => w.Plus("probe_timeout: 1e300"), "probe_timeout must be a number, got '1e300'; numbers are plain decimal"),
        M("numbers", "edge_count with an underscore", w => w.With("edge_count: 3", "edge_count: 1_000"), "edge_count must be an integer, got '1_000'; numbers are plain decimal"),
        M("numbers", "edge_count in hex", w => w.With("edge_count: 3", "edge_count: 0x10"), "edge_count must be an integer, got '0x10'; numbers are plain decimal"),
        M("numbers", "edge_count with a leading zero", w => w.With("edge_count: 3", "edge_count: 010"), "edge_count must be an integer, got '010'; numbers are plain decimal"),
        M("numbers", "goodenough in exponent form", w => w.With("goodenough: 0.7", "goodenough: 1e3"), "goodenough must be a number, got '1e3'; numbers are plain decimal"),
        M("numbers", "goodenough beyond an hour", w => w.With("goodenough: 0.7", "goodenough: 4000"), "goodenough must be at most 3600"),
        M("numbers", "probe_interval beyond a day", w => w.Plus("probe_interval: 1000000"), "probe_interval must be at most 86400"),
        M("numbers", "decision_interval beyond a day", w => w.Plus("decision_interval: 1000000"), "decision_interval must be at most 86400"),
        M("numbers", "pass_window_seconds beyond a week", w => w.Plus("pass_window_seconds: 99999999999"), "pass_window_seconds must be at most 604800"),
        M("numbers", "dnschange_window beyond a week", w => w.Plus("dnschange_window: 1000000000000000000000"), "dnschange_window must be at most 604800"),
        M("numbers", "vote_stale_after beyond a week", w => w.Plus("vote_stale_after: 9999999"), "vote_stale_after must be at most 604800"),
        M("numbers", "command_timeout beyond a day", w => w.Plus("command_timeout: 100000"), "command_timeout must be at most 86400"),
        M("numbers", "history_batch_window beyond an hour", w => w.Plus("history_batch_window: 3601"), "history_batch_window must be at most 3600"),
        M("numbers", "snapshot_every beyond a million", w => w.Plus("snapshot_every: 3000000000"), "snapshot_every must be between 1 and 1000000"),
        M("numbers", "dnschange_maxfreq overflowing a long", w => w.Plus("dnschange_maxfreq: 99999999999999999999"), "dnschange_maxfreq must be an integer"),
        M("numbers", "body_max_bytes beyond 1 GiB", w => w.Plus("body_max_bytes: 9999999999999"), "body_max_bytes must be between 1 and 1073741824"),
        M("numbers", "testobject.port beyond 65535", w => w.With("  host: example.org", "  host: example.org\n  port: 70000"), "testobject.port must be between 1 and 65535"),
        M("numbers", "cluster.port beyond 65535", w => w.Plus("cluster:\n  port: 65536"), "cluster.port must be between 0 and 65535"),
        M("numbers", "history_length with an underscore", w => w.Plus("history_length: 1_0"), "history_length must be an integer, got '1_0'; numbers are plain decimal"),

        // Kinds: a regular file where a file is meant; FIFOs and devices refused by name, never opened.
        M("kinds", "testobject.local is a FIFO", w => { w.Fifo("object.bin"); return w.Config(ConfigSamples.Minimal); },
            w => $"testobject.local '{w.P("object.bin")}' is a FIFO"),
        M("kinds", "testobject.local is /dev/zero", w => w.With("  local: object.bin", "  local: /dev/zero"),
            "testobject.local '/dev/zero' is a character device, not a regular file"),
        M("kinds", "testobject.local is a directory", w => w.With("  local: object.bin", "  local: health"),
            w => $"testobject.local '{w.P("health")}' is a directory, not a regular file"),
        M("kinds", "testobject.local larger than body_max_bytes", w => { w.Dir.Write("object.bin", new string('x', 2048)); return w.Plus("body_max_bytes: 1024"); },
            w => $"testobject.local '{w.P("object.bin")}' is larger than 1 KiB"),
        M("kinds", "the edge list is a FIFO", w => { w.Fifo("edges/testnet"); return w.Config(ConfigSamples.Minimal); },
            w => $"edge list file '{w.P("edges/testnet")}' is a FIFO"),
        M("kinds", "the edge list is a directory", w => { File.Delete(w.P("edges/testnet")); w.Dir.Dir("edges/testnet"); return w.Config(ConfigSamples.Minimal); },
            w => $"edge list file '{w.P("edges/testnet")}' is a directory"),
        M("kinds", "zone_template is /dev/zero", w => w.Plus("zone_template: /dev/zero"), "zone template '/dev/zero' is a character device"),
        M("kinds", "zone_template is a FIFO", w => { w.Fifo("zone.liquid"); return w.Plus("zone_template: zone.liquid"); },
            w => $"zone template '{w.P("zone.liquid")}' is a FIFO"),
        M("kinds", "admin.tls_certificate is a FIFO", w => { w.Fifo("ctl.pfx"); return w.Plus("admin:\n  tls_certificate: ctl.pfx"); },
            w => $"admin.tls_certificate '{w.P("ctl.pfx")}' is a FIFO"),
        M("kinds", "zone_template is a symlink to a 0600 file", w =>
            {
                var secret = w.Dir.Write("secret.liquid", "{{ include_text }}");
                File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                File.CreateSymbolicLink(w.P("zone.liquid"), secret);
                return w.Plus("zone_template: zone.liquid");
            },
            w => $"zone template '{w.P("zone.liquid")}' is a symlink to a file with mode 0600"),

        // Paths: a directory where a directory is meant, a file where a file is meant.
        M("paths", "logpath is a device", w => w.Plus("logpath: /dev/null"), "logpath '/dev/null' is a character device, not a regular file"),
        M("paths", "logpath is a directory", w => w.Plus("logpath: health"), w => $"logpath '{w.P("health")}' is a directory, not a regular file"),
        M("paths", "state_dir is a regular file", w => w.Plus("state_dir: object.bin"), w => $"state_dir '{w.P("object.bin")}' is a regular file, not a directory"),
        M("paths", "state_dir is a device", w => w.Plus("state_dir: /dev/null"), "state_dir '/dev/null' is a character device, not a directory"),
        M("paths", "named_dir is a regular file", w => w.With("named_dir: named", "named_dir: object.bin"), w => $"named_dir '{w.P("object.bin")}' is a regular file, not a directory"),
        M("paths", "healthdata_store below a regular file", w => w.With("healthdata_store: health", "healthdata_store: object.bin/health"),
            w => $"healthdata_store '{w.P("object.bin/health")}' cannot be created: '{w.P("object.bin")}' is a regular file"),
        M("paths", "live_list is a directory", w => { w.Dir.Dir("live/testnet.live"); return w.Plus("live_list: live/{dnet}.live"); },
            w => $"live_list '{w.P("live/testnet.live")}' is a directory, not a regular file"),
        M("paths", "the journal's path is a FIFO", w => { w.Fifo("health/edgemanage-testnet.journal.db"); return w.Config(ConfigSamples.Minimal); },
            w => $"state_dir '{w.P("health/edgemanage-testnet.journal.db")}' is a FIFO"),
        M("paths", "lockfile is a directory", w => w.With("lockfile: edgemanage.lock", "lockfile: named"), w => $"lockfile '{w.P("named")}' is a directory, not a regular file"),

        // Strings: a connection string is parsed up front by the provider's own builder.
        M("strings", "garbage SQLite connection string", w => w.Plus("persistence:\n  connection_string: this is ; not = a ' connection"), "persistence.connection_string: cannot be parsed"),
        M("strings", "in-memory SQLite journal", w => w.Plus("persistence:\n  connection_string: 'Data Source=:memory:'"), "the SQLite Data Source must be a file path"),
        M("strings", "SQLite Data Source is a directory", w => w.Plus("persistence:\n  connection_string: Data Source=health"),
            w => $"persistence.connection_string '{Path.GetFullPath("health")}' is a directory"),
        M("strings", "unknown PostgreSQL keyword", w => w.Plus("persistence:\n  provider: postgresql\n  connection_string: Hots=127.0.0.1;Database=x"), "persistence.connection_string: cannot be parsed"),
        M("strings", "PostgreSQL without a host", w => w.Plus("persistence:\n  provider: postgresql\n  connection_string: Database=x"), "a PostgreSQL connection string must name a Host"),

        // Nesting: a depth limit instead of a stack overflow that no handler can catch.
        M("nesting", "100 000 nested flow sequences", w => w.Plus("deep: " + new string('[', 100_000)), "the YAML nests deeper than 32 levels"),
        M("nesting", "40 nested block mappings", w => w.Plus(string.Concat(Enumerable.Range(0, 40).Select(i => new string(' ', 2 * i) + $"k{i}:\n")) + new string(' ', 80) + "x: 1"),
            "the YAML nests deeper than 32 levels"),
        M("nesting", "the config file is a FIFO", w => w.Fifo("edgemanage.yaml"), w => $"configuration file '{w.P("edgemanage.yaml")}' is a FIFO"),
    ];

    public static TheoryData<Mutation> RefusedCases() => new(Refused);

    [Theory]
    [MemberData(nameof(RefusedCases))]
    public async Task Each_mutation_is_refused_alike_by_validate_and_by_run(Mutation mutation)
    {
        using var w = new Workspace();
        // Relative paths in a connection string resolve against the working directory, as SQLite does.
        var previous = Directory.GetCurrentDirectory();
        Directory.SetCurrentDirectory(w.Dir.Path);
        try
        {
            var config = mutation.Apply(w);
            var expected = mutation.Expect(w);

            var report = NetworkValidator.Validate(config, "testnet");
            Assert.False(report.Ok, $"validate accepted {mutation}");
            Assert.Contains(report.Errors, e => e.Message.Contains(expected, StringComparison.Ordinal));
            var error = report.Errors.First(e => e.Message.Contains(expected, StringComparison.Ordinal));
            Assert.True(error.File == config || error.File.StartsWith(w.Dir.Path, StringComparison.Ordinal) || error.File == "-A",
                $"the error names no input file: {error}");

            var run = await EdgemanageProcess.RunInProcessAsync("run", "-A", "testnet", "-c", config);
            Assert.True(run.ExitCode == ExitCodes.UsageOrConfig, $"{mutation}: {run}");
            Assert.Contains(expected, run.Stderr);
            Assert.False(File.Exists(w.P("named/example.org.zone")), "nothing is written");
        }
        finally
        {
            Directory.SetCurrentDirectory(previous);
        }
    }

    [Fact]
    public void Numbers_errors_carry_the_key_line()
    {
        using var w = new Workspace();
        var report = NetworkValidator.Validate(w.With("edge_count: 3", "edge_count: 1_000"), "testnet");
        var error = Assert.Single(report.Errors);
        Assert.Equal(19, error.Line); // edge_count is line 19 of the minimal config
        Assert.Contains("edge_count", error.Message);
    }

    [Fact]
    public void Plain_decimal_numbers_still_load()
    {
        using var w = new Workspace();
        var report = NetworkValidator.Validate(w.Plus("probe_timeout: 2.5\nprobe_interval: 60\npass_window_seconds: 604800\n" +
            "dnschange_maxfreq: 0\nbody_max_bytes: 1073741824\nsnapshot_every: 1000000"), "testnet");
        Assert.True(report.Ok, string.Join("\n", report.Errors));
        Assert.Equal(2.5, report.Settings!.Probe.TimeoutSeconds);
    }

    /// <summary>Includes and canary files: validate refuses them; run holds the zone (the old file stays) for the same reason.</summary>
    public static readonly Mutation[] Held =
    [
        M("includes", "an include that is a FIFO", w => { w.Fifo("zones/testnet/example.org.zone"); return w.Config(ConfigSamples.Minimal); },
            w => $"zone include file '{w.P("zones/testnet/example.org.zone")}' is a FIFO"),
        M("includes", "an include that is a directory", w => { File.Delete(w.P("zones/testnet/example.org.zone")); w.Dir.Dir("zones/testnet/example.org.zone"); return w.Config(ConfigSamples.Minimal); },
            w => $"zone include file '{w.P("zones/testnet/example.org.zone")}' is a directory"),
        M("includes", "an include that is /dev/zero", w =>
            {
                File.Delete(w.P("zones/testnet/example.org.zone"));
                File.CreateSymbolicLink(w.P("zones/testnet/example.org.zone"), "/dev/zero");
                return w.Config(ConfigSamples.Minimal);
            },
            w => $"zone include file '{w.P("zones/testnet/example.org.zone")}' is a character device"),
        M("includes", "an include that is a symlink to a 0600 file", w =>
            {
                var secret = w.Dir.Write("secret.zone.txt", "txt 60 IN TXT \"secret\"\n");
                File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                File.Delete(w.P("zones/testnet/example.org.zone"));
                File.CreateSymbolicLink(w.P("zones/testnet/example.org.zone"), secret);
                return w.Config(ConfigSamples.Minimal);
            },
            w => $"zone include '{w.P("zones/testnet/example.org.zone")}' is a symlink to a file with mode 0600"),
        M("includes", "an include larger than 16 MiB", w =>
            {
                using (var f = File.Create(w.P("zones/testnet/example.org.zone"))) f.SetLength(16L * 1024 * 1024 + 1);
                return w.Config(ConfigSamples.Minimal);
            },
            w => $"zone include file '{w.P("zones/testnet/example.org.zone")}' is larger than 16 MiB"),
    ];

    public static TheoryData<Mutation> HeldCases() => new(Held);

    [Theory]
    [MemberData(nameof(HeldCases))]
    public void A_bad_include_is_refused_by_validate_and_held_by_run_for_the_same_reason(Mutation mutation)
    {
        using var w = new Workspace();
        var config = mutation.Apply(w);
        var expected = mutation.Expect(w);

        var report = NetworkValidator.Validate(config, "testnet");
        Assert.Contains(report.Errors, e => e.Message.Contains(expected, StringComparison.Ordinal));

        var context = NetworkContext.Load(config, "testnet", TextWriter.Null)!;
        var inputs = PublishInputs.Load(context, TextWriter.Null)!;
        var zone = Assert.Single(inputs.ReadZones(context).Zones);
        Assert.Equal("example.org", zone.Zone);
        Assert.Null(zone.IncludeText);
        Assert.Contains(expected, zone.HoldReason);
    }

    [Fact]
    public void A_canary_file_that_is_a_FIFO_is_refused_by_validate_and_holds_every_zone_in_run()
    {
        using var w = new Workspace();
        var fifo = w.Fifo("canaries/testnet.yaml");
        var config = w.Plus("canary_files: canaries/{dnet}.yaml\ncanary_killer: 1");
        var expected = $"canary file '{fifo}' is a FIFO";

        Assert.Contains(NetworkValidator.Validate(config, "testnet").Errors, e => e.Message.Contains(expected, StringComparison.Ordinal));
        var context = NetworkContext.Load(config, "testnet", TextWriter.Null)!;
        Assert.Contains(expected, PublishInputs.Load(context, TextWriter.Null)!.CanaryHold);
    }

    [Fact]
    public void An_include_read_by_the_one_reader_loses_its_byte_order_mark_as_before()
    {
        using var w = new Workspace();
        w.Dir.WriteBytes("zones/testnet/example.org.zone", [0xEF, 0xBB, 0xBF, .."www 60 IN CNAME example.org.\n"u8.ToArray()]);
        var context = NetworkContext.Load(w.Config(ConfigSamples.Minimal), "testnet", TextWriter.Null)!;
        var zone = Assert.Single(PublishInputs.Load(context, TextWriter.Null)!.ReadZones(context).Zones);
        Assert.Equal("www 60 IN CNAME example.org.\n", zone.IncludeText);
    }

    [Theory]
    [InlineData("example.org.zone", true)]
    [InlineData("_acme.example.org.zone", true)]
    [InlineData(".hidden.zone", false)]       // skipped, like the original's glob
    [InlineData("example.org.zone~", false)]  // an editor's backup is not an include
    [InlineData("example.org.ZONE", false)]
    [InlineData(".zone", false)]
    [InlineData("bad name.zone", false)]      // refused: not a zone name
    [InlineData("-bad.example.zone", false)]
    public void Validate_and_run_agree_on_include_file_names(string fileName, bool published)
    {
        using var w = new Workspace();
        File.Delete(w.P("zones/testnet/example.org.zone"));
        w.Dir.Write($"zones/testnet/{fileName}", "www 60 IN CNAME example.org.\n");
        var config = w.Config(ConfigSamples.Minimal);

        var validated = NetworkValidator.Validate(config, "testnet");
        var context = NetworkContext.Load(config, "testnet", TextWriter.Null)!;
        var zones = PublishInputs.Load(context, TextWriter.Null)!.ReadZones(context);

        Assert.Equal(published ? 1 : 0, validated.Networks.Single().Zones);
        Assert.Equal(published ? 1 : 0, zones.Zones.Count(z => z.IncludeText is not null));
        var validateRefused = validated.Errors.Any(e => e.File.EndsWith(fileName, StringComparison.Ordinal));
        var runRefused = zones.Problems.Any(p => p.IsError && p.File.EndsWith(fileName, StringComparison.Ordinal));
        Assert.Equal(validateRefused, runRefused);
    }

    /// <summary>
    /// A few cases through real validate, run and serve processes: a stack overflow or a hang would kill or stall
    /// them, not fail an assert.
    /// </summary>
    [Theory]
    [InlineData("nesting")]
    [InlineData("numbers")]
    [InlineData("kinds")]
    public async Task Real_validate_run_and_serve_processes_refuse_with_exit_2(string @class)
    {
        using var w = new Workspace();
        var mutation = @class switch
        {
            "nesting" => Refused.First(m => m.Name.StartsWith("100 000", StringComparison.Ordinal)),
            "numbers" => Refused.First(m => m.Name == "huge probe_timeout"),
            _ => Refused.First(m => m.Name == "testobject.local is a FIFO"),
        };
        var config = mutation.Apply(w);
        string[][] commands =
        [
            ["validate", "-A", "testnet", "-c", config],
            ["run", "-A", "testnet", "-c", config],
            ["serve", "-A", "testnet", "-c", config, "--admin", "off", "--metrics-listen", "off"],
        ];
        foreach (var command in commands)
        {
            var result = await EdgemanageProcess.RunAsync(command);
            Assert.True(result.ExitCode == ExitCodes.UsageOrConfig, $"{command[0]}, {mutation}: {result}");
            Assert.Contains(mutation.Expect(w), result.Stderr);
        }
    }
}
