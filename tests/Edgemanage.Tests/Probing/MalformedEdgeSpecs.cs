using System.Security.Cryptography;
using Edgemanage.Actors.Probing;
using Edgemanage.Contracts.Config;
using Edgemanage.Contracts.Probing;
using Edgemanage.Fleet;
using Xunit;

namespace Edgemanage.Tests.Probing;

/// <summary>
/// Hostile edges over real loopback HTTP: every <see cref="Malformation"/> of the test fleet sends the correct
/// object under a head that breaks RFC 9112, and the real <see cref="HttpProber"/> must call each a
/// <c>protocol</c> failure whose detail says what was wrong. Well-formed answers on the same fleet stay ok.
/// </summary>
public sealed class MalformedEdgeSpecs : IAsyncLifetime
{
    private const string Host = "www.example.test";
    private static readonly Malformation[] Kinds = Enum.GetValues<Malformation>();
    // One address per malformation, then two for the well-formed controls.
    private static readonly IReadOnlyList<string> Edges = FleetAddresses.Range(40, Kinds.Length + 2);
    private TestFleet _fleet = null!;

    /// <summary>What the operator reads in the edge's failure reason for each malformation.</summary>
    private static readonly IReadOnlyDictionary<Malformation, string> ExpectedReason = new Dictionary<Malformation, string>
    {
        [Malformation.ContentLengthWithChunked] = "both Content-Length",
        [Malformation.DifferingContentLengths] = "conflicting values",
        [Malformation.DifferingContentLengthList] = "conflicting values",
        [Malformation.IdentityTransferEncoding] = "unsupported Transfer-Encoding 'identity'",
        [Malformation.ChunkedNotFinal] = "unsupported Transfer-Encoding 'chunked, gzip'",
        [Malformation.ChunkedTwice] = "unsupported Transfer-Encoding 'chunked, chunked'",
        [Malformation.ChunkedInHttp10] = "in an HTTP/1.0 response",
        [Malformation.NulInHeaderValue] = "a NUL byte in the value of header 'X-Edge'",
        [Malformation.NulInHeaderName] = "a NUL byte in the field name",
        [Malformation.BareCrInHeaderValue] = "a bare CR in the value of header 'X-Edge'",
        [Malformation.BareLfInHeaderValue] = "a bare LF ends the response head line 'X-Edge: a'",
        [Malformation.BareLfLineEnds] = "a bare LF ends the response head line 'HTTP/1.1 200 OK'",
        [Malformation.EscInHeaderValue] = "control character 0x1B in the value of header 'X-Edge'",
        [Malformation.DelInHeaderValue] = "control character 0x7F in the value of header 'X-Edge'",
        [Malformation.NulInStatusLine] = "a NUL byte in the status line",
        [Malformation.ControlInStatusLine] = "control character 0x01 in the status line",
        [Malformation.SpaceBeforeColon] = "whitespace in the field name",
        [Malformation.FoldedHeader] = "obsolete line folding",
    };

    public static TheoryData<Malformation> AllMalformations() => new(Kinds);

    public async Task InitializeAsync()
    {
        _fleet = await TestFleet.StartAsync(new FleetOptions { Addresses = Edges, TlsHost = Host });
        for (var i = 0; i < Kinds.Length; i++) _fleet.Set(Edges[i], EdgeBehaviour.Malform(Kinds[i]));
        _fleet.Set(Edges[^2], EdgeBehaviour.Ok());
        _fleet.Set(Edges[^1], EdgeBehaviour.ChunkedOk());
    }

    public async Task DisposeAsync() => await _fleet.DisposeAsync();

    private HttpProber Prober() =>
        new(new TestObjectSettings { Host = Host, Port = _fleet.Port, Proto = "http", Uri = "/test_object", Local = "(unused)", Verify = true },
            new ProbeSettings { TimeoutSeconds = 5, Retries = 2, BodyMaxBytes = 1 << 20 },
            MD5.HashData(_fleet.Body));

    [Theory]
    [MemberData(nameof(AllMalformations))]
    public async Task Each_malformed_edge_is_a_protocol_failure_naming_the_fault(Malformation kind)
    {
        var edge = Edges[Array.IndexOf(Kinds, kind)];
        var result = await Prober().ProbeAsync(edge);

        Assert.Equal(ProbeOutcome.ProtocolError, result.Outcome);
        Assert.False(result.IsOk);
        Assert.Contains(ExpectedReason[kind], result.Detail);
        Assert.DoesNotContain('\0', result.Detail!); // reasons land in logs and `why`: no raw control bytes
        Assert.Equal(1, result.Attempts);            // a protocol failure is not retried: it would only repeat
        Assert.Equal(1, _fleet.RequestCount(edge));
    }

    [Fact]
    public async Task Well_formed_controls_on_the_same_fleet_stay_ok()
    {
        foreach (var edge in Edges.TakeLast(2))
        {
            var result = await Prober().ProbeAsync(edge);
            Assert.True(result.IsOk, $"{edge} ({_fleet.Get(edge)}): {result.Outcome} {result.Detail}");
            Assert.Equal(_fleet.Body.Length, result.BodyBytes);
        }
    }

    [Fact]
    public void Every_malformation_of_the_fleet_has_an_expected_reason()
    {
        Assert.Equal(Kinds.OrderBy(k => k), ExpectedReason.Keys.OrderBy(k => k));
    }

    /// <summary>
    /// The fleet's malformations are only a test if a lenient reader would have taken them: each carries the
    /// correct object, so the failure above comes from the head alone.
    /// </summary>
    [Theory]
    [MemberData(nameof(AllMalformations))]
    public void Each_malformed_response_still_carries_the_correct_object(Malformation kind)
    {
        var response = MalformedResponses.For(kind, _fleet?.Body ?? FleetOptions.DefaultBody);
        var body = FleetOptions.DefaultBody;
        var text = System.Text.Encoding.Latin1.GetString(response);
        // The object's first and last lines appear in the payload (chunking splits it, never reorders it).
        Assert.Contains(System.Text.Encoding.Latin1.GetString(body, 0, 64), text);
        Assert.Contains(System.Text.Encoding.Latin1.GetString(body, body.Length - 64, 64), text);
    }
}
