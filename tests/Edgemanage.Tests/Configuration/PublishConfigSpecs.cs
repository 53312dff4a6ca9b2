using Edgemanage.Node.Configuration;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Configuration;

/// <summary>publish: files | dns-update and the dns_update: section, including the key file it names.</summary>
public sealed class PublishConfigSpecs : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private ConfigLoadResult Load(string extra) =>
        ConfigLoader.LoadFromText(ConfigSamples.MinimalPlus(extra), _dir.File("edgemanage.yaml"), _dir.Path);

    private const string GoodKey = "key \"edgemanage-key\" {\n\talgorithm hmac-sha256;\n\tsecret \"AAECAwQFBgcICQ==\";\n};\n";

    [Fact]
    public void Files_is_the_default_and_needs_nothing_else()
    {
        Assert.Null(Load("").Settings!.DnsUpdate);
        Assert.Null(Load("publish: files").Settings!.DnsUpdate);
    }

    [Fact]
    public void Dns_update_reads_the_primary_the_key_file_relative_to_the_config_and_defaults()
    {
        _dir.Write("keys/em.key", GoodKey);

        var s = Load("publish: dns-update\ndns_update:\n  primary: 127.0.0.1:5353\n  key_file: keys/em.key").Settings!.DnsUpdate!;

        Assert.Equal("127.0.0.1", s.PrimaryHost);
        Assert.Equal(5353, s.PrimaryPort);
        Assert.Equal(_dir.File("keys/em.key"), s.KeyFile);
        Assert.Equal(300, s.Ttl);
        Assert.Equal(5, s.TimeoutSeconds);
        Assert.Equal("127.0.0.1:5353", s.Primary);
    }

    [Theory]
    [InlineData("[::1]:5300", "::1", 5300)]
    [InlineData("ns-primary.example.test", "ns-primary.example.test", 53)]
    [InlineData("127.0.0.1", "127.0.0.1", 53)]
    public void Primary_forms(string primary, string host, int port)
    {
        _dir.Write("em.key", GoodKey);
        var s = Load($"publish: dns-update\ndns_update:\n  primary: \"{primary}\"\n  key_file: em.key").Settings!.DnsUpdate!;
        Assert.Equal((host, port), (s.PrimaryHost, s.PrimaryPort));
    }

    [Theory]
    [InlineData("publish: zonefiles", "publish must be one of files, dns-update, got 'zonefiles'")]
    [InlineData("publish: dns-update", "missing required key 'dns_update'")]
    [InlineData("publish: dns-update\ndns_update:\n  primary: 127.0.0.1:99999\n  key_file: em.key", "dns_update.primary must be HOST or HOST:PORT")]
    [InlineData("publish: dns-update\ndns_update:\n  primary: 127.0.0.1\n  key_file: missing.key", "dns_update.key_file: ")]
    [InlineData("publish: dns-update\ndns_update:\n  primary: 127.0.0.1\n  key_file: bad.key", "bad.key:2: key 'k': algorithm 'hmac-foo' is not one of")]
    [InlineData("publish: dns-update\ndns_update:\n  key_file: em.key", "missing required key 'dns_update.primary'")]
    public void Bad_publish_settings_are_errors_naming_the_key_or_the_key_file(string extra, string message)
    {
        _dir.Write("em.key", GoodKey);
        _dir.Write("bad.key", "key \"k\" {\n algorithm hmac-foo;\n secret \"AA==\";\n};\n");

        var result = Load(extra);

        Assert.Null(result.Settings);
        Assert.Contains(result.Errors, e => e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void A_dns_update_section_without_dns_update_publishing_is_a_warning()
    {
        var result = Load("dns_update:\n  primary: 127.0.0.1");
        Assert.NotNull(result.Settings);
        Assert.Contains(result.Warnings, w => w.Message.Contains("dns_update is ignored unless publish: dns-update"));
    }

    [Fact]
    public void Dns_update_needs_no_named_dir_and_files_still_does()
    {
        _dir.Write("em.key", GoodKey);
        var without = ConfigSamples.MinimalWith("named_dir: named", null);
        Assert.DoesNotContain("named_dir", without);

        var update = ConfigLoader.LoadFromText(without + "\npublish: dns-update\ndns_update:\n  primary: 127.0.0.1\n  key_file: em.key\n",
            _dir.File("edgemanage.yaml"), _dir.Path);
        var files = ConfigLoader.LoadFromText(without, _dir.File("edgemanage.yaml"), _dir.Path);

        Assert.True(update.Ok, string.Join("\n", update.Errors));
        Assert.Contains(files.Errors, e => e.Message.Contains("named_dir"));
    }
}
