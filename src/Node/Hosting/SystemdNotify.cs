using System.Net.Sockets;
using System.Text;

namespace Edgemanage.Node.Hosting;

/// <summary>
/// The sd_notify protocol, enough for <c>Type=notify</c> units (packaging/systemd/edgemanage-serve@.service): one
/// datagram of <c>KEY=VALUE</c> lines to the unix socket named by <c>$NOTIFY_SOCKET</c>. A name starting with '@' is
/// an abstract socket (the '@' stands for a leading NUL byte). Without <c>$NOTIFY_SOCKET</c> (not started by systemd,
/// or not as a notify unit) every call does nothing, so serve behaves the same everywhere else. A failure to send is
/// never fatal: systemd then times the start out, which says more than a crash would.
/// </summary>
public static class SystemdNotify
{
    public const string SocketVariable = "NOTIFY_SOCKET";

    /// <summary>serve is serving: locks held, ctl and metrics listeners up, probing started.</summary>
    public static bool Ready(string status) => Notify($"READY=1\nSTATUS={OneLine(status)}");

    /// <summary>serve is stopping (SIGTERM): systemd shows "deactivating" instead of waiting on a silent process.</summary>
    public static bool Stopping() => Notify("STOPPING=1\nSTATUS=stopping");

    /// <summary>Sends <paramref name="state"/> to <paramref name="socketPath"/> (default: <c>$NOTIFY_SOCKET</c>); false when there is nowhere to send it or it could not be sent.</summary>
    public static bool Notify(string state, string? socketPath = null)
    {
        socketPath ??= Environment.GetEnvironmentVariable(SocketVariable);
        if (Endpoint(socketPath) is not { } endpoint) return false;
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            var payload = Encoding.UTF8.GetBytes(state);
            return socket.SendTo(payload, endpoint) == payload.Length;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The endpoint a <c>$NOTIFY_SOCKET</c> value names: a path, or '@name' for an abstract socket; null for none (or a kind we do not speak, such as vsock:).</summary>
    public static UnixDomainSocketEndPoint? Endpoint(string? socketPath) => socketPath switch
    {
        null or "" => null,
        ['@', .. var name] when name.Length > 0 => new UnixDomainSocketEndPoint("\0" + name),
        ['/', ..] => new UnixDomainSocketEndPoint(socketPath),
        _ => null,
    };

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
