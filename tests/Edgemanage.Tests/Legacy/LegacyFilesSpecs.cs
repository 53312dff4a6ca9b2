using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Probing;
using Edgemanage.Node.Legacy;
using Xunit;

namespace Edgemanage.Tests.Legacy;

/// <summary>The pure readers of the original's .edgestore and statefile, over files shaped as Python 2 wrote them.</summary>
public sealed class LegacyFilesSpecs
{
    /// <summary>json.dump(sort_keys=True, indent=4) under Python 2: a trailing space after every comma.</summary>
    public const string RealEdgeStore = "{\n" +
        "    \"comment\": \"[alice] flaky uplink\", \n" +
        "    \"fetch_times\": {\n" +
        "        \"1795702611.52\": 0.3, \n" +
        "        \"1795702611.58\": 10, \n" +
        "        \"1795702611.64\": 0.9\n" +
        "    }, \n" +
        "    \"health\": \"pass_average\", \n" +
        "    \"historical_average\": {}, \n" +
        "    \"mode\": \"unavailable\", \n" +
        "    \"rotation_history\": [\n" +
        "        1795702611.526336, \n" +
        "        1795702611.583328\n" +
        "    ], \n" +
        "    \"state\": \"out\", \n" +
        "    \"state_entry_time\": 1795702000.25\n" +
        "}";

    public const string RealStateFile =
        "{\"last_live\": [\"127.0.0.2\", \"127.0.0.3\", \"127.0.0.5\", \"127.0.0.6\"], \"verification_failues\": [], " +
        "\"zone_mtimes\": {\"example.net\": 1795702615, \"example.com\": 1795702615}, \"last_run\": 1795702616.2, " +
        "\"active_canaries\": {}, \"rotation_list\": [1795702615.95868], \"verification_failures\": []}";

    private static LegacyEdgeStore Edge(string? text, double timeout = 10) => LegacyFiles.ParseEdgeStore("/h/e.edgestore", "e", text, timeout);

    [Fact]
    public void Reads_a_real_edge_file()
    {
        var store = Edge(RealEdgeStore);

        Assert.Empty(store.Problems);
        Assert.Equal(
            [new Sample(1_795_702_611_520, 0.3f, ProbeOutcome.Ok, 0), new Sample(1_795_702_611_580, 10f, ProbeOutcome.Timeout, 0),
             new Sample(1_795_702_611_640, 0.9f, ProbeOutcome.Ok, 0)],
            store.Samples);
        Assert.Equal(EdgeMode.Unavailable, store.Mode);
        Assert.Equal("[alice] flaky uplink", store.Comment);
        Assert.Equal(1_795_702_000_250, store.ModeChangedAtUnixMs);
        Assert.Equal(["health", "historical_average", "rotation_history", "state"], store.IgnoredKeys.Order());
    }

    [Fact]
    public void A_null_state_entry_time_means_never_changed()
    {
        var store = Edge("{\"comment\": \"\", \"fetch_times\": {}, \"mode\": \"available\", \"state_entry_time\": null}");
        Assert.Empty(store.Problems);
        Assert.Equal((EdgeMode.Available, -1L), (store.Mode, store.ModeChangedAtUnixMs));
    }

    [Theory]
    [InlineData(2, 1.5, ProbeOutcome.Ok)]
    [InlineData(2, 2.0, ProbeOutcome.Timeout)]
    [InlineData(2, 10, ProbeOutcome.Timeout)]
    [InlineData(30, 10, ProbeOutcome.Timeout)]
    [InlineData(30, 12.5, ProbeOutcome.Ok)]
    public void A_value_of_10_or_at_least_the_timeout_is_a_failure_stored_as_it_was(double timeout, double value, ProbeOutcome outcome)
    {
        var store = Edge($"{{\"fetch_times\": {{\"1795702611.5\": {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}, \"mode\": \"available\", \"comment\": \"\", \"state_entry_time\": null}}", timeout);
        var sample = Assert.Single(store.Samples);
        Assert.Equal((outcome, (float)value), (sample.Outcome, sample.Seconds));
    }

