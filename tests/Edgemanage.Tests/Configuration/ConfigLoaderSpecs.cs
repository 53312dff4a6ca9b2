using Edgemanage.Contracts.Config;
using Edgemanage.Node.Configuration;
using Xunit;

namespace Edgemanage.Tests.Configuration;

public class ConfigLoaderSpecs
{
    private const string File = "/etc/edgemanage/edgemanage.yaml";
    private const string BaseDir = "/etc/edgemanage";

    private static ConfigLoadResult Load(string yaml) => ConfigLoader.LoadFromText(yaml, File, BaseDir);

    [Fact]
    public void An_original_style_config_loads_unchanged()
    {
        var r = Load(ConfigSamples.Original);

        Assert.Empty(r.Errors);
        Assert.True(r.Ok);
        var s = r.Settings!;
        Assert.Equal(File, s.SourcePath);
        Assert.Equal("deflect.ca", s.TestObject.Host);
        Assert.Equal(443, s.TestObject.Port);
        Assert.Equal("https", s.TestObject.Proto);
        Assert.Equal("/edgemanage.object", s.TestObject.Uri);
        Assert.Equal("/etc/edgemanage.object", s.TestObject.Local);
        Assert.True(s.TestObject.Verify);
        Assert.Equal(["adns1.easydns.com.", "adns2.easydns.com."], s.Dns.NsRecords);
        Assert.Equal("dns0.easydns.com.", s.Dns.SoaNameserver);
        Assert.Equal("zone.easydns.com.", s.Dns.SoaMailbox);
        Assert.Equal(["www"], s.Dns.RotateZones);
        Assert.Equal(60, s.RunFrequency);
        Assert.Equal("/var/lib/edgemanage/health/", s.HealthDataStore);
        Assert.Equal("/etc/edgemanage/edges/", s.EdgeListDir);
        Assert.Equal("/etc/edgemanage/extra_edges/", s.ExtraEdgeListDir);
        Assert.Equal(10, s.DnsChangeMaxFreq);
        Assert.Equal(10, s.Workers);
        Assert.Equal(3, s.Probe.Retries);
        Assert.Equal(0.7, s.GoodEnough);
        Assert.Equal(2, s.CanaryKiller);
        Assert.Equal("/var/lib/edgemanage/{dnet}.state", s.StateFile);
        Assert.Equal("/var/log/edgemanage.log", s.LogPath);
        Assert.Equal("/var/lock/edgemanage.lock", s.LockFile);
        Assert.Equal("/etc/edgemanage/zones/", s.ZoneTemplateDir);
        Assert.Equal(4, s.EdgeCount);
        Assert.Equal(6, s.EdgeCountFor("dnext1"));
        Assert.Equal(2, s.EdgeCountFor("dnext2"));
        Assert.Equal(4, s.EdgeCountFor("other"));
        Assert.Equal("/etc/bind/deflect_zones/", s.NamedDir);
        Assert.Equal("/var/lib/edgemanage/{dnet}.live", s.LiveList);
        Assert.Equal("/etc/edgemanage/canaries/{dnet}.yaml", s.CanaryFiles);
        Assert.Equal(["/usr/local/bin/before.sh"], s.Commands.RunBefore);
        Assert.Empty(s.Commands.RunAfter);
        Assert.Equal(["/usr/sbin/rndc reload"], s.Commands.RunAfterChanges);
        Assert.False(s.Testing);
        Assert.Equal(s.HealthDataStore, s.StateDir);
        Assert.Equal("/var/lib/edgemanage/dnext1.state", s.ForNetwork("dnext1").StateFile);

        // workers: the only remark about this file
        var w = Assert.Single(r.Warnings);
        Assert.Equal((26, 10), (w.Line, w.Column));
        Assert.Contains("workers is superseded by probe_concurrency", w.Message);
        Assert.Equal($"{File}:26:10: warning: {w.Message}", w.ToString());
    }

    [Fact]
    public void Minimal_config_gets_the_documented_defaults_and_relative_paths_resolve_against_the_config_folder()
    {
        var r = Load(ConfigSamples.Minimal);

        Assert.Empty(r.Errors);
        Assert.Empty(r.Warnings);
        var s = r.Settings!;
        Assert.Equal(80, s.TestObject.Port);
        Assert.Equal("/etc/edgemanage/object.bin", s.TestObject.Local);
        Assert.Equal("/etc/edgemanage/state/{dnet}.state", s.StateFile);
        Assert.Equal("/etc/edgemanage/health", s.StateDir);
        Assert.Null(s.ExtraEdgeListDir);
        Assert.Null(s.LogPath);
        Assert.Null(s.CanaryKiller);
        Assert.Null(s.Workers);
        Assert.Empty(s.NetworkEdgeCount);
        Assert.Equal((10.0, 2, 16L * 1024 * 1024, 500, (string?)null),
            (s.Probe.TimeoutSeconds, s.Probe.Retries, s.Probe.BodyMaxBytes, s.Probe.Concurrency, s.Probe.SourceAddress));
        Assert.Equal([new StatusRange(200, 299)], s.Probe.AcceptedStatus);
        Assert.Equal(PersistenceProvider.Sqlite, s.Persistence.Provider);
        Assert.Equal("local", s.Vantage);
        Assert.Equal(2000, s.HistoryLength);
        Assert.Equal(300, s.PassWindowSeconds);
        Assert.Equal(20, s.SnapshotEvery);
    }

