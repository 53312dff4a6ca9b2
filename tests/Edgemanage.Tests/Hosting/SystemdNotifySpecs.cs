using System.Net.Sockets;
using System.Text;
using Edgemanage.Fleet;
using Edgemanage.Node.Commands;
using Edgemanage.Node.Hosting;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Hosting;

/// <summary>
/// sd_notify for the packaged <c>Type=notify</c> unit: datagrams to a path or an abstract socket, nothing without
/// <c>$NOTIFY_SOCKET</c>, and a real <c>serve</c> that says READY=1 once it serves and STOPPING=1 on SIGTERM.
/// </summary>
public sealed class SystemdNotifySpecs : IDisposable
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static Socket Listen(string notifySocket)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(SystemdNotify.Endpoint(notifySocket)!);
        return socket;
    }

    private static async Task<string> ReceiveAsync(Socket socket, TimeSpan within)
    {
        using var cts = new CancellationTokenSource(within);
        var buffer = new byte[4096];
        var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    [Fact]
    public async Task Sends_one_datagram_to_a_socket_path()
    {
        var path = Path.Combine(_dir.Path, "notify");
        using var socket = Listen(path);
        Assert.True(SystemdNotify.Notify("READY=1\nSTATUS=up", path));
        Assert.Equal("READY=1\nSTATUS=up", await ReceiveAsync(socket, Within));
    }

    [Fact]
    public async Task An_at_sign_names_an_abstract_socket()
    {
        var name = $"@edgemanage-notify-spec-{Guid.NewGuid():N}";
        using var socket = Listen(name);
        Assert.True(SystemdNotify.Notify("STOPPING=1", name));
        Assert.Equal("STOPPING=1", await ReceiveAsync(socket, Within));
        Assert.False(File.Exists(name));
    }

    [Theory]
    [InlineData("")]
    [InlineData("@")]
    [InlineData("vsock:2:1234")]
    [InlineData("relative/path")]
    public void Nothing_is_sent_without_a_socket_it_understands(string value)
    {
        Assert.Null(SystemdNotify.Endpoint(value));
        Assert.False(SystemdNotify.Notify("READY=1", value));
    }

    [Fact]
    public void Nobody_listening_is_not_an_error()
    {
        Assert.False(SystemdNotify.Notify("READY=1", Path.Combine(_dir.Path, "nobody")));
    }

    [Fact]
    public async Task Serve_says_ready_once_it_serves_and_stopping_on_sigterm()
    {
        string[] edges = ["127.0.0.2", "127.0.0.3"];
        await using var fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = edges });
        var config = DemoWorkspace.Write(_dir.Path, "notifynet", fleet.Port, fleet.Body, edges,
            extraYaml: ServeWorkspace.SteadyServeYaml, goodEnough: 5, edgeCount: 2);
        var name = $"@edgemanage-notify-serve-{Guid.NewGuid():N}";
        using var socket = Listen(name);

        await using var serve = ServeProcess.StartWith("serve", new Dictionary<string, string> { [SystemdNotify.SocketVariable] = name },
            "-A", "notifynet", "-c", config, "--admin", "off", "--metrics-listen", "127.0.0.1:0");
        var ready = await ReceiveAsync(socket, Within);
        Assert.StartsWith("READY=1\n", ready);
        Assert.Contains("STATUS=serving notifynet", ready);
        await serve.WaitForOutputAsync("serving notifynet as", Within);

        Assert.Equal(0, await serve.StopAsync());
        Assert.StartsWith("STOPPING=1", await ReceiveAsync(socket, Within));
    }
}
