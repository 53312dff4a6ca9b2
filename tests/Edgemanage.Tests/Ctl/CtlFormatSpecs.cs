using System.Text.Json;
using Edgemanage.Contracts.Zones;
using Edgemanage.Node.Output;
using Xunit;
using static Edgemanage.Contracts.Admin.AdminReplies;

namespace Edgemanage.Tests.Ctl;

/// <summary>How ctl prints what a node answers: the zones table with checks and hooks, and the JSON scripts read.</summary>
public sealed class CtlFormatSpecs
{
    private static readonly ZonesStatus Zones = new("net", 1_800_000_002, 1_800_000_000_000,
        [new PublishedZone("a.test", "h1", 1_800_000_002, "key"), new PublishedZone("b.test", "h2", 1_800_000_001, "")],
        ["127.0.0.2", "127.0.0.3"], 1_800_000_000_500,
        [new ZoneOutcome("a.test", ZoneAction.Written, "2 records changed", 1_800_000_002, null),
         new ZoneOutcome("c.test", ZoneAction.CheckFailed, "c.test/IN: CNAME and other data", null, null)],
        [new CommandOutcome("run_after_changes", "rndc reload", 1, false, null, "rndc: connection refused\n", TimeSpan.FromMilliseconds(40)),
         new CommandOutcome("run_after", "/usr/local/bin/notify", null, true, null, "", TimeSpan.FromSeconds(30))]);

    [Fact]
    public void Zones_show_each_zones_serial_check_and_the_hooks_exit_codes()
    {
        var text = new StringWriter();
        CtlFormat.WriteZones(text, Zones);
        var lines = text.ToString().Split('\n');
        Assert.StartsWith("zones of net: serial 1800000002, last written 2027-01-15 08:00:00Z", lines[0]);
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^a\.test\s+1800000002\s+written\s+passed\s+2 records changed$"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^b\.test\s+1800000001\s+-\s+off$"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^c\.test\s+-\s+check_failed\s+FAILED\s+c\.test/IN: CNAME and other data$"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^run_after_changes\s+1\s+0\.04s\s+rndc reload\s+rndc: connection refused$"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^run_after\s+timeout\s+30s\s+/usr/local/bin/notify$"));
    }

    [Fact]
    public void Json_is_the_reply_with_snake_case_names_and_enum_names()
    {
        var text = new StringWriter();
        CtlFormat.WriteJson(text, Zones);
        using var doc = JsonDocument.Parse(text.ToString());
        var root = doc.RootElement;
        Assert.Equal(1_800_000_002u, root.GetProperty("serial").GetUInt32());
        Assert.Equal("check_failed", root.GetProperty("last_outcomes")[1].GetProperty("action").GetString());
        Assert.Equal(1, root.GetProperty("last_hooks")[0].GetProperty("exit_code").GetInt32());
        Assert.False(root.GetProperty("last_hooks")[0].GetProperty("succeeded").GetBoolean());
    }
}
