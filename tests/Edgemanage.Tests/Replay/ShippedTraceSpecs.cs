using System.Text.Json;
using Edgemanage.Node.Cli;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Replay;

/// <summary>
/// The traces under bench/traces/ replay, and the claims docs/replay.md makes from them hold: each opt-in policy saves
/// DNS changes, and no failing edge stays published longer than without it.
/// </summary>
public sealed class ShippedTraceSpecs
{
    private static string Trace(string name)
    {
        // Walk up from the test binaries to the checkout (the directory holding Edgemanage.sln).
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Edgemanage.sln"))) dir = dir.Parent;
        Assert.NotNull(dir);
        return Path.Combine(dir!.FullName, "bench", "traces", name);
    }

    private static async Task<JsonElement> Summary(string trace, params string[] sets)
    {
        var r = await EdgemanageProcess.RunInProcessAsync(["replay", "--trace", Trace(trace), "--json", .. sets.SelectMany(s => new[] { "--set", s })]);
        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        return JsonDocument.Parse(r.Stdout).RootElement.GetProperty("summary");
    }

    private static double Max(JsonElement s) =>
        s.GetProperty("max_failure_to_removal_seconds") is { ValueKind: JsonValueKind.Number } m ? m.GetDouble() : 0;

    [Theory]
    [InlineData("jitter-20.jsonl")]
    [InlineData("flaky-20.jsonl")]
    public async Task Each_policy_saves_DNS_changes_without_keeping_a_failing_edge_longer(string trace)
    {
        var off = await Summary(trace);
        Assert.Equal(239, off.GetProperty("decisions").GetInt32());
        foreach (var policy in new[] { new[] { "keep_margin=0.2" }, ["judge_median_window=60s"], ["keep_margin=0.2", "judge_median_window=60s"] })
        {
            var on = await Summary(trace, policy);
            Assert.True(on.GetProperty("dns_changes").GetInt32() < off.GetProperty("dns_changes").GetInt32(), $"{trace} {string.Join(" ", policy)}");
            Assert.True(Max(on) <= Max(off), $"{trace} {string.Join(" ", policy)}: {Max(on)} s > {Max(off)} s");
            Assert.Equal(0, on.GetProperty("still_failing_at_end").GetInt32());
        }
    }
}

/// <summary>replay --trace from the command line: a bad line or setting is named by file:line (exit 2).</summary>
public sealed class ReplayTraceCommandSpecs : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private async Task<EdgemanageProcess.Result> Replay(string text, params string[] extra)
    {
        var path = Path.Combine(_dir.Path, "t.jsonl");
        await File.WriteAllTextAsync(path, text);
        return await EdgemanageProcess.RunInProcessAsync(["replay", "--trace", path, .. extra]);
    }

    [Fact]
    public async Task A_small_trace_replays_with_its_settings_and_the_command_lines()
    {
        const string trace = """
            {"type":"settings","goodenough":1,"edge_count":1}
            {"type":"decisions","every":10}
            {"t":0,"edge":"a","seconds":0.1}
            {"t":0,"edge":"b","seconds":0.5}
            {"t":20,"edge":"a","seconds":0.1}
            {"t":20,"edge":"b","seconds":0.5}
            """;
        var r = await Replay(trace);
        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Contains("decisions replayed: 2", r.Stdout);
        Assert.Contains("DNS changes (live-set changes): 1", r.Stdout);
        var two = await Replay(trace, "--set", "edge_count=2", "--json");
        Assert.Equal(1, JsonDocument.Parse(two.Stdout).RootElement.GetProperty("summary").GetProperty("dns_changes").GetInt32());
    }

    [Theory]
    [InlineData("{\"t\":1,\"edge\":\"a\"}\n", ":1: error: an ok sample needs \"seconds\"")]
    [InlineData("\n{\"type\":\"settings\",\"colour\":\"blue\"}\n", "t.jsonl:2: unknown key 'colour'")]
    [InlineData("{\"type\":\"settings\",\"goodenough\":\"fast\"}\n", "t.jsonl:1 goodenough: must be a number")]
    [InlineData("{\"t\":1,\"edge\":\"a\",\"seconds\":1}\n", "goodenough is not known")]
    public async Task A_bad_trace_is_named_and_exits_2(string text, string message)
    {
        var r = await Replay(text);
        Assert.Equal(ExitCodes.UsageOrConfig, r.ExitCode);
        Assert.Contains(message, r.Stderr);
    }
}
