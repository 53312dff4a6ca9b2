using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using ARSoft.Tools.Net.Dns.DynamicUpdate;
using Edgemanage.Contracts.Config;

namespace Edgemanage.Actors.Zones.Dynamic;

/// <summary>What the primary answered to an UPDATE: its RCODE by name, and the TSIG error when the signature was refused.</summary>
public sealed record UpdateAnswer(string Rcode, string? TsigError)
{
    public bool Succeeded => Rcode == "NOERROR";

    /// <summary>The prerequisites did not hold: someone changed our records (or the claim) since we read them.</summary>
    public bool PrerequisiteFailed => Rcode is "NXRRSET" or "YXRRSET" or "NXDOMAIN" or "YXDOMAIN";

    /// <summary>The primary does not accept our key: a configuration error, not a passing failure.</summary>
    public bool KeyRefused => TsigError is not null || Rcode is "BADKEY" or "BADSIG" or "BADTIME";

    public override string ToString() => TsigError is null ? Rcode : $"{Rcode} (TSIG {TsigError})";
}

/// <param name="Unreachable">The primary did not answer at all (timeout, refused connection): no other zone will fare better this step.</param>
public sealed class DnsPrimaryException(string message, Exception? inner = null, bool unreachable = false) : Exception(message, inner)
{
    public bool Unreachable { get; } = unreachable;
}

/// <summary>
/// The primary that takes edgemanage's UPDATEs, through ARSoft.Tools.Net: reads over TCP (an answer is never
/// truncated, and it is the same connection kind the UPDATE uses), UPDATEs signed with the TSIG key. Each call
/// is bounded by <see cref="DnsUpdateSettings.TimeoutSeconds"/>; a primary that does not answer in time is a
/// <see cref="DnsPrimaryException"/> naming it, never a hang.
/// </summary>
public sealed class DnsPrimary(DnsUpdateSettings settings, TsigKey key)
{
    public string Endpoint => settings.Primary;

    public TsigKey Key => key;

    private TimeSpan Timeout => TimeSpan.FromSeconds(settings.TimeoutSeconds);

    /// <summary>The SOA serial, the owned RRsets and the claim marker of one zone, as the primary serves them now.</summary>
    public async Task<ServedZone> ReadAsync(string zone, IEnumerable<RRsetKey> owned, CancellationToken ct)
    {
        using var client = await ClientAsync(ct);
        var serial = await SerialAsync(client, zone, ct);
        var rrsets = new Dictionary<RRsetKey, IReadOnlyList<string>>();
        // One query per owned RRset (ANY answers are minimal on today's servers), one after the other: sent at once
        // they share ARSoft's pipelined TCP connection, and now and then one is never answered (docs/benchmarks.md,
        // "Publishing"); one by one a zone reads in ~6 ms on loopback against ~45 ms at once.
        foreach (var k in owned)
        {
            var answer = await QueryAsync(client, k.Name, k.Type == "AAAA" ? RecordType.Aaaa : RecordType.A, ct);
            var owner = DomainName.Parse(k.Name);
            rrsets[k] = OwnedRecords.Canonical(answer.AnswerRecords
                .Where(r => r.Name.Equals(owner, ignoreCase: true))
                .Select(r => r switch { ARecord a => a.Address.ToString(), AaaaRecord a => a.Address.ToString(), _ => null })
                .OfType<string>());
        }
        var marker = await QueryAsync(client, OwnedRecords.MarkerName(zone), RecordType.Txt, ct);
        var markerText = marker.AnswerRecords.OfType<TxtRecord>().Select(t => string.Concat(t.TextParts)).Order(StringComparer.Ordinal).FirstOrDefault();
        return new ServedZone(serial, rrsets, markerText);
    }

    /// <summary>The zone's SOA serial as the primary serves it, which must be answered authoritatively.</summary>
    public async Task<uint> SerialAsync(string zone, CancellationToken ct)
    {
        using var client = await ClientAsync(ct);
        return await SerialAsync(client, zone, ct);
    }

    private async Task<uint> SerialAsync(DnsClient client, string zone, CancellationToken ct)
    {
        var soa = await QueryAsync(client, OwnedRecords.Absolute(zone), RecordType.Soa, ct);
        if (soa.ReturnCode != ReturnCode.NoError || !soa.IsAuthoritiveAnswer || soa.AnswerRecords.OfType<SoaRecord>().FirstOrDefault() is not { } soaRecord)
            throw new DnsPrimaryException($"the primary {Endpoint} does not serve zone {zone} " +
                                          $"({RcodeName(soa.ReturnCode)}{(soa.IsAuthoritiveAnswer ? "" : ", not authoritative")})");
        return soaRecord.SerialNumber;
    }

