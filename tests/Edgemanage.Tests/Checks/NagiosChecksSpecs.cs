using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Probing;
using Edgemanage.Node.Checks;
using Xunit;

namespace Edgemanage.Tests.Checks;

/// <summary>The status computation of the three Nagios checks, boundary by boundary (original-edgemanage.md §7).</summary>
public sealed class NagiosChecksSpecs
{
    private const long Now = 1_800_000_000_000;

    private static IReadOnlyList<long> SecondsAgo(params double[] ago) => ago.Select(a => Now - (long)(a * 1000)).ToArray();

    // ---- rotation: defaults -w 4 --critical 8

    [Theory]
    [InlineData(0, NagiosStatus.Ok)]
    [InlineData(3, NagiosStatus.Ok)]        // w - 1
    [InlineData(4, NagiosStatus.Warning)]   // w
    [InlineData(7, NagiosStatus.Warning)]   // c - 1
    [InlineData(8, NagiosStatus.Critical)]  // c
    [InlineData(20, NagiosStatus.Critical)]
    public void Rotation_counts_substitutions_against_the_thresholds(int n, NagiosStatus expected)
    {
        var times = Enumerable.Range(0, n).Select(i => Now - 1000L * (i + 1)).ToArray();
        var r = NagiosChecks.Rotation("net", true, times, Now, 600, 600, NagiosChecks.RotationDefaults);
        Assert.Equal(expected, r.Status);
        Assert.Equal((int)expected, r.ExitCode);
        Assert.Equal($"frequency={n};4;8;0", r.Perfdata);
        Assert.StartsWith($"EDGE_ROTATE {NagiosChecks.Word(expected)} {n} substitution", r.Line);
    }

    [Fact]
    public void Rotation_counts_only_inside_the_window_asked()
    {
        var r = NagiosChecks.Rotation("net", true, SecondsAgo(10, 59, 60, 61, 500), Now, 60, 600, NagiosChecks.RotationDefaults);
        // (now - 60 s, now]: 10 and 59 s ago; exactly 60 s ago is out, as the original's strict comparison
        Assert.Equal("frequency=2;4;8;0", r.Perfdata);
        Assert.Equal("EDGE_ROTATE OK 2 substitutions in the last 60 s | frequency=2;4;8;0", r.Line);
    }

    [Fact]
    public void Rotation_says_when_the_window_asked_is_longer_than_what_is_kept()
    {
        var r = NagiosChecks.Rotation("net", true, SecondsAgo(10, 500), Now, 3600, 600, NagiosChecks.RotationDefaults, budgetMax: 3, budgetRemaining: 1);
        Assert.Equal(NagiosStatus.Ok, r.Status);
        Assert.Equal("EDGE_ROTATE OK 2 substitutions in the last 600 s (asked for 3600 s, but only dnschange_window = 600 s is kept); "
            + "dnschange_maxfreq 3 per 600 s, 1 left | frequency=2;4;8;0", r.Line);
    }

    [Fact]
    public void Rotation_without_a_decision_is_unknown()
    {
        var r = NagiosChecks.Rotation("net", false, [], Now, 600, 600, NagiosChecks.RotationDefaults);
        Assert.Equal(NagiosStatus.Unknown, r.Status);
        Assert.Equal(3, r.ExitCode);
        Assert.Equal("EDGE_ROTATE UNKNOWN no decision recorded yet for net: nothing to count", r.Line);
    }

    // ---- integrity: defaults -w 1 --critical 1

    private static IntegrityInput[] Fleet(int mismatches, int ok = 3) =>
        Enumerable.Range(0, mismatches).Select(i => new IntegrityInput($"10.0.0.{10 + i}", ProbeOutcome.ChecksumMismatch))
            .Concat(Enumerable.Range(0, ok).Select(i => new IntegrityInput($"10.0.1.{10 + i}", ProbeOutcome.Ok)))
            .ToArray();

    [Theory]
    [InlineData(0, null, null, NagiosStatus.Ok)]
    [InlineData(1, null, null, NagiosStatus.Critical)]   // defaults: any mismatch is CRITICAL
    [InlineData(2, "2", "4", NagiosStatus.Warning)]     // w
    [InlineData(1, "2", "4", NagiosStatus.Ok)]          // w - 1
    [InlineData(3, "2", "4", NagiosStatus.Warning)]     // c - 1
    [InlineData(4, "2", "4", NagiosStatus.Critical)]    // c
    public void Integrity_honours_the_thresholds(int mismatches, string? w, string? c, NagiosStatus expected)
    {
        var t = NagiosChecks.ParseThresholds(w, c, NagiosChecks.IntegrityDefaults, whole: true, out var error)!;
        Assert.Null(error);
        var r = NagiosChecks.Integrity("net", Fleet(mismatches), t);
        Assert.Equal(expected, r.Status);
        Assert.Equal($"notok={mismatches};{w ?? "1"};{c ?? "1"};0", r.Perfdata);
    }

