using Akka.Event;
using Edgemanage.Actors.Zones;
using Edgemanage.Contracts.Config;
using Edgemanage.Contracts.Zones;
using Edgemanage.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using static Edgemanage.Contracts.Zones.ZoneCommands;

namespace Edgemanage.Tests.Zones;

/// <summary>
/// One publish step without actors: real files, real check processes. What is written, what is skipped, what is
/// checked again, and that a failure leaves the old file in place.
/// </summary>
public sealed class ZonePublisherSpecs : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));

    public void Dispose() => _dir.Dispose();

    private string Named => _dir.Dir("named");
    private string CheckLog => _dir.File("checks.log");

    private static readonly DnsSettings Dns = new()
    {
        NsRecords = ["ns1.example.test."], SoaNameserver = "ns1.example.test.", SoaMailbox = "hostmaster.example.test.",
    };

    /// <summary>A check that logs each zone it sees and fails any zone whose text contains "BROKEN".</summary>
    private ZonePublisher Publisher(bool withCheck = true)
    {
        var checker = withCheck
            ? ZoneChecker.Create($"/bin/sh -c 'echo $0 >> {CheckLog}; ! grep -q BROKEN \"$1\"' {{zone}} {{file}}")
            : null;
        var settings = new ZoneWriterSettings("net", Named, _dir.File("live"), Dns, ZoneTemplate.Builtin(), checker, new CommandSettings(),
            TimeSpan.FromSeconds(30), 20);
        return new ZonePublisher(settings, new HostResolver(), _clock, NoLogger.Instance);
    }

    private static PublishZones Cmd(string[] live, bool dryRun = false, params (string Zone, string Include)[] zones) =>
        new("net", 1, zones.Select(z => new ZoneContent(z.Zone, z.Zone + ".zone", z.Include, live, null, null)).ToArray(), live,
            LiveChanged: true, dryRun, ForceUpdate: false);

    private int Checks => File.Exists(CheckLog) ? File.ReadAllLines(CheckLog).Length : 0;

    private static readonly (string, string)[] ThreeZones = [("a.test", "x 60 IN A 127.0.0.1\n"), ("b.test", "y 60 IN A 127.0.0.1\n"), ("c.test", "")];

    [Fact]
    public async Task Zones_are_checked_once_per_shape_not_again_when_only_their_addresses_change()
    {
        var publisher = Publisher();
        var first = await publisher.PublishAsync(Cmd(["127.0.0.2", "127.0.0.3"], false, ThreeZones), ZoneWriterState.Empty, default);
        Assert.All(first.Reply.Zones, z => Assert.Equal(ZoneAction.Written, z.Action));
        Assert.Equal(3, Checks);
        var state = ZoneWriterState.Empty.Apply(first.Event!);

        _clock.Advance(TimeSpan.FromMinutes(1));
        var moved = await publisher.PublishAsync(Cmd(["127.0.0.2", "127.0.0.4"], false, ThreeZones), state, default);
        Assert.All(moved.Reply.Zones, z => Assert.Equal(ZoneAction.Written, z.Action));
        Assert.Equal(3, Checks); // same shapes: no new checks
        state = state.Apply(moved.Event!);
        Assert.True(moved.Event!.Serial > first.Event!.Serial);

        var unchanged = await publisher.PublishAsync(Cmd(["127.0.0.2", "127.0.0.4"], false, ThreeZones) with { LiveChanged = false }, state, default);
        Assert.All(unchanged.Reply.Zones, z => Assert.Equal(ZoneAction.Unchanged, z.Action));
        Assert.Null(unchanged.Event);

        // one more record in one include: a new shape, checked once
        var edited = ThreeZones.Select(z => z.Item1 == "c.test" ? (z.Item1, "z 60 IN A 127.0.0.1\n") : z).ToArray();
        var third = await publisher.PublishAsync(Cmd(["127.0.0.2", "127.0.0.4"], false, edited), state, default);
        Assert.Equal(4, Checks);
        Assert.Equal([ZoneAction.Unchanged, ZoneAction.Unchanged, ZoneAction.Written], third.Reply.Zones.Select(z => z.Action));
    }

    [Fact]
    public async Task A_zone_that_fails_its_check_keeps_its_old_file_and_the_others_are_written()
    {
        var publisher = Publisher();
        var first = await publisher.PublishAsync(Cmd(["127.0.0.2"], false, ThreeZones), ZoneWriterState.Empty, default);
        var state = ZoneWriterState.Empty.Apply(first.Event!);
        var oldB = File.ReadAllText(Path.Combine(Named, "b.test.zone"));

        var broken = ThreeZones.Select(z => z.Item1 == "b.test" ? (z.Item1, "; BROKEN\n") : z).ToArray();
        var second = await publisher.PublishAsync(Cmd(["127.0.0.3"], false, broken), state, default);
        var outcomes = second.Reply.Zones.ToDictionary(z => z.Zone, z => z.Action);
        Assert.Equal(ZoneAction.CheckFailed, outcomes["b.test"]);
        Assert.Equal(ZoneAction.Written, outcomes["a.test"]);
        Assert.Equal(oldB, File.ReadAllText(Path.Combine(Named, "b.test.zone")));
        Assert.DoesNotContain(second.Event!.Zones, z => z.Zone == "b.test");
        Assert.Empty(Directory.GetFiles(Named, ".*")); // no temp files left behind
    }

    [Fact]
    public async Task A_dry_run_plans_with_diffs_and_writes_nothing()
    {
        var result = await Publisher().PublishAsync(Cmd(["127.0.0.2"], dryRun: true, ThreeZones), ZoneWriterState.Empty, default);
        Assert.All(result.Reply.Zones, z =>
        {
            Assert.Equal(ZoneAction.Planned, z.Action);
            Assert.Contains("+@\t\tIN\tA\t127.0.0.2", z.Diff);
        });
        Assert.Null(result.Event);
        Assert.Empty(Directory.GetFiles(Named));
        Assert.False(File.Exists(_dir.File("live")));
        Assert.Equal(0, Checks);
    }

    [Fact]
    public async Task The_serial_is_ahead_of_a_zone_file_written_by_someone_else()
    {
        File.WriteAllText(Path.Combine(Named, "a.test.zone"), "@ 300 IN SOA ns1. host. 2999999999 1 2 3 4\n");
        var result = await Publisher(withCheck: false).PublishAsync(Cmd(["127.0.0.2"], false, ThreeZones), ZoneWriterState.Empty, default);
        Assert.Equal(3_000_000_000u, result.Event!.Serial);
    }

    [Fact]
    public async Task A_zone_file_that_is_not_the_one_recorded_is_rewritten_even_when_the_inputs_are_unchanged()
    {
        var publisher = Publisher(withCheck: false);
        var first = await publisher.PublishAsync(Cmd(["127.0.0.2"], false, ThreeZones), ZoneWriterState.Empty, default);
        var state = ZoneWriterState.Empty.Apply(first.Event!);
        var a = Path.Combine(Named, "a.test.zone");
        var b = Path.Combine(Named, "b.test.zone");
        var c = Path.Combine(Named, "c.test.zone");
        var recorded = File.ReadAllText(a);
        // What a crash between writing and recording leaves: a newer file the record does not know (a), a file gone (b),
        // and one replaced by something that is not a regular file (c).
        File.WriteAllText(a, recorded.Replace("127.0.0.2", "127.0.0.9"));
        File.Delete(b);
        File.Delete(c);
        File.CreateSymbolicLink(c, a);

        _clock.Advance(TimeSpan.FromMinutes(1));
        var again = await publisher.PublishAsync(Cmd(["127.0.0.2"], false, ThreeZones) with { LiveChanged = false }, state, default);
        Assert.All(again.Reply.Zones, z => Assert.Equal(ZoneAction.Written, z.Action));
        Assert.Equal(["127.0.0.2"], ZoneRecords.ApexAIn(File.ReadAllText(a)));
        Assert.True(File.Exists(b));
        Assert.Null(new FileInfo(c).LinkTarget);
        Assert.True(ZoneRecords.Serial(File.ReadAllText(a)) > ZoneRecords.Serial(recorded));
        Assert.True(again.Reply.AnyChanged); // so run_after_changes reloads named, which may never have been told
        Assert.Contains(again.Reply.Problems, p => p.Contains("differed from the last recorded write"));

        state = state.Apply(again.Event!);
        var steady = await publisher.PublishAsync(Cmd(["127.0.0.2"], false, ThreeZones) with { LiveChanged = false }, state, default);
        Assert.All(steady.Reply.Zones, z => Assert.Equal(ZoneAction.Unchanged, z.Action));
        Assert.Null(steady.Event);
    }

    [Fact]
    public async Task A_record_from_before_file_hashes_is_adopted_without_a_rewrite_when_the_file_matches_it()
    {
        var publisher = Publisher(withCheck: false);
        var first = await publisher.PublishAsync(Cmd(["127.0.0.2"], false, ThreeZones), ZoneWriterState.Empty, default);
        var legacy = first.Event! with { Zones = first.Event!.Zones.Select(z => z with { FileHash = null }).ToArray() };
        var state = ZoneWriterState.Empty.Apply(legacy);
        var a = Path.Combine(Named, "a.test.zone");
        var before = File.GetLastWriteTimeUtc(a);
        File.WriteAllText(Path.Combine(Named, "b.test.zone"), "; edited by hand\n");

        var next = await publisher.PublishAsync(Cmd(["127.0.0.2"], false, ThreeZones) with { LiveChanged = false }, state, default);
        var actions = next.Reply.Zones.ToDictionary(z => z.Zone, z => z.Action);
        Assert.Equal(ZoneAction.Unchanged, actions["a.test"]);
        Assert.Equal(ZoneAction.Written, actions["b.test"]);
        Assert.Equal(before, File.GetLastWriteTimeUtc(a));
        Assert.All(next.Event!.Zones, z => Assert.NotNull(z.FileHash));
        Assert.Contains(next.Event!.Zones, z => z.Zone == "a.test" && z.Serial == first.Event!.Serial);
    }

    [Fact]
    public async Task Temp_files_an_interrupted_write_left_are_removed_and_nobody_elses()
    {
        var ours = Path.Combine(Named, $".a.test.zone.{Guid.NewGuid():N}.tmp");
        var otherNetworks = Path.Combine(Named, $".other.test.zone.{Guid.NewGuid():N}.tmp");
        var notOurPattern = Path.Combine(Named, ".a.test.zone.tmp");
        var liveTemp = _dir.Write($".live.{Guid.NewGuid():N}.tmp", "x\n");
        foreach (var f in new[] { ours, otherNetworks, notOurPattern }) File.WriteAllText(f, "x\n");

        await Publisher(withCheck: false).PublishAsync(Cmd(["127.0.0.2"], false, ThreeZones), ZoneWriterState.Empty, default);
        Assert.False(File.Exists(ours));
        Assert.False(File.Exists(liveTemp));
        Assert.True(File.Exists(otherNetworks));
        Assert.True(File.Exists(notOurPattern));
    }

    [Fact]
    public async Task A_serial_at_the_top_of_32_bits_wraps_to_one_that_rfc_1982_orders_after_it()
    {
        File.WriteAllText(Path.Combine(Named, "a.test.zone"), "@ 300 IN SOA ns1. host. 4294967295 1 2 3 4\n");
        var result = await Publisher(withCheck: false).PublishAsync(Cmd(["127.0.0.2"], false, ThreeZones), ZoneWriterState.Empty, default);
        // The clock (1 800 000 000) lies less than 2^31 after 4294967295 in serial arithmetic, so it is taken at once.
        Assert.Equal(1_800_000_000u, result.Event!.Serial);
        Assert.True(ZoneSerial.IsNewer(result.Event!.Serial, uint.MaxValue));
        Assert.All(result.Reply.Zones, z => Assert.Equal(ZoneAction.Written, z.Action));
    }

    [Fact]
    public async Task The_live_list_keeps_naming_the_old_set_when_no_zone_carries_the_new_one()
    {
        var publisher = Publisher();
        var first = await publisher.PublishAsync(Cmd(["127.0.0.2"], false, ThreeZones), ZoneWriterState.Empty, default);
        var state = ZoneWriterState.Empty.Apply(first.Event!);
        var broken = ThreeZones.Select(z => (z.Item1, "; BROKEN\n")).ToArray();
        var second = await publisher.PublishAsync(Cmd(["127.0.0.3"], false, broken), state, default);
        Assert.All(second.Reply.Zones, z => Assert.Equal(ZoneAction.CheckFailed, z.Action));
        Assert.False(second.Reply.LiveListWritten);
        Assert.Equal("127.0.0.2\n", File.ReadAllText(_dir.File("live")));
    }

    [Fact]
    public void A_batch_write_replaces_every_file_and_reports_the_one_that_failed()
    {
        var items = new[]
        {
            new ZoneFiles.BatchItem(Path.Combine(Named, "one.zone"), "one\n"),
            new ZoneFiles.BatchItem(Path.Combine(_dir.Path, "missing-dir", "two.zone"), "two\n"),
            new ZoneFiles.BatchItem(Path.Combine(Named, "three.zone"), "three\n"),
        };
        File.WriteAllText(items[0].Path, "old\n");
        ZoneFiles.WriteAtomicBatch(items);
        Assert.Null(items[0].Error);
        Assert.NotNull(items[1].Error);
        Assert.Null(items[2].Error);
        Assert.Equal("one\n", File.ReadAllText(items[0].Path));
        Assert.Equal("three\n", File.ReadAllText(items[2].Path));
        Assert.Equal(ZoneFiles.ZoneFileMode, File.GetUnixFileMode(items[2].Path));
        Assert.Equal(2, Directory.GetFiles(Named).Length);
    }
}
