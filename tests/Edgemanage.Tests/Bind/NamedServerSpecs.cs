using Edgemanage.Tests.Support;
using Xunit;
using static Edgemanage.Tests.Support.NamedServer;

namespace Edgemanage.Tests.Bind;

/// <summary>
/// The real-BIND harness itself: named serves a hand-written zone, picks up a newer one on reload, and
/// keeps serving the last good zone when the file turns out broken, which is what edgemanage relies on.
/// </summary>
public sealed class NamedServerSpecs : IDisposable
{
    private const string Zone = "example.test";
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string NamedDir => _dir.Dir("named");

    // named refuses a zone whose in-zone NS name has no address ("NS 'ns1.example.test' has no address
    // records"), so the glue record is required, as it is in the zones edgemanage writes.
    private void WriteZone(long serial, params string[] wwwAddresses) =>
        _dir.Write($"named/{Zone}.zone",
            $"$TTL 60\n" +
            $"@ IN SOA ns1.example.test. hostmaster.example.test. {serial} 3600 600 86400 60\n" +
            "@ IN NS ns1.example.test.\n" +
            "ns1 IN A 127.0.0.1\n" +
            string.Concat(wwwAddresses.Select(a => $"www IN A {a}\n")));

    [NamedFact]
    public async Task Serves_a_zone_and_picks_up_a_newer_one_on_reload()
    {
        WriteZone(2026112701, "127.0.0.2", "127.0.0.3");
        await using var named = await NamedServer.StartAsync(NamedDir, [Zone]);

        Assert.Equal(["127.0.0.2", "127.0.0.3"], (await named.QueryAsync("www.example.test", "A")).Order());
        Assert.Equal(2026112701, await named.SerialAsync(Zone));

        WriteZone(2026112702, "127.0.0.2", "127.0.0.3", "127.0.0.4");
        var reload = Assert.Single(await named.ReloadAsync());
        Assert.True(reload.Outcome == ZoneReloadOutcome.Loaded, $"{reload}\n{named.Output}");

        Assert.Equal(["127.0.0.2", "127.0.0.3", "127.0.0.4"], (await named.QueryAsync("www.example.test", "A")).Order());
        Assert.Equal(2026112702, await named.SerialAsync(Zone));
    }

    [NamedFact]
    public async Task Keeps_serving_the_last_good_zone_when_the_new_file_is_broken()
    {
        WriteZone(1, "127.0.0.2", "127.0.0.3");
        await using var named = await NamedServer.StartAsync(NamedDir, [Zone]);

        _dir.Write($"named/{Zone}.zone", File.ReadAllText(_dir.File($"named/{Zone}.zone")).Replace(" 1 3600", " 2 3600") + "www IN A 127.0.0.999\n");
        var reload = Assert.Single(await named.ReloadAsync());

        Assert.Equal(ZoneReloadOutcome.Failed, reload.Outcome);
        // the detail names the broken line (the 7th: the 127.0.0.999 record)
        Assert.Contains($"{Zone}.zone:7", reload.Detail);
        Assert.Equal(["127.0.0.2", "127.0.0.3"], (await named.QueryAsync("www.example.test", "A")).Order());
        Assert.Equal(1, await named.SerialAsync(Zone));
    }

    [NamedFact]
    public async Task The_reload_command_line_is_what_a_config_can_run()
    {
        WriteZone(1, "127.0.0.2");
        await using var named = await NamedServer.StartAsync(NamedDir, [Zone]);
        WriteZone(2, "127.0.0.5");

        // as the original runs a run_after_changes entry: split on single spaces, no shell, no quoting
        var argv = named.ReloadCommandLine.Split(' ');
        using var rndc = System.Diagnostics.Process.Start(argv[0], argv[1..]);
        await rndc.WaitForExitAsync();
        Assert.Equal(0, rndc.ExitCode);

        await named.WaitForSerialAsync(Zone, 2, TimeSpan.FromSeconds(20));
        Assert.Equal(["127.0.0.5"], await named.QueryAsync("www.example.test", "A"));
    }