    /// <summary>Sends the plan as one signed UPDATE; the server applies all of it or nothing.</summary>
    public async Task<UpdateAnswer> SendAsync(UpdatePlan plan, int ttl, CancellationToken ct)
    {
        var message = new DnsUpdateMessage { ZoneName = DomainName.Parse(OwnedRecords.Absolute(plan.Zone)) };
        foreach (var c in plan.Changes)
        {
            var name = DomainName.Parse(c.Key.Name);
            if (c.Served.Count == 0) message.Prequisites.Add(new RecordNotExistsPrequisite(name, TypeOf(c.Key)));
            else foreach (var a in c.Served) message.Prequisites.Add(new RecordExistsValueDependantPrequisite(Record(name, c.Key, 0, a)));
        }
        var marker = DomainName.Parse(OwnedRecords.MarkerName(plan.Zone));
        message.Prequisites.Add(plan.ServedMarker is null
            ? new RecordNotExistsPrequisite(marker, RecordType.Txt)
            : new RecordExistsValueDependantPrequisite(new TxtRecord(marker, 0, plan.ServedMarker)));
        foreach (var c in plan.Changes)
        {
            var name = DomainName.Parse(c.Key.Name);
            message.Updates.Add(new DeleteAllRecordsUpdate(name, TypeOf(c.Key)));
            foreach (var a in c.Decided) message.Updates.Add(new AddRecordUpdate(Record(name, c.Key, ttl, a)));
        }
        if (plan.NewMarker is { } claim)
        {
            message.Updates.Add(new DeleteAllRecordsUpdate(marker, RecordType.Txt));
            message.Updates.Add(new AddRecordUpdate(new TxtRecord(marker, ttl, claim)));
        }
        return await SendSignedAsync(message, ct);
    }

    /// <summary>
    /// An UPDATE that changes nothing: it deletes the A, AAAA and TXT RRsets of a name that does not exist. The server
    /// checks its update policy record by record, so this answers NOERROR only when the zone is dynamic and the key may
    /// change those types (an UPDATE without records would pass any policy); no RRset exists, so no serial moves.
    /// It is what <c>validate</c> asks before any decision.
    /// </summary>
    public Task<UpdateAnswer> ProbeAsync(string zone, CancellationToken ct)
    {
        var apex = DomainName.Parse(OwnedRecords.Absolute(zone));
        var probe = DomainName.Parse($"_edgemanage-probe.{OwnedRecords.Absolute(zone)}");
        var message = new DnsUpdateMessage { ZoneName = apex };
        message.Prequisites.Add(new NameIsNotInUsePrequisite(probe));
        foreach (var type in new[] { RecordType.A, RecordType.Aaaa, RecordType.Txt }) message.Updates.Add(new DeleteAllRecordsUpdate(probe, type));
        return SendSignedAsync(message, ct);
    }

    private async Task<UpdateAnswer> SendSignedAsync(DnsUpdateMessage message, CancellationToken ct)
    {
        message.TSigOptions = new TSigRecord(DomainName.Parse(key.Name), AlgorithmOf(key.Algorithm), DateTime.UtcNow, TimeSpan.FromMinutes(5),
            message.TransactionID, ReturnCode.NoError, null, key.Secret);
        using var client = await ClientAsync(ct);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var answer = await Bounded(token => client.SendUpdateAsync(message, token), "UPDATE", ct);
        if (answer is null) throw Silent("UPDATE", started.Elapsed);
        // A TSIG error travels in the TSIG record (BADSIG shares code 16 with BADVERS, hence the mapping).
        var tsigError = answer.TSigOptions is { Error: not ReturnCode.NoError } t ? TsigErrorName(t.Error) : null;
        return new UpdateAnswer(RcodeName(answer.ReturnCode), tsigError);
    }

