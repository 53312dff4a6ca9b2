using System.Text.Json;
using Edgemanage.Fleet;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Commands;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Replay;

/// <summary>
/// Real cron rounds against the loopback fleet record a journal (an edge fails for two rounds and recovers; a slow
/// edge stands in meanwhile); replay re-decides it. Shared by the specs below: recording is the slow part.
/// </summary>
public sealed class RecordedJournal : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private TestFleet _fleet = null!;
    public string Config { get; private set; } = null!;
    /// <summary>The same fleet and rounds with snapshot_every 3: the journal then holds snapshots and the events after them.</summary>
    public string SnapshottingConfig { get; private set; } = null!;

    public const int Rounds = 7;

    private static readonly string[] Edges = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6", "127.0.0.7"];

    public async Task InitializeAsync()
    {
        _fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = Edges });
        Config = DemoWorkspace.Write(Path.Combine(_dir.Path, "plain"), "replaynet", _fleet.Port, _fleet.Body, Edges,
            extraYaml: "probe_timeout: 2\nzone_check_command: false\n", goodEnough: 0.5, edgeCount: 3);
        SnapshottingConfig = DemoWorkspace.Write(Path.Combine(_dir.Path, "snap"), "replaynet", _fleet.Port, _fleet.Body, Edges,
            extraYaml: "probe_timeout: 2\nzone_check_command: false\nsnapshot_every: 3\n", goodEnough: 0.5, edgeCount: 3);
        _fleet.Set("127.0.0.2", EdgeBehaviour.Ok());
        _fleet.Set("127.0.0.3", EdgeBehaviour.Ok());
        _fleet.Set("127.0.0.4", EdgeBehaviour.Delay(TimeSpan.FromMilliseconds(600))); // usable, slower than goodenough
        _fleet.Set("127.0.0.5", EdgeBehaviour.Ok());
        _fleet.Set("127.0.0.6", EdgeBehaviour.Refuse());
        _fleet.Set("127.0.0.7", EdgeBehaviour.WrongBody());
        for (var round = 1; round <= Rounds; round++)
        {
            // .3 refuses in rounds 2 and 3 and answers again from round 4: it is replaced, then takes its place back.
            _fleet.Set("127.0.0.3", round is 2 or 3 ? EdgeBehaviour.Refuse() : EdgeBehaviour.Ok());
            foreach (var config in new[] { Config, SnapshottingConfig })
            {
                var run = await EdgemanageProcess.RunInProcessAsync("run", "-A", "replaynet", "-c", config);
                Assert.True(run.ExitCode is ExitCodes.Ok or ExitCodes.Degraded, run.ToString());
            }
        }
    }

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        _dir.Dispose();
    }
}

public sealed class ReplayJournalSpecs(RecordedJournal journal) : IClassFixture<RecordedJournal>
{
    private static async Task<JsonElement> ReplayJson(params string[] args)
    {
        var r = await EdgemanageProcess.RunInProcessAsync(["replay", "-A", "replaynet", "--json", .. args]);
        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        return JsonDocument.Parse(r.Stdout).RootElement;
    }

    private static int Summary(JsonElement doc, string name) => doc.GetProperty("summary").GetProperty(name).GetInt32();

    [Fact]
    public async Task Without_overrides_every_recorded_decision_is_reproduced_exactly()
    {
        var doc = await ReplayJson("-c", journal.Config);
        Assert.Equal(RecordedJournal.Rounds, Summary(doc, "decisions"));
        Assert.Equal(0, Summary(doc, "differing"));
        Assert.Equal(0, Summary(doc, "health_differing"));
        Assert.Empty(doc.GetProperty("differing").EnumerateArray());
        // round 1 publishes, round 2 replaces the failing .3 with the slow .4, round 4 takes .3 back
        Assert.Equal(3, Summary(doc, "dns_changes"));
        Assert.Equal(3, Summary(doc, "recorded_dns_changes"));
        Assert.Equal(2, Summary(doc, "substitutions"));
        Assert.Equal(1, Summary(doc, "removed"));
        var episode = Assert.Single(doc.GetProperty("episodes").EnumerateArray());
        Assert.Equal("127.0.0.3", episode.GetProperty("edge").GetString());
        Assert.True(episode.GetProperty("seconds").GetDouble() is > 0 and < 30, episode.ToString());
    }

