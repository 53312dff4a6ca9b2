using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Serialization;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;
using Edgemanage.Contracts.Zones;
using static Edgemanage.Contracts.Edges.EdgeCommands;
using static Edgemanage.Contracts.Edges.EdgeReplies;

namespace Edgemanage.Contracts.Serialization;

/// <summary>
/// Our own compact serializer for every <see cref="IEdgemanageMessage"/>. Manifests are short, explicit and
/// never derived from CLR names, so types can be renamed or moved without breaking the journal. Each payload
/// starts with a format version byte so a manifest can evolve in place.
/// </summary>
public sealed class EdgemanageSerializer : SerializerWithStringManifest
{
    public const int Id = 4711;
    private const byte FormatVersion = 1;

    internal sealed record Codec(Type Type, string Manifest, Action<BinaryWriter, object> Write, Func<BinaryReader, object> Read);

    private static readonly Codec[] Codecs =
    [
        .. AdminCodecs.All,
        // persisted events and snapshots
        Of<HistoryRoundRecorded>("h.round", (w, m) => { w.Write(m.AtUnixMs); w.WriteList(m.Samples, (bw, s) => { bw.Write(s.Edge); bw.WriteSample(s.Sample); }); },
            r => new HistoryRoundRecorded(r.ReadInt64(), r.ReadArray(br => new EdgeSample(br.ReadString(), br.ReadSample())))),
        // "h.mode2", "h.edge2", "h.snap2" add the mode's expiry; the old layouts are read by LegacyReaders below.
        Of<EdgeModeChanged>("h.mode2", (w, m) => { w.Write(m.Edge); w.Write((byte)m.Mode); w.Write(m.Comment); w.Write(m.AtUnixMs); w.WriteOptional(m.ExpiresAtUnixMs); },
            r => new EdgeModeChanged(r.ReadString(), r.ReadMode(), r.ReadString(), r.ReadInt64(), r.ReadOptionalInt64())),
        Of<EdgeHistorySnapshot>("h.edge2", (w, m) => w.WriteEdgeSnapshot2(m), r => r.ReadEdgeSnapshot2()),
        Of<HistoryGroupSnapshot>("h.snap2", (w, m) => w.WriteList(m.Edges, (bw, e) => bw.WriteEdgeSnapshot2(e)),
            r => new HistoryGroupSnapshot(r.ReadArray(br => br.ReadEdgeSnapshot2()))),
        Of<DecisionRecord>("n.decision", (w, m) => w.WriteDecision(m), r => r.ReadDecision()),
        Of<DecisionRecorded>("n.decided", (w, m) => { w.WriteDecision(m.Decision); w.WriteList(m.SubstitutionTimesUnixMs, (bw, t) => bw.Write(t)); },
            r => new DecisionRecorded(r.ReadDecision(), r.ReadArray(br => br.ReadInt64()))),
        Of<NetworkSnapshot>("n.snap", (w, m) => { w.Write(m.LastDecision is not null); if (m.LastDecision is not null) w.WriteDecision(m.LastDecision); w.WriteList(m.SubstitutionTimesUnixMs, (bw, t) => bw.Write(t)); },
            r => new NetworkSnapshot(r.ReadBoolean() ? r.ReadDecision() : null, r.ReadArray(br => br.ReadInt64()))),
        // cron: a decision the guard held (a new manifest; journals without it read as before)
        Of<DecisionHeld>("n.held", (w, m) => { w.Write(m.Network); w.Write(m.AtUnixMs); w.Write(m.Reason); w.Write(m.Causes); },
            r => new DecisionHeld(r.ReadString(), r.ReadInt64(), r.ReadString(), r.ReadString())),
        // "z.written2" and "z.snap2" add each zone's file hash; the old layouts are read by LegacyReaders below.
        Of<ZonesWritten>("z.written2", (w, m) => { w.Write(m.AtUnixMs); w.Write(m.Serial); w.WriteList(m.Zones, (bw, z) => bw.WritePublishedZone2(z)); w.WriteOptionalList(m.LiveList); },
            r => new ZonesWritten(r.ReadInt64(), r.ReadUInt32(), r.ReadArray(br => br.ReadPublishedZone2()), r.ReadOptionalList())),
        Of<ZoneWriterSnapshot>("z.snap2", (w, m) => { w.Write(m.LastSerial); w.WriteList(m.Zones, (bw, z) => bw.WritePublishedZone2(z)); w.WriteOptionalList(m.LiveList); },
            r => new ZoneWriterSnapshot(r.ReadUInt32(), r.ReadArray(br => br.ReadPublishedZone2()), r.ReadOptionalList())),
        // replicated (Akka.DistributedData): a cluster decider's newest published state, carried in an LWW register
        Of<PublishedNetworkState>("n.published", (w, m) =>
            {
                w.Write(m.Network); w.Write(m.DecidedAtUnixMs); w.WriteList(m.Live, (bw, e) => bw.Write(e)); w.Write(m.Serial);
                w.WriteList(m.Zones, (bw, z) => bw.WritePublishedZone2(z)); w.WriteList(m.SubstitutionTimesUnixMs, (bw, t) => bw.Write(t));
                w.Write(m.Decider);
            },
            r => new PublishedNetworkState(r.ReadString(), r.ReadInt64(), r.ReadArray(br => br.ReadString()), r.ReadUInt32(),
                r.ReadArray(br => br.ReadPublishedZone2()), r.ReadArray(br => br.ReadInt64()), r.ReadString())),
        // messages
        Of<EdgeReport>("e.report", (w, m) => w.WriteReport(m), r => r.ReadReport()),
        Of<RunRound>("e.run", (w, m) => { w.Write(m.RoundId); w.Write(m.Persist); }, r => new RunRound(r.ReadInt64(), r.ReadBoolean())),
        Of<SetEdgeMode>("e.setmode", (w, m) => { w.Write(m.Network); w.Write(m.Edge); w.Write((byte)m.Mode); w.Write(m.Comment); w.WriteOptional(m.ExpiresAtUnixMs); },
            r => new SetEdgeMode(r.ReadString(), r.ReadString(), r.ReadMode(), r.ReadString(), r.ReadOptionalInt64())),
        Of<ImportEdgeHistory>("e.import", (w, m) =>
            {
                w.Write(m.Network); w.Write(m.Edge); w.WriteList(m.Samples, (bw, s) => bw.WriteSample(s));
                w.Write(m.Mode.HasValue); if (m.Mode is { } mode) w.Write((byte)mode);
                w.Write(m.Comment); w.Write(m.ModeChangedAtUnixMs); w.Write(m.DryRun);
            },
            r => new ImportEdgeHistory(r.ReadString(), r.ReadString(), r.ReadSamples(), r.ReadBoolean() ? r.ReadMode() : null,
                r.ReadString(), r.ReadInt64(), r.ReadBoolean())),
        Of<EdgeHistoryImported>("e.imported", (w, m) => { w.Write(m.Network); w.Write(m.Edge); w.Write(m.NewSamples); w.Write(m.SkippedSamples); w.Write(m.ModeImported); w.Write(m.Note); },
            r => new EdgeHistoryImported(r.ReadString(), r.ReadString(), r.ReadInt32(), r.ReadInt32(), r.ReadBoolean(), r.ReadString())),
        Of<NetworkCommands.ImportDecision>("n.import", (w, m) =>
            {
                w.Write(m.Network); w.WriteList(m.Live, (bw, e) => bw.Write(e)); w.WriteList(m.SubstitutionTimesUnixMs, (bw, t) => bw.Write(t));
                w.Write(m.Note); w.Write(m.DryRun);
            },
            r => new NetworkCommands.ImportDecision(r.ReadString(), r.ReadArray(br => br.ReadString()), r.ReadArray(br => br.ReadInt64()), r.ReadString(), r.ReadBoolean())),
        Of<NetworkReplies.DecisionImported>("n.imported", (w, m) =>
            {
                w.Write(m.Network); w.Write(m.Recorded); w.Write(m.Existing is not null); if (m.Existing is not null) w.WriteDecision(m.Existing);
            },
            r => new NetworkReplies.DecisionImported(r.ReadString(), r.ReadBoolean(), r.ReadBoolean() ? r.ReadDecision() : null)),
        Of<GetEdgeReports>("e.get", (w, m) => w.Write(m.Network), r => new GetEdgeReports(r.ReadString())),
        Of<RoundCompleted>("e.done", (w, m) => { w.Write(m.RoundId); w.WriteList(m.Edges, (bw, e) => bw.WriteReport(e)); w.WriteList(m.Failures, (bw, f) => bw.Write(f)); },
            r => new RoundCompleted(r.ReadInt64(), r.ReadArray(br => br.ReadReport()), r.ReadArray(br => br.ReadString()))),
        Of<EdgeModeSet>("e.modeset", (w, m) => { w.Write(m.Network); w.Write(m.Edge); w.Write((byte)m.Mode); w.Write(m.Comment); w.WriteOptional(m.ExpiresAtUnixMs); },
            r => new EdgeModeSet(r.ReadString(), r.ReadString(), r.ReadMode(), r.ReadString(), r.ReadOptionalInt64())),
        Of<EdgeModeRejected>("e.modenak", (w, m) => { w.Write(m.Network); w.Write(m.Edge); w.Write(m.Reason); },
            r => new EdgeModeRejected(r.ReadString(), r.ReadString(), r.ReadString())),
        Of<Observed>("e.observed", (w, m) => w.WriteList(m.Reports, (bw, e) => bw.WriteReport(e)),
            r => new Observed(r.ReadArray(br => br.ReadReport()))),
        Of<ConfirmEdge>("e.confirm", (w, m) => { w.Write(m.Network); w.Write(m.Edge); }, r => new ConfirmEdge(r.ReadString(), r.ReadString())),
        Of<NetworkCommands.UpdateZones>("n.zones", (w, m) => w.WriteList(m.Zones, (bw, z) => bw.WriteZoneSource(z)),
            r => new NetworkCommands.UpdateZones(r.ReadArray(br => br.ReadZoneSource()))),
        Of<NetworkCommands.UpdateNetwork>("n.network", (w, m) =>
            {
                w.WriteList(m.Edges, (bw, e) => bw.Write(e));
                w.WriteList(m.Canaries.OrderBy(c => c.Key, StringComparer.Ordinal).ToArray(), (bw, c) => { bw.Write(c.Key); bw.Write(c.Value); });
                w.WriteList(m.Zones, (bw, z) => bw.WriteZoneSource(z));
            },
            r => new NetworkCommands.UpdateNetwork(r.ReadArray(br => br.ReadString()),
                r.ReadArray(br => (Zone: br.ReadString(), Ip: br.ReadString())).ToDictionary(c => c.Zone, c => c.Ip, StringComparer.Ordinal),
                r.ReadArray(br => br.ReadZoneSource()))),
        Of<NetworkCommands.GetNetworkStatus>("n.status?", (w, m) => w.Write(m.Network), r => new NetworkCommands.GetNetworkStatus(r.ReadString())),
        Of<NetworkCommands.GetEdgeObservations>("n.observed?", (w, m) => { w.Write(m.Network); w.Write(m.Edge); },
            r => new NetworkCommands.GetEdgeObservations(r.ReadString(), r.ReadString())),
        Of<NetworkReplies.NetworkStatus>("n.status", (w, m) =>
            {
                w.Write(m.Network); w.Write(m.AtUnixMs); w.WriteList(m.Live, (bw, e) => bw.Write(e));
                w.Write(m.LastDecision is not null); if (m.LastDecision is not null) w.WriteDecision(m.LastDecision);
                w.WriteList(m.SubstitutionTimesUnixMs, (bw, t) => bw.Write(t)); w.WriteOptional((long?)m.BudgetMax); w.Write(m.BudgetRemaining);
                w.Write(m.BudgetWindowMs); w.WriteOptional(m.FrozenReason); w.Write(m.Serving); w.Write(m.Observations);
                // Appended, not a new manifest: an older reader ignores trailing bytes, and a payload from an older node
                // simply ends here (read as no problem), so ctl and nodes of either version understand each other.
                w.WriteOptional(m.JournalProblem);
                w.WriteOptional(m.PublishProblem); // appended later still, the same way
                w.WriteOptional(m.GuardHolding); // and again
            },
            r => new NetworkReplies.NetworkStatus(r.ReadString(), r.ReadInt64(), r.ReadArray(br => br.ReadString()),
                r.ReadBoolean() ? r.ReadDecision() : null, r.ReadArray(br => br.ReadInt64()), (int?)r.ReadOptionalInt64(), r.ReadInt32(),
                r.ReadInt64(), r.ReadOptionalString(), r.ReadBoolean(), r.ReadInt32(),
                r.BaseStream.Position < r.BaseStream.Length ? r.ReadOptionalString() : null,
                r.BaseStream.Position < r.BaseStream.Length ? r.ReadOptionalString() : null,
                r.BaseStream.Position < r.BaseStream.Length ? r.ReadOptionalString() : null)),
        Of<EdgeReports>("e.reports", (w, m) => { w.Write(m.Network); w.WriteList(m.Edges, (bw, e) => bw.WriteReport(e)); },
            r => new EdgeReports(r.ReadString(), r.ReadArray(br => br.ReadReport()))),
    ];

