using System.Buffers.Binary;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;
using Edgemanage.Contracts.Zones;
using Edgemanage.Contracts.Probing;

namespace Edgemanage.Contracts.Serialization;

/// <summary>
/// Reading and writing the small building blocks of our wire/journal format. Everything is little-endian
/// BinaryWriter output; strings are length-prefixed UTF-8; optional values carry a presence byte.
/// </summary>
internal static class BinaryFormat
{
    public static void WriteSample(this BinaryWriter w, in Sample s)
    {
        w.Write(s.AtUnixMs);
        w.Write(s.Seconds);
        w.Write((byte)s.Outcome);
        w.Write(s.HttpStatus);
    }

    public static Sample ReadSample(this BinaryReader r) =>
        new(r.ReadInt64(), r.ReadSingle(), ReadOutcome(r.ReadByte()), r.ReadInt16());

    /// <summary>What <see cref="WriteSample"/> writes: time, seconds, outcome, HTTP status.</summary>
    private const int SampleBytes = sizeof(long) + sizeof(float) + sizeof(byte) + sizeof(short);

    /// <summary>
    /// A list of samples, as <c>ReadArray(ReadSample)</c> reads it. Samples are the bulk of every history snapshot
    /// (two million at 1000 edges x 2000 samples, read once by the journal gate and once by recovery); from a
    /// MemoryStream whose buffer is visible they are parsed in one pass over that buffer instead of four
    /// BinaryReader calls each, which took about half of the gate's decoding (issue 14).
    /// </summary>
    public static Sample[] ReadSamples(this BinaryReader r)
    {
        if (r.BaseStream is not MemoryStream memory || !memory.TryGetBuffer(out var buffer)) return r.ReadArray(br => br.ReadSample());
        var n = r.ReadListLength();
        var start = (int)memory.Position;
        var bytes = (long)n * SampleBytes;
        if (buffer.Count - start < bytes) throw new EndOfStreamException($"{n} samples need {bytes} bytes, {buffer.Count - start} are left");
        var span = buffer.AsSpan(start, (int)bytes);
        memory.Position = start + bytes;
        if (r is CheckOnlyReader)
        {
            // The outcome is the one byte of a sample that can be invalid; what is decoded is thrown away.
            for (var i = 0; i < n; i++) ReadOutcome(span[i * SampleBytes + 12]);
            return [];
        }
        var items = new Sample[n];
        for (var i = 0; i < n; i++)
        {
            var s = span.Slice(i * SampleBytes, SampleBytes);
            items[i] = new Sample(BinaryPrimitives.ReadInt64LittleEndian(s), BinaryPrimitives.ReadSingleLittleEndian(s[8..]),
                ReadOutcome(s[12]), BinaryPrimitives.ReadInt16LittleEndian(s[13..]));
        }
        return items;
    }

    /// <summary>The reader of <see cref="EdgemanageSerializer.Check"/>: its result is thrown away, so sample lists are only checked.</summary>
    internal sealed class CheckOnlyReader(MemoryStream payload) : BinaryReader(payload, System.Text.Encoding.UTF8);

    // A table lookup, not Enum.IsDefined: this runs for every sample of every snapshot (two million per recovery at
    // 1000 edges x 2000 samples), and IsDefined cost a tenth of the journal gate's decoding there (issue 14).
    private static readonly bool[] DefinedOutcomes = DefinedCodes<ProbeOutcome>();

    private static bool[] DefinedCodes<T>() where T : struct, Enum
    {
        var defined = new bool[256];
        foreach (var value in Enum.GetValues<T>()) defined[Convert.ToByte(value)] = true;
        return defined;
    }

    private static ProbeOutcome ReadOutcome(byte b) =>
        DefinedOutcomes[b] ? (ProbeOutcome)b
            : throw new InvalidDataException($"unknown probe outcome code {b}");

    public static EdgeMode ReadMode(this BinaryReader r)
    {
        var b = r.ReadByte();
        return Enum.IsDefined((EdgeMode)b) ? (EdgeMode)b : throw new InvalidDataException($"unknown edge mode code {b}");
    }

    public static EdgeHealth ReadHealth(this BinaryReader r)
    {
        var b = r.ReadByte();
        return Enum.IsDefined((EdgeHealth)b) ? (EdgeHealth)b : throw new InvalidDataException($"unknown health code {b}");
    }

    public static void WriteOptional(this BinaryWriter w, double? v)
    {
        w.Write(v.HasValue);
        if (v.HasValue) w.Write(v.Value);
    }

    public static double? ReadOptionalDouble(this BinaryReader r) => r.ReadBoolean() ? r.ReadDouble() : null;

    public static void WriteOptional(this BinaryWriter w, string? v)
    {
        w.Write(v is not null);
        if (v is not null) w.Write(v);
    }

