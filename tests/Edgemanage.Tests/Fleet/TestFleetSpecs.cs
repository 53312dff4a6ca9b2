using System.Net;
using System.Net.Sockets;
using System.Text;
using Edgemanage.Fleet;
using Xunit;

namespace Edgemanage.Tests.Fleet;

public sealed class TestFleetSpecs : IAsyncLifetime
{
    private TestFleet _fleet = null!;
    private static readonly IReadOnlyList<string> Edges = FleetAddresses.Range(2, 3);

    public async Task InitializeAsync() => _fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = Edges });
    public async Task DisposeAsync() => await _fleet.DisposeAsync();

    private static HttpClient Client() => new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false })
    {
        Timeout = TimeSpan.FromSeconds(10),
    };

    private string Url(string edge, string? path = null) => $"http://{edge}:{_fleet.Port}{path ?? "/test_object"}";

    [Fact]
    public void Range_skips_dot_one_zero_and_255_and_crosses_into_the_next_block()
    {
        Assert.Equal(["127.0.0.2", "127.0.0.3"], FleetAddresses.Range(1, 2));
        var many = FleetAddresses.Range(250, 8);
        Assert.Equal(["127.0.0.250", "127.0.0.251", "127.0.0.252", "127.0.0.253", "127.0.0.254", "127.0.1.1", "127.0.1.2", "127.0.1.3"], many);
        Assert.Equal(1000, FleetAddresses.Range(2, 1000).Distinct().Count());
    }

    [Fact]
    public async Task Ok_serves_the_body_on_every_address_with_one_common_port()
    {
        using var client = Client();
        foreach (var edge in Edges)
        {
            var response = await client.GetAsync(Url(edge));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(_fleet.Body, await response.Content.ReadAsByteArrayAsync());
            Assert.True(response.Headers.ConnectionClose);
            Assert.Equal(1, _fleet.RequestCount(edge));
        }
        Assert.Equal(4096, _fleet.Body.Length);
    }

    [Fact]
    public async Task Unknown_path_is_404()
    {
        using var client = Client();
        var response = await client.GetAsync(Url(Edges[0], "/nope"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Status_behaviour_answers_that_code_and_can_be_set_back()
    {
        using var client = Client();
        _fleet.Set(Edges[1], EdgeBehaviour.Status(500));
        Assert.Equal(EdgeBehaviour.Status(500), _fleet.Get(Edges[1]));
        Assert.Equal(HttpStatusCode.InternalServerError, (await client.GetAsync(Url(Edges[1]))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(Url(Edges[0]))).StatusCode); // others unaffected
        _fleet.Set(Edges[1], EdgeBehaviour.Ok());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(Url(Edges[1]))).StatusCode);
    }

    [Fact]
    public async Task Wrong_body_has_the_same_length_but_other_bytes()
    {
        using var client = Client();
        _fleet.Set(Edges[0], EdgeBehaviour.WrongBody());
        var body = await client.GetByteArrayAsync(Url(Edges[0]));
        Assert.Equal(_fleet.Body.Length, body.Length);
        Assert.NotEqual(_fleet.Body, body);
    }

    [Fact]
    public async Task Refuse_makes_the_kernel_refuse_and_listening_resumes_when_set_back()
    {
        _fleet.Set(Edges[2], EdgeBehaviour.Refuse());
        using (var tcp = new TcpClient(AddressFamily.InterNetwork))
        {
            var e = await Assert.ThrowsAsync<SocketException>(() => tcp.ConnectAsync(IPAddress.Parse(Edges[2]), _fleet.Port));
            Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
        }
        Assert.Equal(0, _fleet.RequestCount(Edges[2]));

        _fleet.Set(Edges[2], EdgeBehaviour.Ok());
        using var client = Client();
        Assert.Equal(_fleet.Body, await client.GetByteArrayAsync(Url(Edges[2])));
    }

    [Fact]
    public async Task Reset_sends_a_tcp_reset()
    {
        _fleet.Set(Edges[0], EdgeBehaviour.Reset());
        using var tcp = new TcpClient(AddressFamily.InterNetwork);
        var e = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            // The RST can land before the connect completes on our side, or before the write, or before
            // the read: any of the three may fail, the read at the latest must.
            await tcp.ConnectAsync(IPAddress.Parse(Edges[0]), _fleet.Port);
            var stream = tcp.GetStream();
            await stream.WriteAsync("GET /test_object HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
            var buffer = new byte[100];
            var n = await stream.ReadAsync(buffer);
            throw new InvalidOperationException($"read {n} bytes instead of a reset");
        });
        var socketError = Assert.IsType<SocketException>(e is IOException io ? io.InnerException : e);
        Assert.Equal(SocketError.ConnectionReset, socketError.SocketErrorCode);
    }

    [Fact]
    public async Task Huge_body_is_streamed_with_its_full_length()
    {
        _fleet.Set(Edges[0], EdgeBehaviour.HugeBody(50L * 1024 * 1024));
        using var client = Client();
        using var response = await client.GetAsync(Url(Edges[0]), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(50L * 1024 * 1024, response.Content.Headers.ContentLength);
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[81920];
        long total = 0;
        int n;
        while ((n = await body.ReadAsync(buffer)) > 0) total += n;
        Assert.Equal(50L * 1024 * 1024, total);
    }

    [Fact]
    public async Task Dispose_ends_hanging_connections_promptly()
    {
        var fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = ["127.0.0.9"] });
        fleet.Set("127.0.0.9", EdgeBehaviour.Hang());
        using var tcp = new TcpClient(AddressFamily.InterNetwork);
        await tcp.ConnectAsync(IPAddress.Parse("127.0.0.9"), fleet.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /test_object HTTP/1.1\r\nHost: x\r\n\r\n"));
        var read = stream.ReadAsync(new byte[100]).AsTask();
        await fleet.DisposeAsync();
        // The server side closed the hanging connection: the pending read ends (0 bytes or reset).
        try { Assert.Equal(0, await read.WaitAsync(TimeSpan.FromSeconds(10))); }
        catch (IOException) { }
    }

    [Fact]
    public async Task Ipv6_loopback_is_served_or_start_fails_clearly()
    {
        TestFleet fleet;
        try
        {
            fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = ["::1", "127.0.0.10"] });
        }
        catch (InvalidOperationException e)
        {
            Assert.Contains("::1", e.Message); // no IPv6 here: the message names the address
            return;
        }
        await using var _ = fleet;
        using var client = Client();
        Assert.Equal(fleet.Body, await client.GetByteArrayAsync($"http://[::1]:{fleet.Port}/test_object"));
        Assert.Equal(1, fleet.RequestCount("::1"));
    }

    [Fact]
    public async Task Non_loopback_addresses_are_rejected()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => TestFleet.StartAsync(new FleetOptions { Addresses = ["10.0.0.1"] }));
    }
}
