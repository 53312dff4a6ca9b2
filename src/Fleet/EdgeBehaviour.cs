namespace Edgemanage.Fleet;

/// <summary>
/// What one fleet address does with a connection. A closed hierarchy of records so a test can
/// compare and print behaviours; build them with the static factories.
/// </summary>
public abstract record EdgeBehaviour
{
    // Private constructor: only the nested records below can derive, so the server's switch is exhaustive.
    private EdgeBehaviour() { }

    /// <summary>Answers 200 with the correct body.</summary>
    public sealed record Serving : EdgeBehaviour;
    /// <summary>Reads the request, waits, then answers like <see cref="Serving"/>.</summary>
    public sealed record Delayed(TimeSpan BeforeHeaders) : EdgeBehaviour;
    /// <summary>Answers with this status code and a short text body.</summary>
    public sealed record Failing(int Code) : EdgeBehaviour;
    /// <summary>Answers 200 with a body of the right length but different bytes.</summary>
    public sealed record Corrupt : EdgeBehaviour;
    /// <summary>
    /// Not listening: the kernel refuses connections. Per peer (see <c>SetForPeer</c>) a listener cannot
    /// refuse only some clients, so there it degrades to <see cref="Resetting"/>.
    /// </summary>
    public sealed record Refusing : EdgeBehaviour;
    /// <summary>Accepts, then closes with linger 0 so the client sees a TCP RST.</summary>
    public sealed record Resetting : EdgeBehaviour;
    /// <summary>Accepts and reads the request, never answers (until the client leaves or the fleet stops).</summary>
    public sealed record Hanging : EdgeBehaviour;
    /// <summary>Sends the headers at once, then trickles the correct body over <paramref name="Total"/>.</summary>
    public sealed record Trickling(TimeSpan Total) : EdgeBehaviour;
    /// <summary>Sends a 200 with a body of <paramref name="Bytes"/> filler bytes, streamed.</summary>
    public sealed record Huge(long Bytes) : EdgeBehaviour;
    /// <summary>Sends the correct body under a head that breaks RFC 9112 in the way <paramref name="Kind"/> names.</summary>
    public sealed record Malformed(Malformation Kind) : EdgeBehaviour;
    /// <summary>Answers 200 with the correct body in chunked encoding: a well-formed control for <see cref="Malformed"/>.</summary>
    public sealed record Chunked : EdgeBehaviour;

    // Shared instances: behaviours are immutable and the parameterless ones are set very often in benchmarks.
    private static readonly EdgeBehaviour OkInstance = new Serving();
    private static readonly EdgeBehaviour WrongBodyInstance = new Corrupt();
    private static readonly EdgeBehaviour RefuseInstance = new Refusing();
    private static readonly EdgeBehaviour ResetInstance = new Resetting();
    private static readonly EdgeBehaviour HangInstance = new Hanging();

    public static EdgeBehaviour Ok() => OkInstance;
    public static EdgeBehaviour Delay(TimeSpan beforeHeaders) =>
        beforeHeaders < TimeSpan.Zero ? throw new ArgumentOutOfRangeException(nameof(beforeHeaders)) : new Delayed(beforeHeaders);
    public static EdgeBehaviour Status(int code) =>
        code is < 100 or > 999 ? throw new ArgumentOutOfRangeException(nameof(code)) : new Failing(code);
    public static EdgeBehaviour WrongBody() => WrongBodyInstance;
    public static EdgeBehaviour Refuse() => RefuseInstance;
    public static EdgeBehaviour Reset() => ResetInstance;
    public static EdgeBehaviour Hang() => HangInstance;
    public static EdgeBehaviour SlowBody(TimeSpan total) =>
        total < TimeSpan.Zero ? throw new ArgumentOutOfRangeException(nameof(total)) : new Trickling(total);
    public static EdgeBehaviour Malform(Malformation kind) =>
        Enum.IsDefined(kind) ? new Malformed(kind) : throw new ArgumentOutOfRangeException(nameof(kind));
    public static EdgeBehaviour ChunkedOk() => new Chunked();
    public static EdgeBehaviour HugeBody(long bytes) =>
        bytes < 0 ? throw new ArgumentOutOfRangeException(nameof(bytes)) : new Huge(bytes);
}
