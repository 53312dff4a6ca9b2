using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Edgemanage.Actors.Probing;
using Edgemanage.Contracts.Config;
using Edgemanage.Contracts.Probing;
using Edgemanage.Fleet;
using Xunit;

namespace Edgemanage.Tests.Probing;

/// <summary>Skips the test when this machine cannot listen on ::1 (IPv6 disabled), saying so.</summary>
public sealed class Ipv6LoopbackFactAttribute : FactAttribute
{
    public Ipv6LoopbackFactAttribute([System.Runtime.CompilerServices.CallerMemberName] string member = "", [System.Runtime.CompilerServices.CallerFilePath] string file = "")
    {
        if (!Available.Value) Edgemanage.Tests.Support.SkipWithReason.Skip(this, "IPv6 loopback (::1) is not available on this machine", member, file);
    }

    private static readonly Lazy<bool> Available = new(() =>
    {
        try
        {
            using var s = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
            return true;
        }
        catch (SocketException) { return false; }
    });
}

public sealed class HttpProberSpecs : IAsyncLifetime
{
    private const string Host = "www.example.test";
    private static readonly IReadOnlyList<string> Edges = FleetAddresses.Range(2, 4);
    private TestFleet _fleet = null!;

    public async Task InitializeAsync() => _fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = Edges, TlsHost = Host });
    public async Task DisposeAsync() => await _fleet.DisposeAsync();

    private static HttpProber Prober(TestFleet fleet, double timeout = 5, int retries = 2, long maxBody = 1 << 20,
        string proto = "http", bool verify = true, string uri = "/test_object") =>
        new(new TestObjectSettings { Host = Host, Port = fleet.Port, Proto = proto, Uri = uri, Local = "(unused)", Verify = verify },
            new ProbeSettings { TimeoutSeconds = timeout, Retries = retries, BodyMaxBytes = maxBody },
            MD5.HashData(fleet.Body));

    [Fact]
    public async Task Ok_records_time_to_headers_close_to_the_injected_delay_and_fills_the_phases()
    {
        _fleet.Set(Edges[0], EdgeBehaviour.Delay(TimeSpan.FromMilliseconds(200)));
        var r = await Prober(_fleet).ProbeAsync(Edges[0]);

        Assert.Equal(ProbeOutcome.Ok, r.Outcome);
        Assert.True(r.IsOk);
        // Task.Delay runs on a coarse millisecond tick, so the server may answer a hair before 200 ms
        // as measured by the prober's high-resolution clock.
        Assert.InRange(r.Seconds, 0.19, 1.5);
        Assert.Equal(1, r.Attempts);
        Assert.Equal(200, r.HttpStatus);
        Assert.Equal(_fleet.Body.Length, r.BodyBytes);
        Assert.Equal(Edges[0], r.Edge);
        Assert.Null(r.Phases.Tls); // plain http
        Assert.NotNull(r.Phases.Connect);
        Assert.InRange(r.Phases.Connect!.Value, 0, r.Seconds);
        Assert.Equal(r.Seconds, r.Phases.FirstByte);
        Assert.InRange(r.Phases.Body!.Value, r.Seconds, 2);
        Assert.Null(r.Detail);
        Assert.Equal(1, _fleet.RequestCount(Edges[0]));
    }

    [Fact]
    public async Task Hanging_edge_times_out_once_within_the_deadline_without_retrying()
    {
        _fleet.Set(Edges[0], EdgeBehaviour.Hang());
        var clock = Stopwatch.StartNew();
        var r = await Prober(_fleet, timeout: 1, retries: 2).ProbeAsync(Edges[0]);
        clock.Stop();

        Assert.Equal(ProbeOutcome.Timeout, r.Outcome);
        Assert.Equal(1, r.Seconds);
        Assert.Equal(1, r.Attempts);
        Assert.NotNull(r.Phases.Connect);
        Assert.Null(r.Phases.FirstByte);
        Assert.Contains("response headers", r.Detail);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}"); // generous: 1 s deadline
    }

    [Fact]
    public async Task Refused_is_retried_and_recorded_as_the_timeout_value()
    {
        _fleet.Set(Edges[1], EdgeBehaviour.Refuse());
        var r = await Prober(_fleet, timeout: 4, retries: 2).ProbeAsync(Edges[1]);

        Assert.Equal(ProbeOutcome.Refused, r.Outcome);
        Assert.Equal(3, r.Attempts);
        Assert.Equal(4, r.Seconds);
        Assert.Null(r.Phases.Connect);
        Assert.Null(r.HttpStatus);
        Assert.Contains("refused", r.Detail);
        Assert.Equal(0, _fleet.RequestCount(Edges[1]));
    }

    [Fact]
    public async Task Reset_is_retried_and_reported()
    {
        _fleet.Set(Edges[2], EdgeBehaviour.Reset());
        var r = await Prober(_fleet, retries: 1).ProbeAsync(Edges[2]);

        Assert.Equal(ProbeOutcome.Reset, r.Outcome);
        Assert.Equal(2, r.Attempts);
        Assert.Equal(5, r.Seconds);
        Assert.Equal(2, _fleet.RequestCount(Edges[2]));
    }

    [Fact]
    public async Task Unresolvable_name_is_a_name_resolution_failure()
    {
        var r = await Prober(_fleet, retries: 2).ProbeAsync("nonexistent.invalid");

        Assert.Equal(ProbeOutcome.NameResolution, r.Outcome);
        Assert.Equal(3, r.Attempts);
        Assert.Equal(5, r.Seconds);
        Assert.Contains("nonexistent.invalid", r.Detail);
    }

    [Fact]
    public async Task Status_500_is_an_http_status_failure_and_not_retried()
    {
        _fleet.Set(Edges[0], EdgeBehaviour.Status(500));
        var r = await Prober(_fleet).ProbeAsync(Edges[0]);

        Assert.Equal(ProbeOutcome.HttpStatus, r.Outcome);
        Assert.Equal(500, r.HttpStatus);
        Assert.Equal("HTTP 500", r.Detail);
        Assert.Equal(1, r.Attempts);
        Assert.Equal(5, r.Seconds);
        Assert.NotNull(r.Phases.FirstByte);
        Assert.Equal(1, _fleet.RequestCount(Edges[0]));
    }

    [Fact]
    public async Task Unknown_path_404_is_an_http_status_failure()
    {
        var r = await Prober(_fleet, uri: "/missing").ProbeAsync(Edges[0]);

        Assert.Equal(ProbeOutcome.HttpStatus, r.Outcome);
        Assert.Equal(404, r.HttpStatus);
        Assert.Equal("HTTP 404", r.Detail);
    }

    [Fact]
    public async Task Wrong_body_is_a_checksum_mismatch()
    {
        _fleet.Set(Edges[3], EdgeBehaviour.WrongBody());
        var r = await Prober(_fleet).ProbeAsync(Edges[3]);

        Assert.Equal(ProbeOutcome.ChecksumMismatch, r.Outcome);
        Assert.Equal(200, r.HttpStatus);
        Assert.Equal(_fleet.Body.Length, r.BodyBytes);
        Assert.Equal(1, r.Attempts);
        Assert.Contains(Convert.ToHexStringLower(MD5.HashData(_fleet.Body)), r.Detail);
    }

    [Fact]
    public async Task Body_over_the_cap_is_too_large_and_reading_stops()
    {
        _fleet.Set(Edges[0], EdgeBehaviour.HugeBody(64L * 1024 * 1024));
        var r = await Prober(_fleet, maxBody: 1024 * 1024).ProbeAsync(Edges[0]);

        Assert.Equal(ProbeOutcome.BodyTooLarge, r.Outcome);
        Assert.True(r.BodyBytes <= 1024 * 1024 + 16 * 1024, $"read {r.BodyBytes} bytes");
        Assert.Equal(1, r.Attempts);
    }

    [Fact]
    public async Task Slow_body_within_the_deadline_is_ok_and_its_time_is_to_headers_only()
    {
        _fleet.Set(Edges[0], EdgeBehaviour.SlowBody(TimeSpan.FromMilliseconds(600)));
        var r = await Prober(_fleet, timeout: 5).ProbeAsync(Edges[0]);

        Assert.Equal(ProbeOutcome.Ok, r.Outcome);
        Assert.True(r.Phases.Body >= 0.5, $"body phase {r.Phases.Body}");
        Assert.True(r.Seconds < r.Phases.Body, $"time {r.Seconds} body {r.Phases.Body}");
    }

    [Fact]
    public async Task Slow_body_past_the_deadline_is_a_timeout()
    {
        _fleet.Set(Edges[0], EdgeBehaviour.SlowBody(TimeSpan.FromSeconds(20)));
        var r = await Prober(_fleet, timeout: 1).ProbeAsync(Edges[0]);

        Assert.Equal(ProbeOutcome.Timeout, r.Outcome);
        Assert.Equal(1, r.Seconds);
        Assert.NotNull(r.Phases.FirstByte);
        Assert.Contains("body", r.Detail);
    }

    [Fact]
    public async Task Caller_cancellation_returns_a_timeout_marked_as_cancelled()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var r = await Prober(_fleet).ProbeAsync(Edges[0], cts.Token);

        Assert.Equal(ProbeOutcome.Timeout, r.Outcome);
        Assert.Equal(HttpProber.CancelledDetail, r.Detail);
        Assert.Equal(1, r.Attempts);
    }

    [Fact]
    public async Task Https_with_verification_fails_on_the_self_signed_certificate()
    {
        await using var tls = await TestFleet.StartAsync(new FleetOptions { Addresses = ["127.0.0.20"], Tls = true, TlsHost = Host });
        var r = await Prober(tls, proto: "https", verify: true, retries: 1).ProbeAsync("127.0.0.20");

        Assert.Equal(ProbeOutcome.Tls, r.Outcome);
        Assert.Equal(2, r.Attempts);
        Assert.NotNull(r.Phases.Connect);
        Assert.Null(r.Phases.Tls);
        Assert.StartsWith("TLS", r.Detail);
    }

    [Fact]
    public async Task Https_without_verification_is_ok_and_times_the_handshake()
    {
        await using var tls = await TestFleet.StartAsync(new FleetOptions { Addresses = ["127.0.0.21"], Tls = true, TlsHost = Host });
        var r = await Prober(tls, proto: "https", verify: false).ProbeAsync("127.0.0.21");

        Assert.Equal(ProbeOutcome.Ok, r.Outcome);
        Assert.NotNull(r.Phases.Tls);
        Assert.InRange(r.Phases.Tls!.Value, r.Phases.Connect!.Value, r.Seconds);
        Assert.Equal(1, tls.RequestCount("127.0.0.21"));
    }

    [Ipv6LoopbackFact]
    public async Task Ipv6_literal_edge_is_probed()
    {
        await using var v6 = await TestFleet.StartAsync(new FleetOptions { Addresses = ["::1"] });
        var r = await Prober(v6).ProbeAsync("::1");

        Assert.Equal(ProbeOutcome.Ok, r.Outcome);
        Assert.Equal(1, v6.RequestCount("::1"));
    }

    [Fact]
    public async Task Two_hundred_edges_probed_concurrently_all_succeed()
    {
        var edges = FleetAddresses.Range(30, 200);
        await using var fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = edges });
        var prober = Prober(fleet, timeout: 10);

        var results = await Task.WhenAll(edges.Select(e => prober.ProbeAsync(e)));

        Assert.All(results, r => Assert.Equal(ProbeOutcome.Ok, r.Outcome));
        Assert.Equal(edges, results.Select(r => r.Edge));
        Assert.All(edges, e => Assert.Equal(1, fleet.RequestCount(e))); // one connection each, never shared
    }

    [Fact]
    public void Hash_file_is_the_md5_of_the_file()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, FleetOptions.DefaultBody);
            Assert.Equal(MD5.HashData(FleetOptions.DefaultBody), HttpProber.HashFile(path));
        }
        finally { File.Delete(path); }
    }
}
