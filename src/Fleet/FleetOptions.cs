using System.Text;

namespace Edgemanage.Fleet;

public sealed record FleetOptions
{
    /// <summary>Loopback addresses to serve, e.g. "127.0.0.2" or "::1" (brackets are accepted). Each is one edge.</summary>
    public required IReadOnlyList<string> Addresses { get; init; }
    /// <summary>Common port for all addresses; 0 picks a free one.</summary>
    public int Port { get; init; }
    /// <summary>Serve HTTPS with a self-signed certificate for <see cref="TlsHost"/>.</summary>
    public bool Tls { get; init; }
    /// <summary>The test object's host name: the certificate's subject alternative name.</summary>
    public string TlsHost { get; init; } = "www.example.test";
    /// <summary>The correct test object; null means <see cref="DefaultBody"/>.</summary>
    public byte[]? Body { get; init; }
    /// <summary>The only path that is served; anything else is a 404.</summary>
    public string Path { get; init; } = "/test_object";
    /// <summary>Listen backlog per address. Large by default because benchmarks open thousands of connections at once.</summary>
    public int Backlog { get; init; } = 4096;

    /// <summary>A fixed 4 KiB text body, the same in every process, so expected checksums can be precomputed.</summary>
    public static byte[] DefaultBody { get; } = MakeDefaultBody();

    private static byte[] MakeDefaultBody()
    {
        var sb = new StringBuilder(4096);
        for (var line = 0; sb.Length < 4096; line++)
            sb.Append("edgemanage test object, line ").Append(line.ToString("D4")).Append('\n');
        return Encoding.ASCII.GetBytes(sb.ToString(0, 4096));
    }
}
