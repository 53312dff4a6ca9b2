using Edgemanage.Node.Commands;
using Edgemanage.Node.Configuration;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Bind;

/// <summary>
/// <c>validate</c> with <c>publish: dns-update</c> asks the real primary, before any decision, whether each zone is
/// served and takes our key's UPDATEs, and names the zone (and the key) when not. It changes nothing there.
/// </summary>
public sealed class DnsUpdateValidateSpecs : IDisposable
{
    private const string Net = "valnet";
    private readonly TempDir _dir = new();
    private readonly NamedServer.DynamicKey _key = NamedServer.DynamicKey.Generate();

    public void Dispose() => _dir.Dispose();

    private void WritePrimaryZone(string zone) =>
        _dir.Write($"primary/{zone}.zone",
            $"$TTL 60\n@ IN SOA ns1.{zone}. hostmaster.{zone}. 1 3600 600 86400 60\n@ IN NS ns1.{zone}.\nns1 IN A 127.0.0.1\n");

    /// <summary>A network whose includes name dynamic.test and static.test (and, with <paramref name="missing"/>, a zone the primary lacks).</summary>
    private string Config(NamedServer named, string keyFile, bool missing = false)
    {
        var config = DemoWorkspace.Write(_dir.Path, Net, 8080, [1, 2, 3], ["127.0.0.2", "127.0.0.3"],
            extraYaml: ServeWorkspace.DnsUpdateYaml(named.Endpoint, keyFile), edgeCount: 1);
        File.Delete(_dir.File($"zones/{Net}/example.test.zone"));
        _dir.Write($"zones/{Net}/dynamic.test.zone", "");
        if (missing) _dir.Write($"zones/{Net}/absent.test.zone", "");
        return config;
    }

    private async Task<NamedServer> StartAsync()
    {
        WritePrimaryZone("dynamic.test");
        WritePrimaryZone("static.test");
        return await NamedServer.StartAsync(_dir.Dir("primary"), ["dynamic.test", "static.test"], _key, dynamicZones: ["dynamic.test"]);
    }

    [NamedFact]
    public async Task A_dynamic_zone_that_takes_our_key_passes_and_nothing_changes_on_the_primary()
    {
        await using var named = await StartAsync();
        var config = Config(named, _key.WriteTo(_dir.File("em.key")));

        var report = NetworkValidator.Validate(config, Net);

        Assert.True(report.Ok, string.Join("\n", report.Errors));
        Assert.Equal(1, await named.SerialAsync("dynamic.test"));
    }

    [NamedFact]
    public async Task A_static_zone_a_missing_zone_and_a_wrong_key_are_errors_naming_the_zone_and_the_key()
    {
        await using var named = await StartAsync();
        _dir.Write($"zones/{Net}/static.test.zone", "");
        var config = Config(named, _key.WriteTo(_dir.File("em.key")), missing: true);

        var report = NetworkValidator.Validate(config, Net);

        Assert.Contains(report.Errors, e => e.Message.Contains("zone static.test is not a dynamic zone for key 'edgemanage-key'") && e.Message.Contains("REFUSED"));
        Assert.Contains(report.Errors, e => e.Message.Contains("zone absent.test: the primary") && e.Message.Contains("does not serve zone absent.test"));
        Assert.DoesNotContain(report.Errors, e => e.Message.Contains("dynamic.test"));
        Assert.All(report.Errors, e => Assert.Equal(config, e.File));

        var wrong = Config(named, _key.WithNewSecret().WriteTo(_dir.File("wrong.key")));
        var refused = NetworkValidator.Validate(wrong, Net);
        Assert.Contains(refused.Errors, e => e.Message.Contains("does not accept key 'edgemanage-key'") && e.Message.Contains("wrong.key"));
    }
}
