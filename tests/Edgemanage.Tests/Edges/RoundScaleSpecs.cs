using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Edgemanage.Actors.Edges;
using Edgemanage.Actors.Persistence;
using Edgemanage.Actors.Probing;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Probing;
using Edgemanage.Fleet;
using Edgemanage.Node.Hosting;
using Edgemanage.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using static Edgemanage.Contracts.Edges.EdgeCommands;
using static Edgemanage.Contracts.Edges.EdgeReplies;

namespace Edgemanage.Tests.Edges;

/// <summary>
/// Scale of input (issue 10): every edge of a cron round gets a sample of that round, probed or, when the round's
/// budget left no time to start its probe, a failed one ("not probed in time") with a summary line for the network.
/// </summary>
public sealed class RoundScaleSpecs : IDisposable
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(60);
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A loopback port nobody listens on: bound once to learn a free one, then closed.</summary>
    private static int ClosedPort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    [Fact]
    public async Task Every_refusing_loopback_edge_gets_its_sample_of_the_round_and_it_is_recorded()
    {
        var edges = FleetAddresses.Range(2, 300).ToArray(); // 127.0.0.2 … 127.0.1.49: nobody listens on the port
        var settings = TestSettings.Create(_dir.Path, timeoutSeconds: 2);
        settings = settings with { Probe = settings.Probe with { Concurrency = 16 } };
        var http = new HttpProber(settings.TestObject with { Port = ClosedPort() }, settings.Probe, new byte[16]);
        using var prober = new ConcurrencyLimitedProber(http, settings.Probe.Concurrency);
        var journal = JournalTarget.SqliteFile(_dir.File("journal.db"));

        await using (var node = await EdgemanageNode.StartAsync(settings, "scalenet", edges, prober, journal))
        {
            var done = await node.NetworkEdges.Ask<RoundCompleted>(new RunRound(1, Persist: true), AskTimeout);
            Assert.Empty(done.Failures);
            Assert.Equal(edges, done.Edges.Select(e => e.Edge));
            Assert.All(done.Edges, r =>
            {
                Assert.Equal(1, r.Verdict.SampleCount);
                Assert.Equal(ProbeOutcome.Refused, r.Verdict.Last!.Value.Outcome);
            });
        }

        // Recorded, not only reported: a new process recovers one sample of every edge.
        await using (var node = await EdgemanageNode.StartAsync(settings, "scalenet", edges, NoProber.Instance, journal))
        {
            var reports = await node.NetworkEdges.Ask<EdgeReports>(new GetEdgeReports("scalenet"), AskTimeout);
            Assert.Equal(edges, reports.Edges.Select(e => e.Edge));
            Assert.All(reports.Edges, r => Assert.Equal(1, r.Verdict.SampleCount));
        }
    }

    /// <summary>Holds every probe that starts until the test lets them finish (as timeouts, like hanging edges).</summary>
    private sealed class HangingProber(TimeProvider time) : IProber
    {
        public readonly TaskCompletionSource Release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _started;
        public int Started => Volatile.Read(ref _started);

        public async Task<ProbeResult> ProbeAsync(string edge, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _started);
            await Release.Task;
            return new ProbeResult(edge, ProbeOutcome.Timeout, 2, time.GetUtcNow(), 1, null, 0, new ProbePhases(null, null, null, null), "timed out");
        }
    }

    /// <summary>Counts the probes the limiter gave up on, so the test knows when they have all reported.</summary>
    private sealed class GiveUpCounter(ConcurrencyLimitedProber inner) : IProber
    {
        private int _givenUp;
        public int GivenUp => Volatile.Read(ref _givenUp);

        public Task<ProbeResult> ProbeAsync(string edge, CancellationToken cancellationToken = default) => inner.ProbeAsync(edge, cancellationToken);

        public async Task<ProbeResult> ProbeAsync(string edge, DateTimeOffset startBy, CancellationToken cancellationToken = default)
        {
            try
            {
                return await inner.ProbeAsync(edge, startBy, cancellationToken);
            }
            catch (ProbeNotStartedException)
            {
                Interlocked.Increment(ref _givenUp);
                throw;
            }
        }
    }

    [Fact]
    public async Task Probes_that_cannot_start_within_the_budget_are_failed_samples_with_a_summary_for_the_network()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var settings = TestSettings.Create(_dir.Path, timeoutSeconds: 2);
        var journal = JournalTarget.SqliteFile(_dir.File("journal.db"));
        var hanging = new HangingProber(time);
        using var limited = new ConcurrencyLimitedProber(hanging, maxInFlight: 2, time: time);
        var counter = new GiveUpCounter(limited);
        var edges = FleetAddresses.Range(2, 10).ToArray();

        // The node itself probes nothing; the network under test gets a budget of 1 s to start its probes.
        await using var node = await EdgemanageNode.StartAsync(settings, "idle", [], NoProber.Instance, journal);
        var budget = new RoundBudget(StartWithin: TimeSpan.FromSeconds(1), Deadline: TimeSpan.FromMinutes(1));
        var edgeSettings = new NetworkEdgesSettings("slownet", settings.Vantage, edges, settings.HistoryLength, settings.SnapshotEvery,
            new JudgeSettings(settings.GoodEnough, 2, settings.PassWindowSeconds), budget);
        var network = node.System.ActorOf(NetworkEdgesActor.Props(edgeSettings, counter, time), "edges-slownet");

        var round = network.Ask<RoundCompleted>(new RunRound(1, Persist: true), AskTimeout);
        await Eventually.True(() => hanging.Started == 2, TimeSpan.FromSeconds(30), "two probes hold both slots");
        time.Advance(TimeSpan.FromSeconds(2));
        await Eventually.True(() => counter.GivenUp == 8, TimeSpan.FromSeconds(30), "the other eight are given up");
        hanging.Release.SetResult();
        var done = await round;

        Assert.Equal(edges, done.Edges.Select(e => e.Edge));
        var notProbed = done.Edges.Where(r => r.LastDetail == "not probed in time").ToArray();
        Assert.Equal(8, notProbed.Length);
        Assert.All(done.Edges, r => Assert.Equal(1, r.Verdict.SampleCount));
        Assert.All(notProbed, r =>
        {
            Assert.Equal(ProbeOutcome.Timeout, r.Verdict.Last!.Value.Outcome);
            Assert.Equal(EdgeHealth.Fail, r.Verdict.Health);
        });
        var summary = Assert.Single(done.Failures);
        Assert.StartsWith("network slownet: 8 of 10 edges were not probed in time", summary);
        Assert.Contains("each got a failed sample", summary);
        Assert.Equal(2, hanging.Started); // the eight were never sent
    }
}
