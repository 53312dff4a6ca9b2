using System.Net;
using System.Net.Sockets;
using Edgemanage.Actors.Zones;
using Xunit;

namespace Edgemanage.Tests.Zones;

/// <summary>Only literals, "localhost" and fake lookups: tests never send DNS traffic off the host.</summary>
public sealed class HostResolverSpecs
{
    private static readonly HostResolver NoDns = new((host, _) => throw new InvalidOperationException($"DNS must not be asked for {host}"));

    [Theory]
    [InlineData("10.0.0.1", "10.0.0.1", false)]
    [InlineData("2001:db8::1", "2001:db8::1", true)]
    [InlineData("2001:0db8:0000::0001", "2001:db8::1", true)]   // published in canonical form
    [InlineData("::1", "::1", true)]
    public async Task IP_literals_map_to_themselves_without_DNS(string edge, string ip, bool v6)
    {
        var result = await NoDns.ResolveAsync(edge, CancellationToken.None);

        Assert.Null(result.Error);
        Assert.Equal(new ZoneAddress(ip, v6), result.Address);
        Assert.Equal(edge, result.Edge);
    }

    [Fact]
    public async Task A_scoped_IPv6_literal_is_an_error()
    {
        var result = await NoDns.ResolveAsync("fe80::1%1", CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Contains("scoped", result.Error);
    }

    [Fact]
    public async Task Localhost_resolves_through_the_system_resolver()
    {
        var result = await new HostResolver().ResolveAsync("localhost", CancellationToken.None);

        Assert.True(result.Succeeded, result.Error);
        Assert.True(IPAddress.IsLoopback(IPAddress.Parse(result.Address!.Value.Ip)));
    }

    [Fact]
    public async Task IPv4_is_preferred_over_IPv6()
    {
        var resolver = new HostResolver((_, _) => Task.FromResult(new[] { IPAddress.Parse("2001:db8::5"), IPAddress.Parse("192.0.2.7"), IPAddress.Parse("192.0.2.8") }));

        var result = await resolver.ResolveAsync("edge1.example", CancellationToken.None);

        Assert.Equal(new ZoneAddress("192.0.2.7", false), result.Address);
    }

    [Fact]
    public async Task An_IPv6_only_host_is_published_as_IPv6()
    {
        var resolver = new HostResolver((_, _) => Task.FromResult(new[] { IPAddress.Parse("2001:db8::5") }));

        Assert.Equal(new ZoneAddress("2001:db8::5", true), (await resolver.ResolveAsync("edge6.example", CancellationToken.None)).Address);
    }

    [Fact]
    public async Task A_failed_lookup_is_retried_once_then_reported()
    {
        var calls = 0;
        var resolver = new HostResolver((_, _) =>
        {
            calls++;
            throw new SocketException((int)SocketError.HostNotFound);
        });

        var result = await resolver.ResolveAsync("gone.example", CancellationToken.None);

        Assert.Equal(2, calls);
        Assert.False(result.Succeeded);
        Assert.StartsWith("cannot resolve gone.example: ", result.Error);
    }

    [Fact]
    public async Task A_transient_failure_is_recovered_by_the_retry()
    {
        var calls = 0;
        var resolver = new HostResolver((_, _) =>
            ++calls == 1 ? throw new SocketException((int)SocketError.TryAgain) : Task.FromResult(new[] { IPAddress.Parse("192.0.2.9") }));

        Assert.Equal("192.0.2.9", (await resolver.ResolveAsync("flaky.example", CancellationToken.None)).Address?.Ip);
    }

    [Fact]
    public async Task No_addresses_is_an_error()
    {
        var resolver = new HostResolver((_, _) => Task.FromResult(Array.Empty<IPAddress>()));

        var result = await resolver.ResolveAsync("empty.example", CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Contains("no IPv4 or IPv6 address", result.Error);
    }

    [Fact]
    public async Task A_short_numeric_form_is_treated_as_a_name_not_a_literal()
    {
        string? asked = null;
        var resolver = new HostResolver((host, _) => { asked = host; return Task.FromResult(new[] { IPAddress.Parse("192.0.2.1") }); });

        await resolver.ResolveAsync("10.1", CancellationToken.None);

        Assert.Equal("10.1", asked);
    }
}
