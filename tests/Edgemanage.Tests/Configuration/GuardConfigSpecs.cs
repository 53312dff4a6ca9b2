using Edgemanage.Node.Configuration;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Configuration;

/// <summary>max_edge_list_shrink: the guard's limit on how much of an edge list one reload or run may lose.</summary>
public sealed class GuardConfigSpecs : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private ConfigLoadResult Load(string extra) =>
        ConfigLoader.LoadFromText(ConfigSamples.MinimalPlus(extra), _dir.File("edgemanage.yaml"), _dir.Path);

    [Theory]
    [InlineData("", 0.5)]
    [InlineData("max_edge_list_shrink: 0.25", 0.25)]
    [InlineData("max_edge_list_shrink: \"70%\"", 0.7)]
    [InlineData("max_edge_list_shrink: 70%", 0.7)]
    [InlineData("max_edge_list_shrink: 0", 0)]
    [InlineData("max_edge_list_shrink: 1", 1)]
    [InlineData("max_edge_list_shrink: 100%", 1)]
    [InlineData("max_edge_list_shrink: off", 1)]
    public void Reads_a_fraction_a_percentage_or_off(string extra, double expected)
    {
        var result = Load(extra);
        Assert.True(result.Settings is not null, string.Join("\n", result.Errors));
        Assert.Equal(expected, result.Settings!.MaxEdgeListShrink, 6);
    }

    [Theory]
    [InlineData("max_edge_list_shrink: 1.5", "max_edge_list_shrink must be a fraction from 0 to 1")]
    [InlineData("max_edge_list_shrink: 50", "(write \"50%\" for a percentage)")]
    [InlineData("max_edge_list_shrink: 150%", "max_edge_list_shrink must be a fraction from 0 to 1")]
    [InlineData("max_edge_list_shrink: -0.1", "max_edge_list_shrink must be")]
    [InlineData("max_edge_list_shrink: half", "got 'half'")]
    [InlineData("max_edge_list_shrink: [0.5]", "max_edge_list_shrink must be")]
    public void Anything_else_is_an_error_at_its_line(string extra, string message)
    {
        var result = Load(extra);
        Assert.Null(result.Settings);
        var error = Assert.Single(result.Errors, e => e.Message.Contains(message, StringComparison.Ordinal));
        var line = ConfigSamples.MinimalPlus(extra).Split('\n').ToList().FindIndex(l => l.StartsWith("max_edge_list_shrink", StringComparison.Ordinal)) + 1;
        Assert.Contains($"edgemanage.yaml:{line}:", error.ToString());
    }
}
