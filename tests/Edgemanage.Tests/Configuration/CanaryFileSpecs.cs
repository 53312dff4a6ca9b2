using Edgemanage.Node.Configuration;
using Xunit;

using Edgemanage.Tests.Support;

namespace Edgemanage.Tests.Configuration;

public class CanaryFileSpecs
{
    [Fact]
    public void Good_entries_load_and_bad_ones_are_reported_each_with_its_position()
    {
        const string text = """
            example.net: 10.0.2.22
            example.org: 2001:db8::22
            bad-ip.example: 10.0.2
            ../x: 10.0.2.23
            nested.example: [10.0.0.1]
            _acme.example: 10.0.0.9
            """;
        var r = CanaryFileLoader.Parse(text, "/c/dnet1.yaml");

        Assert.Equal(new Dictionary<string, string>
        {
            ["example.net"] = "10.0.2.22", ["example.org"] = "2001:db8::22", ["_acme.example"] = "10.0.0.9",
        }, r.Canaries);
        Assert.Equal(
            [
                (3, 17, "canary for 'bad-ip.example': '10.0.2' is not a valid IPv4 address (four dotted decimal octets 0-255 are required)"),
                (4, 1, "invalid canary zone: '../x' is not a valid DNS name: empty label"),
                (5, 17, "canary for 'nested.example' must be an IP address, got a list"),
            ],
            r.Errors.Select(e => (e.Line, e.Column, e.Message)));
    }

    [Theory]
    [InlineData("- a\n- b\n", 1, 1)]
    [InlineData("a.example: 1.2.3.4\na.example: 1.2.3.5\n", 2, 1)]
    [InlineData("a.example: [1.2.3.4\n", 2, 1)]
    public void Structural_problems_are_errors(string text, int line, int column)
    {
        var e = Assert.Single(CanaryFileLoader.Parse(text, "c").Errors);
        Assert.Equal((line, column), (e.Line, e.Column));
    }

    [Fact]
    public void A_missing_or_empty_file_means_no_canaries()
    {
        using var dir = new TempDir();
        var missing = CanaryFileLoader.Load(dir.File("absent.yaml"));
        var empty = CanaryFileLoader.Load(dir.Write("empty.yaml", "# nothing yet\n"));
        foreach (var r in new[] { missing, empty })
        {
            Assert.True(r.Ok);
            Assert.Empty(r.Canaries);
            Assert.Empty(r.Warnings);
        }
    }
}
