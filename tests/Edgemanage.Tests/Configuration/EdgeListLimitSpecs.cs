using Edgemanage.Fleet;
using Edgemanage.Node.Configuration;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Configuration;

/// <summary>
/// The documented maximum of edges per network (<see cref="NetworkEdges.MaxEdgesPerNetwork"/>): above it validate,
/// run and serve refuse the network with one error naming the edge list file, the count and the limit.
/// </summary>
public sealed class EdgeListLimitSpecs : IDisposable
{
    private const string Net = "bignet";
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static IReadOnlyList<string> Addresses(int count) => FleetAddresses.Range(2, count);

    /// <summary>A whole config whose edge list holds <paramref name="edges"/> loopback addresses (never probed here).</summary>
    private string Config(int edges) =>
        Edgemanage.Node.Commands.DemoWorkspace.Write(_dir.Path, Net, 9, "object"u8.ToArray(), Addresses(edges));

    private string EdgeList => Path.Combine(_dir.Path, "edges", Net);
    private string ExtraEdgeList => Path.Combine(_dir.Path, "extra-edges", Net);

    [Fact]
    public void The_limit_is_twenty_thousand_and_a_list_of_exactly_that_many_is_accepted()
    {
        Assert.Equal(20_000, NetworkEdges.MaxEdgesPerNetwork);
        var config = Config(NetworkEdges.MaxEdgesPerNetwork);
        var edges = NetworkEdges.Load(ConfigLoader.Load(config).Settings!, Net);
        Assert.True(edges.Ok, string.Join("\n", edges.Errors));
        Assert.Equal(NetworkEdges.MaxEdgesPerNetwork, edges.Edges.Count);
    }

    [Fact]
    public void One_edge_over_is_an_error_at_that_edge_naming_the_file_the_count_and_the_limit()
    {
        var config = Config(NetworkEdges.MaxEdgesPerNetwork + 1);
        var edges = NetworkEdges.Load(ConfigLoader.Load(config).Settings!, Net);
        var error = Assert.Single(edges.Errors);
        // Line 1 of the file is a comment, so edge 20 001 is on line 20 002.
        Assert.Equal((EdgeList, 20_002), (error.File, error.Line));
        Assert.Contains($"network '{Net}' lists 20001 edges ({EdgeList}), more than the limit of 20000 edges per network", error.ToString());
    }

    [Fact]
    public void The_limit_counts_the_extra_edge_list_too_and_points_into_it()
    {
        var config = Config(15_000);
        File.WriteAllLines(ExtraEdgeList, Addresses(21_000).Skip(15_000)); // 6000 more, none a duplicate
        var edges = NetworkEdges.Load(ConfigLoader.Load(config).Settings!, Net);
        var error = Assert.Single(edges.Errors);
        Assert.Equal((ExtraEdgeList, 5001), (error.File, error.Line));
        Assert.Contains($"lists 21000 edges ({EdgeList} and {ExtraEdgeList}), more than the limit of 20000", error.Message);
    }

    [Theory]
    [InlineData("validate")]
    [InlineData("run")]
    [InlineData("serve")]
    public async Task Validate_run_and_serve_refuse_the_network_the_same_way(string command)
    {
        var config = Config(NetworkEdges.MaxEdgesPerNetwork + 5);
        // serve would run until stopped if it accepted the list; the token only ends a spec that failed.
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await Edgemanage.Node.EdgemanageCli.MainAsync([command, "-A", Net, "-c", config], stdout, stderr, guard.Token);
        Assert.False(guard.IsCancellationRequested, $"{command} did not refuse the list");
        Assert.Equal(2, code);
        Assert.Contains($"{EdgeList}:20002:1: error: network '{Net}' lists 20005 edges ({EdgeList}), more than the limit of 20000 edges per network",
            stdout + stderr.ToString());
        Assert.False(File.Exists(Path.Combine(_dir.Path, "state", $"edgemanage-{Net}.journal.db")), "nothing was written");
    }
}
