using System.Globalization;
using Edgemanage.Actors.Networks;
using Edgemanage.Actors.Replay;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;
using Edgemanage.Contracts.Serialization;
using Microsoft.Data.Sqlite;

namespace Edgemanage.Node.Replay;

/// <summary>
/// A network's SQLite journal as a replay timeline, read the way recovery reads it: the newest snapshot of each
/// persistence id and the events after it. Opened read-only, with no lock of ours, so it works while serve holds
/// the network (SQLite's WAL lets a reader in beside the writer). Each history group's snapshot holds its edges'
/// bounded sample rings; the events it covers were deleted, so older decisions are gone and the first replayed
/// decision starts from the network snapshot's (or the first recorded decision's previous) live set.
/// </summary>
public static class JournalTimeline
{
    public static ReplayTimeline Read(string path, string network, string vantage, IReadOnlyList<string> edges,
        IReadOnlyDictionary<string, string> canaries)
    {
        var cs = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false, DefaultTimeout = 10 }.ToString();
        using var connection = new SqliteConnection(cs);
        connection.Open();
        var netId = $"net-{network}";
        var histPrefix = $"hist-{network}-{vantage}-";
        const string ofNetwork = "(persistence_id = $net OR substr(persistence_id, 1, length($hist)) = $hist)";

        var samples = new List<ReplaySample>();
        var modes = new List<ReplayModeChange>();
        var ticks = new List<ReplayTick>();
        var notes = new List<string>();
        NetworkSnapshot? networkSnapshot = null;
        var fromSnapshots = 0;
        long? historyFrom = null;

        foreach (var (id, _, payload) in Rows(connection, $"""
            SELECT persistence_id, sequence_number, snapshot, manifest, serializer_id FROM snapshot s
            WHERE {ofNetwork} AND sequence_number = (SELECT max(sequence_number) FROM snapshot WHERE persistence_id = s.persistence_id)
            ORDER BY persistence_id
            """, netId, histPrefix))
        {
            switch (payload)
            {
                case NetworkSnapshot snap:
                    networkSnapshot = snap;
                    break;
                case HistoryGroupSnapshot group:
                    foreach (var edge in group.Edges)
                    {
                        foreach (var s in edge.Samples) samples.Add(new ReplaySample(edge.Edge, vantage, s));
                        fromSnapshots += edge.Samples.Count;
                        if (edge.Samples.Count > 0) historyFrom = Math.Min(historyFrom ?? long.MaxValue, edge.Samples[0].AtUnixMs);
                        if (edge.Mode != EdgeMode.Available || edge.ModeExpiresAtUnixMs is not null)
                            modes.Add(new ReplayModeChange(edge.ModeChangedAtUnixMs, edge.Edge, edge.Mode, edge.ModeExpiresAtUnixMs));
                    }
                    break;
            }
        }

        foreach (var (_, _, payload) in Rows(connection, $"""
            SELECT persistence_id, sequence_number, message, manifest, identifier FROM journal j
            WHERE {ofNetwork} AND deleted = 0
              AND sequence_number > coalesce((SELECT max(sequence_number) FROM snapshot WHERE persistence_id = j.persistence_id), 0)
            ORDER BY ordering
            """, netId, histPrefix))
        {
            switch (payload)
            {
                case HistoryRoundRecorded round:
                    foreach (var s in round.Samples) samples.Add(new ReplaySample(s.Edge, vantage, s.Sample));
                    if (round.Samples.Count > 0) historyFrom = Math.Min(historyFrom ?? long.MaxValue, round.Samples.Min(s => s.Sample.AtUnixMs));
                    break;
                case EdgeModeChanged mode:
                    modes.Add(new ReplayModeChange(mode.AtUnixMs, mode.Edge, mode.Mode, mode.ExpiresAtUnixMs));
                    break;
                case DecisionRecorded decided:
                    ticks.Add(new ReplayTick(decided.Decision.AtUnixMs, decided.Decision));
                    break;
            }
        }

        ticks.Sort((a, b) => a.AtUnixMs.CompareTo(b.AtUnixMs));
        var start = networkSnapshot is { } ns ? NetworkState.Empty.Apply(ns) : NetworkState.Empty;
        // A live list inherited from disk (a first run, or a publish not recorded) is what the first decision started from.
        if (ticks.Count > 0 && !ticks[0].Recorded!.PreviousLive.ToHashSet(StringComparer.Ordinal).SetEquals(start.PreviousLive))
            start = start.Inherit(ticks[0].Recorded!.PreviousLive);

        notes.Add(historyFrom is { } hf
            ? $"journal {path}: samples from {Format(hf)}: {fromSnapshots} from history snapshots (their bounded rings), {samples.Count - fromSnapshots} from later events"
            : $"journal {path}: no samples");
        notes.Add(ticks.Count > 0
            ? $"recorded decisions from {Format(ticks[0].AtUnixMs)} to {Format(ticks[^1].AtUnixMs)}: {ticks.Count}" +
              (networkSnapshot is not null ? " (older ones are covered by the network's snapshot and were deleted)" : "")
            : "no recorded decision after the network's snapshot: nothing to replay");
        if (ticks.Any(t => t.Recorded!.Votes is not null))
            notes.Add("these decisions were taken by serve: serve decides on observations as they arrive and records a decision that says nothing new only every few minutes, so a replay of it is approximate (docs/replay.md)");
        return new ReplayTimeline(edges, samples, modes, ticks, start, notes, canaries);
    }

    public static string Format(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static IEnumerable<(string Id, long Seq, object Payload)> Rows(SqliteConnection connection, string sql, string netId, string histPrefix)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Parameters.AddWithValue("$net", netId);
        cmd.Parameters.AddWithValue("$hist", histPrefix);
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            if (reader.IsDBNull(4) || reader.GetInt64(4) != EdgemanageSerializer.Id || reader.IsDBNull(2)) continue;
            var manifest = reader.IsDBNull(3) ? "" : reader.GetString(3);
            yield return (reader.GetString(0), reader.GetInt64(1), EdgemanageSerializer.Decode((byte[])reader.GetValue(2), manifest));
        }
    }
}
