using Edgemanage.Actors.Edges;
using Edgemanage.Actors.Networks;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Probing;
using Edgemanage.Node.Configuration;
using Edgemanage.Tests.Configuration;
using Xunit;

namespace Edgemanage.Tests.Replay;

/// <summary>
/// The two opt-in policies (docs/replay.md): off they change nothing; on, keep_margin keeps a live edge a little
/// slower than goodenough, and judge_median_window judges the window's median sample instead of the latest one.
/// </summary>
public sealed class PolicySpecs
{
    private const long Now = 1_800_000_000_000;
    private static readonly JudgeSettings Off = new(GoodEnoughSeconds: 1.0, TimeoutSeconds: 10, WindowSeconds: 300);
    private static readonly JudgeSettings Median60 = Off with { MedianWindowSeconds = 60 };

    private static Sample Ok(double seconds, double secondsAgo = 0) => new(Now - (long)(secondsAgo * 1000), (float)seconds, ProbeOutcome.Ok, 200);
    private static Sample Failed(double secondsAgo = 0, float seconds = 10) => new(Now - (long)(secondsAgo * 1000), seconds, ProbeOutcome.Refused, 0);

    public static TheoryData<string, Sample[], EdgeHealth, EdgeHealth> MedianTable => new()
    {
        // name, samples, health without the policy, health with judge_median_window 60 s
        { "one slow probe among fast ones", [Ok(0.2, 40), Ok(0.3, 20), Ok(1.5)], EdgeHealth.PassWindow, EdgeHealth.PassThreshold },
        { "one failure among fast ones", [Ok(0.2, 40), Ok(0.3, 20), Failed()], EdgeHealth.Fail, EdgeHealth.PassThreshold },
        { "a refused probe sorts last although it stored 0.001 s", [Ok(0.2, 40), Failed(20, 0.001f), Failed(0, 0.001f)], EdgeHealth.Fail, EdgeHealth.Fail },
        { "two of three failing is fail", [Ok(0.2, 40), Failed(20), Failed()], EdgeHealth.Fail, EdgeHealth.Fail },
        { "an even count takes the worse middle sample", [Ok(0.2, 20), Failed()], EdgeHealth.Fail, EdgeHealth.Fail },
        { "samples older than the window do not count", [Ok(0.2, 120), Ok(0.2, 90), Ok(1.5)], EdgeHealth.PassWindow, EdgeHealth.PassWindow },
        { "a fast probe among slow ones no longer passes the threshold", [Ok(2, 40), Ok(2, 20), Ok(0.1)], EdgeHealth.PassThreshold, EdgeHealth.Pass },
        { "a single sample is the old rule", [Ok(0.5)], EdgeHealth.PassThreshold, EdgeHealth.PassThreshold },
    };

    [Theory]
    [MemberData(nameof(MedianTable))]
    public void Judge_median_window_classifies_by_the_windows_median(string name, Sample[] samples, EdgeHealth off, EdgeHealth on)
    {
        Assert.True(off == Judge.Evaluate(samples, Off, Now).Health, $"{name}: off");
        var verdict = Judge.Evaluate(samples, Median60, Now);
        Assert.True(on == verdict.Health, $"{name}: on, got {verdict.Health}");
        Assert.Equal(samples[^1], verdict.Last); // the latest sample is still what is reported
    }

    private static SelectionCandidate E(string name, EdgeHealth health, double avg, double? last) => new(name, health, avg, last, EdgeMode.Available);

