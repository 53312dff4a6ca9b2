using System.Net;
using System.Net.Sockets;

namespace Edgemanage.Fleet;

/// <summary>Ports on 127.0.0.1 for the servers the specs and benchmarks start (named, its rndc channel).</summary>
public static class LoopbackPorts
{
    /// <summary>
    /// A port free on 127.0.0.1 for TCP (and UDP when asked) at the moment of asking. It is released before the
    /// caller's server binds it, so another process can take it in between: callers retry on "address in use".
    /// </summary>
    public static int Free(bool tcpAndUdp, int avoid = 0)
    {
        for (var i = 0; i < 100; i++)
        {
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)tcp.LocalEndPoint!).Port;
            if (port == avoid) continue;
            if (!tcpAndUdp) return port;
            try
            {
                using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // taken for UDP only: try another
            }
        }
        throw new InvalidOperationException("no port free for both TCP and UDP on 127.0.0.1");
    }
}
