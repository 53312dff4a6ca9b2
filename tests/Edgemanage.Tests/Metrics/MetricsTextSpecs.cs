using Edgemanage.Actors.Networks;
using Edgemanage.Actors.Metrics;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;
using Edgemanage.Contracts.Probing;
using Edgemanage.Contracts.Zones;
using Xunit;
using static Edgemanage.Contracts.Zones.ZoneReplies;

namespace Edgemanage.Tests.Metrics;

/// <summary>The exposition format (text 0.0.4) and the counter registry, without any actor system.</summary>
public sealed class MetricsTextSpecs
{
    [Fact]
    public void Label_values_escape_backslash_quote_and_newline_and_parse_back()
    {
        var text = new MetricsText();
        const string nasty = "a\\b\"c\nd}e,f=g";
        text.Gauge("edgemanage_test", "help", 1, ("edge", nasty), ("plain", "x"));
        var rendered = text.ToString();

        Assert.Contains("edgemanage_test{edge=\"a\\\\b\\\"c\\nd}e,f=g\",plain=\"x\"} 1\n", rendered);
        Assert.Equal(nasty, PromText.Parse(rendered).Samples.Single().Labels["edge"]);
    }

    [Fact]
    public void Help_escapes_backslash_and_newline_but_not_quotes()
    {
        var text = new MetricsText();
        text.Counter("edgemanage_x_total", "two\nlines \\ and \"quotes\"", 3);
        var rendered = text.ToString();

        Assert.StartsWith("# HELP edgemanage_x_total two\\nlines \\\\ and \"quotes\"\n# TYPE edgemanage_x_total counter\nedgemanage_x_total 3\n", rendered);
        Assert.Equal("two\nlines \\ and \"quotes\"", PromText.Parse(rendered).Helps["edgemanage_x_total"]);
    }

    [Fact]
    public void Families_from_several_sources_get_one_HELP_and_TYPE_and_stay_together()
    {
        var a = new MetricsText();
        a.Gauge("edgemanage_a", "a", 1, ("network", "one"));
        a.Gauge("edgemanage_b", "b", 2, ("network", "one"));
        var b = new MetricsText();
        b.Gauge("edgemanage_b", "b", 3, ("network", "two"));
        b.Gauge("edgemanage_a", "a", 4, ("network", "two"));
        b.Gauge("edgemanage_a", "a", 5, ("network", "two")); // the same series again: dropped
        var merged = new MetricsText();
        merged.Merge(a);
        merged.Merge(b);
        var rendered = merged.ToString();

        Assert.Single(rendered.Split('\n'), l => l == "# HELP edgemanage_a a");
        Assert.Single(rendered.Split('\n'), l => l == "# TYPE edgemanage_b gauge");
        var parsed = PromText.Parse(rendered); // also fails if a family were split or a series duplicated
        Assert.Equal([1.0, 4.0], parsed.All("edgemanage_a").Select(s => s.Value));
        Assert.Equal([2.0, 3.0], parsed.All("edgemanage_b").Select(s => s.Value));
    }

    [Fact]
    public void Declared_families_without_samples_still_have_HELP_and_TYPE()
    {
        var text = new MetricsText();
        text.Declare("edgemanage_empty_total", MetricType.Counter, "nothing yet");
        var parsed = PromText.Parse(text.ToString());
        Assert.Equal("counter", parsed.Types["edgemanage_empty_total"]);
        Assert.Empty(parsed.Samples);
    }