    [NamedFact]
    public async Task A_zone_that_does_not_load_at_start_fails_with_named_output()
    {
        _dir.Write($"named/{Zone}.zone", "@ IN SOA ns1. host. 1 2 3 4 5\n");
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => NamedServer.StartAsync(NamedDir, [Zone]));
        Assert.Contains($"did not load zone {Zone}", e.Message);
        Assert.Contains("--- named output", e.Message);
    }

    [NamedFact]
    public async Task A_dynamic_zone_applies_a_signed_update_and_refuses_an_unsigned_one()
    {
        WriteZone(1, "127.0.0.2");
        var key = NamedServer.DynamicKey.Generate();
        await using var named = await NamedServer.StartAsync(NamedDir, [Zone], key);
        // the file a config's dns_update.key_file reads is the one named includes
        Assert.Equal(key.KeyFileText, File.ReadAllText(named.KeyFile!));

        var unsigned = await named.NsupdateAsync($"zone {Zone}\nupdate add www.{Zone} 60 A 127.0.0.9", signed: false);
        Assert.False(unsigned.Succeeded, unsigned.ToString());
        Assert.Contains("REFUSED", unsigned.Output);
        Assert.Equal(["127.0.0.2"], await named.QueryAsync("www." + Zone, "A"));
        Assert.Equal(1, await named.SerialAsync(Zone));

        // a key with the right name but another secret is no better than none
        var stale = key.WithNewSecret().WriteTo(_dir.File("stale.key"));
        var forged = await named.NsupdateAsync($"zone {Zone}\nupdate add www.{Zone} 60 A 127.0.0.9", keyFile: stale);
        Assert.False(forged.Succeeded, forged.ToString());
        Assert.Equal(["127.0.0.2"], await named.QueryAsync("www." + Zone, "A"));

        var signedUpdate = await named.NsupdateAsync(
            $"zone {Zone}\nupdate delete www.{Zone} A\nupdate add www.{Zone} 60 A 127.0.0.9\n" +
            $"update add _edgemanage.{Zone} 60 TXT \"edgemanage claim=1 by=spec\"\nsend");
        Assert.True(signedUpdate.Succeeded, signedUpdate + "\n" + named.Output);
        // an UPDATE is applied at once (no reload), with the serial bumped by named itself
        Assert.Equal(["127.0.0.9"], await named.QueryAsync("www." + Zone, "A"));
        Assert.Equal(["\"edgemanage claim=1 by=spec\""], await named.QueryAsync("_edgemanage." + Zone, "TXT"));
        Assert.True(await named.SerialAsync(Zone) > 1);

        // the key may change only what edgemanage owns: the operator's NS stays out of its reach
        var ns = await named.NsupdateAsync($"zone {Zone}\nupdate add {Zone} 60 NS ns2.{Zone}.");
        Assert.False(ns.Succeeded, ns.ToString());
        Assert.Contains("REFUSED", ns.Output);
        Assert.Equal([$"ns1.{Zone}."], await named.QueryAsync(Zone, "NS"));
    }

    [NamedFact]
    public async Task A_zone_left_static_refuses_a_signed_update_and_a_restarted_server_keeps_what_was_applied()
    {
        WriteZone(1, "127.0.0.2");
        _dir.Write("named/static.test.zone", File.ReadAllText(_dir.File($"named/{Zone}.zone")).Replace(Zone, "static.test"));
        var key = NamedServer.DynamicKey.Generate();
        var named = await NamedServer.StartAsync(NamedDir, [Zone, "static.test"], key, dynamicZones: [Zone]);
        try
        {
            var refused = await named.NsupdateAsync("zone static.test\nupdate add www.static.test 60 A 127.0.0.9");
            Assert.False(refused.Succeeded, refused.ToString());
            Assert.Contains("REFUSED", refused.Output);
            Assert.Equal(["127.0.0.2"], await named.QueryAsync("www.static.test", "A"));

            var applied = await named.NsupdateAsync($"zone {Zone}\nupdate delete www.{Zone} A\nupdate add www.{Zone} 60 A 127.0.0.9");
            Assert.True(applied.Succeeded, applied + "\n" + named.Output);
        }
        finally
        {
            await named.DisposeAsync();
        }

        // A primary restarted over the same folder (its journal or the zone file it saved on stop) serves the update.
        await using var restarted = await NamedServer.StartAsync(NamedDir, [Zone, "static.test"], key);
        Assert.Equal(["127.0.0.9"], await restarted.QueryAsync("www." + Zone, "A"));
        Assert.Equal(2, await restarted.SerialAsync(Zone));
    }
}
