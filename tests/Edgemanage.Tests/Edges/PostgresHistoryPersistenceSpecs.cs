using Edgemanage.Actors.Persistence;
using Edgemanage.Contracts.Config;
using Npgsql;
using Xunit;

namespace Edgemanage.Tests.Edges;

/// <summary>
/// Runs when EDGEMANAGE_TEST_POSTGRES holds a connection string (.ci/run starts a local PostgreSQL and sets
/// it); skipped, saying why, everywhere else.
/// </summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public const string Variable = "EDGEMANAGE_TEST_POSTGRES";

    public PostgresFactAttribute([System.Runtime.CompilerServices.CallerMemberName] string member = "", [System.Runtime.CompilerServices.CallerFilePath] string file = "")
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(Variable)))
            Edgemanage.Tests.Support.SkipWithReason.Skip(this, $"{Variable} is not set: no PostgreSQL to test against (.ci/run provides one)", member, file);
    }
}

/// <summary>The same scenarios on PostgreSQL (persistence.provider: postgresql), a shared database.</summary>
public sealed class PostgresHistoryPersistenceSpecs : EdgeHistoryPersistenceScenarios
{
    // Persistence ids carry the network name: a fresh one per test keeps runs from seeing each other's rows.
    private readonly string _network = "pg" + Guid.NewGuid().ToString("N")[..10];

    protected override string Network => _network;

    private static string ConnectionString => Environment.GetEnvironmentVariable(PostgresFactAttribute.Variable)!;

    protected override JournalTarget Journal => new(PersistenceProvider.PostgreSql, ConnectionString);

    [PostgresFact] public Task History_and_modes_survive_a_restart() => History_and_modes_survive_an_actor_system_restart();
    [PostgresFact] public Task A_dry_round_persists_nothing() => A_dry_round_probes_but_persists_nothing();
    [PostgresFact] public Task The_journal_stays_bounded() => The_journal_stays_bounded_and_history_is_capped();
    [PostgresFact] public Task An_unknown_edge_cannot_get_a_mode() => Setting_the_mode_of_an_unknown_edge_is_rejected();

    protected override (long Events, long Snapshots) CountRows()
    {
        using var c = new NpgsqlConnection(ConnectionString);
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT (SELECT COUNT(*) FROM journal WHERE deleted = false AND persistence_id LIKE @p), " +
                          "(SELECT COUNT(*) FROM snapshot WHERE persistence_id LIKE @p)";
        cmd.Parameters.AddWithValue("p", $"hist-{_network}-%");
        using var r = cmd.ExecuteReader();
        r.Read();
        return (r.GetInt64(0), r.GetInt64(1));
    }
}
