using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;

namespace Edgemanage.Node.Admin;

/// <summary>ctl could not talk to the node: nothing listens there, or nothing answered in time.</summary>
public sealed class CtlUnreachableException(string message) : Exception(message);

/// <summary>
/// The client side of <c>edgemanage ctl</c>: a throwaway ActorSystem with remoting on an ephemeral port, talking to one
/// node's <c>/user/admin</c> (akka-style.md §4, option 3). A plain TCP connect first turns "nothing listens there"
/// into an immediate, clear error instead of a timeout.
/// </summary>
public sealed class CtlClient : IAsyncDisposable
{
    private readonly ActorSystem _system;
    private readonly ActorSelection _admin;
    private readonly TimeSpan _timeout;

    private readonly bool _tls;

    private CtlClient(ActorSystem system, ActorSelection admin, string node, TimeSpan timeout, bool tls)
    {
        _system = system;
        _admin = admin;
        Node = node;
        _timeout = timeout;
        _tls = tls;
    }

    public string Node { get; }

    /// <param name="tls">The certificate of a node whose endpoint speaks TLS (admin.tls_certificate); null for plain TCP.</param>
    public static async Task<CtlClient> ConnectAsync(string node, TimeSpan timeout, X509Certificate2? tls, CancellationToken ct = default)
    {
        var parsed = AdminRemoting.ParseHostPort(node) ?? throw new Cli.UsageException($"ctl: --node must be host:port, got '{node}'");
        // The node's address must match its canonical one exactly; "localhost" is never what a node binds as.
        var host = parsed.Host == "localhost" ? "127.0.0.1" : parsed.Host;
        var hostPort = host.Contains(':') ? $"[{host}]:{parsed.Port}" : $"{host}:{parsed.Port}";
        using (var tcp = new TcpClient(host.Contains(':') ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork))
        {
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            connectTimeout.CancelAfter(timeout);
            try
            {
                await tcp.ConnectAsync(host, parsed.Port, connectTimeout.Token);
            }
            catch (SocketException e)
            {
                throw new CtlUnreachableException($"nothing answers on {hostPort} ({e.SocketErrorCode}); is 'edgemanage serve' running with its ctl endpoint there (admin.host/admin.port)?");
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new CtlUnreachableException($"could not connect to {hostPort} within {timeout.TotalSeconds:0.#}s");
            }
        }
        var system = AdminRemoting.CreateSystem("edgemanage-ctl", AdminRemoting.ReplyAddressFor(host), 0, tls, logLevel: "ERROR");
        return new CtlClient(system, system.ActorSelection(AdminRemoting.ActorPath(hostPort, tls is not null)), hostPort, timeout, tls is not null);
    }

    /// <summary>One request, one reply (a reply record or an AdminError).</summary>
    public async Task<object> AskAsync(object request, CancellationToken ct = default)
    {
        try
        {
            return await _admin.Ask<object>(request, _timeout, ct);
        }
        catch (AskTimeoutException)
        {
            throw new CtlUnreachableException(
                $"{Node} accepted the connection but no edgemanage node answered within {_timeout.TotalSeconds:0.#}s " +
                "(is it the node's ctl endpoint, written exactly as its admin.host? a busy node may need --timeout" +
                (_tls ? "; with TLS, both sides need the same certificate, admin.tls_certificate)"
                    : "; an endpoint with TLS answers only to its certificate: admin.tls_certificate in -c FILE, or --tls-certificate)"));
        }
    }

    public async ValueTask DisposeAsync() => await _system.Terminate().WaitAsync(TimeSpan.FromSeconds(10));
}