    public static string? ReadOptionalString(this BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;

    public static void WriteOptional(this BinaryWriter w, long? v)
    {
        w.Write(v.HasValue);
        if (v is { } x) w.Write(x);
    }

    public static long? ReadOptionalInt64(this BinaryReader r) => r.ReadBoolean() ? r.ReadInt64() : null;

    public static void WriteList<T>(this BinaryWriter w, IReadOnlyList<T> items, Action<BinaryWriter, T> write)
    {
        w.Write(items.Count);
        foreach (var item in items) write(w, item);
    }

    /// <summary>A list's length prefix, refused when no list we write could be that long (a damaged payload).</summary>
    private static int ReadListLength(this BinaryReader r)
    {
        var n = r.ReadInt32();
        return n is < 0 or > 50_000_000 ? throw new InvalidDataException($"implausible list length {n}") : n;
    }

    public static T[] ReadArray<T>(this BinaryReader r, Func<BinaryReader, T> read)
    {
        var n = r.ReadListLength();
        var items = new T[n];
        for (var i = 0; i < n; i++) items[i] = read(r);
        return items;
    }

    public static void WriteVerdict(this BinaryWriter w, EdgeVerdict v)
    {
        w.Write((byte)v.Health);
        w.Write(v.Last.HasValue);
        if (v.Last.HasValue) w.WriteSample(v.Last.Value);
        w.WriteOptional(v.Average);
        w.WriteOptional(v.WindowAverage);
        w.Write(v.SampleCount);
    }

    public static EdgeVerdict ReadVerdict(this BinaryReader r)
    {
        var health = r.ReadHealth();
        Sample? last = r.ReadBoolean() ? r.ReadSample() : null;
        return new EdgeVerdict(health, last, r.ReadOptionalDouble(), r.ReadOptionalDouble(), r.ReadInt32());
    }

    public static void WriteReport(this BinaryWriter w, EdgeReport e)
    {
        w.Write(e.Network);
        w.Write(e.Edge);
        w.Write(e.Vantage);
        w.Write((byte)e.Mode);
        w.Write(e.Comment);
        w.Write(e.ModeChangedAtUnixMs);
        w.WriteVerdict(e.Verdict);
        w.WriteOptional(e.LastDetail);
        w.WriteOptional(e.ModeExpiresAtUnixMs);
    }

    public static EdgeReport ReadReport(this BinaryReader r) =>
        new(r.ReadString(), r.ReadString(), r.ReadString(), r.ReadMode(), r.ReadString(), r.ReadInt64(),
            r.ReadVerdict(), r.ReadOptionalString(), r.ReadOptionalInt64());

    public static void WriteEdgeSnapshot(this BinaryWriter w, EdgeHistorySnapshot e)
    {
        w.Write(e.Edge);
        w.Write((byte)e.Mode);
        w.Write(e.Comment);
        w.Write(e.ModeChangedAtUnixMs);
        w.WriteList(e.Samples, (bw, s) => bw.WriteSample(s));
    }

    /// <summary>The "h.edge" layout, written before modes could expire: still read from old snapshots, never written.</summary>
    public static EdgeHistorySnapshot ReadEdgeSnapshot(this BinaryReader r) =>
        new(r.ReadString(), r.ReadMode(), r.ReadString(), r.ReadInt64(), r.ReadSamples());

    /// <summary>The "h.edge2" layout: "h.edge" followed by the mode's optional expiry.</summary>
    public static void WriteEdgeSnapshot2(this BinaryWriter w, EdgeHistorySnapshot e)
    {
        w.WriteEdgeSnapshot(e);
        w.WriteOptional(e.ModeExpiresAtUnixMs);
    }

    public static EdgeHistorySnapshot ReadEdgeSnapshot2(this BinaryReader r) =>
        r.ReadEdgeSnapshot() with { ModeExpiresAtUnixMs = r.ReadOptionalInt64() };

    public static void WriteZoneSource(this BinaryWriter w, ZoneSource z)
    {
        w.Write(z.Zone);
        w.Write(z.IncludeFileName);
        w.WriteOptional(z.IncludeText);
        w.WriteOptional(z.HoldReason);
    }

    public static ZoneSource ReadZoneSource(this BinaryReader r) => new(r.ReadString(), r.ReadString(), r.ReadOptionalString(), r.ReadOptionalString());

    public static void WriteOptionalList(this BinaryWriter w, IReadOnlyList<string>? items)
    {
        w.Write(items is not null);
        if (items is not null) w.WriteList(items, (bw, s) => bw.Write(s));
    }

    public static string[]? ReadOptionalList(this BinaryReader r) => r.ReadBoolean() ? r.ReadArray(br => br.ReadString()) : null;

    public static void WritePublishedZone(this BinaryWriter w, PublishedZone z)
    {
        w.Write(z.Zone);
        w.Write(z.ContentHash);
        w.Write(z.Serial);
        w.Write(z.CheckKey);
    }

    public static PublishedZone ReadPublishedZone(this BinaryReader r) => new(r.ReadString(), r.ReadString(), r.ReadUInt32(), r.ReadString());

    /// <summary>The persisted layout since zones are reconciled with the disk: <see cref="WritePublishedZone"/> and the file's hash.</summary>
    public static void WritePublishedZone2(this BinaryWriter w, PublishedZone z)
    {
        w.WritePublishedZone(z);
        w.WriteOptional(z.FileHash);
    }

    public static PublishedZone ReadPublishedZone2(this BinaryReader r) => r.ReadPublishedZone() with { FileHash = r.ReadOptionalString() };

    public static void WriteDecision(this BinaryWriter w, DecisionRecord d)
    {
        w.Write(d.Network);
        w.Write(d.AtUnixMs);
        w.Write(d.Required);
        w.WriteList(d.PreviousLive, (bw, s) => bw.Write(s));
        w.WriteList(d.Live, (bw, s) => bw.Write(s));
        w.Write(d.Published);
        w.Write(d.Degraded);
        w.WriteList(d.Edges, (bw, e) => bw.WriteEdgeDecision(e));
        w.WriteList(d.Substitutions, (bw, s) => bw.WriteSubstitution(s));
        w.WriteList(d.Notes, (bw, s) => bw.Write(s));
        w.Write(d.Votes is not null);
        if (d.Votes is { } votes)
        {
            w.WriteList(votes.Vantages, (bw, v) => bw.WriteVantageState(v));
            w.WriteList(votes.Edges, (bw, e) =>
            {
                bw.Write(e.Edge);
                bw.WriteList(e.Cells, (cw, c) => cw.WriteVoteCell(c));
            });
        }
    }

    public static void WriteEdgeDecision(this BinaryWriter w, EdgeDecision e)
    {
        w.Write(e.Edge);
        w.Write((byte)e.Health);
        w.WriteOptional(e.Average);
        w.WriteOptional(e.LastSeconds);
        w.Write((byte)e.Mode);
        w.Write(e.Live);
        w.Write((byte)e.Reason);
        w.Write(e.Detail);
    }

    public static EdgeDecision ReadEdgeDecision(this BinaryReader r) =>
        new(r.ReadString(), r.ReadHealth(), r.ReadOptionalDouble(), r.ReadOptionalDouble(), r.ReadMode(), r.ReadBoolean(), r.ReadReason(), r.ReadString());

    public static void WriteSubstitution(this BinaryWriter w, Substitution s)
    {
        w.WriteOptional(s.Out);
        w.WriteOptional(s.In);
        w.Write(s.Discretionary);
    }

    public static Substitution ReadSubstitution(this BinaryReader r) => new(r.ReadOptionalString(), r.ReadOptionalString(), r.ReadBoolean());

    public static void WriteVantageState(this BinaryWriter w, VantageState v)
    {
        w.Write(v.Vantage);
        w.Write((byte)v.Status);
        w.Write(v.Observed);
        w.Write(v.Failing);
        w.Write(v.Detail);
    }

    public static VantageState ReadVantageState(this BinaryReader r) =>
        new(r.ReadString(), ReadEnum<VantageStatus>(r.ReadByte()), r.ReadInt32(), r.ReadInt32(), r.ReadString());

    public static void WriteVoteCell(this BinaryWriter w, VoteCell c)
    {
        w.Write(c.Vantage);
        w.Write((byte)c.Health);
        w.Write((byte)c.Use);
    }

    public static VoteCell ReadVoteCell(this BinaryReader r) => new(r.ReadInt32(), r.ReadHealth(), ReadEnum<VoteUse>(r.ReadByte()));

    private static VoteMatrix ReadVotes(BinaryReader r) => new(
        r.ReadArray(br => br.ReadVantageState()),
        r.ReadArray(br => new EdgeVotes(br.ReadString(), br.ReadArray(cr => cr.ReadVoteCell()))));

    internal static T ReadEnum<T>(byte b) where T : struct, Enum =>
        Enum.IsDefined(typeof(T), b) ? (T)Enum.ToObject(typeof(T), b) : throw new InvalidDataException($"unknown {typeof(T).Name} code {b}");

    public static DecisionRecord ReadDecision(this BinaryReader r) => new(
        r.ReadString(), r.ReadInt64(), r.ReadInt32(),
        r.ReadArray(br => br.ReadString()), r.ReadArray(br => br.ReadString()),
        r.ReadBoolean(), r.ReadBoolean(),
        r.ReadArray(br => br.ReadEdgeDecision()),
        r.ReadArray(br => br.ReadSubstitution()),
        r.ReadArray(br => br.ReadString()),
        r.ReadBoolean() ? ReadVotes(r) : null);

    private static DecisionReason ReadReason(this BinaryReader r)
    {
        var b = r.ReadByte();
        return Enum.IsDefined((DecisionReason)b) ? (DecisionReason)b : throw new InvalidDataException($"unknown decision reason code {b}");
    }
}
