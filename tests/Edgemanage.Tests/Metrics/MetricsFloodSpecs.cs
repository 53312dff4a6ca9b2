using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Edgemanage.Node.Hosting;
using Xunit;

namespace Edgemanage.Tests.Metrics;

/// <summary>
/// /metrics under a flood of clients that connect and say nothing (or say half a request): a scrape still gets
/// through at once, and the server itself closes the idle connections after its idle timeout. Real sockets on 127.0.0.1.
/// </summary>
public sealed class MetricsFloodSpecs
{
    private const string Body = "edgemanage_up 1\n";
    private const int Flood = 300;

    private static async Task<string> ScrapeAsync(IPEndPoint at, TimeSpan budget)
    {
        using var client = new TcpClient();
        using var deadline = new CancellationTokenSource(budget);
        await client.ConnectAsync(at, deadline.Token);
        var stream = client.GetStream();
        await stream.WriteAsync("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"u8.ToArray(), deadline.Token);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync(deadline.Token);
    }

    [Fact]
    public async Task Three_hundred_idle_connections_neither_keep_a_scrape_out_nor_stay_open()
    {
        var idleTimeout = TimeSpan.FromSeconds(3);
        await using var endpoint = MetricsEndpoint.Start("127.0.0.1:0", _ => Task.FromResult(Body), idleTimeout);
        var idle = new List<TcpClient>();
        try
        {
            var sinceFirstOpened = Stopwatch.StartNew();
            for (var i = 0; i < Flood; i++)
            {
                var client = new TcpClient();
                idle.Add(client);
                await client.ConnectAsync(endpoint.Bound);
            }
            // The hand-written server answered 503 to everyone here (64 connections at most, none timed out).
            // The scrape's budget is shorter than the idle timeout, so it cannot have been let in by timeouts.
            var response = await ScrapeAsync(endpoint.Bound, TimeSpan.FromSeconds(2));
            Assert.StartsWith("HTTP/1.1 200 OK\r\n", response);
            Assert.EndsWith(Body, response);
            Assert.True(sinceFirstOpened.Elapsed < idleTimeout, $"scrape done {sinceFirstOpened.Elapsed} after the flood began");

            // Every idle connection is then closed by the server (a read ends), none before the idle timeout.
            var closedAfter = await Task.WhenAll(idle.Select(async c =>
            {
                var buffer = new byte[512];
                while (await c.GetStream().ReadAsync(buffer) > 0) { } // Kestrel may say 408 before closing
                return sinceFirstOpened.Elapsed;
            })).WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(Flood, closedAfter.Length);
            Assert.True(closedAfter.Min() >= idleTimeout - TimeSpan.FromMilliseconds(100),
                $"an idle connection was closed after {closedAfter.Min()}, before the idle timeout {idleTimeout}");
        }
        finally
        {
            foreach (var c in idle) c.Dispose();
        }
    }

    [Fact]
    public async Task A_request_head_that_never_ends_is_closed_after_the_idle_timeout()
    {
        await using var endpoint = MetricsEndpoint.Start("127.0.0.1:0", _ => Task.FromResult(Body), TimeSpan.FromSeconds(1));
        using var client = new TcpClient();
        await client.ConnectAsync(endpoint.Bound);
        var stream = client.GetStream();
        await stream.WriteAsync("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "u8.ToArray());
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var answer = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.DoesNotContain("200 OK", answer);
    }

    [Fact]
    public async Task Each_response_closes_its_connection()
    {
        await using var endpoint = MetricsEndpoint.Start("127.0.0.1:0", _ => Task.FromResult(Body));
        // ReadToEnd only returns when the server closes: well before the 5 s idle timeout.
        var response = await ScrapeAsync(endpoint.Bound, TimeSpan.FromSeconds(3));
        Assert.Contains("Connection: close\r\n", response);
        Assert.Contains($"Content-Length: {Body.Length}\r\n", response);
    }
}