    [Fact]
    public void Keep_margin_keeps_a_live_edge_just_slower_than_goodenough_and_off_does_not()
    {
        // goodenough 1.0: live "a" took 1.1 s (pass_window), "c" is a fresh 0.3 s newcomer.
        SelectionCandidate[] edges = [E("a", EdgeHealth.PassWindow, 0.5, 1.1), E("b", EdgeHealth.PassThreshold, 0.2, 0.2), E("c", EdgeHealth.PassThreshold, 0.3, 0.3)];
        var off = Selector.Select(new SelectionInput(edges, ["a", "b"], 2, 1, int.MaxValue));
        Assert.Equal(["b", "c"], off.Live);

        var on = Selector.Select(new SelectionInput(edges, ["a", "b"], 2, 1, int.MaxValue, KeepUnderSeconds: 1.2));
        Assert.Equal(["a", "b"], on.Live);
        var a = on.Edges.Single(d => d.Edge == "a");
        Assert.Equal(Contracts.Networks.DecisionReason.KeptHealthy, a.Reason);
        Assert.Contains("keep_margin", a.Detail);

        // past the margin, or failing, it goes as before
        var slow = Selector.Select(new SelectionInput(edges, ["a", "b"], 2, 1, int.MaxValue, KeepUnderSeconds: 1.05));
        Assert.Equal(["b", "c"], slow.Live);
        SelectionCandidate[] failing = [E("a", EdgeHealth.Fail, 0.5, null), edges[1], edges[2]];
        Assert.Equal(["b", "c"], Selector.Select(new SelectionInput(failing, ["a", "b"], 2, 1, int.MaxValue, KeepUnderSeconds: 100)).Live);
    }

    [Fact]
    public void Keep_margin_ranks_after_pass_threshold_edges_when_edge_count_shrinks()
    {
        SelectionCandidate[] edges = [E("a", EdgeHealth.Pass, 0.1, 1.1), E("b", EdgeHealth.PassThreshold, 0.9, 0.9)];
        Assert.Equal(["b"], Selector.Select(new SelectionInput(edges, ["a", "b"], 1, 1, int.MaxValue, KeepUnderSeconds: 1.2)).Live);
    }

    public static TheoryData<string, double, double?> ConfigTable => new()
    {
        { "", 0, null },
        { "keep_margin: 0.2\n", 0.2, null },
        { "keep_margin: 0\n", 0, null },
        { "judge_median_window: 60s\n", 0, 60 },
        { "judge_median_window: 90\n", 0, 90 },
        { "judge_median_window: 0\n", 0, null },
        { "keep_margin: 0.5\njudge_median_window: 2m\n", 0.5, 120 },
    };

    [Theory]
    [MemberData(nameof(ConfigTable))]
    public void Configuration_reads_the_policy_keys(string extra, double margin, double? window)
    {
        var r = ConfigLoader.LoadFromText(ConfigSamples.MinimalPlus(extra), "/etc/edgemanage/edgemanage.yaml", "/etc/edgemanage");
        Assert.True(r.Ok, string.Join("\n", r.Errors));
        Assert.DoesNotContain(r.Warnings, w => w.ToString().Contains("keep_margin") || w.ToString().Contains("judge_median"));
        Assert.Equal(margin, r.Settings!.KeepMargin);
        Assert.Equal(window, r.Settings.JudgeMedianWindowSeconds);
        Assert.Equal(margin > 0 ? r.Settings.GoodEnough * (1 + margin) : null, r.Settings.KeepUnderSeconds);
    }

    [Theory]
    [InlineData("keep_margin: -0.1\n", "keep_margin must be between 0 (off) and 10")]
    [InlineData("keep_margin: lots\n", "keep_margin must be a number")]
    [InlineData("judge_median_window: soon\n", "judge_median_window must be seconds or a duration")]
    [InlineData("judge_median_window: 2d\n", "judge_median_window must be between 0 (off) and 1d")]
    public void Configuration_refuses_bad_policy_values_at_their_line(string extra, string message)
    {
        var r = ConfigLoader.LoadFromText(ConfigSamples.MinimalPlus(extra), "/etc/edgemanage/edgemanage.yaml", "/etc/edgemanage");
        Assert.False(r.Ok);
        var error = Assert.Single(r.Errors);
        Assert.Contains(message, error.ToString());
        Assert.Matches(@":\d+:\d+: error", error.ToString());
    }
}
