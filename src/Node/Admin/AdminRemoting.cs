using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Edgemanage.Contracts;
using Edgemanage.Contracts.Serialization;

namespace Edgemanage.Node.Admin;

/// <summary>
/// The Akka.Remote setup shared by a node's ctl endpoint and the <c>edgemanage ctl</c> client: our serializer for
/// every message (strict, so nothing falls back to JSON of CLR types), frames large enough for a 5000-edge decision,
/// and quiet association logs (every ctl call connects and disconnects once).
/// </summary>
public static class AdminRemoting
{
    /// <summary>The admin endpoint's ActorSystem name: fixed, so ctl needs only host:port.</summary>
    public const string SystemName = "edgemanage-admin";

    public const string ActorName = "admin";

    /// <summary>The admin actor's path; an endpoint with TLS has the akka.ssl.tcp protocol in its addresses.</summary>
    public static string ActorPath(string hostPort, bool tls = false) => $"{(tls ? "akka.ssl.tcp" : "akka.tcp")}://{SystemName}@{hostPort}/user/{ActorName}";

    /// <summary>
    /// An ActorSystem with this remoting; with <paramref name="tls"/> its transport speaks mutual TLS pinned to that
    /// certificate (<see cref="AdminTls"/>).
    /// </summary>
    public static ActorSystem CreateSystem(string name, string bindHost, int port, X509Certificate2? tls, string logLevel = "INFO")
    {
        var setup = BootstrapSetup.Create().WithConfig(Config(bindHost, port, tls is not null, logLevel));
        return tls is null ? ActorSystem.Create(name, setup) : ActorSystem.Create(name, setup.And(AdminTls.Setup(tls)));
    }

    public static Config Config(string bindHost, int port, bool tls = false, string logLevel = "INFO") => ConfigurationFactory.ParseString($$"""
        akka {
          loglevel = {{logLevel}}
          stdout-loglevel = OFF
          loggers = ["Edgemanage.Actors.Logging.OperatorLogAkkaLogger, Edgemanage.Actors"]
          log-dead-letters = off
          log-dead-letters-during-shutdown = off
          coordinated-shutdown.run-by-clr-shutdown-hook = off
          actor {
            provider = remote
            serializers.edgemanage = "{{typeof(EdgemanageSerializer).AssemblyQualifiedName}}"
            serialization-bindings { "{{typeof(IEdgemanageMessage).AssemblyQualifiedName}}" = edgemanage }
          }
          remote {
            log-remote-lifecycle-events = off
            dot-netty.tcp {
              hostname = "{{bindHost}}"
              enable-ssl = {{(tls ? "on" : "off")}}
              port = {{port.ToString(CultureInfo.InvariantCulture)}}
              maximum-frame-size = 16000000b
              send-buffer-size = 16000000b
              receive-buffer-size = 16000000b
            }
          }
        }
        """);

    /// <summary>Splits host:port (IPv6 as [::1]:4054); null when it is not one. Port 0 (any free port) only to bind.</summary>
    public static (string Host, int Port)? ParseHostPort(string text, bool allowAnyPort = false)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port > 65535 || port < (allowAnyPort ? 0 : 1))
            return null;
        var host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        return host.Length == 0 ? null : (host, port);
    }

    /// <summary>
    /// The local address a client should advertise so that <paramref name="host"/> can answer it: loopback for a
    /// loopback node, otherwise the address the OS would route from (a UDP "connect" sends nothing).
    /// </summary>
    public static string ReplyAddressFor(string host)
    {
        if (!IPAddress.TryParse(host, out var ip))
            ip = Dns.GetHostAddresses(host).FirstOrDefault() ?? IPAddress.Loopback;
        if (IPAddress.IsLoopback(ip)) return ip.AddressFamily == AddressFamily.InterNetworkV6 ? "::1" : "127.0.0.1";
        using var probe = new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        probe.Connect(new IPEndPoint(ip, 9));
        return ((IPEndPoint)probe.LocalEndPoint!).Address.ToString();
    }
}
