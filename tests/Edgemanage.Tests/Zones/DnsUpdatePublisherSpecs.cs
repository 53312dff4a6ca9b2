using Akka.Event;
using Edgemanage.Actors.Zones;
using Edgemanage.Actors.Zones.Dynamic;
using Edgemanage.Contracts.Config;
using Edgemanage.Contracts.Zones;
using Edgemanage.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using static Edgemanage.Contracts.Zones.ZoneCommands;

namespace Edgemanage.Tests.Zones;

/// <summary>
/// One publish step by DNS UPDATE, without actors, against a real named with a dynamic zone: what the primary serves
/// afterwards, that nothing is sent when it already serves the decision, that a concurrent change makes the server
/// refuse the whole UPDATE, that a newer decider's claim makes an older one stand down, and that the operator's
/// other records are never touched.
/// </summary>
public sealed class DnsUpdatePublisherSpecs : IDisposable
{
    private const string Zone = "example.test";
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));

    public void Dispose() => _dir.Dispose();

    private static readonly DnsSettings Dns = new()
    {
        NsRecords = ["ns1.example.test."], SoaNameserver = "ns1.example.test.", SoaMailbox = "hostmaster.example.test.",
        RotateZones = ["www"],
    };

    private async Task<NamedServer> StartNamedAsync(NamedServer.DynamicKey key)
    {
        _dir.Write($"named/{Zone}.zone",
            "$TTL 60\n@ IN SOA ns1.example.test. hostmaster.example.test. 7 3600 600 86400 60\n@ IN NS ns1.example.test.\n" +
            "ns1 IN A 127.0.0.1\nstatic IN A 127.0.0.50\nwww IN MX 10 mail.example.test.\n@ IN A 127.0.0.99\n");
        return await NamedServer.StartAsync(_dir.Dir("named"), [Zone], key);
    }

    private DnsUpdatePublisher Publisher(NamedServer named, string decider = "spec:1", string? keyFile = null, double timeoutSeconds = 5)
    {
        var update = new DnsUpdateSettings { PrimaryHost = "127.0.0.1", PrimaryPort = named.Port, KeyFile = keyFile ?? named.KeyFile!, Ttl = 120, TimeoutSeconds = timeoutSeconds };
        var settings = new ZoneWriterSettings("net", _dir.Dir("unused-named-dir"), _dir.File("live"), Dns, ZoneTemplate.Builtin(), null, new CommandSettings(),
            TimeSpan.FromSeconds(30), 20, DnsUpdate: new DnsUpdateTarget(update, TsigKeyFile.Read(update.KeyFile), decider));
        return new DnsUpdatePublisher(settings, new HostResolver(), _clock, NoLogger.Instance);
    }

    private static PublishZones Cmd(string[] live, bool dryRun = false, bool liveChanged = true) =>
        new("net", 1, [new ZoneContent(Zone, Zone + ".zone", "", live, null, null)], live, liveChanged, dryRun, ForceUpdate: false);

    private static async Task<string[]> Served(NamedServer named, string name, string type = "A") => [.. (await named.QueryAsync(name, type)).Order()];

    [NamedFact]
    public async Task The_primary_serves_the_decided_set_at_the_apex_and_each_rotate_label_and_nothing_else_changes()
    {
        var key = NamedServer.DynamicKey.Generate();
        await using var named = await StartNamedAsync(key);
        var publisher = Publisher(named);

        var first = await publisher.PublishAsync(Cmd(["127.0.0.2", "127.0.0.3", "::1"]), ZoneWriterState.Empty, default);

        var outcome = Assert.Single(first.Reply.Zones);
        Assert.True(outcome.Action == ZoneAction.Written, outcome.Detail + "\n" + named.Output);
        Assert.Contains("UPDATE NOERROR", outcome.Detail);
        Assert.Equal(["127.0.0.2", "127.0.0.3"], await Served(named, Zone));
        Assert.Equal(["127.0.0.2", "127.0.0.3"], await Served(named, "www." + Zone));
        Assert.Equal(["::1"], await Served(named, "www." + Zone, "AAAA"));
        // the primary's serial moved (server-kept), and is what the outcome and the record say
        Assert.Equal(8, await named.SerialAsync(Zone));
        Assert.Equal(8u, outcome.Serial);
        Assert.Equal(8u, first.Event!.Serial);
        // the operator's records: untouched (www keeps its MX beside our A/AAAA)
        Assert.Equal(["127.0.0.50"], await Served(named, "static." + Zone));
        Assert.Equal(["10 mail.example.test."], await Served(named, "www." + Zone, "MX"));
        Assert.Equal(["ns1.example.test."], await Served(named, Zone, "NS"));
        Assert.StartsWith("\"edgemanage claim=1 by=spec:1 ", Assert.Single(await named.QueryAsync("_edgemanage." + Zone, "TXT")));
    }

    [NamedFact]
    public async Task A_step_that_finds_the_decision_already_served_sends_nothing_and_a_new_decider_converges_without_churn()
    {
        var key = NamedServer.DynamicKey.Generate();
        await using var named = await StartNamedAsync(key);
        var first = await Publisher(named).PublishAsync(Cmd(["127.0.0.2"]), ZoneWriterState.Empty, default);
        var state = ZoneWriterState.Empty.Apply(first.Event!);

        // a restart or a takeover: another publisher (no claim yet, an empty journal) finds the primary as decided
        var again = await Publisher(named, decider: "spec:2").PublishAsync(Cmd(["127.0.0.2"]), ZoneWriterState.Empty, default);

        var outcome = Assert.Single(again.Reply.Zones);
        Assert.Equal(ZoneAction.Unchanged, outcome.Action);
        Assert.Equal(8, await named.SerialAsync(Zone));
        Assert.StartsWith("\"edgemanage claim=1 by=spec:1 ", Assert.Single(await named.QueryAsync("_edgemanage." + Zone, "TXT")));
        // the same publisher with its recorded state: nothing new to record either
        var quiet = await Publisher(named).PublishAsync(Cmd(["127.0.0.2"], liveChanged: false), state, default);
        Assert.Null(quiet.Event);
    }

    [NamedFact]
    public async Task After_a_crash_between_decision_and_update_the_next_decision_sends_the_difference()
    {
        var key = NamedServer.DynamicKey.Generate();
        await using var named = await StartNamedAsync(key);
        await Publisher(named).PublishAsync(Cmd(["127.0.0.2", "127.0.0.3"]), ZoneWriterState.Empty, default);

        // the decision to drop .3 was made and journaled, then the process died before its UPDATE: the new process
        // remembers the new set, the primary still serves the old one; reading the primary finds the difference
        var next = await Publisher(named, decider: "spec:2").PublishAsync(Cmd(["127.0.0.2"]), ZoneWriterState.Empty, default);

        Assert.Equal(ZoneAction.Written, Assert.Single(next.Reply.Zones).Action);
        Assert.Equal(["127.0.0.2"], await Served(named, Zone));
        Assert.StartsWith("\"edgemanage claim=2 by=spec:2 ", Assert.Single(await named.QueryAsync("_edgemanage." + Zone, "TXT")));
    }

    [NamedFact]
    public async Task An_older_decider_stands_down_once_a_newer_one_claims_the_zone_and_a_racing_update_is_refused_whole()
    {
        var key = NamedServer.DynamicKey.Generate();
        await using var named = await StartNamedAsync(key);
        var older = Publisher(named, decider: "old:1");
        await older.PublishAsync(Cmd(["127.0.0.2"]), ZoneWriterState.Empty, default);
        var newer = Publisher(named, decider: "new:1");
        await newer.PublishAsync(Cmd(["127.0.0.3"]), ZoneWriterState.Empty, default);

        // the older decider (a partitioned node still running) decides something else: it reads the newer claim and stands down
        var stale = await older.PublishAsync(Cmd(["127.0.0.4"]), ZoneWriterState.Empty, default);

        var outcome = Assert.Single(stale.Reply.Zones);
        Assert.Equal(ZoneAction.Failed, outcome.Action);
        Assert.Contains("a newer decider claimed it", outcome.Detail);
        Assert.Equal(["127.0.0.3"], await Served(named, Zone));

        // an UPDATE computed from a read that is no longer true (someone changed the records in between) is refused by
        // its prerequisites, and none of it applies: not even the RRsets that did not change in between
        var primary = new DnsPrimary(new DnsUpdateSettings { PrimaryHost = "127.0.0.1", PrimaryPort = named.Port, KeyFile = named.KeyFile! },
            TsigKeyFile.Read(named.KeyFile!));
        var decided = OwnedRecords.Decided(Zone, Dns, [new ZoneAddress("127.0.0.5", false)]);
        var read = await primary.ReadAsync(Zone, decided.Keys, default);
        var plan = OwnedRecords.Plan(Zone, decided, read, null, n => OwnedRecords.ClaimText(n, "racer", _clock.GetUtcNow()));
        var operatorChange = await named.NsupdateAsync($"zone {Zone}\nupdate add www.{Zone} 60 A 127.0.0.6\nsend");
        Assert.True(operatorChange.Succeeded, operatorChange.ToString());

        var answer = await primary.SendAsync(plan, 60, default);

        Assert.True(answer.PrerequisiteFailed, answer.ToString());
        Assert.Equal(["127.0.0.3"], await Served(named, Zone));
        Assert.Equal(["127.0.0.3", "127.0.0.6"], await Served(named, "www." + Zone));
    }

    [NamedFact]
    public async Task A_key_the_primary_does_not_accept_names_the_key_and_changes_nothing()
    {
        var key = NamedServer.DynamicKey.Generate();
        await using var named = await StartNamedAsync(key);
        var wrong = _dir.Write("wrong.key", key.WithNewSecret().KeyFileText);

        var result = await Publisher(named, keyFile: wrong).PublishAsync(Cmd(["127.0.0.2"]), ZoneWriterState.Empty, default);

        var outcome = Assert.Single(result.Reply.Zones);
        Assert.Equal(ZoneAction.Failed, outcome.Action);
        Assert.Contains("does not accept key 'edgemanage-key'", outcome.Detail);
        Assert.Contains(wrong, outcome.Detail);
        Assert.False(result.Reply.AllPublished);
        Assert.Equal(["127.0.0.99"], await Served(named, Zone));
    }

    [NamedFact]
    public async Task A_dry_run_prints_the_update_in_nsupdate_syntax_and_nsupdate_applies_it_as_printed()
    {
        var key = NamedServer.DynamicKey.Generate();
        await using var named = await StartNamedAsync(key);

        var plan = await Publisher(named).PublishAsync(Cmd(["127.0.0.2"], dryRun: true), ZoneWriterState.Empty, default);

        var outcome = Assert.Single(plan.Reply.Zones);
        Assert.Equal(ZoneAction.Planned, outcome.Action);
        Assert.Null(plan.Event);
        Assert.Equal(["127.0.0.99"], await Served(named, Zone));
        Assert.Contains($"prereq yxrrset {Zone}. IN A 127.0.0.99", outcome.Diff);
        Assert.Contains($"update add {Zone}. 120 IN A 127.0.0.2", outcome.Diff);
        var applied = await named.NsupdateAsync(outcome.Diff!);
        Assert.True(applied.Succeeded, applied.ToString());
        Assert.Equal(["127.0.0.2"], await Served(named, "www." + Zone));
    }

    [Fact]
    public async Task A_primary_that_does_not_answer_fails_the_zone_within_the_timeout()
    {
        // a TCP port that accepts and never answers: the step must end, with the zone not published
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        var keyFile = _dir.Write("k.key", NamedServer.DynamicKey.Generate().KeyFileText);
        var update = new DnsUpdateSettings { PrimaryHost = "127.0.0.1", PrimaryPort = port, KeyFile = keyFile, TimeoutSeconds = 0.5 };
        var settings = new ZoneWriterSettings("net", _dir.Dir("n"), null, Dns, ZoneTemplate.Builtin(), null, new CommandSettings(),
            TimeSpan.FromSeconds(30), 20, DnsUpdate: new DnsUpdateTarget(update, TsigKeyFile.Read(keyFile), "spec"));

        var result = await new DnsUpdatePublisher(settings, new HostResolver(), _clock, NoLogger.Instance)
            .PublishAsync(Cmd(["127.0.0.2"]), ZoneWriterState.Empty, default);

        var outcome = Assert.Single(result.Reply.Zones);
        Assert.Equal(ZoneAction.Failed, outcome.Action);
        Assert.Contains("timeout", outcome.Detail);
    }
}
