using Edgemanage.Actors.Replay;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Probing;
using Xunit;

namespace Edgemanage.Tests.Replay;

/// <summary>The JSON-lines trace format of docs/replay.md: what each line means, and every bad line named by file:line.</summary>
public sealed class TraceReaderSpecs
{
    private static TraceData Read(string text) => TraceReader.Read(new StringReader(text), "t.jsonl");

    [Fact]
    public void Every_line_type_is_read()
    {
        var d = Read("""
            # a comment, then a blank line

            {"type":"settings","goodenough":0.5,"dnschange_maxfreq":"none"}
            {"type":"network","edges":["b","a"],"live":["a"],"canaries":{"example.test":"c"}}
            {"type":"decisions","every":30}
            {"t":100,"edge":"a","seconds":0.25}
            {"t":"1970-01-01T00:01:41.5Z","edge":"b","vantage":"eu","seconds":1.5,"outcome":"ok","status":203}
            {"t":102,"edge":"a","outcome":"refused"}
            {"type":"mode","t":103,"edge":"b","mode":"unavailable","until":200}
            {"type":"decision","t":104}
            """);
        Assert.Equal(["b", "a"], d.Edges);
        Assert.Equal(["a"], d.InitialLive);
        Assert.Equal("c", d.Canaries["example.test"]);
        Assert.Equal(30, d.DecisionEverySeconds);
        Assert.Equal([104_000L], d.DecisionTimes);
        Assert.Equal([new TraceSetting("goodenough", "0.5", 3), new TraceSetting("dnschange_maxfreq", "none", 3)], d.Settings);
        Assert.Equal(new TraceSample(100_000, "a", "local", 0.25, ProbeOutcome.Ok, 200), d.Samples[0]);
        Assert.Equal(new TraceSample(101_500, "b", "eu", 1.5, ProbeOutcome.Ok, 203), d.Samples[1]);
        Assert.Equal(new TraceSample(102_000, "a", "local", null, ProbeOutcome.Refused, 0), d.Samples[2]);
        Assert.Equal(new ReplayModeChange(103_000, "b", EdgeMode.Unavailable, 200_000), Assert.Single(d.Modes));
    }

    [Fact]
    public void The_timeline_counts_a_failure_without_seconds_as_the_timeout_and_ticks_every_interval()
    {
        var d = Read("""
            {"type":"decisions","every":10}
            {"t":100,"edge":"a","seconds":0.25}
            {"t":125,"edge":"a","outcome":"timeout"}
            {"type":"decision","t":111}
            """);
        var timeline = d.ToTimeline(timeoutSeconds: 7);
        Assert.Equal(["a"], timeline.Edges);
        Assert.Equal(7f, timeline.Samples[1].Sample.Seconds);
        Assert.Equal([110_000L, 111_000, 120_000], timeline.Ticks.Select(t => t.AtUnixMs));
    }

    public static TheoryData<string, int, string> BadLines => new()
    {
        { "{\"t\":1,\"edge\":\"a\"", 1, "not a JSON object" },
        { "[1,2]", 1, "not a JSON object" },
        { "\n{\"t\":1,\"edge\":\"a\"}", 2, "an ok sample needs \"seconds\"" },
        { "{\"t\":1,\"edge\":\"a\",\"seconds\":-1}", 1, "seconds must not be negative" },
        { "{\"t\":1,\"edge\":\"a\",\"seconds\":\"fast\"}", 1, "seconds must be a number" },
        { "{\"edge\":\"a\",\"seconds\":1}", 1, "needs \"t\"" },
        { "{\"t\":\"yesterday\",\"edge\":\"a\",\"seconds\":1}", 1, "t must be unix seconds or an ISO 8601 time" },
        { "{\"t\":1,\"seconds\":1}", 1, "needs \"edge\"" },
        { "{\"t\":1,\"edge\":\"a\",\"outcome\":\"exploded\"}", 1, "outcome 'exploded' is not one of" },
        { "{\"type\":\"mode\",\"t\":1,\"edge\":\"a\",\"mode\":\"sometimes\"}", 1, "mode 'sometimes' is not one of" },
        { "{\"type\":\"decisions\"}", 1, "needs \"every\"" },
        { "{\"type\":\"decisions\",\"every\":0.5}", 1, "every must be between 1 and 86400" },
        { "{\"type\":\"network\",\"edges\":\"a\"}", 1, "edges must be an array of strings" },
        { "{\"type\":\"network\",\"edges\":[\"a\",\"a\"]}", 1, "lists an edge twice" },
        { "{\"type\":\"weather\"}", 1, "type 'weather' is not one of" },
    };

    [Theory]
    [MemberData(nameof(BadLines))]
    public void A_bad_line_is_named_by_file_and_line(string text, int line, string message)
    {
        var e = Assert.Throws<TraceException>(() => Read(text));
        Assert.Equal(line, e.Line);
        Assert.StartsWith($"t.jsonl:{line}: error: ", e.Message);
        Assert.Contains(message, e.Message);
    }
}
