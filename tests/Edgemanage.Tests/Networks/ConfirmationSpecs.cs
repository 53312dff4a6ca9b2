using Akka.Actor;
using Akka.TestKit;
using Edgemanage.Actors.Networks;
using Edgemanage.Actors.Persistence;
using Edgemanage.Actors.Zones;
using Edgemanage.Contracts.Config;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Probing;
using Edgemanage.Node.Commands;
using Edgemanage.Node.Hosting;
using Edgemanage.Tests.Support;
using Xunit;
using static Edgemanage.Contracts.Edges.EdgeCommands;
using static Edgemanage.Contracts.Edges.EdgeReplies;

namespace Edgemanage.Tests.Networks;

/// <summary>
/// serve, several vantages: when one vantage reports a live edge failing, the decider asks the history groups that
/// report that edge from the other vantages (test probes here, as a remote group would be) to probe it at once.
/// </summary>
public sealed class ConfirmationSpecs : Akka.TestKit.Xunit2.TestKit
{
    private const string Net = "confnet";
    private static readonly string[] Edges = ["127.0.0.2", "127.0.0.3", "127.0.0.4"];
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);
    private readonly TempDir _dir = new();
    private long _at = 1_800_000_000_000;

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) _dir.Dispose();
    }

    /// <summary>A deciding node that probes nothing itself, whose live set (from the live list on disk) is .2 and .3.</summary>
    private async Task<EdgemanageNode> StartDecider()
    {
        var settings = TestSettings.Create(_dir.Path);
        Directory.CreateDirectory(settings.NamedDir);
        var liveList = _dir.Write("live", "127.0.0.2\n127.0.0.3\n");
        var plan = new PublishPlan(
            new NetworkActorSettings(Net, Required: 2, MinEdges: 1, new RotationBudget(null, TimeSpan.FromMinutes(10)), Edges,
                new Dictionary<string, string>(), null, SnapshotEvery: 3, LiveListPath: liveList),
            new ZoneWriterSettings(Net, settings.NamedDir, null, settings.Dns, ZoneTemplate.Builtin(), null, new CommandSettings(),
                TimeSpan.FromSeconds(10), SnapshotEvery: 3),
            new HostResolver(),
            // Decisions only when a live edge fails: the spec is about who is asked to confirm, not about ticks.
            new ServeOptions(TimeSpan.FromHours(1), [], ServeCommand.QuorumFor(settings)));
        return await EdgemanageNode.StartAsync(settings, Net, [], new ScriptedProber((_, _) => (ProbeOutcome.Ok, 0.1)),
            JournalTarget.For(settings.Persistence, _dir.File("journal.db")), publish: plan);
    }

    private EdgeReport Report(string edge, string vantage, bool ok)
    {
        var sample = new Sample(++_at, ok ? 0.1f : 10f, ok ? ProbeOutcome.Ok : ProbeOutcome.Refused, (short)(ok ? 200 : 0));
        return new EdgeReport(Net, edge, vantage, EdgeMode.Available, "", -1,
            new EdgeVerdict(ok ? EdgeHealth.PassThreshold : EdgeHealth.Fail, sample, sample.Seconds, null, 1), ok ? null : "refused");
    }

    private void AllPass(EdgemanageNode node, TestProbe group, string vantage) =>
        group.Send(node.Network!, new Observed(Edges.Select(e => Report(e, vantage, ok: true)).ToArray()));

    [Fact]
    public async Task A_live_edge_failing_from_one_vantage_is_confirmed_by_the_groups_of_the_other_vantages()
    {
        await using var node = await StartDecider();
        var (a, b, c) = (CreateTestProbe(), CreateTestProbe(), CreateTestProbe());
        AllPass(node, a, "eu");
        AllPass(node, b, "us");
        AllPass(node, c, "asia");

        // An edge that is not live failing: nobody is asked.
        a.Send(node.Network!, new Observed([Report("127.0.0.4", "eu", ok: false)]));
        b.ExpectNoMsg(Quiet);
        c.ExpectNoMsg(TimeSpan.Zero);

        // A live edge turns fail from eu: the groups that report it from us and asia are asked, eu itself is not.
        a.Send(node.Network!, new Observed([Report("127.0.0.2", "eu", ok: false)]));
        Assert.Equal(new ConfirmEdge(Net, "127.0.0.2"), b.ExpectMsg<ConfirmEdge>());
        Assert.Equal(new ConfirmEdge(Net, "127.0.0.2"), c.ExpectMsg<ConfirmEdge>());
        a.ExpectNoMsg(Quiet);

        // Still failing from eu: not a new failure, nobody is asked again.
        a.Send(node.Network!, new Observed([Report("127.0.0.2", "eu", ok: false)]));
        b.ExpectNoMsg(Quiet);
        c.ExpectNoMsg(TimeSpan.Zero);

        // us confirms the failure: eu, which already sees it failing, is not asked.
        b.Send(node.Network!, new Observed([Report("127.0.0.2", "us", ok: false)]));
        a.ExpectNoMsg(Quiet);
    }

    [Fact]
    public async Task A_late_report_of_a_failure_asks_nobody()
    {
        await using var node = await StartDecider();
        var (a, b) = (CreateTestProbe(), CreateTestProbe());
        var late = Report("127.0.0.3", "eu", ok: false);
        AllPass(node, a, "eu");
        AllPass(node, b, "us");

        // eu's failing report is older than its passing one the decider already has.
        a.Send(node.Network!, new Observed([late]));
        b.ExpectNoMsg(Quiet);
    }
}
