using Akka.Actor;
using Akka.Hosting;
using Akka.Persistence;
using Edgemanage.Actors.Edges;
using Edgemanage.Actors.Persistence;
using Edgemanage.Contracts;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Probing;
using Edgemanage.Contracts.Serialization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Edgemanage.Bench;

/// <summary>
/// Writes one <see cref="HistoryGroupSnapshot"/> per history group of a network, with <c>samples</c> ok samples
/// per edge, through the same persistence setup and serializer as the product, so that a following
/// <c>edgemanage run</c> recovers a full history.
/// </summary>
public static class HistorySeeder
{
    public static async Task SeedAsync(string journalPath, string network, string vantage, IReadOnlyList<string> edges,
        int samples, int delayMs, TimeSpan timeout)
    {
        var host = new HostBuilder()
            .ConfigureServices(services => services.AddAkka("bench-seed", builder =>
            {
                builder.AddHocon("""
                    akka.loglevel = WARNING
                    akka.stdout-loglevel = WARNING
                    akka.log-dead-letters = off
                    akka.log-dead-letters-during-shutdown = off
                    akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
                    """, HoconAddMode.Prepend);
                builder.WithCustomSerializer("edgemanage", [typeof(IEdgemanageMessage)], system => new EdgemanageSerializer(system));
                builder.WithEdgemanagePersistence(JournalTarget.SqliteFile(journalPath));
            }))
            .Build();
        await host.StartAsync();
        try
        {
            var system = host.Services.GetRequiredService<ActorSystem>();
            // Same workaround as EdgemanageNode: start the scheduler from this thread before actors use it.
            system.Scheduler.Advanced.ScheduleOnce(TimeSpan.FromMilliseconds(1), () => { });

            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var random = new Random(20240601);
            var tasks = new List<Task>();
            foreach (var (group, groupEdges) in HistoryGroups.Partition(edges).OrderBy(g => g.Key))
            {
                var snapshot = new HistoryGroupSnapshot(groupEdges.Select(edge =>
                {
                    var s = new Sample[samples];
                    for (var i = 0; i < samples; i++)
                    {
                        // Oldest first, 60 s apart, the newest one minute ago; ok, around the injected delay.
                        var seconds = (delayMs + random.NextDouble() * 4 - 1) / 1000.0;
                        s[i] = new Sample(now - (long)(samples - i) * 60_000, (float)seconds, ProbeOutcome.Ok, 200);
                    }
                    return new EdgeHistorySnapshot(edge, EdgeMode.Available, "", -1, s);
                }).ToArray());
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var pid = HistoryGroups.PersistenceId(network, vantage, group);
                var actor = system.ActorOf(Props.Create(typeof(SeedGroupActor), pid, snapshot, done), $"seed-{group}");
                actor.Tell(SeedGroupActor.Save.Instance);
                tasks.Add(done.Task);
            }
            var all = Task.WhenAll(tasks);
            if (await Task.WhenAny(all, Task.Delay(timeout)) != all)
                throw new TimeoutException($"seeding did not finish within {timeout.TotalSeconds:F0} s");
            await all;
        }
        finally
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await host.StopAsync(cts.Token);
            host.Dispose();
        }

        // Fold the WAL into the main file so that copying the state folder copies a settled database.
        SqliteConnection.ClearAllPools();
        using var c = new SqliteConnection(JournalTarget.SqliteFile(journalPath).ConnectionString);
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
        cmd.ExecuteNonQuery();
        c.Close();
        SqliteConnection.ClearAllPools();
    }

    /// <summary>Recovers (nothing), saves one snapshot, reports, stops.</summary>
    private sealed class SeedGroupActor : ReceivePersistentActor
    {
        public sealed class Save
        {
            public static readonly Save Instance = new();
        }

        public SeedGroupActor(string persistenceId, HistoryGroupSnapshot snapshot, TaskCompletionSource done)
        {
            PersistenceId = persistenceId;
            Command<Save>(_ => SaveSnapshot(snapshot)); // stashed until recovery has completed
            Command<SaveSnapshotSuccess>(_ =>
            {
                done.TrySetResult();
                Context.Stop(Self);
            });
            Command<SaveSnapshotFailure>(f =>
            {
                done.TrySetException(new InvalidOperationException($"snapshot of {persistenceId} failed", f.Cause));
                Context.Stop(Self);
            });
        }

        public override string PersistenceId { get; }
    }
}