    [Fact]
    public void Integrity_names_the_bad_edges_in_the_message_and_keeps_the_perfdata_numeric()
    {
        var edges = new[]
        {
            new IntegrityInput("10.0.0.9", ProbeOutcome.ChecksumMismatch),
            new IntegrityInput("10.0.0.2", ProbeOutcome.Ok),
            new IntegrityInput("10.0.0.3", ProbeOutcome.Refused),     // a failure, but not a mismatch
            new IntegrityInput("10.0.0.10", ProbeOutcome.ChecksumMismatch),
            new IntegrityInput("10.0.0.4", null),
        };
        var r = NagiosChecks.Integrity("net", edges, NagiosChecks.IntegrityDefaults);
        Assert.Equal("EDGE_TESTMATCH CRITICAL Verification failures on 2 of 4 edges: 10.0.0.10, 10.0.0.9 (1 never probed) | notok=2;1;1;0", r.Line);
    }

    [Fact]
    public void Integrity_all_good()
    {
        var r = NagiosChecks.Integrity("net", Fleet(0), NagiosChecks.IntegrityDefaults);
        Assert.Equal("EDGE_TESTMATCH OK All 3 probed edges returned the test object | notok=0;1;1;0", r.Line);
    }

    [Fact]
    public void Integrity_names_at_most_ten_edges()
    {
        var r = NagiosChecks.Integrity("net", Fleet(12, ok: 0), NagiosChecks.IntegrityDefaults);
        Assert.Contains("and 2 more", r.Message);
        Assert.Equal("notok=12;1;1;0", r.Perfdata);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void Integrity_without_any_sample_is_unknown(int neverProbed)
    {
        var edges = Enumerable.Range(0, neverProbed).Select(i => new IntegrityInput($"10.0.0.{i}", null)).ToArray();
        var r = NagiosChecks.Integrity("net", edges, NagiosChecks.IntegrityDefaults);
        Assert.Equal(NagiosStatus.Unknown, r.Status);
        Assert.Null(r.Perfdata);
    }

    [Fact]
    public void Integrity_from_the_original_statefile_names()
    {
        Assert.Equal("EDGE_TESTMATCH CRITICAL Verification failures on 2 edges: a, b | notok=2;1;1;0",
            NagiosChecks.IntegrityFromNames(["b", "a", "b"], NagiosChecks.IntegrityDefaults).Line);
        Assert.Equal(NagiosStatus.Ok, NagiosChecks.IntegrityFromNames([], NagiosChecks.IntegrityDefaults).Status);
    }

    // ---- latency: defaults -w 2.0 --critical 4.0

    private static Sample Ok(double s) => new(Now - 1000, (float)s, ProbeOutcome.Ok, 200);

    [Theory]
    [InlineData(0.0, NagiosStatus.Ok)]       // a worst of 0.0 is data (the original took it for none)
    [InlineData(1.5, NagiosStatus.Ok)]
    [InlineData(1.999, NagiosStatus.Ok)]
    [InlineData(2.0, NagiosStatus.Warning)]  // w: reachable now (the original's defaults were inverted)
    [InlineData(3.999, NagiosStatus.Warning)]
    [InlineData(4.0, NagiosStatus.Critical)] // c
    [InlineData(9.0, NagiosStatus.Critical)]
    public void Latency_of_the_slowest_live_edge_against_the_thresholds(double slowest, NagiosStatus expected)
    {
        var edges = new[]
        {
            new LatencyInput("10.0.0.3", Ok(slowest), true),
            new LatencyInput("10.0.0.4", Ok(0.0), true),   // ties go to the first name: keep the others after it
            new LatencyInput("10.0.0.5", Ok(0.0), true),
        };
        var r = NagiosChecks.Latency("net", edges, all: false, hasLiveSet: true, timeoutSeconds: 10, NagiosChecks.LatencyDefaults);
        Assert.Equal(expected, r.Status);
        Assert.Equal(FormattableString.Invariant($"Slowest active edge 10.0.0.3 responded in {slowest:0.000} s"), r.Message);
        Assert.Equal(FormattableString.Invariant($"slowestactive={slowest:0.###}s;2;4;0"), r.Perfdata);
    }

    [Theory]
    [InlineData(0.059528, "0.06")]
    [InlineData(0.0614, "0.061")]
    [InlineData(0.0615, "0.062")]
    [InlineData(1.5, "1.5")]
    public void Latency_perfdata_has_the_message_s_millisecond_precision(double slowest, string expected)
    {
        var r = NagiosChecks.Latency("net", [new LatencyInput("10.0.0.3", Ok(slowest), true)], all: false, hasLiveSet: true,
            timeoutSeconds: 10, NagiosChecks.LatencyDefaults);
        Assert.Equal($"slowestactive={expected}s;2;4;0", r.Perfdata);
    }

    [Fact]
    public void Latency_names_the_slowest_edge_not_the_last_one()
    {
        var edges = new[]
        {
            new LatencyInput("10.0.0.2", Ok(0.1), true),
            new LatencyInput("10.0.0.3", Ok(2.5), true),
            new LatencyInput("10.0.0.4", Ok(0.2), true),
        };
        var r = NagiosChecks.Latency("net", edges, false, true, 10, NagiosChecks.LatencyDefaults);
        Assert.Equal("ACTIVE_EDGE_LATENCY WARNING Slowest active edge 10.0.0.3 responded in 2.500 s | slowestactive=2.5s;2;4;0", r.Line);
    }

    [Fact]
    public void Latency_ignores_edges_that_are_not_live_unless_all()
    {
        var edges = new[]
        {
            new LatencyInput("10.0.0.2", Ok(0.1), true),
            new LatencyInput("10.0.0.9", Ok(5.0), false),
        };
        Assert.Equal(NagiosStatus.Ok, NagiosChecks.Latency("net", edges, false, true, 10, NagiosChecks.LatencyDefaults).Status);
        var all = NagiosChecks.Latency("net", edges, true, true, 10, NagiosChecks.LatencyDefaults);
        Assert.Equal("ACTIVE_EDGE_LATENCY CRITICAL Slowest edge 10.0.0.9 responded in 5.000 s | slowestactive=5s;2;4;0", all.Line);
    }

    [Fact]
    public void Latency_counts_a_failed_last_probe_as_the_timeout_and_says_so()
    {
        var edges = new[]
        {
            new LatencyInput("127.0.0.2", Ok(0.1), true),
            new LatencyInput("127.0.0.3", new Sample(Now - 1000, 10f, ProbeOutcome.Refused, 0), true),
        };
        var r = NagiosChecks.Latency("net", edges, false, true, 10, NagiosChecks.LatencyDefaults);
        Assert.Equal("ACTIVE_EDGE_LATENCY CRITICAL Slowest active edge 127.0.0.3 failed its last probe (refused), counted as 10.000 s"
            + " | slowestactive=10s;2;4;0", r.Line);
    }

    [Theory]
    [InlineData(false, true)]   // live set, but none of its edges probed
    [InlineData(false, false)]  // no live set at all
    [InlineData(true, true)]    // -a, nothing probed
    public void Latency_without_data_is_unknown_not_a_crash(bool all, bool hasLiveSet)
    {
        var edges = new[] { new LatencyInput("10.0.0.2", null, true), new LatencyInput("10.0.0.3", null, false) };
        var r = NagiosChecks.Latency("net", edges, all, hasLiveSet, 10, NagiosChecks.LatencyDefaults);
        Assert.Equal(NagiosStatus.Unknown, r.Status);
        Assert.StartsWith("ACTIVE_EDGE_LATENCY UNKNOWN ", r.Line);
    }

    // ---- thresholds

    [Theory]
    [InlineData("5", "3", true, "above the critical level")]
    [InlineData("x", null, true, "-w/--warning must be a whole number")]
    [InlineData(null, "2.5", true, "--critical/-C must be a whole number")]
    [InlineData("-1", null, true, "-w/--warning must be a whole number")]
    [InlineData("4.0", "2.0", false, "above the critical level")]   // the original latency defaults
    [InlineData("fast", null, false, "-w/--warning must be a number")]
    [InlineData(null, "NaN", false, "--critical/-C must be a number")]
    [InlineData(null, "1", false, "above the critical level")]      // default -w 2.0 against -C 1
    public void Bad_thresholds_are_refused_with_a_reason(string? w, string? c, bool whole, string reason)
    {
        var defaults = whole ? NagiosChecks.RotationDefaults : NagiosChecks.LatencyDefaults;
        Assert.Null(NagiosChecks.ParseThresholds(w, c, defaults, whole, out var error));
        Assert.Contains(reason, error);
    }

    [Theory]
    [InlineData(null, null, 4, 8)]
    [InlineData("3", "3", 3, 3)]
    [InlineData("0", "1", 0, 1)]
    public void Good_thresholds_are_accepted(string? w, string? c, double ew, double ec)
    {
        Assert.Equal(new Thresholds(ew, ec), NagiosChecks.ParseThresholds(w, c, NagiosChecks.RotationDefaults, true, out var error));
        Assert.Null(error);
    }

    [Fact]
    public void Status_words_follow_the_plugin_guidelines()
    {
        Assert.Equal(["OK", "WARNING", "CRITICAL", "UNKNOWN"], Enum.GetValues<NagiosStatus>().Select(NagiosChecks.Word));
        Assert.Equal([0, 1, 2, 3], Enum.GetValues<NagiosStatus>().Select(s => (int)s));
    }
}
