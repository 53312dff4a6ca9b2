using System.Net;
using System.Net.Sockets;
using Edgemanage.Node.Hosting;
using Xunit;

namespace Edgemanage.Tests.Ctl;

/// <summary>A port another process listens on is refused even when that listener allows sharing, as Akka.Remote's does.</summary>
public sealed class PortProbeSpecs
{
    [Fact]
    public void A_port_held_by_a_sharing_listener_is_in_use()
    {
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        holder.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        holder.Listen();
        var port = ((IPEndPoint)holder.LocalEndPoint!).Port;
        Assert.Equal($"127.0.0.1:{port} is already in use by another process", PortProbe.InUse("127.0.0.1", port));
    }

    [Fact]
    public void A_free_port_and_port_zero_are_not()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        Assert.Null(PortProbe.InUse("127.0.0.1", port));
        Assert.Null(PortProbe.InUse("127.0.0.1", 0));
    }
}
