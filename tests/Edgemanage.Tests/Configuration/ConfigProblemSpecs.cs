using Edgemanage.Node.Configuration;
using Xunit;

namespace Edgemanage.Tests.Configuration;

/// <summary>Every class of bad input, with its exact position.</summary>
public class ConfigProblemSpecs
{
    private const string File = "/cfg/edgemanage.yaml";

    private static ConfigLoadResult Load(string yaml) => ConfigLoader.LoadFromText(yaml, File, "/cfg");

    private static void AssertSingleError(ConfigLoadResult r, int line, int column, string message)
    {
        Assert.False(r.Ok);
        Assert.Null(r.Settings);
        var e = Assert.Single(r.Errors);
        Assert.Equal((line, column), (e.Line, e.Column));
        Assert.Contains(message, e.Message);
        Assert.StartsWith($"{File}:{line}:{column}: error: ", e.ToString());
    }

    public static TheoryData<string, string?, int, int, string> WrongValues => new()
    {
        { "edge_count: 3", "edge_count: abc", 19, 13, "edge_count must be an integer, got 'abc'" },
        { "edge_count: 3", "edge_count: 2.5", 19, 13, "edge_count must be an integer, got '2.5'" },
        { "edge_count: 3", "edge_count: 0", 19, 13, "edge_count must be between 1 and 100000, got 0" },
        { "edge_count: 3", "edge_count: [1]", 19, 13, "edge_count must be an integer, got a list" },
        { "  verify: true", "  verify: maybe", 6, 11, "testobject.verify must be a boolean (true/false/yes/no), got 'maybe'" },
        { "goodenough: 0.7", "goodenough: fast", 15, 13, "goodenough must be a number, got 'fast'" },
        { "goodenough: 0.7", "goodenough: 0", 15, 13, "goodenough must be a number greater than 0" },
        { "goodenough: 0.7", "goodenough:", 15, 12, "goodenough must be a number, got null" },
        { "  proto: https", "  proto: ftp", 3, 10, "testobject.proto must be one of http, https, got 'ftp'" },
        { "  host: example.org", "  host: example.org\n  port: 70000", 3, 9, "testobject.port must be between 1 and 65535, got 70000" },
        { "  host: example.org", "  host: {a: 1}", 2, 9, "testobject.host must be a string, got a mapping" },
        { "    - ns2.example.net.", "    - ns2.example.net", 10, 7, "dns.ns_records entry 'ns2.example.net' must end in '.'" },
        { "  soa_mailbox: hostmaster.example.net.", "  soa_mailbox: [a, b]", 12, 16, "dns.soa_mailbox must be a string, got a list" },
        { "named_dir: named", "named_dir: named\ndnet_edge_count:\n  dnet1: 2\n  dnet2:", 23, 9, "dnet_edge_count.dnet2 must be an integer, got null" },
        { "named_dir: named", "named_dir: named\ndnet_edge_count: [dnet1]", 21, 18, "dnet_edge_count must be a mapping, got a list" },
        { "named_dir: named", "named_dir: named\ncommands:\n  run_after: rndc reload", 22, 14, "commands.run_after must be a list of strings, got 'rndc reload'" },
        { "named_dir: named", "named_dir: named\nprobe_concurrency: 0", 21, 20, "probe_concurrency must be between 1 and 100000, got 0" },
        { "named_dir: named", "named_dir: named\nhistory_length: 5", 21, 17, "history_length must be between 10 and 100000, got 5" },
        { "named_dir: named", "named_dir: named\nprobe_source_address: 1.2.3", 21, 23, "is not a valid IPv4 address" },
        { "named_dir: named", "named_dir: named\naccepted_status: [200, 600]", 21, 24, "accepted_status entry '600' must be an HTTP status code" },
        { "named_dir: named", "named_dir: named\nvantage: a/b", 21, 10, "vantage must consist of" },
        { "named_dir: named", "named_dir: named\npersistence:\n  provider: mysql", 22, 13, "persistence.provider must be one of sqlite, postgresql, got 'mysql'" },
        { "named_dir: named", "named_dir: named\npersistence:\n  provider: postgresql", 22, 3, "missing required key 'persistence.connection_string'" },
        { "named_dir: named", "named_dir: named\ncanary_killer: many", 21, 16, "canary_killer must be an integer, got 'many'" },
        { "named_dir: named", "named_dir: named\nadmin:\n  host: 0.0.0.0", 22, 9, "admin.host must be one address of this node that ctl will use, not '0.0.0.0'" },
        { "named_dir: named", "named_dir: named\nadmin:\n  port: 70000", 22, 9, "admin.port must be between 0 and 65535, got 70000" },
        { "named_dir: named", "named_dir: named\nadmin:\n  secret: short", 22, 11, "admin.secret must be at least 8 characters" },
        { "named_dir: named", "named_dir: named\nmetrics:\n  listen: everywhere", 22, 11, "metrics.listen must be host:port or off, got 'everywhere'" },
    };

