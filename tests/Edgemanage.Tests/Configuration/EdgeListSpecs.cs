using Edgemanage.Node.Configuration;
using Xunit;

using Edgemanage.Tests.Support;

namespace Edgemanage.Tests.Configuration;

public class EdgeListSpecs
{
    [Fact]
    public void Comments_blanks_whitespace_and_duplicates_are_handled_like_the_original()
    {
        const string text = "# edges of dnet1\nedge1.example.org\n\n   \n  edge2.example.org  \r\n  # indented comment\n10.0.0.1\n2001:db8::1\nedge1.example.org\n";
        var r = EdgeListLoader.Parse(text, "/edges/dnet1");

        Assert.Empty(r.Errors);
        Assert.Equal(["edge1.example.org", "edge2.example.org", "10.0.0.1", "2001:db8::1"], r.Edges);
        Assert.Equal([2, 5, 7, 8], r.Entries.Select(e => e.Line));
        var w = Assert.Single(r.Warnings);
        Assert.Equal("/edges/dnet1:9:1: warning: duplicate edge 'edge1.example.org' (first listed at line 2) is ignored", w.ToString());
    }

    [Theory]
    [InlineData("edge1.example.org")]
    [InlineData("EDGE-1.Example.ORG")]
    [InlineData("edge1.example.org.")]
    [InlineData("localhost")]
    [InlineData("192.168.0.255")]
    [InlineData("0.0.0.0")]
    [InlineData("::1")]
    [InlineData("2001:db8:0:0:0:0:0:1")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("123.example.org")]
    public void Valid_edges_are_accepted(string edge) =>
        Assert.Null(NameRules.CheckEdge(edge));

    [Theory]
    [InlineData("edge_1!.example", 5, "character '_' is not allowed")]
    [InlineData("1.2.3", 1, "is not a valid IPv4 address")]
    [InlineData("1.2.3.256", 1, "is not a valid IPv4 address")]
    [InlineData("010.0.0.1", 1, "is not a valid IPv4 address")]
    [InlineData("1234", 1, "is not a valid IPv4 address")]
    [InlineData("::zz", 3, "is not a valid IPv6 address (unexpected character 'z')")]
    [InlineData("1:2:3:4:5:6:7:8:9", 1, "is not a valid IPv6 address")]
    [InlineData("fe80::1%eth0", 8, "unexpected character '%'")]
    [InlineData("[::1]", 1, "unexpected character '['")]
    [InlineData("-edge.example", 1, "a label starts with '-'")]
    [InlineData("edge-.example", 5, "a label ends with '-'")]
    [InlineData("edge..example", 6, "empty label")]
    [InlineData("http://edge.example", 5, "character ':' is not allowed")]
    [InlineData("edge.example:8080", 13, "character ':' is not allowed")]
    [InlineData("edge.example/x", 13, "character '/' is not allowed")]
    public void A_bad_edge_is_an_error_at_its_line_and_first_offending_column(string edge, int column, string message)
    {
        var r = EdgeListLoader.Parse($"good.example\n# comment\n  {edge}\nother.example\n", "/edges/dnet1");

        Assert.Equal(["good.example", "other.example"], r.Edges);
        var e = Assert.Single(r.Errors);
        Assert.Equal(("/edges/dnet1", 3, column + 2), (e.File, e.Line, e.Column));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Over_long_names_are_rejected()
    {
        var label = new string('a', 64);
        Assert.Equal(63, NameRules.CheckEdge($"{label}.example")!.Value.Index);
        var longName = string.Join('.', Enumerable.Repeat(new string('b', 60), 5));
        Assert.Contains("longer than 253", NameRules.CheckEdge(longName)!.Value.Message);
    }

    [Fact]
    public void All_bad_lines_are_reported_at_once()
    {
        var r = EdgeListLoader.Parse("a!\nb.example\n1.2.3\n::zz\n", "f");
        Assert.Equal([(1, 2), (3, 1), (4, 3)], r.Errors.Select(e => (e.Line, e.Column)));
    }

    [Fact]
    public void A_missing_file_is_an_error_naming_the_path()
    {
        using var dir = new TempDir();
        var path = dir.File("nope");
        var e = Assert.Single(EdgeListLoader.Load(path).Errors);
        Assert.Contains(path, e.Message);
        Assert.Equal(path, e.File);
    }

    [Fact]
    public void The_extra_edge_list_is_appended_and_cross_file_duplicates_collapse()
    {
        using var dir = new TempDir();
        dir.Write("edges/dnet1", "a.example\nb.example\n");
        dir.Write("extra/dnet1", "c.example\na.example\n");
        var settings = SettingsIn(dir, extra: true);

        var r = NetworkEdges.Load(settings, "dnet1");

        Assert.Empty(r.Errors);
        Assert.Equal(["a.example", "b.example", "c.example"], r.Edges);
        var w = Assert.Single(r.Warnings);
        Assert.Equal((dir.File("extra/dnet1"), 2), (w.File, w.Line));
        Assert.Contains($"already listed at {dir.File("edges/dnet1")}:1", w.Message);
    }

    [Fact]
    public void A_missing_extra_edge_list_is_only_a_warning()
    {
        using var dir = new TempDir();
        dir.Write("edges/dnet1", "a.example\n");
        var r = NetworkEdges.Load(SettingsIn(dir, extra: true), "dnet1");
        Assert.Empty(r.Errors);
        Assert.Equal(["a.example"], r.Edges);
        Assert.Contains("does not exist", Assert.Single(r.Warnings).Message);
    }

    private static Edgemanage.Contracts.Config.EdgemanageSettings SettingsIn(TempDir dir, bool extra)
    {
        var yaml = ConfigSamples.Minimal + (extra ? "\nextra_edgelist_dir: extra\n" : "\n");
        return ConfigLoader.LoadFromText(yaml, dir.File("edgemanage.yaml"), dir.Path).Settings!;
    }
}
