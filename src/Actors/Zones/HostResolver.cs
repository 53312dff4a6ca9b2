using System.Net;
using Akka.Event;
using System.Net.Sockets;

namespace Edgemanage.Actors.Zones;

/// <summary>The address an edge is published under, or why it cannot be (the edge is then left out of the zone).</summary>
public sealed record ResolvedAddress(string Edge, ZoneAddress? Address, string? Error)
{
    public bool Succeeded => Address is not null;
}

/// <summary>
/// Turns edge names into the addresses written in zones. IP literals map to themselves without DNS; host names
/// are resolved with the system resolver, preferring the first IPv4 address (what the original's
/// gethostbyname returned) and falling back to the first IPv6 address, which the original could not publish.
/// </summary>
public sealed class HostResolver
{
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _lookup;

    public HostResolver() : this(Dns.GetHostAddressesAsync) { }

    /// <summary>With a custom lookup, for tests (which must not send DNS traffic off the host).</summary>
    public HostResolver(Func<string, CancellationToken, Task<IPAddress[]>> lookup) => _lookup = lookup;

    /// <summary>
    /// The addresses a zone publishes, in its order: an edge that does not resolve is left out, with a warning in
    /// <paramref name="problems"/> and the log (both publishers: files and DNS UPDATE).
    /// </summary>
    public async Task<List<ZoneAddress>> ResolveZoneAsync(Edgemanage.Contracts.Zones.ZoneContent zone, List<string> problems,
        ILoggingAdapter log, CancellationToken ct)
    {
        var addresses = new List<ZoneAddress>();
        foreach (var edge in zone.Addresses)
        {
            var resolved = await ResolveAsync(edge, ct);
            if (resolved.Address is { } address)
            {
                addresses.Add(address);
                continue;
            }
            var warning = $"zone {zone.Zone}: edge {edge} left out: {resolved.Error}";
            problems.Add(warning);
            log.Warning(warning);
        }
        return addresses;
    }

    public async Task<ResolvedAddress> ResolveAsync(string edge, CancellationToken cancellationToken)
    {
        if (TryParseLiteral(edge, out var literal, out var literalError))
            return literalError is null ? new ResolvedAddress(edge, ToZoneAddress(literal!), null) : new ResolvedAddress(edge, null, literalError);

        IPAddress[] addresses;
        try
        {
            addresses = await LookupWithOneRetry(edge, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is SocketException or ArgumentException)
        {
            return new ResolvedAddress(edge, null, $"cannot resolve {edge}: {e.Message}");
        }

        var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
            ?? addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetworkV6);
        return chosen is null
            ? new ResolvedAddress(edge, null, $"cannot resolve {edge}: no IPv4 or IPv6 address")
            : new ResolvedAddress(edge, ToZoneAddress(chosen), null);
    }

    /// <summary>The original retried a failed gethostbyname once before dropping the edge; so do we.</summary>
    private async Task<IPAddress[]> LookupWithOneRetry(string host, CancellationToken cancellationToken)
    {
        try
        {
            return await _lookup(host, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            return await _lookup(host, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Whether <paramref name="edge"/> is an IP literal. IPv4 must be dotted-quad: IPAddress.TryParse also accepts
    /// "10.1" or "1", which in an edge list is far more likely a typo than a deliberate inet_aton short form.
    /// A scoped IPv6 address (fe80::1%eth0) is a literal that cannot go into a zone.
    /// </summary>
    private static bool TryParseLiteral(string edge, out IPAddress? address, out string? error)
    {
        error = null;
        if (!IPAddress.TryParse(edge, out address)) return false;
        if (address.AddressFamily == AddressFamily.InterNetwork)
            return edge.Count(c => c == '.') == 3 && edge.All(c => c == '.' || char.IsAsciiDigit(c));
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (!edge.Contains(':')) return false;
            if (address.ScopeId != 0 || edge.Contains('%')) error = $"{edge}: a scoped IPv6 address cannot be published in a zone";
            return true;
        }
        return false;
    }

    private static ZoneAddress ToZoneAddress(IPAddress address) =>
        new(address.ToString(), address.AddressFamily == AddressFamily.InterNetworkV6);
}
