using Akka.Actor;
using Edgemanage.Actors.Persistence;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Probing;
using Edgemanage.Node.Hosting;
using Edgemanage.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using static Edgemanage.Contracts.Edges.EdgeCommands;
using static Edgemanage.Contracts.Edges.EdgeReplies;

namespace Edgemanage.Tests.Edges;

/// <summary>Mode changes keep edge_conf's rule: the time of the change moves only when the mode changes.</summary>
public sealed class EdgeModeSpecs : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Setting_the_same_mode_again_updates_the_comment_but_keeps_the_time_of_the_change()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var settings = TestSettings.Create(_dir.Path);
        var prober = new ScriptedProber((_, _) => (ProbeOutcome.Ok, 0.1));
        await using var node = await EdgemanageNode.StartAsync(settings, "modenet", ["127.0.0.2"], prober,
            JournalTarget.For(settings.Persistence, _dir.File("journal.db")), clock);
        var timeout = TimeSpan.FromSeconds(30);

        async Task<EdgeReport> Set(EdgeMode mode, string comment)
        {
            Assert.IsType<EdgeModeSet>(await node.NetworkEdges.Ask<object>(new SetEdgeMode("modenet", "127.0.0.2", mode, comment), timeout));
            return Assert.Single((await node.NetworkEdges.Ask<EdgeReports>(new GetEdgeReports("modenet"), timeout)).Edges);
        }

        var first = await Set(EdgeMode.Force, "[ops] pin");
        Assert.Equal(1_800_000_000_000, first.ModeChangedAtUnixMs);

        clock.Advance(TimeSpan.FromHours(1));
        var again = await Set(EdgeMode.Force, "[ops] still pinned");
        Assert.Equal("[ops] still pinned", again.Comment);
        Assert.Equal(1_800_000_000_000, again.ModeChangedAtUnixMs);

        var changed = await Set(EdgeMode.Available, "");
        Assert.Equal(1_800_003_600_000, changed.ModeChangedAtUnixMs);
    }
}

