using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Edgemanage.Actors.Admin;
using Edgemanage.Contracts.Admin;
using Edgemanage.Contracts.Config;

namespace Edgemanage.Node.Admin;

/// <summary>
/// A serving process's ctl endpoint: its own small ActorSystem (<see cref="AdminRemoting.SystemName"/>) with remoting
/// on admin.host:admin.port and <c>/user/admin</c>. Separate from the networks' system on purpose: it binds to
/// loopback even when the cluster's remoting faces other nodes, it carries the TLS of ctl, and ctl needs no system
/// name. Each network is given to it once (<see cref="Serve"/>): its edges' reference never changes, reloads included.
/// </summary>
public sealed class AdminEndpoint : IAsyncDisposable
{
    private readonly ActorSystem _system;

    private readonly X509Certificate2? _tls;

    private AdminEndpoint(ActorSystem system, IActorRef admin, string address, X509Certificate2? tls)
    {
        _system = system;
        _tls = tls;
        Admin = admin;
        Address = address;
    }

    public IActorRef Admin { get; }

    /// <summary>host:port as ctl must write it (the bound port when admin.port is 0).</summary>
    public string Address { get; }

    public static AdminEndpoint Start(AdminSettings admin, string secret, Actors.Logging.OperatorLog log)
    {
        if (Hosting.PortProbe.InUse(admin.Host, admin.Port) is { } busy) throw new IOException(busy);
        // Kept for the endpoint's life: the transport reads it at every handshake.
        var tls = admin.TlsCertificate is { } path ? AdminTls.Load(path, admin.TlsPassword) : null;
        ActorSystem? system = null;
        try
        {
            system = AdminRemoting.CreateSystem(AdminRemoting.SystemName, admin.Host, admin.Port, tls);
            Actors.Logging.OperatorLogAkkaLogger.Own(system, log, quietRemoting: true);
            var bound = ((ExtendedActorSystem)system).Provider.DefaultAddress;
            var host = bound.Host!.Contains(':') ? $"[{bound.Host}]" : bound.Host;
            var address = $"{host}:{bound.Port}";
            var actor = system.ActorOf(AdminActor.Props(new AdminActorSettings(secret, address, TimeSpan.FromSeconds(5))), AdminRemoting.ActorName);
            return new AdminEndpoint(system, actor, address, tls);
        }
        catch
        {
            system?.Terminate().Wait(TimeSpan.FromSeconds(5));
            tls?.Dispose();
            throw;
        }
    }

    public void Serve(string network, ActorSystem system, IActorRef networkActor, IActorRef edges) =>
        Admin.Tell(new NetworkServed(network, system, networkActor, edges));

    public void Unserve(string network) => Admin.Tell(new NetworkUnserved(network));

    public async ValueTask DisposeAsync()
    {
        // As for the networks' systems: once our logger stops, Akka's stdout logger takes over at the current level,
        // and "Remoting shut down." would land on stdout.
        _system.EventStream.SetLogLevel(Akka.Event.LogLevel.WarningLevel);
        await _system.Terminate().WaitAsync(TimeSpan.FromSeconds(10));
        _tls?.Dispose();
    }
}
