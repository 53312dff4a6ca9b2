using Edgemanage.Actors.Canaries;
using Edgemanage.Contracts.Edges;
using FsCheck;
using FsCheck.Xunit;
using Xunit;

namespace Edgemanage.Tests.Canaries;

/// <summary>The canary rules (original-edgemanage.md §4.6, §6.3) with the original's issue #26 fixed.</summary>
public sealed class CanaryOverlaySpecs
{
    private static readonly string[] Live = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"];

    [Theory]
    [InlineData(EdgeHealth.PassThreshold, true)] // the original's bug #26: a fast canary was never used
    [InlineData(EdgeHealth.PassWindow, true)]
    [InlineData(EdgeHealth.PassAverage, true)]
    [InlineData(EdgeHealth.Pass, true)]
    [InlineData(EdgeHealth.Fail, false)]
    [InlineData(EdgeHealth.Untested, false)]
    public void A_canary_is_used_when_judged_usable(EdgeHealth health, bool used)
    {
        var verdict = Assert.Single(CanaryOverlay.Judge(new Dictionary<string, string> { ["a.test"] = "10.0.0.9" },
            new Dictionary<string, EdgeHealth> { ["10.0.0.9"] = health }, killer: null));
        Assert.Equal(used, verdict.Usable);
    }

    [Fact]
    public void A_canary_never_probed_is_untested_and_not_used()
    {
        var verdict = Assert.Single(CanaryOverlay.Judge(new Dictionary<string, string> { ["a.test"] = "10.0.0.9" },
            new Dictionary<string, EdgeHealth>(), killer: null));
        Assert.Equal(EdgeHealth.Untested, verdict.Health);
        Assert.False(verdict.Usable);
    }

    [Theory]
    [InlineData(2, 2, false)] // failing >= killer: every canary disabled, even the healthy ones
    [InlineData(3, 2, true)]
    [InlineData(null, 2, true)] // no killer configured
    public void Canary_killer_disables_every_canary_when_enough_distinct_canaries_fail(int? killer, int failing, bool healthyStillUsed)
    {
        var canaries = new Dictionary<string, string> { ["ok.test"] = "10.0.0.1", ["f1.test"] = "10.0.0.2", ["f2.test"] = "10.0.0.3", ["f1-again.test"] = "10.0.0.2" };
        var health = new Dictionary<string, EdgeHealth> { ["10.0.0.1"] = EdgeHealth.PassThreshold, ["10.0.0.2"] = EdgeHealth.Fail, ["10.0.0.3"] = EdgeHealth.Fail };
        Assert.Equal(2, failing); // 10.0.0.2 counts once although two zones use it
        var verdicts = CanaryOverlay.Judge(canaries, health, killer).ToDictionary(v => v.Zone);
        Assert.Equal(healthyStillUsed, verdicts["ok.test"].Usable);
        if (!healthyStillUsed) Assert.Contains("canary_killer", verdicts["ok.test"].Detail);
    }

    [Fact]
    public void The_canary_replaces_one_live_edge_and_is_published_last()
    {
        var zone = CanaryOverlay.Apply(Live, "example.test", "10.0.0.9");
        Assert.Equal(Live.Length, zone.Count);
        Assert.Equal("10.0.0.9", zone[^1]);
        Assert.Equal(Live.Length - 1, zone.Intersect(Live).Count());
        // the others keep their sorted order, as the original's list.pop(i) + append
        Assert.Equal(zone.Take(Live.Length - 1), zone.Take(Live.Length - 1).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Nothing_changes_without_a_canary_with_an_empty_set_or_when_the_canary_is_already_live()
    {
        Assert.Equal(Live, CanaryOverlay.Apply(Live, "example.test", null));
        Assert.Empty(CanaryOverlay.Apply([], "example.test", "10.0.0.9"));
        Assert.Equal(Live, CanaryOverlay.Apply(Live, "example.test", "127.0.0.3"));
    }

    [Property(MaxTest = 300)]
    public bool The_replaced_edge_is_the_same_whenever_the_live_set_and_zone_are(NonEmptyArray<NonNegativeInt> ids, NonEmptyString zone)
    {
        var live = ids.Get.Select(i => $"10.1.{i.Get % 256}.{i.Get / 256 % 256}").Distinct().Order(StringComparer.Ordinal).ToArray();
        var first = CanaryOverlay.Apply(live, zone.Get, "192.0.2.1");
        var again = CanaryOverlay.Apply(live.ToArray(), zone.Get, "192.0.2.1");
        return first.SequenceEqual(again) && first.Count == live.Length && first[^1] == "192.0.2.1";
    }

    [Fact]
    public void Different_zones_spread_over_different_live_edges()
    {
        // Not a guarantee for any two zones, but over many zones every live edge takes its turn.
        var replaced = Enumerable.Range(0, 200)
            .Select(i => CanaryOverlay.ReplacedIndex(Live, $"zone{i}.example"))
            .ToHashSet();
        Assert.Equal(Live.Length, replaced.Count);
    }
}
