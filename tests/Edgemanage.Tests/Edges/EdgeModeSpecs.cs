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