    [Fact]
    public async Task A_journal_with_snapshots_replays_what_follows_them_exactly_and_says_where_it_starts()
    {
        var doc = await ReplayJson("-c", journal.SnapshottingConfig);
        // The history groups snapshot every third round (staggered by group) and delete the events those cover: most
        // samples come from the snapshots' rings, the rest from later events. The network snapshots every third
        // decision too (counted across cron runs), so only the decisions after its newest snapshot are replayed.
        Assert.InRange(Summary(doc, "decisions"), 1, RecordedJournal.Rounds - 1);
        Assert.Equal(0, Summary(doc, "differing"));
        Assert.Equal(0, Summary(doc, "health_differing"));
        Assert.Contains(doc.GetProperty("notes").EnumerateArray(), n => System.Text.RegularExpressions.Regex.IsMatch(n.GetString()!,
            @": [1-9]\d* from history snapshots \(their bounded rings\), [1-9]\d* from later events"));
    }

    [Fact]
    public async Task An_override_makes_decisions_differ_and_each_is_reported_with_why()
    {
        var doc = await ReplayJson("-c", journal.Config, "--set", "edge_count=2");
        Assert.Equal(RecordedJournal.Rounds, Summary(doc, "differing"));
        var first = doc.GetProperty("differing")[0];
        Assert.Equal(3, first.GetProperty("recorded").GetArrayLength());
        Assert.Equal(2, first.GetProperty("replayed").GetArrayLength());
        Assert.NotEmpty(first.GetProperty("why").EnumerateArray());

        // keep_margin 2 (goodenough 0.5 → 1.5 s: room for a loaded machine) keeps the 0.6 s edge when .3 recovers: one DNS change saved
        var kept = await ReplayJson("-c", journal.Config, "--set", "keep_margin=2");
        Assert.Equal(2, Summary(kept, "dns_changes"));
        Assert.True(Summary(kept, "differing") >= 1);
    }

    [Fact]
    public async Task The_text_report_names_the_differences_and_the_summary()
    {
        var r = await EdgemanageProcess.RunInProcessAsync("replay", "-A", "replaynet", "-c", journal.Config, "--set", "edge_count=2");
        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Contains("differs at ", r.Stdout);
        Assert.Contains($"decisions replayed: {RecordedJournal.Rounds} ({RecordedJournal.Rounds} differ from the recorded ones)", r.Stdout);
        Assert.Contains("first failure to removal: ", r.Stdout);
    }

    [Theory]
    [InlineData("--set", "colour=blue", "unknown key 'colour'")]
    [InlineData("--set", "goodenough=fast", "goodenough: must be a number")]
    [InlineData("--set", "keep_margin=-1", "keep_margin must be between 0 (off) and 10")]
    [InlineData("--from", "yesterday", "--from must be an ISO 8601 time")]
    public async Task Bad_options_name_the_key_and_exit_2(string option, string value, string message)
    {
        var r = await EdgemanageProcess.RunInProcessAsync("replay", "-A", "replaynet", "-c", journal.Config, option, value);
        Assert.Equal(ExitCodes.UsageOrConfig, r.ExitCode);
        Assert.Contains(message, r.Stderr);
    }

    [Fact]
    public async Task Replay_reads_only_and_runs_while_another_process_holds_the_network()
    {
        var state = Path.Combine(Path.GetDirectoryName(journal.Config)!, "state");
        var lockPath = Path.Combine(state, "edgemanage-replaynet.lock");
        Assert.True(Node.Hosting.NetworkLock.TryAcquire(lockPath, "serve (a spec)", out var held, out var holder), holder);
        using (held)
        {
            var before = Fingerprint(state);
            var doc = await ReplayJson("-c", journal.Config);
            Assert.Equal(0, Summary(doc, "differing"));
            Assert.Equal(before, Fingerprint(state)); // nothing in state_dir was created, written or touched
        }

        static string Fingerprint(string dir) => string.Join("\n", Directory.GetFiles(dir).Order(StringComparer.Ordinal).Select(f =>
            $"{Path.GetFileName(f)} {new FileInfo(f).Length} {File.GetLastWriteTimeUtc(f).Ticks} " +
            // the held lock cannot be opened beside its holder: its size and time say enough
            (f.EndsWith(".lock", StringComparison.Ordinal) ? "" : Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))))));
    }

    [Fact]
    public async Task An_unknown_network_exits_2()
    {
        var r = await EdgemanageProcess.RunInProcessAsync("replay", "-A", "nosuchnet", "-c", journal.Config);
        Assert.Equal(ExitCodes.UsageOrConfig, r.ExitCode);
    }
}
