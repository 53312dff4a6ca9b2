using Edgemanage.Node.Configuration;
using Xunit;

using Edgemanage.Tests.Support;

namespace Edgemanage.Tests.Configuration;

public class ZoneIncludeSpecs
{
    [Fact]
    public void Zone_names_come_from_file_names_minus_the_last_dot_zone()
    {
        using var dir = new TempDir();
        dir.Write("zones/dnet1/example.org.zone", "www 60 IN CNAME example.org.\n");
        dir.Write("zones/dnet1/test.zone.zone", "\n");
        dir.Write("zones/dnet1/.hidden.zone", "ignored like Python's glob\n");
        dir.Write("zones/dnet1/notes.txt", "not a zone\n");

        var r = ZoneIncludeScanner.Scan(dir.File("zones/dnet1"));

        Assert.True(r.Ok);
        Assert.Empty(r.Warnings);
        Assert.Equal(["example.org", "test.zone"], r.Zones.Select(z => z.Zone));
        Assert.Equal(dir.File("zones/dnet1/example.org.zone"), r.Zones[0].Path);
    }

    [Fact]
    public void An_include_with_an_SOA_record_is_an_error_at_its_line()
    {
        using var dir = new TempDir();
        var file = dir.Write("zones/dnet1/example.org.zone", """
            ; a comment mentioning SOA is fine
            soa   IN A 10.0.0.1
            txt   IN TXT "SOA in quotes is data"
            @     IN SOA ns0.example.org. hostmaster.example.org. ( 1 2 3 4 5 )
            www 60 IN CNAME example.org.
            """);

        var r = ZoneIncludeScanner.Scan(dir.File("zones/dnet1"));

        Assert.Empty(r.Zones);
        var e = Assert.Single(r.Errors);
        Assert.Equal((file, 4, 10), (e.File, e.Line, e.Column));
        Assert.Contains("must not contain an SOA record", e.Message);
    }

    [Fact]
    public void A_bad_zone_name_or_non_utf8_content_is_an_error_naming_the_file()
    {
        using var dir = new TempDir();
        var badName = dir.Write("zones/dnet1/bad name.zone", "\n");
        var binary = dir.WriteBytes("zones/dnet1/binary.example.zone", [0x77, 0xff, 0xfe, 0x0a]);
        dir.Write("zones/dnet1/good.example.zone", "\n");

        var r = ZoneIncludeScanner.Scan(dir.File("zones/dnet1"));

        Assert.Equal(["good.example"], r.Zones.Select(z => z.Zone));
        Assert.Equal([badName, binary], r.Errors.Select(e => e.File));
        Assert.Contains("not a valid DNS name", r.Errors[0].Message);
        Assert.Contains("not valid UTF-8", r.Errors[1].Message);
    }

    [Fact]
    public void A_missing_directory_is_a_warning()
    {
        using var dir = new TempDir();
        var r = ZoneIncludeScanner.Scan(dir.File("zones/nope"));
        Assert.True(r.Ok);
        Assert.Contains("no zones will be written", Assert.Single(r.Warnings).Message);
    }
}
