namespace Edgemanage.Contracts.Probing;

/// <summary>What became of one probe. Stored as a byte in the journal: never renumber, only append.</summary>
public enum ProbeOutcome : byte
{
    Ok = 0,
    Timeout = 1,
    Refused = 2,
    Reset = 3,
    NameResolution = 4,
    Tls = 5,
    HttpStatus = 6,
    ChecksumMismatch = 7,
    BodyTooLarge = 8,
    /// <summary>Anything else the edge did wrong (malformed HTTP, unexpected close before headers...).</summary>
    ProtocolError = 9,
}

public static class ProbeOutcomeNames
{
    public static string Name(this ProbeOutcome o) => o switch
    {
        ProbeOutcome.Ok => "ok",
        ProbeOutcome.Timeout => "timeout",
        ProbeOutcome.Refused => "refused",
        ProbeOutcome.Reset => "reset",
        ProbeOutcome.NameResolution => "dns",
        ProbeOutcome.Tls => "tls",
        ProbeOutcome.HttpStatus => "http-status",
        ProbeOutcome.ChecksumMismatch => "checksum",
        ProbeOutcome.BodyTooLarge => "too-large",
        ProbeOutcome.ProtocolError => "protocol",
        _ => "unknown",
    };
}

/// <summary>Timings of one probe, in seconds since the request started; null when the phase was not reached.</summary>
public sealed record ProbePhases(double? Connect, double? Tls, double? FirstByte, double? Body);

/// <summary>
/// The result of probing one edge once. <see cref="Seconds"/> is what history records: time to response
/// headers on success, the probe timeout on any failure (as the original stores FETCH_TIMEOUT).
/// </summary>
public sealed record ProbeResult(
    string Edge,
    ProbeOutcome Outcome,
    double Seconds,
    DateTimeOffset StartedAt,
    int Attempts,
    int? HttpStatus,
    long BodyBytes,
    ProbePhases Phases,
    string? Detail)
{
    public bool IsOk => Outcome == ProbeOutcome.Ok;
}
