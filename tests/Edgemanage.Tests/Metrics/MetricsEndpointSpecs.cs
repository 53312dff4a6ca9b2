using System.Net;
using System.Net.Sockets;
using System.Text;
using Edgemanage.Actors.Logging;
using Edgemanage.Node.Hosting;
using Xunit;

namespace Edgemanage.Tests.Metrics;

/// <summary>The small HTTP server behind serve's /metrics, over real loopback sockets.</summary>
public sealed class MetricsEndpointSpecs : IAsyncLifetime
{
    private const string Body = "# HELP edgemanage_up up\n# TYPE edgemanage_up gauge\nedgemanage_up 1\n";
    private MetricsEndpoint _endpoint = null!;
    private Func<CancellationToken, Task<string>> _render = _ => Task.FromResult(Body);

    public Task InitializeAsync()
    {
        _endpoint = MetricsEndpoint.Start("127.0.0.1:0", ct => _render(ct));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _endpoint.DisposeAsync();

    private static async Task<string> RawAsync(IPEndPoint at, string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(at);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Serves_metrics_with_the_exposition_content_type()
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(_endpoint.Url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Equal(Body, await response.Content.ReadAsStringAsync());
        Assert.StartsWith("http://127.0.0.1:", _endpoint.Url);
        Assert.NotEqual(0, _endpoint.Bound.Port);
    }

    [Fact]
    public async Task Other_paths_are_404_other_methods_405_and_HEAD_has_no_body()
    {
        using var http = new HttpClient();
        using (var response = await http.GetAsync(_endpoint.Url.Replace("/metrics", "/other")))
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using (var response = await http.PostAsync(_endpoint.Url, new StringContent("x")))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
            Assert.Contains("GET", response.Content.Headers.Allow);
        }
        using (var response = await http.GetAsync(_endpoint.Url + "?name[]=x"))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var head = await RawAsync(_endpoint.Bound, "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", head);
        Assert.EndsWith("\r\n\r\n", head);
        Assert.Contains($"Content-Length: {Body.Length}\r\n", head);
        Assert.StartsWith("HTTP/1.1 400 ", await RawAsync(_endpoint.Bound, "nonsense\r\n\r\n"));
    }

    [Fact]
    public async Task An_oversized_request_head_is_refused()
    {
        var response = await RawAsync(_endpoint.Bound, "GET /metrics HTTP/1.1\r\nX-Big: " + new string('a', MetricsEndpoint.MaxRequestHeadBytes) + "\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 431 ", response);
    }

    [Fact]
    public async Task An_idle_connection_is_closed()
    {
        await using var endpoint = MetricsEndpoint.Start("127.0.0.1:0", _ => Task.FromResult(Body), idleTimeout: TimeSpan.FromMilliseconds(300));
        using var client = new TcpClient();
        await client.ConnectAsync(endpoint.Bound);
        var read = await client.GetStream().ReadAsync(new byte[16]).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, read); // closed by the server, nothing sent
    }

    [Fact]
    public async Task Scrapes_are_served_concurrently()
    {
        const int scrapes = 16;
        var entered = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Each render waits until every scrape is inside one: only possible if they run at the same time.
        _render = async ct =>
        {
            if (Interlocked.Increment(ref entered) == scrapes) all.SetResult();
            await all.Task.WaitAsync(ct);
            return Body;
        };
        using var http = new HttpClient();
        var responses = await Task.WhenAll(Enumerable.Range(0, scrapes).Select(_ => http.GetStringAsync(_endpoint.Url)));
        Assert.All(responses, r => Assert.Equal(Body, r));
    }

    [Fact]
    public async Task A_port_in_use_is_a_warning_not_a_failure()
    {
        var error = new StringWriter();
        var output = new StringWriter();
        using var log = new OperatorLog(OperatorLogLevel.Error, null, null);
        var taken = _endpoint.Bound;
        await using var second = MetricsEndpoint.TryStart($"127.0.0.1:{taken.Port}", output, error, log);
        Assert.Null(second);
        Assert.Contains($"metrics endpoint not started: cannot listen on 127.0.0.1:{taken.Port}", error.ToString());
        Assert.Equal("", output.ToString());
    }
}
