using Edgemanage.Node.Admin;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Hosting;
using Xunit;

namespace Edgemanage.Tests.Ctl;

/// <summary>The small parsers behind ctl: durations, host:port, and finding the ctl endpoint in a lock holder line.</summary>
public sealed class CtlArgumentSpecs
{
    [Theory]
    [InlineData("90s", 90)]
    [InlineData("30m", 1800)]
    [InlineData("2h", 7200)]
    [InlineData("1d", 86400)]
    [InlineData("1w", 604800)]
    [InlineData("1h30m", 5400)]
    [InlineData("1d2h3m4s", 93784)]
    [InlineData(" 2H ", 7200)]
    public void Durations_are_read_as_operators_write_them(string text, int seconds)
    {
        Assert.True(DurationText.TryParse(text, out var d, out var error), error);
        Assert.Equal(TimeSpan.FromSeconds(seconds), d);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("h")]
    [InlineData("5x")]
    [InlineData("30m1h")]
    [InlineData("1h1h")]
    [InlineData("0s")]
    [InlineData("-5m")]
    [InlineData("99999w")]
    [InlineData("1.5h")]
    public void Anything_else_is_refused_with_a_reason(string text)
    {
        Assert.False(DurationText.TryParse(text, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Theory]
    [InlineData("127.0.0.1:4054", "127.0.0.1", 4054)]
    [InlineData("[::1]:4054", "::1", 4054)]
    [InlineData("node-1.example:1", "node-1.example", 1)]
    public void Host_port_pairs_parse(string text, string host, int port) =>
        Assert.Equal((host, port), AdminRemoting.ParseHostPort(text));

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData(":4054")]
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:65536")]
    [InlineData("127.0.0.1:http")]
    public void Bad_host_port_pairs_do_not(string text) => Assert.Null(AdminRemoting.ParseHostPort(text));

    [Fact]
    public void Port_zero_is_only_for_binding() => Assert.Equal(("127.0.0.1", 0), AdminRemoting.ParseHostPort("127.0.0.1:0", allowAnyPort: true));

    [Theory]
    [InlineData("pid 42 (edgemanage serve -A net, ctl at 127.0.0.1:4054) since 2026-11-27 07:00:00Z", "127.0.0.1:4054")]
    [InlineData("pid 42 (edgemanage serve -A net, ctl at [::1]:39999) since 2026-11-27 07:00:00Z", "[::1]:39999")]
    [InlineData("pid 42 (edgemanage run -A net) since 2026-11-27 07:00:00Z", null)]
    [InlineData("another process", null)]
    public void The_ctl_endpoint_is_found_in_a_serving_nodes_lock_holder_line(string holder, string? expected) =>
        Assert.Equal(expected, NetworkLock.AdminAddressOf(holder));
}