    [Theory]
    [MemberData(nameof(WrongValues))]
    public void A_wrong_value_is_reported_at_the_value(string line, string? with, int atLine, int atColumn, string message) =>
        AssertSingleError(Load(ConfigSamples.MinimalWith(line, with)), atLine, atColumn, message);

    [Theory]
    [InlineData("  uri: /edgemanage.object", 2, 3, "missing required key 'testobject.uri'")]
    [InlineData("  verify: true", 2, 3, "missing required key 'testobject.verify'")]
    [InlineData("  soa_mailbox: hostmaster.example.net.", 8, 3, "missing required key 'dns.soa_mailbox'")]
    [InlineData("edge_count: 3", 1, 1, "missing required key 'edge_count'")]
    [InlineData("named_dir: named", 1, 1, "missing required key 'named_dir'")]
    public void A_missing_required_key_is_reported_at_its_parent_mapping(string removed, int line, int column, string message) =>
        AssertSingleError(Load(ConfigSamples.MinimalWith(removed, null)), line, column, message);

    [Fact]
    public void A_missing_section_is_one_error()
    {
        var yaml = string.Join('\n', ConfigSamples.Minimal.Split('\n').Skip(6)); // drop testobject
        AssertSingleError(Load(yaml), 1, 1, "missing required key 'testobject'");
    }

    [Theory]
    // YamlDotNet marks a bad tab at the start of the scalar it was reading.
    [InlineData("testobject:\n  host: a\n\turi: b\n", 2, 9)]
    [InlineData("edge_count: 3\nnamed_dir: \"unterminated\n", 2, 12)]
    [InlineData("dns:\n  ns_records: [a., b.\n", 3, 1)]
    // YamlDotNet throws InvalidOperationException here; reported where parsing stopped.
    [InlineData("testobject:\n  host: [a, b\nedge_count: 3\n", 2, 11)]
    public void Malformed_yaml_is_reported_at_the_parser_position(string yaml, int line, int column)
    {
        var r = Load(yaml);
        var e = Assert.Single(r.Errors);
        Assert.Equal((line, column), (e.Line, e.Column));
        Assert.StartsWith("malformed YAML", e.Message);
    }

    [Theory]
    [InlineData("", 1, 1, "the file is empty")]
    [InlineData("# only a comment\n", 1, 1, "the file is empty")]
    [InlineData("- a\n- b\n", 1, 1, "the configuration must be a mapping of keys to values, got a list")]
    [InlineData("\n\njust text\n", 3, 1, "the configuration must be a mapping of keys to values, got 'just text'")]
    public void The_document_must_be_a_non_empty_mapping(string yaml, int line, int column, string message) =>
        AssertSingleError(Load(yaml), line, column, message);