    private async Task<DnsMessage> QueryAsync(DnsClient client, string name, RecordType type, CancellationToken ct)
    {
        var options = new DnsQueryOptions { IsRecursionDesired = false, IsEDnsEnabled = true };
        var what = $"{type.ToString().ToUpperInvariant()} query for {name}";
        Task<DnsMessage?> Ask(CancellationToken token) => client.ResolveAsync(DomainName.Parse(name), type, RecordClass.INet, options, token);
        // A read changes nothing, so one that went unanswered is asked once more before the primary counts as silent.
        DnsMessage? answer;
        var started = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            answer = await Bounded(Ask, what, ct);
        }
        catch (DnsPrimaryException e) when (e.Unreachable)
        {
            answer = null;
        }
        if (answer is null)
        {
            started.Restart();
            answer = await Bounded(Ask, what, ct);
        }
        return answer ?? throw Silent(what, started.Elapsed);
    }

    /// <summary>
    /// No answer from the library: it gives none for a refused or closed connection at once, and for a primary that
    /// stays silent after the timeout; the message says which, from the time it took.
    /// </summary>
    private DnsPrimaryException Silent(string what, TimeSpan took) =>
        new($"the primary {Endpoint} did not answer the {what} " +
            (took < Timeout / 2 ? "(connection refused or closed: is it running, and is TCP to its port let through?)"
                : $"within {Timeout.TotalSeconds:0.#}s (timeout)"), unreachable: true);

    private async Task<T?> Bounded<T>(Func<CancellationToken, Task<T?>> call, string what, CancellationToken ct) where T : class
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(Timeout);
        try
        {
            return await call(limit.Token).WaitAsync(Timeout + TimeSpan.FromSeconds(1), ct);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException && !ct.IsCancellationRequested)
        {
            throw new DnsPrimaryException($"the primary {Endpoint} did not answer the {what} within {Timeout.TotalSeconds:0.#}s (timeout)", unreachable: true);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            throw new DnsPrimaryException($"the primary {Endpoint} cannot be reached for the {what}: {e.Message}", e, unreachable: true);
        }
        catch (Exception e) when (e is not OperationCanceledException and not DnsPrimaryException)
        {
            // A malformed answer or a library fault: this zone is not published this step, the node goes on.
            throw new DnsPrimaryException($"the {what} to the primary {Endpoint} failed: {e.GetType().Name}: {e.Message}", e);
        }
    }

    private async Task<DnsClient> ClientAsync(CancellationToken ct)
    {
        IPAddress[] addresses;
        if (IPAddress.TryParse(settings.PrimaryHost, out var literal)) addresses = [literal];
        else
        {
            try
            {
                addresses = await System.Net.Dns.GetHostAddressesAsync(settings.PrimaryHost, ct);
            }
            catch (SocketException e)
            {
                throw new DnsPrimaryException($"the primary's name {settings.PrimaryHost} does not resolve: {e.Message}", e);
            }
        }
        return new DnsClient(addresses, [new TcpClientTransport(settings.PrimaryPort)], true, (int)Timeout.TotalMilliseconds)
        {
            // The answers are checked by us (owner names, AA bit); 0x20 case games only confuse an authoritative server.
            Is0x20ValidationEnabled = false,
        };
    }

    private static RecordType TypeOf(RRsetKey key) => key.Type == "AAAA" ? RecordType.Aaaa : RecordType.A;

    private static DnsRecordBase Record(DomainName name, RRsetKey key, int ttl, string address) =>
        key.Type == "AAAA" ? new AaaaRecord(name, ttl, IPAddress.Parse(address)) : new ARecord(name, ttl, IPAddress.Parse(address));

    private static TSigAlgorithm AlgorithmOf(string name) => name switch
    {
        "hmac-md5" => TSigAlgorithm.Md5,
        "hmac-sha1" => TSigAlgorithm.Sha1,
        "hmac-sha224" => TSigAlgorithm.Sha224,
        "hmac-sha256" => TSigAlgorithm.Sha256,
        "hmac-sha384" => TSigAlgorithm.Sha384,
        "hmac-sha512" => TSigAlgorithm.Sha512,
        _ => throw new DnsPrimaryException($"TSIG algorithm {name} is not supported"),
    };

    public static string RcodeName(ReturnCode code) => code switch
    {
        ReturnCode.NoError => "NOERROR",
        ReturnCode.FormatError => "FORMERR",
        ReturnCode.ServerFailure => "SERVFAIL",
        ReturnCode.NxDomain => "NXDOMAIN",
        ReturnCode.NotImplemented => "NOTIMP",
        ReturnCode.Refused => "REFUSED",
        ReturnCode.YXDomain => "YXDOMAIN",
        ReturnCode.YXRRSet => "YXRRSET",
        ReturnCode.NXRRSet => "NXRRSET",
        ReturnCode.NotAuthoritive => "NOTAUTH",
        ReturnCode.NotZone => "NOTZONE",
        _ => code.ToString().ToUpperInvariant(),
    };

    private static string TsigErrorName(ReturnCode code) => (int)code switch
    {
        16 => "BADSIG",
        17 => "BADKEY",
        18 => "BADTIME",
        _ => code.ToString().ToUpperInvariant(),
    };
}
