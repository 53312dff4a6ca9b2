using System.Net;
using System.Net.Sockets;

namespace Edgemanage.Node.Hosting;

/// <summary>
/// Whether another process already listens on a TCP port. Akka.Remote's DotNetty transport binds with SO_REUSEADDR,
/// which .NET on Linux extends to SO_REUSEPORT: a second node configured with the same port binds it too and the
/// kernel splits connections between the two (seen: two serve processes both reporting a ctl endpoint on
/// 127.0.0.1:4050). A plain listener does not share a port, so trying one first answers the question.
/// </summary>
public static class PortProbe
{
    /// <returns>Why the port cannot be used, or null when it is free (or 0: any free port).</returns>
    public static string? InUse(string host, int port)
    {
        if (port == 0) return null;
        IPAddress address;
        try
        {
            address = IPAddress.TryParse(host, out var ip) ? ip : Dns.GetHostAddresses(host).First();
        }
        catch (Exception e) when (e is SocketException or InvalidOperationException)
        {
            return $"{host} does not resolve to an address of this machine";
        }
        var listener = new TcpListener(address, port);
        try
        {
            listener.Start();
            return null;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return $"{host}:{port} is already in use by another process";
        }
        catch (SocketException e)
        {
            return $"cannot listen on {host}:{port}: {e.SocketErrorCode}";
        }
        finally
        {
            listener.Stop();
        }
    }
}