/// <summary><c>edge mode --for</c>: a mode that reverts to available at its expiry, judged against the injected clock.</summary>
public sealed class EdgeModeExpirySpecs : IDisposable
{
    private const string Net = "expnet";
    private const string Edge = "127.0.0.2";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly long T0 = 1_800_000_000_000;
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.FromUnixTimeMilliseconds(T0));

    public void Dispose() => _dir.Dispose();

    private Task<EdgemanageNode> StartAsync(TimeProvider? clock = null, int snapshotEvery = 20)
    {
        var settings = TestSettings.Create(_dir.Path, snapshotEvery: snapshotEvery);
        var prober = new ScriptedProber((_, _) => (ProbeOutcome.Ok, 0.1));
        return EdgemanageNode.StartAsync(settings, Net, [Edge, "127.0.0.3"], prober,
            JournalTarget.For(settings.Persistence, _dir.File("journal.db")), clock ?? _clock);
    }

    private static async Task<EdgeModeSet> Set(EdgemanageNode node, EdgeMode mode, string comment, long? expires) =>
        Assert.IsType<EdgeModeSet>(await node.NetworkEdges.Ask<object>(new SetEdgeMode(Net, Edge, mode, comment, expires), Timeout));

    private static async Task<EdgeReport> Report(EdgemanageNode node) =>
        (await node.NetworkEdges.Ask<EdgeReports>(new GetEdgeReports(Net), Timeout)).Edges.Single(e => e.Edge == Edge);

    [Fact]
    public async Task A_mode_set_for_a_while_reverts_to_available_at_its_expiry()
    {
        await using var node = await StartAsync();
        var expires = T0 + 30 * 60_000;
        var set = await Set(node, EdgeMode.Unavailable, "[ops] disk swap", expires);
        Assert.Equal(expires, set.ExpiresAtUnixMs);

        var inForce = await Report(node);
        Assert.Equal(EdgeMode.Unavailable, inForce.Mode);
        Assert.Equal(expires, inForce.ModeExpiresAtUnixMs);
        Assert.Equal("[ops] disk swap", inForce.Comment);

        _clock.Advance(TimeSpan.FromMinutes(29));
        Assert.Equal(EdgeMode.Unavailable, (await Report(node)).Mode);

        _clock.Advance(TimeSpan.FromMinutes(1));
        var expired = await Report(node);
        Assert.Equal(EdgeMode.Available, expired.Mode);
        Assert.Null(expired.ModeExpiresAtUnixMs);
        Assert.Equal(expires, expired.ModeChangedAtUnixMs);
        Assert.Equal("[ops] disk swap (unavailable expired at 2027-01-15 08:30:00Z)", expired.Comment);
    }

    [Fact]
    public async Task The_expiry_survives_a_restart_from_events_and_from_a_snapshot()
    {
        var expires = T0 + 3_600_000;
        await using (var node = await StartAsync())
            await Set(node, EdgeMode.Force, "[ops] pin", expires);
        await using (var node = await StartAsync(snapshotEvery: 1))
        {
            var r = await Report(node);
            Assert.Equal((EdgeMode.Force, expires), (r.Mode, r.ModeExpiresAtUnixMs));
            // a persisting round with snapshotEvery 1 snapshots the group ("h.snap2") and deletes the events
            await node.NetworkEdges.Ask<RoundCompleted>(new RunRound(1, Persist: true), Timeout);
        }
        await using (var node = await StartAsync())
        {
            var r = await Report(node);
            Assert.Equal((EdgeMode.Force, expires), (r.Mode, r.ModeExpiresAtUnixMs));
            _clock.Advance(TimeSpan.FromHours(2));
            Assert.Equal(EdgeMode.Available, (await Report(node)).Mode);
        }
    }

    [Fact]
    public async Task A_persisting_round_after_the_expiry_records_the_change_back_to_available()
    {
        var expires = T0 + 60_000;
        await using (var node = await StartAsync())
        {
            await Set(node, EdgeMode.Unavailable, "[ops] x", expires);
            _clock.Advance(TimeSpan.FromMinutes(5));
            var round = await node.NetworkEdges.Ask<RoundCompleted>(new RunRound(1, Persist: true), Timeout);
            Assert.Equal(EdgeMode.Available, round.Edges.Single(e => e.Edge == Edge).Mode);
        }
        // Recovered with a clock from before the expiry: only a recorded revert makes it available.
        await using (var node = await StartAsync(new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(T0))))
        {
            var r = await Report(node);
            Assert.Equal(EdgeMode.Available, r.Mode);
            Assert.Equal(expires, r.ModeChangedAtUnixMs);
            Assert.Contains("expired", r.Comment);
        }
    }

    [Fact]
    public async Task A_query_without_persistence_does_not_record_the_expiry()
    {
        var expires = T0 + 60_000;
        await using (var node = await StartAsync())
        {
            await Set(node, EdgeMode.Unavailable, "[ops] x", expires);
            _clock.Advance(TimeSpan.FromMinutes(5));
            Assert.Equal(EdgeMode.Available, (await Report(node)).Mode);
            await node.NetworkEdges.Ask<RoundCompleted>(new RunRound(1, Persist: false), Timeout);
        }
        await using (var node = await StartAsync(new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(T0))))
            Assert.Equal(EdgeMode.Unavailable, (await Report(node)).Mode);
    }

    [Fact]
    public async Task Setting_available_clears_the_expiry_and_a_later_mode_without_for_has_none()
    {
        await using var node = await StartAsync();
        await Set(node, EdgeMode.Force, "[ops] pin", T0 + 60_000);
        var cleared = await Set(node, EdgeMode.Available, "", T0 + 60_000);
        Assert.Null(cleared.ExpiresAtUnixMs);
        Assert.Null((await Report(node)).ModeExpiresAtUnixMs);

        await Set(node, EdgeMode.Force, "[ops] pin for good", null);
        _clock.Advance(TimeSpan.FromDays(3));
        var r = await Report(node);
        Assert.Equal((EdgeMode.Force, (long?)null), (r.Mode, r.ModeExpiresAtUnixMs));
    }

    [Fact]
    public async Task Setting_the_expired_mode_again_is_a_new_change()
    {
        await using var node = await StartAsync();
        await Set(node, EdgeMode.Force, "[ops] pin", T0 + 60_000);
        _clock.Advance(TimeSpan.FromMinutes(10));
        await Set(node, EdgeMode.Force, "[ops] pin again", T0 + 3_600_000);
        var r = await Report(node);
        Assert.Equal(T0 + 600_000, r.ModeChangedAtUnixMs);
        Assert.Equal(T0 + 3_600_000, r.ModeExpiresAtUnixMs);
    }
}