    /// <summary>
    /// Manifests that are no longer written but may still be in a journal or snapshot store: each is read into the
    /// current type. Never remove one.
    /// </summary>
    private static readonly Codec[] LegacyReaders =
    [
        Of<EdgeModeChanged>("h.mode", (_, _) => throw new NotSupportedException("'h.mode' is read only; 'h.mode2' is written"),
            r => new EdgeModeChanged(r.ReadString(), r.ReadMode(), r.ReadString(), r.ReadInt64())),
        Of<EdgeHistorySnapshot>("h.edge", (_, _) => throw new NotSupportedException("'h.edge' is read only; 'h.edge2' is written"),
            r => r.ReadEdgeSnapshot()),
        Of<HistoryGroupSnapshot>("h.snap", (_, _) => throw new NotSupportedException("'h.snap' is read only; 'h.snap2' is written"),
            r => new HistoryGroupSnapshot(r.ReadArray(br => br.ReadEdgeSnapshot()))),
        Of<ZonesWritten>("z.written", (_, _) => throw new NotSupportedException("'z.written' is read only; 'z.written2' is written"),
            r => new ZonesWritten(r.ReadInt64(), r.ReadUInt32(), r.ReadArray(br => br.ReadPublishedZone()), r.ReadOptionalList())),
        Of<ZoneWriterSnapshot>("z.snap", (_, _) => throw new NotSupportedException("'z.snap' is read only; 'z.snap2' is written"),
            r => new ZoneWriterSnapshot(r.ReadUInt32(), r.ReadArray(br => br.ReadPublishedZone()), r.ReadOptionalList())),
    ];

