using System.Text.RegularExpressions;
using Edgemanage.Fleet;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Commands;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Bind;

/// <summary>
/// <c>publish: dns-update</c> (issue 12) against a real named primary on loopback whose zone is dynamic for a TSIG key:
/// <c>run</c> and <c>serve</c> change the answer only by signed UPDATEs, dig shows what was decided (canaries in their
/// own zone), the operator's other records stay, a refusing, absent or stopped primary leaves the answer alone and is
/// retried, a hand edit of the owned records is repaired, a newer decider's claim is never overwritten, and <c>-n</c>
/// prints the UPDATE instead of sending it. (validate against the primary: DnsUpdateValidateSpecs.)
/// </summary>
public sealed partial class DnsUpdateEndToEndSpecs : IAsyncLifetime
{
    private const string Net = "updnet";
    private const string Zone = "example.test";
    private const string Other = "other.test";
    private static readonly string[] FleetEdges = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"];
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);
    /// <summary>A canary of <see cref="Other"/> (not an edge), served by the same loopback fleet.</summary>
    private const string Canary = "127.0.0.102";

    private readonly TempDir _dir = new();
    private readonly NamedServer.DynamicKey _key = NamedServer.DynamicKey.Generate();
    private TestFleet _fleet = null!;

    public async Task InitializeAsync()
    {
        _fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = [.. FleetEdges, Canary] });
        _key.WriteTo(KeyFile);
        WritePrimaryZone(Zone);
        WritePrimaryZone(Other);
    }

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>The key file edgemanage reads (dns_update.key_file): a copy of the one named includes, as an operator deploys it.</summary>
    private string KeyFile => _dir.File("edgemanage.key");

    /// <summary>The primary's own zone files: not edgemanage's named_dir, which dns-update mode never writes.</summary>
    private string PrimaryDir => _dir.Dir("primary");

    /// <summary>
    /// What an operator's primary starts from: SOA, NS and their glue, and a record of the operator's own (mail), which
    /// edgemanage must never touch. No address at the apex or www yet: the first UPDATE adds them.
    /// </summary>
    private void WritePrimaryZone(string zone) =>
        _dir.Write($"primary/{zone}.zone",
            "$TTL 60\n" +
            $"@ IN SOA ns1.{zone}. hostmaster.{zone}. 1 3600 600 86400 60\n" +
            $"@ IN NS ns1.{zone}.\n" +
            $"@ IN NS ns2.{zone}.\n" +
            "ns1 IN A 127.0.0.1\n" +
            "ns2 IN A 127.0.0.1\n" +
            "mail IN A 127.0.0.1\n");

    private Task<NamedServer> StartPrimaryAsync(NamedServer.DynamicKey? key = null, IReadOnlyCollection<string>? dynamicZones = null) =>
        NamedServer.StartAsync(PrimaryDir, [Zone, Other], key ?? _key, dynamicZones);

    /// <summary>
    /// An original-style config publishing <see cref="Zone"/> and <see cref="Other"/> (one include each) by UPDATE to
    /// <paramref name="named"/>; three of the five edges live, www rotated with the apex. goodenough is generous, so a
    /// slow probe on a loaded machine never changes a live set under a spec: only a refusing edge does.
    /// </summary>
    private string Workspace(NamedServer named, string extraYaml = "probe_timeout: 2\n")
    {
        var config = DemoWorkspace.Write(_dir.Path, Net, _fleet.Port, _fleet.Body, FleetEdges,
            extraYaml: extraYaml + ServeWorkspace.DnsUpdateYaml(named.Endpoint, KeyFile), goodEnough: 3, edgeCount: 3);
        _dir.Write($"zones/{Net}/{Other}.zone", "; the other zone of this network: nothing but the edges' addresses\n");
        return config;
    }

    private static Task<EdgemanageProcess.Result> Run(string config, params string[] more) =>
        EdgemanageProcess.RunInProcessAsync(["run", "-A", Net, "-c", config, .. more]);

    [GeneratedRegex(@"^updnet: live (.*?) \(", RegexOptions.Multiline)]
    private static partial Regex LiveLine();

    /// <summary>The live set a run printed ("updnet: live A B C (3 of edge_count 3; ...)"), sorted.</summary>
    private static string[] Live(EdgemanageProcess.Result run)
    {
        var match = LiveLine().Match(run.Stdout);
        Assert.True(match.Success, $"no live line in the output of run\n{run}");
        return match.Groups[1].Value.Split(' ').Order(StringComparer.Ordinal).ToArray();
    }

    private static async Task<string[]> Served(NamedServer named, string name) =>
        (await named.QueryAsync(name, "A")).Order(StringComparer.Ordinal).ToArray();

    /// <summary>The claim marker's text as dig prints it (quoted), or null when the zone has none.</summary>
    private static async Task<string?> Marker(NamedServer named, string zone) =>
        (await named.QueryAsync($"_edgemanage.{zone}", "TXT")).SingleOrDefault();

    private string Diagnostics(NamedServer named)
    {
        var log = _dir.File("edgemanage.log");
        return $"\n--- named\n{string.Join('\n', named.Output.Split('\n').TakeLast(30))}" +
               $"\n--- edgemanage.log\n{(File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(40)) : "(none)")}";
    }

    /// <summary>Both zones serve exactly <paramref name="live"/> at the apex and at www.</summary>
    private static async Task AssertServes(NamedServer named, string[] live, string context, params string[] zones)
    {
        string[] names = zones.Length == 0 ? [Zone, Other] : zones;
        foreach (var name in names.SelectMany(z => new[] { z, "www." + z }))
        {
            var served = await Served(named, name);
            Assert.True(live.SequenceEqual(served), $"{name} A: {string.Join(' ', served)}, decided {string.Join(' ', live)}{context}");
        }
    }

    [NamedFact]
    public async Task Run_publishes_the_decided_set_by_update_and_a_second_run_with_nothing_changed_sends_none()
    {
        await using var named = await StartPrimaryAsync();
        var config = Workspace(named);

        var first = await Run(config);
        Assert.True(first.ExitCode == ExitCodes.Ok, first + Diagnostics(named));
        var live = Live(first);
        Assert.Equal(3, live.Length);
        await AssertServes(named, live, $"\n{first}{Diagnostics(named)}");
        foreach (var zone in new[] { Zone, Other })
        {
            Assert.Contains("edgemanage claim=", await Marker(named, zone));
            // Nothing but what edgemanage owns changed: the operator's mail, NS and their glue are as the file has them.
            Assert.Equal(["127.0.0.1"], await named.QueryAsync($"mail.{zone}", "A"));
            Assert.Equal([$"ns1.{zone}.", $"ns2.{zone}."], (await named.QueryAsync(zone, "NS")).Order(StringComparer.Ordinal));
            Assert.Equal(["127.0.0.1"], await named.QueryAsync($"ns1.{zone}", "A"));
        }
        // named bumped each serial once (one UPDATE per zone), and run reports the primary's serial, not one of its own.
        var serials = new Dictionary<string, long?> { [Zone] = await named.SerialAsync(Zone), [Other] = await named.SerialAsync(Other) };
        Assert.All(serials.Values, s => Assert.Equal(2L, s));
        Assert.Contains("zones: 2 written (serial 2)", first.Stdout);
        // dns-update mode writes no zone file: the primary's zone and journal are its own business.
        Assert.Empty(Directory.GetFiles(_dir.Dir("named")));

        var markers = new[] { await Marker(named, Zone), await Marker(named, Other) };
        var second = await Run(config);
        Assert.True(second.ExitCode == ExitCodes.Ok, second + Diagnostics(named));
        // Quiet, as a run that changed nothing is (a cron line mails only when DNS changed).
        Assert.True(second.Stdout.Length == 0, second.ToString());
        // Nothing was sent: no serial moved and the markers are the first run's (a new run claims only when it changes something).
        Assert.Equal(serials[Zone], await named.SerialAsync(Zone));
        Assert.Equal(serials[Other], await named.SerialAsync(Other));
        Assert.Equal(markers, new[] { await Marker(named, Zone), await Marker(named, Other) });
        await AssertServes(named, live, $"\n{second}{Diagnostics(named)}");
    }

    [NamedFact]
    public async Task A_live_edge_that_starts_refusing_leaves_the_answer_on_the_next_run()
    {
        await using var named = await StartPrimaryAsync();
        var config = Workspace(named);
        var first = await Run(config);
        Assert.True(first.ExitCode == ExitCodes.Ok, first + Diagnostics(named));
        var before = Live(first);
        var serial = await named.SerialAsync(Zone);

        var victim = before[1];
        _fleet.Set(victim, EdgeBehaviour.Refuse());
        var second = await Run(config);
        Assert.True(second.ExitCode == ExitCodes.Ok, second + Diagnostics(named));
        var after = Live(second);
        Assert.Equal(3, after.Length);
        Assert.DoesNotContain(victim, after);
        await AssertServes(named, after, $"\n{second}{Diagnostics(named)}");
        Assert.True(await named.SerialAsync(Zone) > serial, $"the serial stayed {serial}");
        Assert.Equal(["127.0.0.1"], await named.QueryAsync($"mail.{Zone}", "A"));
    }

    [NamedFact]
    public async Task A_zone_the_primary_refuses_is_not_published_run_exits_3_naming_it_and_the_next_run_against_a_fixed_primary_converges()
    {
        // The operator forgot other.test's update-policy: named knows the key but grants it nothing there.
        var named = await StartPrimaryAsync(dynamicZones: [Zone]);
        var config = Workspace(named);
        var refused = await Run(config);
        Assert.True(refused.ExitCode == ExitCodes.Degraded, refused + Diagnostics(named));
        Assert.True(Regex.IsMatch(refused.Stdout, $@"{Regex.Escape(Other)}: failed: .*REFUSED"), refused + Diagnostics(named));
        Assert.Contains("[DEGRADED]", refused.Stdout);
        var live = Live(refused);
        // Each zone's UPDATE stands alone: example.test is published, other.test is exactly as before.
        await AssertServes(named, live, $"\n{refused}{Diagnostics(named)}", Zone);
        Assert.Empty(await named.QueryAsync(Other, "A"));
        Assert.Empty(await named.QueryAsync("www." + Other, "A"));
        Assert.Null(await Marker(named, Other));
        Assert.Equal(1, await named.SerialAsync(Other));
        var published = await named.SerialAsync(Zone);

        // The operator fixes the primary (same zone files; named keeps example.test's update through its journal).
        await named.DisposeAsync();
        await using var fixedPrimary = await StartPrimaryAsync();
        config = Workspace(fixedPrimary);
        var converged = await Run(config);
        Assert.True(converged.ExitCode == ExitCodes.Ok, converged + Diagnostics(fixedPrimary));
        Assert.Equal(live, Live(converged));
        await AssertServes(fixedPrimary, live, $"\n{converged}{Diagnostics(fixedPrimary)}");
        Assert.Contains("edgemanage claim=", await Marker(fixedPrimary, Other));
        // example.test already served the decided set: nothing was sent there.
        Assert.Equal(published, await fixedPrimary.SerialAsync(Zone));
        Assert.Contains("1 written, 1 unchanged", converged.Stdout);
    }

    [NamedFact]
    public async Task A_primary_with_another_secret_for_the_key_refuses_the_update_and_run_exits_3_naming_the_key()
    {
        await using var named = await StartPrimaryAsync(_key.WithNewSecret());
        var config = Workspace(named);
        var run = await Run(config);
        Assert.True(run.ExitCode == ExitCodes.Degraded, run + Diagnostics(named));
        Assert.True(Regex.IsMatch(run.Stdout, $@"{Regex.Escape(Zone)}: failed: .*(NOTAUTH|BADSIG)"), run + Diagnostics(named));
        Assert.Contains(_key.Name, run.Stdout);
        foreach (var zone in new[] { Zone, Other })
        {
            Assert.Empty(await named.QueryAsync(zone, "A"));
            Assert.Null(await Marker(named, zone));
            Assert.Equal(1, await named.SerialAsync(zone));
        }
    }

    [NamedFact]
    public async Task Dry_run_prints_the_update_it_would_send_and_changes_nothing()
    {
        await using var named = await StartPrimaryAsync();
        var config = Workspace(named);
        var dry = await Run(config, "-n");
        Assert.True(dry.ExitCode == ExitCodes.Ok, dry + Diagnostics(named));
        var live = Live(dry);
        // nsupdate syntax an operator could feed to nsupdate -k: per zone, the zone, its prerequisites, the adds, send.
        var lines = dry.Stdout.Split('\n').Select(l => l.Trim()).ToArray();
        foreach (var zone in new[] { Zone, Other })
        {
            Assert.Contains(lines, l => Regex.IsMatch(l, $@"^zone {Regex.Escape(zone)}\.?$"));
            foreach (var name in new[] { zone, "www." + zone })
            foreach (var address in live)
                Assert.Contains(lines, l => Regex.IsMatch(l, $@"^update add {Regex.Escape(name)}\.? \d+ (IN )?A {Regex.Escape(address)}$"));
        }
        Assert.Contains(lines, l => l.StartsWith("prereq ", StringComparison.Ordinal));
        Assert.Contains("send", lines);

        foreach (var zone in new[] { Zone, Other })
        {
            Assert.Empty(await named.QueryAsync(zone, "A"));
            Assert.Null(await Marker(named, zone));
            Assert.Equal(1, await named.SerialAsync(zone));
        }
    }

    [NamedFact]
    public async Task A_serving_node_whose_zone_a_newer_decider_claimed_stands_down_and_never_overwrites_it()
    {
        await using var named = await StartPrimaryAsync();
        var config = Workspace(named, ServeWorkspace.SteadyServeYaml + "metrics:\n  listen: off\n");
        await using var node = ServeProcess.Start("node", "-A", Net, "-c", config, "--admin", "127.0.0.1:0");
        await node.WaitForOutputAsync("ctl endpoint on ", Within);
        var ctlAddress = Regex.Match(node.Output, @"ctl endpoint on (\S+)").Groups[1].Value;
        Task<EdgemanageProcess.Result> Ctl(params string[] args) => EdgemanageProcess.RunInProcessAsync(["ctl", "--node", ctlAddress, .. args]);
        string Context() => $"\n{node.Output}{Diagnostics(named)}";

        string[] published = [];
        await Eventually.True(async () => (published = await Served(named, Zone)).Length == 3 && await Marker(named, Zone) is not null,
            Within, "the node's first UPDATE").ContinueWith(t => { if (t.IsFaulted) throw new InvalidOperationException(Context(), t.Exception); });
        var claimed = int.Parse(Regex.Match((await Marker(named, Zone))!, @"claim=(\d+)").Groups[1].Value);

        // A newer decider (another node after a partition, say) claims the zone and publishes its own choice: an edge
        // the node does not publish, and one it does.
        string[] newer = [FleetEdges.Except(published).First(), published[0]];
        newer = newer.Order(StringComparer.Ordinal).ToArray();
        var newerMarker = $"edgemanage claim={claimed + 1} by=newer-decider at=2026-12-05T21:00:00Z";
        var takeover = await named.NsupdateAsync(
            $"zone {Zone}\n" +
            $"update delete _edgemanage.{Zone} TXT\n" +
            $"update add _edgemanage.{Zone} 60 TXT \"{newerMarker}\"\n" +
            $"update delete {Zone} A\n" +
            string.Concat(newer.Select(a => $"update add {Zone} 60 A {a}\n")) +
            $"update delete www.{Zone} A\n" +
            string.Concat(newer.Select(a => $"update add www.{Zone} 60 A {a}\n")) +
            "send\n");
        Assert.True(takeover.Succeeded, takeover + Context());

        // The node's next decision reads a marker it did not write: it stands down for that zone, loudly.
        EdgemanageProcess.Result zones = null!;
        await Eventually.True(async () => Regex.IsMatch((zones = await Ctl("zones", Net)).Stdout, $@"{Regex.Escape(Zone)}\s+\S+\s+failed\s"),
            Within, "ctl zones showing example.test failed").ContinueWith(t => { if (t.IsFaulted) throw new InvalidOperationException($"{zones}{Context()}", t.Exception); });
        Assert.Contains("claim", zones.Stdout, StringComparison.OrdinalIgnoreCase);

        // It keeps standing down while its own decision changes: one of its edges refuses, and several publish steps
        // later (each retries the zone) the answer is still the newer decider's.
        _fleet.Set(published.Except(newer).First(), EdgeBehaviour.Refuse());
        var steps = new HashSet<string>(StringComparer.Ordinal);
        await Eventually.True(async () =>
        {
            var step = Regex.Match((await Ctl("zones", Net)).Stdout, "last publish step on this node: (.*) \\(").Groups[1].Value;
            if (step.Length > 0) steps.Add(step);
            return steps.Count >= 4;
        }, Within, "four publish steps after the takeover").ContinueWith(t => { if (t.IsFaulted) throw new InvalidOperationException(Context(), t.Exception); });

        Assert.Equal(newer, await Served(named, Zone));
        Assert.Equal(newer, await Served(named, "www." + Zone));
        Assert.Equal($"\"{newerMarker}\"", await Marker(named, Zone));
        zones = await Ctl("zones", Net);
        Assert.Matches($@"{Regex.Escape(Zone)}\s+\S+\s+failed\s", zones.Stdout);
        // The operator's other views say so too: net show and the Nagios rotation check (a WARNING at least).
        var show = await Ctl("net", "show", Net);
        Assert.Contains($"NOT PUBLISHED: zone {Zone} not published", show.Stdout);
        var check = await EdgemanageProcess.RunInProcessAsync("check", "rotation", "-A", Net, "-c", config);
        Assert.True(check.ExitCode is 1 or 2, check.ToString());
        Assert.Contains("NOT PUBLISHED", check.Stdout);
        Assert.False(node.HasExited, Context());
    }

    [NamedFact]
    public async Task A_key_whose_secret_contains_two_slashes_is_read_as_named_reads_it()
    {
        // Base64 uses '/', so about one tsig-keygen secret in a hundred holds "//": named takes it as part of the
        // quoted secret, and so must edgemanage (it is not a comment inside a quoted string).
        var bytes = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        bytes[0] = bytes[1] = bytes[2] = 0xFF;
        var key = new NamedServer.DynamicKey("edgemanage-key", Convert.ToBase64String(bytes));
        Assert.StartsWith("////", key.Secret);
        key.WriteTo(KeyFile);
        await using var named = await StartPrimaryAsync(key);
        var config = Workspace(named);

        var run = await Run(config);
        Assert.True(run.ExitCode == ExitCodes.Ok, run + Diagnostics(named));
        await AssertServes(named, Live(run), $"\n{run}{Diagnostics(named)}");
    }

    [NamedFact]
    public async Task A_zones_canary_is_published_in_that_zone_only()
    {
        await using var named = await StartPrimaryAsync();
        var config = Workspace(named, $"probe_timeout: 2\ncanary_files: canaries.yaml\n");
        _dir.Write("canaries.yaml", $"{Other}: {Canary}\n");

        var run = await Run(config);
        Assert.True(run.ExitCode == ExitCodes.Ok, run + Diagnostics(named));
        var live = Live(run);
        await AssertServes(named, live, $"\n{run}{Diagnostics(named)}", Zone);
        foreach (var name in new[] { Other, "www." + Other })
        {
            // As with files: the canary is published in its own zone beside (or instead of one of) the live edges.
            var served = await Served(named, name);
            Assert.Contains(Canary, served);
            Assert.Empty(served.Except([Canary]).Except(live));
        }
        Assert.DoesNotContain(Canary, await Served(named, Zone));
    }

    [NamedFact]
    public async Task A_primary_that_is_down_fails_each_zone_within_the_timeout_and_run_exits_3()
    {
        var named = await StartPrimaryAsync();
        var config = Workspace(named);
        // Stopped: nothing listens on its port any more (a crashed or restarting primary).
        await named.DisposeAsync();

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var run = await Run(config);
        Assert.True(run.ExitCode == ExitCodes.Degraded, run.ToString());
        Assert.Contains("NOT PUBLISHED", run.Stdout);
        foreach (var zone in new[] { Zone, Other })
            Assert.True(Regex.IsMatch(run.Stdout, $@"{Regex.Escape(zone)}: failed: .*{Regex.Escape(named.Endpoint)}"), run.ToString());
        // dns_update.timeout is 3 s per query: a refused connection must not cost more than that per zone.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"run took {clock.Elapsed}\n{run}");
    }

    [NamedFact]
    public async Task A_serving_node_repairs_a_hand_edit_of_its_records_on_the_next_decision_and_keeps_its_claim()
    {
        await using var named = await StartPrimaryAsync();
        var config = Workspace(named, ServeWorkspace.SteadyServeYaml + "metrics:\n  listen: off\n");
        await using var node = ServeProcess.Start("node", "-A", Net, "-c", config, "--admin", "off");
        string Context() => $"\n{node.Output}{Diagnostics(named)}";
        string[] published = [];
        await Eventually.True(async () => (published = await Served(named, Zone)).Length == 3 && await Marker(named, Zone) is not null
                                          && Enumerable.SequenceEqual(published, await Served(named, "www." + Zone)),
            Within, "the node's first UPDATE").ContinueWith(t => { if (t.IsFaulted) throw new InvalidOperationException(Context(), t.Exception); });
        var marker = await Marker(named, Zone);
        var serial = await named.SerialAsync(Zone);

        // Someone edits the owned records by hand (the marker left alone): www loses its addresses, the apex gains one.
        var edit = await named.NsupdateAsync($"zone {Zone}\nupdate delete www.{Zone} A\nupdate add {Zone} 60 A 127.0.0.9\nsend");
        Assert.True(edit.Succeeded, edit + Context());

        // The node reads what the primary serves at every decision, not what it remembers sending: it puts its set back.
        await Eventually.True(async () => Enumerable.SequenceEqual(published, await Served(named, Zone)) && Enumerable.SequenceEqual(published, await Served(named, "www." + Zone)),
            Within, "the decided set back at the apex and www").ContinueWith(t => { if (t.IsFaulted) throw new InvalidOperationException(Context(), t.Exception); });
        // It still holds the claim, so the repair did not claim again; named counted the edit and the repair.
        Assert.Equal(marker, await Marker(named, Zone));
        Assert.Equal(serial + 2, await named.SerialAsync(Zone));
        Assert.Equal(["127.0.0.1"], await named.QueryAsync($"mail.{Zone}", "A"));
    }

    [NamedFact]
    public async Task A_zone_the_primary_does_not_serve_fails_alone_and_names_the_zone()
    {
        await using var named = await StartPrimaryAsync();
        var config = Workspace(named);
        // An include for a zone the operator never configured on the primary.
        _dir.Write($"zones/{Net}/missing.test.zone", "; not on the primary\n");

        var run = await Run(config);
        Assert.True(run.ExitCode == ExitCodes.Degraded, run + Diagnostics(named));
        Assert.True(Regex.IsMatch(run.Stdout, @"missing\.test: failed: .*does not serve zone missing\.test"), run + Diagnostics(named));
        await AssertServes(named, Live(run), $"\n{run}{Diagnostics(named)}");
    }
}
