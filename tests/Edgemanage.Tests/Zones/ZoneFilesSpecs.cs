using Edgemanage.Actors.Zones;
using Edgemanage.Contracts.Config;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Zones;

public sealed class ZoneFilesSpecs
{
    private const UnixFileMode Mode0644 =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    [Fact]
    public void WriteAtomic_creates_the_file_with_exact_bytes_and_mode_0644()
    {
        using var tmp = new TempDir();
        var path = tmp.File("test.com.zone");

        ZoneFiles.WriteAtomic(path, "a\tb\nc");

        Assert.Equal("a\tb\nc"u8.ToArray(), File.ReadAllBytes(path));   // UTF-8 without BOM, nothing added
        Assert.Equal(Mode0644, File.GetUnixFileMode(path));
        Assert.Equal(["test.com.zone"], Directory.GetFiles(tmp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void WriteAtomic_replaces_an_existing_file_and_resets_its_mode()
    {
        using var tmp = new TempDir();
        var path = tmp.Write("z.zone", "old content that is longer than the new one\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        ZoneFiles.WriteAtomic(path, "new\n");

        Assert.Equal("new\n", File.ReadAllText(path));
        Assert.Equal(Mode0644, File.GetUnixFileMode(path));
        Assert.Single(Directory.GetFiles(tmp.Path));
    }

    [Fact]
    public void WriteAtomic_failure_leaves_the_target_and_no_temp_file()
    {
        using var tmp = new TempDir();
        // The target is a folder, so the final rename fails after the temp file was written.
        var target = tmp.Dir("occupied.zone");
        File.WriteAllText(Path.Combine(target, "inside"), "keep");

        Assert.ThrowsAny<IOException>(() => ZoneFiles.WriteAtomic(target, "new\n"));

        Assert.Empty(Directory.GetFiles(tmp.Path));
        Assert.Equal("keep", File.ReadAllText(Path.Combine(target, "inside")));
    }

    [Fact]
    public void WriteAtomic_into_a_missing_folder_throws_and_creates_nothing()
    {
        using var tmp = new TempDir();

        Assert.ThrowsAny<IOException>(() => ZoneFiles.WriteAtomic(tmp.File("nope/z.zone"), "x"));

        Assert.False(Directory.Exists(tmp.File("nope")));
    }

    [Fact]
    public void ReadSerial_reads_back_what_the_builtin_template_writes()
    {
        using var tmp = new TempDir();
        var dns = new DnsSettings { NsRecords = ["ns1.example.com."], SoaNameserver = "ns1.example.com.", SoaMailbox = "h.example.com." };
        var path = tmp.File("z.zone");
        ZoneFiles.WriteAtomic(path, ZoneTemplate.Builtin().Render(new ZoneModel("z", "z.zone", "", [new("1.2.3.4", false)], 1764214567, dns)));

        Assert.Equal(1764214567u, ZoneFiles.ReadSerial(path));
    }

    [Fact]
    public void ReadSerial_handles_a_parenthesised_multi_line_SOA_with_comments()
    {
        using var tmp = new TempDir();
        var path = tmp.Write("z.zone",
            "$TTL 300\n" +
            "; SOA serial 1 in a comment must not count\n" +
            "@\tIN\tsoa\tns1.example.com. hostmaster.example.com. (\n" +
            "\t\t2026112701 ; serial\n" +
            "\t\t43200      ; refresh\n" +
            "\t\t10800 1209600 300 )\n" +
            "@\tIN\tNS\tns1.example.com.\n");

        Assert.Equal(2026112701u, ZoneFiles.ReadSerial(path));
    }

    [Theory]
    [InlineData("")]
    [InlineData("@ IN NS ns1.example.com.\n")]
    [InlineData("@ 300 IN SOA ns1. h. notanumber 1 2 3 4\n")]
    [InlineData("@ 300 IN SOA ns1. h. 99999999999 1 2 3 4\n")]
    [InlineData("@ 300 IN SOA ns1. h.")]
    public void ReadSerial_is_null_for_a_file_without_a_usable_SOA(string text)
    {
        using var tmp = new TempDir();

        Assert.Null(ZoneFiles.ReadSerial(tmp.Write("z.zone", text)));
    }

    [Fact]
    public void ReadSerial_is_null_for_a_missing_file()
    {
        using var tmp = new TempDir();

        Assert.Null(ZoneFiles.ReadSerial(tmp.File("missing.zone")));
    }

    [Fact]
    public void ContentHash_is_lower_case_sha256_of_the_utf8_bytes()
    {
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ZoneFiles.ContentHash("abc"));
        Assert.NotEqual(ZoneFiles.ContentHash("a\n"), ZoneFiles.ContentHash("a"));
    }
}