    [Fact]
    public void A_duplicate_key_is_an_error_and_loading_continues()
    {
        var yaml = ConfigSamples.MinimalWith("named_dir: named", "named_dir: named\nedge_count: 5\ngoodenough: x");
        var r = Load(yaml);
        Assert.Collection(r.Errors,
            e => Assert.Equal((21, 1, "duplicate key 'edge_count' (first defined at line 19)"), (e.Line, e.Column, e.Message)),
            e => Assert.Equal((22, 1, "duplicate key 'goodenough' (first defined at line 15)"), (e.Line, e.Column, e.Message)));
    }

    [Fact]
    public void A_duplicate_nested_key_is_reported_with_its_position()
    {
        var r = Load(ConfigSamples.MinimalWith("  proto: https", "  proto: https\n  host: other.example"));
        var e = Assert.Single(r.Errors);
        Assert.Equal((4, 3), (e.Line, e.Column));
        Assert.Contains("duplicate key 'host' (first defined at line 2)", e.Message);
    }

    [Fact]
    public void Several_errors_in_one_file_are_all_reported_in_file_order()
    {
        var yaml = """
            testobject:
              host: example.org
              proto: gopher
              local: object.bin
              verify: perhaps
            dns:
              ns_records: [ns1.example.net, ns2.example.net.]
              soa_nameserver: ns0.example.net.
              soa_mailbox: hostmaster.example.net.
            healthdata_store: health
            edgelist_dir: edges
            goodenough: -1
            statefile: state
            lockfile: lock
            zonetemplate_dir: zones
            edge_count: abc
            named_dir: named
            probe_timeout: 0
            """;
        var r = Load(yaml);
        Assert.Equal(
            [
                (2, 3, "missing required key 'testobject.uri'"),
                (3, 10, "testobject.proto must be one of http, https, got 'gopher'"),
                (5, 11, "testobject.verify must be a boolean (true/false/yes/no), got 'perhaps'"),
                (7, 16, "dns.ns_records entry 'ns1.example.net' must end in '.' (a fully qualified name)"),
                (12, 13, "goodenough must be a number greater than 0, got -1"),
                (16, 13, "edge_count must be an integer, got 'abc'"),
                (18, 16, "probe_timeout must be a number greater than 0, got 0"),
            ],
            r.Errors.Select(e => (e.Line, e.Column, e.Message)));
    }

    [Theory]
    [InlineData("edge_cont: 3", 21, 1, "unknown key 'edge_cont' is ignored; did you mean 'edge_count'?")]
    [InlineData("goodenuf: 1", 21, 1, "unknown key 'goodenuf' is ignored; did you mean 'goodenough'?")]
    [InlineData("rotationhistory_store: /x", 21, 1, "unknown key 'rotationhistory_store' is ignored")]
    [InlineData("testobject_x:\n  a: 1", 21, 1, "unknown key 'testobject_x' is ignored; did you mean 'testobject'?")]
    public void An_unknown_key_is_a_warning_with_a_suggestion(string extra, int line, int column, string message)
    {
        var r = Load(ConfigSamples.MinimalPlus(extra));
        Assert.True(r.Ok);
        var w = Assert.Single(r.Warnings);
        Assert.Equal((line, column, message), (w.Line, w.Column, w.Message));
        Assert.StartsWith($"{File}:{line}:{column}: warning: ", w.ToString());
    }

    [Fact]
    public void An_unknown_nested_key_is_named_in_full()
    {
        var r = Load(ConfigSamples.MinimalWith("  proto: https", "  proto: https\n  verfiy: false"));
        var w = Assert.Single(r.Warnings);
        Assert.Equal((4, 3), (w.Line, w.Column));
        Assert.Equal("unknown key 'testobject.verfiy' is ignored; did you mean 'testobject.verify'?", w.Message);
    }

    [Fact]
    public void A_missing_config_file_is_an_error_naming_it()
    {
        var r = ConfigLoader.Load("/nonexistent/edgemanage.yaml");
        var e = Assert.Single(r.Errors);
        Assert.Equal(("/nonexistent/edgemanage.yaml", 0, 0), (e.File, e.Line, e.Column));
    }
}