    public static IEnumerable<object?[]> BrokenEdgeFiles() => new (string Name, string? Text, bool Error, string Message, string? Where, bool ModeKept, int Samples)[]
    {
        ("missing file", null, false, "previously untracked edge", null, false, 0),
        ("empty file", "", false, "empty file", null, false, 0),
        ("blank file", "  \n", false, "empty file", null, false, 0),
        ("truncated", "{\n    \"comment\": \"\", \n    \"fetch_times\": {\n        \"1795702611.52\": 0.3, ", true, "not valid JSON", ":4:", false, 0),
        ("garbage", "{\"mode\": available}", true, "not valid JSON", ":1:10", false, 0),
        ("a list", "[1, 2]", true, "expected a JSON object, got a list", null, false, 0),
        ("missing keys", "{\"fetch_times\": {\"1795702611.52\": 0.3}}", false, "lacks mode, assuming available", null, true, 1),
        ("fetch_times a list", "{\"fetch_times\": [0.3], \"mode\": \"force\", \"comment\": \"c\", \"state_entry_time\": null}", true, "fetch_times must be an object", null, true, 0),
        ("non-numeric time", "{\"fetch_times\": {\"yesterday\": 0.3, \"1795702611.52\": 0.4}, \"mode\": \"available\", \"comment\": \"\", \"state_entry_time\": null}", true, "key \"yesterday\" is not a time", null, true, 1),
        ("string seconds", "{\"fetch_times\": {\"1795702611.52\": \"0.3\", \"1795702611.6\": 0.4}, \"mode\": \"available\", \"comment\": \"\", \"state_entry_time\": null}", true, "expected seconds (a number), got a string", null, true, 1),
        ("unknown mode", "{\"fetch_times\": {\"1795702611.52\": 0.3}, \"mode\": \"drained\", \"comment\": \"\", \"state_entry_time\": null}", true, "mode must be one of", null, false, 1),
        ("numeric mode", "{\"fetch_times\": {}, \"mode\": 3, \"comment\": \"\", \"state_entry_time\": null}", true, "got 3", null, false, 0),
        ("comment a number", "{\"fetch_times\": {}, \"mode\": \"force\", \"comment\": 5, \"state_entry_time\": null}", true, "comment must be a string", null, true, 0),
        ("entry time a string", "{\"fetch_times\": {}, \"mode\": \"force\", \"comment\": \"c\", \"state_entry_time\": \"noon\"}", true, "state_entry_time must be a time", null, true, 0),
    }.Select(c => new object?[] { c.Name, c.Text, c.Error, c.Message, c.Where, c.ModeKept, c.Samples });

    [Theory]
    [MemberData(nameof(BrokenEdgeFiles))]
    public void Broken_edge_files_are_reported_and_what_is_usable_kept(string name, string? text, bool error, string message, string? where,
        bool modeKept, int samples)
    {
        var store = Edge(text);

        var problem = Assert.Single(store.Problems, p => p.Message.Contains(message));
        Assert.True(problem.IsError == error, $"{name}: {problem}");
        Assert.Equal(error, store.HasErrors);
        Assert.StartsWith("/h/e.edgestore", problem.ToString());
        if (where is not null) Assert.Contains("/h/e.edgestore" + where, problem.ToString());
        Assert.Equal(modeKept, store.Mode is not null);
        Assert.Equal(samples, store.Samples.Count);
    }

    [Fact]
    public void Invalid_json_names_its_line_and_column()
    {
        var store = Edge("{\n    \"comment\": \"\", \n    \"mode\": \"force\" \n    \"fetch_times\": {}\n}");
        var problem = Assert.Single(store.Problems);
        Assert.Equal((4L, 5L), (problem.Line, problem.Column));
        Assert.Matches(@"^/h/e\.edgestore:4:5: error: not valid JSON: '""' is invalid after a value\. Expected either ',', '}', or ']'; nothing in this file was imported$", problem.ToString());
    }

    [Fact]
    public void Reads_a_real_statefile_with_the_typo_key()
    {
        var state = LegacyFiles.ParseStateFile("/s/net.state", RealStateFile);

        Assert.Empty(state.Problems);
        Assert.Equal(["127.0.0.2", "127.0.0.3", "127.0.0.5", "127.0.0.6"], state.LastLive);
        Assert.Equal([1795702615.95868], state.RotationListUnixSeconds);
        Assert.Contains("verification_failues", state.IgnoredKeys);
        Assert.Contains("zone_mtimes", state.IgnoredKeys);
    }

    [Theory]
    [InlineData(null, false, "no statefile", false)]
    [InlineData("", false, "empty statefile", false)]
    [InlineData("{\"last_live\": [\"127.0.0.2\"", true, "not valid JSON", false)]
    [InlineData("{\"rotation_list\": []}", false, "lacks last_live, assuming []", false)]
    [InlineData("{\"last_live\": \"127.0.0.2\", \"rotation_list\": []}", true, "last_live must be a list of edges, got a string", false)]
    [InlineData("{\"last_live\": [\"127.0.0.2\", 7], \"rotation_list\": []}", true, "last_live[1]: expected an edge name, got 7", true)]
    [InlineData("{\"last_live\": [\"127.0.0.2\"], \"rotation_list\": [\"x\", 1795702615.5]}", true, "rotation_list[0]: expected a time", true)]
    [InlineData("{\"last_live\": [\"127.0.0.2\"]}", false, "lacks rotation_list, assuming []", true)]
    public void Broken_statefiles_are_reported(string? text, bool error, string message, bool liveKept)
    {
        var state = LegacyFiles.ParseStateFile("/s/net.state", text);
        var problem = Assert.Single(state.Problems, p => p.Message.Contains(message));
        Assert.Equal(error, problem.IsError);
        Assert.Equal(liveKept, state.LastLive is { Count: > 0 });
    }
}
