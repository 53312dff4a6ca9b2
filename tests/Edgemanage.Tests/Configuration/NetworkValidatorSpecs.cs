using Edgemanage.Node.Configuration;
using Xunit;

using Edgemanage.Tests.Support;

namespace Edgemanage.Tests.Configuration;

public class NetworkValidatorSpecs
{
    /// <summary>A complete, valid installation for networks dnet1 and dnet2 under a temp folder.</summary>
    private static string Install(TempDir dir, string extraConfig = "")
    {
        dir.Write("object.bin", "the test object");
        dir.Dir("health");
        dir.Dir("named");
        dir.Write("edges/dnet1", "e1.example\ne2.example\ne3.example\n");
        dir.Write("edges/dnet2", "10.0.0.1\n10.0.0.2\n10.0.0.3\n10.0.0.4\n");
        dir.Write("zones/dnet1/example.org.zone", "www 60 IN CNAME example.org.\n");
        dir.Write("zones/dnet2/example.net.zone", "\n");
        dir.Write("canaries/dnet1.yaml", "example.org: 10.9.9.9\n");
        return dir.Write("edgemanage.yaml", ConfigSamples.Minimal +
            "\ncanary_files: canaries/{dnet}.yaml\ncanary_killer: 1\ndnet_edge_count:\n  dnet2: 4\n" + extraConfig);
    }

    [Fact]
    public void A_broken_zone_template_is_an_error_naming_the_template()
    {
        using var dir = new TempDir();
        var template = dir.Write("zone.liquid", "{% if serial_number %}\nno end\n");
        var report = NetworkValidator.Validate(Install(dir, $"zone_template: {template}\n"), dnet: null);
        var error = Assert.Single(report.Errors);
        Assert.Contains(template, error.Message);
    }

    [Fact]
    public void A_good_installation_validates_clean_for_every_network()
    {
        using var dir = new TempDir();
        var report = NetworkValidator.Validate(Install(dir), dnet: null);

        Assert.True(report.Ok, string.Join("\n", report.Errors));
        Assert.Empty(report.Warnings);
        Assert.Equal(new Dictionary<string, int> { ["dnet1"] = 3, ["dnet2"] = 4 }, report.EdgeCounts);
        Assert.Equal(
            [new NetworkSummary("dnet1", 3, 3, 1, 1), new NetworkSummary("dnet2", 4, 4, 1, 0)],
            report.Networks);

        var output = new StringWriter();
        report.WriteSummary(output);
        Assert.Equal(
            "network dnet1: 3 edges listed, edge_count 3, 1 zone, 1 canary\n" +
            "network dnet2: 4 edges listed, edge_count 4, 1 zone, 0 canaries\n" +
            "0 errors, 0 warnings\n",
            output.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Only_the_named_network_is_checked_with_A()
    {
        using var dir = new TempDir();
        var report = NetworkValidator.Validate(Install(dir), "dnet2");
        Assert.True(report.Ok);
        Assert.Equal(["dnet2"], report.EdgeCounts.Keys);
    }

    [Fact]
    public void Problems_from_every_file_are_reported_together()
    {
        using var dir = new TempDir();
        var config = Install(dir);
        File.Delete(dir.File("object.bin"));
        dir.Write("edges/dnet1", "e1.example\nbad_edge\ne3.example\n");
        dir.Write("canaries/dnet1.yaml", "example.org: 10.9.9\n");
        dir.Write("zones/dnet2/example.net.zone", "@ IN SOA a. b. 1 2 3 4 5\n");

        var report = NetworkValidator.Validate(config, null);

        Assert.False(report.Ok);
        var lines = report.Errors.Select(e => e.ToString()).ToList();
        Assert.True(lines.Count == 5, string.Join("\n", lines));
        Assert.Contains(lines, l => l.StartsWith($"{config}:5:10: error: testobject.local '{dir.File("object.bin")}' cannot be read"));
        Assert.Contains(lines, l => l.StartsWith($"{dir.File("edges/dnet1")}:2:4: error: invalid edge"));
        Assert.Contains(lines, l => l.StartsWith($"{dir.File("edges/dnet1")}:0:0: error: network 'dnet1' lists 2 usable edges but edge_count is 3"));
        Assert.Contains(lines, l => l.StartsWith($"{dir.File("canaries/dnet1.yaml")}:1:14: error: canary for 'example.org'"));
        Assert.Contains(lines, l => l.StartsWith($"{dir.File("zones/dnet2/example.net.zone")}:1:6: error: zone include files must not contain an SOA"));

        var output = new StringWriter();
        report.WriteSummary(output);
        Assert.EndsWith("5 errors, 0 warnings" + Environment.NewLine, output.ToString());
    }

    [Fact]
    public void Config_errors_stop_validation_before_the_network_files()
    {
        using var dir = new TempDir();
        var config = Install(dir);
        File.AppendAllText(config, "edge_cont: 2\ngoodenough: x\n");

        var report = NetworkValidator.Validate(config, null);

        Assert.Contains(report.Errors, e => e.Message.StartsWith("duplicate key 'goodenough'"));
        Assert.Contains(report.Warnings, w => w.Message.Contains("did you mean 'edge_count'?"));
        Assert.Empty(report.Networks);
    }

    [Fact]
    public void Missing_network_files_are_reported()
    {
        using var dir = new TempDir();
        var report = NetworkValidator.Validate(Install(dir), "dnet9");
        var e = Assert.Single(report.Errors);
        Assert.Equal(dir.File("edges/dnet9"), e.File);
        Assert.Contains("no zones will be written", Assert.Single(report.Warnings).Message);
    }

    [Fact]
    public void A_bad_network_name_is_rejected()
    {
        using var dir = new TempDir();
        var report = NetworkValidator.Validate(Install(dir), "../etc");
        Assert.Contains("not a valid network name", Assert.Single(report.Errors).Message);
    }
}