    [Theory]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(0.1, "0.1")]
    [InlineData(1795754544.0, "1795754544")]
    [InlineData(1764226123.456, "1764226123.456")]
    public void Values_use_the_formats_Prometheus_reads(double value, string expected) =>
        Assert.Equal(expected, MetricsText.FormatValue(value));

    [Fact]
    public void Invalid_names_and_conflicting_types_are_refused()
    {
        var text = new MetricsText();
        Assert.Throws<ArgumentException>(() => text.Gauge("1bad", "h", 1));
        Assert.Throws<ArgumentException>(() => text.Gauge("edgemanage-bad", "h", 1));
        Assert.Throws<ArgumentException>(() => text.Gauge("edgemanage_ok", "h", 1, ("__reserved", "x")));
        Assert.Throws<ArgumentException>(() => text.Gauge("edgemanage_ok", "h", 1, ("bad-label", "x")));
        text.Gauge("edgemanage_ok", "h", 1);
        Assert.Throws<ArgumentException>(() => text.Counter("edgemanage_ok", "h", 1));
    }

    [Fact]
    public void Probe_counters_count_every_probe_once_from_many_threads()
    {
        var metrics = new EdgemanageMetrics();
        var counters = metrics.ProbesOf("net", "local");
        Assert.Same(counters, metrics.ProbesOf("net", "local"));
        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 10_000; i++) counters.Count(i % 10 == 0 ? ProbeOutcome.Refused : ProbeOutcome.Ok);
        });
        Assert.Equal(72_000, metrics.Probes.ValueOf("net", "local", "ok"));
        Assert.Equal(8_000, metrics.Probes.ValueOf("net", "local", "refused"));

        var text = new MetricsText();
        metrics.WriteTo(text);
        var parsed = PromText.Parse(text.ToString());
        Assert.Equal(72_000, parsed.Value("edgemanage_probes_total", ("network", "net"), ("vantage", "local"), ("outcome", "ok")));
        // Every outcome has its series from the first probe on, so rate() works from the start.
        Assert.Equal(Enum.GetValues<ProbeOutcome>().Length, parsed.All("edgemanage_probes_total").Count());
    }

    [Fact]
    public void A_decision_counts_substitutions_deferrals_zone_actions_and_hooks()
    {
        var metrics = new EdgemanageMetrics();
        EdgeDecision Edge(string name, bool live, DecisionReason reason) =>
            new(name, EdgeHealth.PassThreshold, 0.1, 0.1, EdgeMode.Available, live, reason, "");
        var decision = new DecisionRecord("net", 1_000, 2, ["a", "b"], ["b", "c"], true, false,
            [Edge("a", false, DecisionReason.Replaced), Edge("b", true, DecisionReason.Deferred), Edge("c", true, DecisionReason.Filled)],
            [new Substitution("a", "c", Discretionary: true), new Substitution("x", "y", Discretionary: false), new Substitution(null, "z", false)],
            []);
        var zones = new ZonesPublished(1, [
                new ZoneOutcome("one.test", ZoneAction.Written, "", 7, null),
                new ZoneOutcome("two.test", ZoneAction.CheckFailed, "", null, null),
                new ZoneOutcome("three.test", ZoneAction.Unchanged, "", 5, null),
            ], true, true,
            [
                new CommandOutcome("run_after", "true", 0, false, null, "", TimeSpan.Zero),
                new CommandOutcome("run_after_changes", "false", 1, false, null, "", TimeSpan.Zero),
            ], []);

        metrics.RecordDecision(decision, zones);
        metrics.RecordDecision(decision with { Degraded = true, Substitutions = [] }, zones with { Hooks = [] });
        metrics.RecordFrozen("net");
        metrics.RecordHeld("net", DecisionGuard.Judge(new GuardInput(40, 12, 0.5, false, 12)));

        var text = new MetricsText();
        metrics.WriteTo(text);
        var p = PromText.Parse(text.ToString());
        (string, string) n = ("network", "net");
        Assert.Equal(2, p.Value("edgemanage_decisions_total", n));
        Assert.Equal(1, p.Value("edgemanage_decisions_degraded_total", n));
        Assert.Equal(1, p.Value("edgemanage_decisions_frozen_total", n));
        Assert.Equal(1, p.Value("edgemanage_decisions_held_total", n, ("reason", "edge_list_shrink")));
        Assert.Equal(1, p.Value("edgemanage_decisions_held_total", n, ("reason", "all_edges_failing")));
        Assert.Equal(1, p.Value("edgemanage_substitutions_total", n, ("kind", "discretionary")));
        Assert.Equal(1, p.Value("edgemanage_substitutions_total", n, ("kind", "necessary")));
        Assert.Equal(2, p.Value("edgemanage_substitutions_deferred_total", n));
        Assert.Equal(2, p.Value("edgemanage_zone_writes_total", n, ("action", "written")));
        Assert.Equal(2, p.Value("edgemanage_zone_writes_total", n, ("action", "check_failed")));
        Assert.Equal(2, p.Value("edgemanage_zone_check_failures_total", n));
        Assert.Equal(1, p.Value("edgemanage_hook_runs_total", n, ("hook", "run_after")));
        Assert.Null(p.Value("edgemanage_hook_failures_total", n, ("hook", "run_after")));
        Assert.Equal(1, p.Value("edgemanage_hook_failures_total", n, ("hook", "run_after_changes")));
        Assert.Equal(7, p.Value("edgemanage_zone_serial", n, ("zone", "one.test")));
        Assert.Equal(5, p.Value("edgemanage_zone_serial", n, ("zone", "three.test")));
        Assert.Null(p.Value("edgemanage_zone_serial", n, ("zone", "two.test")));
    }
}
