using System.Net.Sockets;
using System.Text;
using Edgemanage.Node.Hosting;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Hosting;

/// <summary>
/// <c>edgemanage demo --fleet-only</c>, what the packaged edgemanage-demo-fleet.service runs: the twelve loopback
/// edges on a fixed port, serving the given test object, READY=1 to systemd once they listen, exit 0 on SIGTERM.
/// </summary>
public sealed class DemoFleetOnlySpecs : IDisposable
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Serves_the_given_test_object_on_the_given_port_until_sigterm()
    {
        var testObject = Path.Combine(_dir.Path, "test_object");
        await File.WriteAllTextAsync(testObject, "the packaged demo's test object\n");
        var port = ServeProcess.FreePort();
        var notify = $"@edgemanage-fleet-spec-{Guid.NewGuid():N}";
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(SystemdNotify.Endpoint(notify)!);

        await using var fleet = ServeProcess.StartCommandWith("fleet", "demo", new Dictionary<string, string> { [SystemdNotify.SocketVariable] = notify },
            "--fleet-only", "--port", port.ToString(), "--test-object", testObject);
        using (var cts = new CancellationTokenSource(Within))
        {
            var buffer = new byte[1024];
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            Assert.StartsWith("READY=1", Encoding.UTF8.GetString(buffer, 0, n));
        }
        await fleet.WaitForOutputAsync($"demo fleet: 12 edges on port {port}", Within);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        Assert.Equal("the packaged demo's test object\n", await http.GetStringAsync($"http://127.0.0.2:{port}/test_object"));
        Assert.Equal(0, await fleet.StopAsync());
    }

    [Fact]
    public async Task A_missing_test_object_is_a_usage_error()
    {
        await using var fleet = ServeProcess.StartCommand("fleet", "demo", "--fleet-only", "--port", ServeProcess.FreePort().ToString(),
            "--test-object", Path.Combine(_dir.Path, "absent"));
        Assert.Equal(2, await fleet.WaitForExitAsync(Within));
        Assert.Contains("--test-object", fleet.Output);
    }
}