    [Fact]
    public void New_keys_are_read()
    {
        var r = Load(ConfigSamples.MinimalPlus("""
            probe_timeout: 4.5
            probe_retries: 0
            accepted_status: [200, "300-302", 404]
            body_max_bytes: 1024
            probe_concurrency: 64
            probe_start_rate: 2000
            probe_source_address: "2001:db8::1"
            state_dir: /var/lib/edgemanage/state
            persistence:
              provider: PostgreSQL
              connection_string: Host=db;Database=edgemanage
            vantage: ams-1
            history_length: 500
            pass_window_seconds: 120
            snapshot_every: 5
            testing: yes
            """));

        Assert.Empty(r.Errors);
        var s = r.Settings!;
        Assert.Equal(4.5, s.Probe.TimeoutSeconds);
        Assert.Equal(0, s.Probe.Retries);
        Assert.Equal([new StatusRange(200, 200), new StatusRange(300, 302), new StatusRange(404, 404)], s.Probe.AcceptedStatus);
        Assert.Equal(1024, s.Probe.BodyMaxBytes);
        Assert.Equal(64, s.Probe.Concurrency);
        Assert.Equal(2000, s.Probe.StartRate);
        Assert.Equal("2001:db8::1", s.Probe.SourceAddress);
        Assert.Equal("/var/lib/edgemanage/state", s.StateDir);
        Assert.Equal(PersistenceProvider.PostgreSql, s.Persistence.Provider);
        Assert.Equal("Host=db;Database=edgemanage", s.Persistence.ConnectionString);
        Assert.Equal("ams-1", s.Vantage);
        Assert.Equal(500, s.HistoryLength);
        Assert.Equal(120, s.PassWindowSeconds);
        Assert.Equal(5, s.SnapshotEvery);
        Assert.True(s.Testing);
    }

    [Theory]
    [InlineData("canary_killer: false", null)]
    [InlineData("canary_killer: 0", null)]
    [InlineData("canary_killer: 3", 3)]
    public void Canary_killer_false_or_zero_is_off(string line, int? expected) =>
        Assert.Equal(expected, Load(ConfigSamples.MinimalPlus(line)).Settings!.CanaryKiller);

    [Theory]
    [InlineData("timeout: 3", 3.0)]
    [InlineData("timeout: 3\nprobe_timeout: 7", 7.0)]
    public void Legacy_timeout_applies_unless_probe_timeout_is_given(string extra, double expected) =>
        Assert.Equal(expected, Load(ConfigSamples.MinimalPlus(extra)).Settings!.Probe.TimeoutSeconds);

    [Theory]
    [InlineData("retry: 5", 5)]
    [InlineData("retry: 5\nprobe_retries: 1", 1)]
    public void Legacy_retry_applies_unless_probe_retries_is_given(string extra, int expected) =>
        Assert.Equal(expected, Load(ConfigSamples.MinimalPlus(extra)).Settings!.Probe.Retries);

    [Fact]
    public void Workers_is_not_warned_about_when_probe_concurrency_is_set()
    {
        var r = Load(ConfigSamples.MinimalPlus("workers: 10\nprobe_concurrency: 100"));
        Assert.Empty(r.Warnings);
        Assert.Equal(100, r.Settings!.Probe.Concurrency);
    }

    [Theory]
    [InlineData("commands:")]
    [InlineData("commands: ~")]
    [InlineData("commands:\n  run_before:\n  run_after: []")]
    public void Null_commands_are_tolerated(string extra)
    {
        var r = Load(ConfigSamples.MinimalPlus(extra));
        Assert.Empty(r.Errors);
        Assert.Empty(r.Settings!.Commands.RunBefore);
    }

    [Fact]
    public void Publishing_keys_have_defaults()
    {
        var s = Load(ConfigSamples.Minimal).Settings!;
        Assert.Equal(1, s.MinEdges);
        Assert.Equal(600, s.DnsChangeWindowSeconds);
        Assert.Null(s.ZoneTemplate);
        Assert.Null(s.ZoneCheckCommand);
        Assert.Equal(30, s.CommandTimeoutSeconds);
    }

    [Theory]
    [InlineData("zone_check_command: false", "")]
    [InlineData("zone_check_command: \"/usr/bin/named-checkzone -q {zone} {file}\"", "/usr/bin/named-checkzone -q {zone} {file}")]
    public void Zone_check_command_is_a_command_line_or_false(string line, string expected) =>
        Assert.Equal(expected, Load(ConfigSamples.MinimalPlus(line)).Settings!.ZoneCheckCommand);

    [Theory]
    [InlineData("commands:\n  run_after_changes: [\"rndc 'reload\"]", "commands.run_after_changes")]
    [InlineData("zone_check_command: \"check \\\"{file}\"", "zone_check_command")]
    [InlineData("zone_check_command: true", "zone_check_command")]
    [InlineData("min_edges: 9", "min_edges (9) must not exceed edge_count")]
    public void Unusable_publishing_keys_are_errors_with_their_line(string extra, string message)
    {
        var r = Load(ConfigSamples.MinimalPlus(extra));
        var error = Assert.Single(r.Errors);
        Assert.Contains(message, error.Message);
        Assert.True(error.Line > 1);
    }

    [Fact]
    public void Accepted_status_may_be_a_single_range()
    {
        var r = Load(ConfigSamples.MinimalPlus("accepted_status: 200-399"));
        Assert.Equal([new StatusRange(200, 399)], r.Settings!.Probe.AcceptedStatus);
    }
}
