using Edgemanage.Actors.Edges;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Probing;
using FsCheck;
using FsCheck.Xunit;
using Xunit;

namespace Edgemanage.Tests.Edges;

/// <summary>The classification table of original-edgemanage.md §4.2, boundaries included, with the window fixed.</summary>
public sealed class JudgeSpecs
{
    private const long Now = 1_800_000_000_000;
    private static readonly JudgeSettings Settings = new(GoodEnoughSeconds: 1.0, TimeoutSeconds: 10, WindowSeconds: 300);

    private static Sample Ok(double seconds, double secondsAgo = 0) => new(Now - (long)(secondsAgo * 1000), (float)seconds, ProbeOutcome.Ok, 200);
    private static Sample Failed(ProbeOutcome outcome, double secondsAgo = 0) => new(Now - (long)(secondsAgo * 1000), 10, outcome, 0);

    public static TheoryData<string, Sample[], EdgeHealth> Table => new()
    {
        // the original's unit tests (test_decisionmaker)
        { "one failure (timeout value) is fail", [Failed(ProbeOutcome.Timeout)], EdgeHealth.Fail },
        { "one fast sample is pass_threshold", [Ok(0.1)], EdgeHealth.PassThreshold },
        { "one slow sample is pass", [Ok(2.0)], EdgeHealth.Pass },
        // boundaries (strict <, == timeout)
        { "last == goodenough is not pass_threshold", [Ok(1.0)], EdgeHealth.Pass },
        { "last just under goodenough is pass_threshold", [Ok(0.999)], EdgeHealth.PassThreshold },
        { "an ok probe that took exactly the timeout value is fail", [Ok(0.1, 10), Ok(10)], EdgeHealth.Fail },
        { "an ok probe slower than the timeout value is pass (the original's 12.5 s case)", [Ok(12.5)], EdgeHealth.Pass },
        { "last failed even with a tiny average is fail", [Ok(0.01, 60), Ok(0.01, 30), Failed(ProbeOutcome.Refused)], EdgeHealth.Fail },
        { "every failure kind is fail", [Failed(ProbeOutcome.ChecksumMismatch)], EdgeHealth.Fail },
        // the window, which is dead in the original and works here
        { "slow now, fast within the window: pass_window", [Ok(0.2, 120), Ok(0.2, 60), Ok(1.5)], EdgeHealth.PassWindow },
        { "fast only outside the window, average still good: pass_average", [Ok(0.1, 900), Ok(0.1, 800), Ok(0.1, 700), Ok(1.5)], EdgeHealth.PassAverage },
        { "slow in the window and overall: pass", [Ok(0.1, 900), Ok(3, 60), Ok(3)], EdgeHealth.Pass },
        { "a failure inside the window counts as the timeout value", [Ok(0.1, 100), Failed(ProbeOutcome.Timeout, 50), Ok(1.2)], EdgeHealth.Pass },
        { "no samples: untested", [], EdgeHealth.Untested },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Classifies_as_the_original_with_a_working_window(string because, Sample[] history, EdgeHealth expected)
    {
        var verdict = Judge.Evaluate(history, Settings, Now);
        Assert.True(expected == verdict.Health, $"{because}: expected {expected.Name()}, got {verdict.Health.Name()}");
    }

    [Fact]
    public void Averages_count_failures_as_the_timeout_value()
    {
        var v = Judge.Evaluate([Ok(0.5, 20), Failed(ProbeOutcome.Reset, 10), Ok(0.5)], Settings, Now);
        Assert.Equal((0.5 + 10 + 0.5) / 3, v.Average!.Value, 6);
        Assert.Equal(3, v.SampleCount);
    }

    [Property(MaxTest = 300)]
    public Property Last_sample_decides_pass_threshold_and_fail(PositiveInt ms, bool failed)
    {
        var last = failed ? Failed(ProbeOutcome.Refused) : Ok(ms.Get / 1000.0);
        var health = Judge.Evaluate([Ok(5, 30), last], Settings, Now).Health;
        var expected = failed || last.Seconds == 10f ? EdgeHealth.Fail : last.Seconds < 1.0 ? EdgeHealth.PassThreshold : health;
        return (health == expected).ToProperty();
    }

    [Property(MaxTest = 200)]
    public Property History_keeps_the_newest_capacity_samples(PositiveInt capacity, NonNegativeInt extra)
    {
        var cap = Math.Min(capacity.Get, 500);
        var history = new EdgeHistory(cap);
        var total = cap + Math.Min(extra.Get, 1000);
        for (var i = 0; i < total; i++) history.Add(Ok(i, total - i));
        var kept = history.ToArray();
        return (kept.Length == cap
                && kept[^1].Seconds == total - 1
                && kept[0].Seconds == total - cap
                && kept.Zip(kept.Skip(1)).All(p => p.Item1.AtUnixMs < p.Item2.AtUnixMs)).ToProperty();
    }
}
