using Edgemanage.Actors.Networks;
using Edgemanage.Actors.Zones;
using Edgemanage.Contracts.Networks;
using Edgemanage.Contracts.Zones;
using Xunit;

namespace Edgemanage.Tests.Networks;

/// <summary>
/// What a starting decider starts from: the newest of the cluster's replicated state, its journal's last decision and
/// the live list on disk (<see cref="TakeoverStart.Choose"/>); and what adopting the replicated zone state changes in
/// the zone writer's (<see cref="ZoneWriterState.Adopting"/>).
/// </summary>
public sealed class TakeoverStartSpecs
{
    private static readonly string[] AB = ["a", "b"];
    private static readonly string[] AC = ["a", "c"];
    private static readonly string[] CD = ["c", "d"];

    private static DecisionRecord Journal(long at, string[] live) =>
        new("net", at, 2, [], live, Published: true, Degraded: false, [], [], []);

    private static PublishedNetworkState Replicated(long at, string[] live, uint serial = 7) =>
        new("net", at, live, serial, [new PublishedZone("z", "inputs", serial, "check", "bytes")], [], "akka.tcp://edgemanage@127.0.0.1:4053");

    private static LiveListOnDisk LiveList(long at, string[] live) => new(live, at);

    public static IEnumerable<object?[]> Table() => new[]
    {
        // replicated (at, live), journal (at, live), live list (written at, live) → source, live
        new object?[] { null, null, null, StartSource.Nothing, Array.Empty<string>() },
        [null, (100L, AB), null, StartSource.Journal, AB],
        [(200L, AC), null, null, StartSource.Replicated, AC],
        // another node decided after this journal: its state wins
        [(200L, AC), (100L, AB), null, StartSource.Replicated, AC],
        // this node decided last (the register holds an older publish): the journal wins
        [(100L, AC), (200L, AB), null, StartSource.Journal, AB],
        // a tie is this node's own decision: nothing to adopt
        [(100L, AC), (100L, AB), null, StartSource.Journal, AB],
        // no decision at all: the live list (the original's, or a node that never recorded) whatever its time
        [null, null, (5L, CD), StartSource.LiveList, CD],
        // a live list written after the newest decision and naming another set: a publish neither recorded nor replicated
        [(200L, AC), (100L, AB), (300L, CD), StartSource.LiveList, CD],
        [null, (100L, AB), (300L, CD), StartSource.LiveList, CD],
        // written after, but naming the same set: the decision (it carries the reasons and the zone state)
        [(200L, AC), (100L, AB), (300L, AC), StartSource.Replicated, AC],
        // written before the newest decision: stale, whatever it names
        [(200L, AC), (100L, AB), (150L, CD), StartSource.Replicated, AC],
        [(100L, AC), (200L, AB), (150L, CD), StartSource.Journal, AB],
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void A_starting_decider_starts_from_the_newest_of_the_replicated_state_the_journal_and_the_live_list(
        (long, string[])? replicated, (long, string[])? journal, (long, string[])? liveList, StartSource source, string[] live)
    {
        var start = TakeoverStart.Choose(
            replicated is var (ra, rl) ? Replicated(ra, rl) : null,
            journal is var (ja, jl) ? Journal(ja, jl) : null,
            liveList is var (la, ll) ? LiveList(la, ll) : null);
        Assert.Equal(source, start.Source);
        Assert.Equal(live, start.Live);
    }

    private static ZoneWriterState Mine(uint serial, params PublishedZone[] zones) =>
        new(serial, zones.ToDictionary(z => z.Zone, StringComparer.Ordinal), ["a", "b"]);

    [Fact]
    public void Adopting_raises_the_serial_floor_and_replaces_each_zone_record_with_the_published_one()
    {
        var mine = Mine(100, new PublishedZone("z", "old-inputs", 100, "check", "old-bytes"), new PublishedZone("y", "y", 90, "check", "y"));
        var truth = new PublishedZone("z", "inputs", 120, "check", "bytes");
        var evt = mine.Adopting(120, [truth], ["a", "c"], 1_000);
        Assert.NotNull(evt);
        var adopted = mine.Apply(evt);
        Assert.Equal(120u, adopted.LastSerial);
        Assert.Equal(truth, adopted.Zones["z"]);
        Assert.Equal(90u, adopted.Zones["y"].Serial); // a zone the publisher did not name stays as this node recorded it
        Assert.Equal(["a", "c"], adopted.LiveList);
    }

    [Fact]
    public void Adopting_never_lowers_the_serial_and_records_nothing_when_nothing_changes()
    {
        var zone = new PublishedZone("z", "inputs", 120, "check", "bytes");
        var mine = Mine(130, zone);
        // This node's own decision is newer: only the serial floor is offered, and it is lower.
        Assert.Null(mine.Adopting(120, [], null, 1_000));
        // The same records again (a restart of the decider that published them): nothing to record.
        Assert.Null(mine.Adopting(120, [zone], ["a", "b"], 1_000));
        var raised = mine.Adopting(140, [], null, 1_000);
        Assert.Equal(140u, mine.Apply(raised!).LastSerial);
        Assert.Equal(zone, mine.Apply(raised!).Zones["z"]);
    }
}