    private static readonly Dictionary<Type, Codec> ByType = Codecs.ToDictionary(c => c.Type);
    private static readonly Dictionary<string, Codec> ByManifest = Codecs.Concat(LegacyReaders).ToDictionary(c => c.Manifest);

    /// <summary>Every type this serializer handles; the round-trip spec checks it covers every contract type.</summary>
    public static IReadOnlyCollection<Type> SupportedTypes => ByType.Keys;

    public EdgemanageSerializer(ExtendedActorSystem system) : base(system) { }

    public override int Identifier => Id;

    public override string Manifest(object o) => CodecFor(o.GetType()).Manifest;

    public override byte[] ToBinary(object obj)
    {
        var codec = CodecFor(obj.GetType());
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(FormatVersion);
            codec.Write(w, obj);
        }
        return ms.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest) => Decode(bytes, manifest);

    /// <summary>
    /// <see cref="FromBinary"/> without an ActorSystem: the journal gate reads what recovery will read before any
    /// system starts, so a payload that cannot be decoded stops a command in seconds instead of failing recovery.
    /// </summary>
    public static object Decode(byte[] bytes, string manifest) => Decode(bytes, 0, bytes.Length, manifest);

    /// <summary>
    /// Whether part of a buffer decodes, as <see cref="Decode(byte[], string)"/> would, throwing the same errors when
    /// not; for the journal gate, which reuses one buffer for every row and throws the result away. Sample lists,
    /// the bulk of every history snapshot, are checked where they lie instead of copied into arrays: copying them
    /// made the gate allocate as much as recovery then keeps (issue 14).
    /// </summary>
    public static void Check(byte[] buffer, int offset, int count, string manifest) =>
        Decode(new BinaryFormat.CheckOnlyReader(Visible(buffer, offset, count)), manifest);

    /// <summary>As <see cref="Decode(byte[], string)"/>, from part of a buffer (a pooled one: the SQLite snapshot store).</summary>
    public static object Decode(byte[] buffer, int offset, int count, string manifest) =>
        Decode(new BinaryReader(Visible(buffer, offset, count), Encoding.UTF8), manifest);

    /// <summary>publiclyVisible: BinaryFormat.ReadSamples parses sample lists straight from the buffer.</summary>
    private static MemoryStream Visible(byte[] buffer, int offset, int count) =>
        new(buffer, offset, count, writable: false, publiclyVisible: true);

    private static object Decode(BinaryReader reader, string manifest)
    {
        using var r = reader;
        if (!ByManifest.TryGetValue(manifest, out var codec))
            throw new SerializationException($"edgemanage serializer: unknown manifest '{manifest}'");
        var version = r.ReadByte();
        if (version != FormatVersion)
            throw new SerializationException($"edgemanage serializer: '{manifest}' has format version {version}, this build reads {FormatVersion}");
        return codec.Read(r);
    }

    private static Codec CodecFor(Type t) =>
        ByType.TryGetValue(t, out var c) ? c
            : throw new ArgumentException($"edgemanage serializer has no codec for {t.FullName}; add one with an explicit manifest");

    internal static Codec Of<T>(string manifest, Action<BinaryWriter, T> write, Func<BinaryReader, T> read) where T : notnull =>
        new(typeof(T), manifest, (w, o) => write(w, (T)o), r => read(r));
}
