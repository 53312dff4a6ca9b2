using Edgemanage.Contracts.Zones;
using static Edgemanage.Contracts.Admin.AdminReplies;
using static Edgemanage.Contracts.Admin.AdminRequests;
using static Edgemanage.Contracts.Admin.ClusterIdentityMessages;
using static Edgemanage.Contracts.Serialization.EdgemanageSerializer;

namespace Edgemanage.Contracts.Serialization;

/// <summary>
/// Codecs of what <c>edgemanage ctl</c> and a node's admin actor exchange. Never persisted, but the client and the
/// node may be different builds, so manifests are explicit here too ("a." prefix).
/// </summary>
internal static class AdminCodecs
{
    public static readonly Codec[] All =
    [
        Of<GetClusterStatus>("a.cluster?", (_, _) => { }, _ => GetClusterStatus.Instance),
        Of<LeaveCluster>("a.leave", (w, m) => { w.Write(m.Address); w.Write(m.Secret); }, r => new LeaveCluster(r.ReadString(), r.ReadString())),
        Of<DownNode>("a.down", (w, m) => { w.Write(m.Address); w.Write(m.Secret); }, r => new DownNode(r.ReadString(), r.ReadString())),
        Of<DownUnreachable>("a.downunreach", (w, m) => w.Write(m.Secret), r => new DownUnreachable(r.ReadString())),
        Of<GetActorHierarchy>("a.actors?", (w, m) => w.Write(m.Depth), r => new GetActorHierarchy(r.ReadInt32())),
        Of<ListNetworks>("a.nets?", (_, _) => { }, _ => ListNetworks.Instance),
        Of<ShowNetwork>("a.net?", (w, m) => w.Write(m.Network), r => new ShowNetwork(r.ReadString())),
        Of<ShowEdge>("a.edge?", (w, m) => { w.Write(m.Network); w.Write(m.Edge); }, r => new ShowEdge(r.ReadString(), r.ReadString())),
        Of<ShowZones>("a.zones?", (w, m) => w.Write(m.Network), r => new ShowZones(r.ReadString())),
        Of<GetReports>("a.reports?", (w, m) => w.Write(m.Network), r => new GetReports(r.ReadString())),
        Of<SetMode>("a.mode", (w, m) =>
            {
                w.Write(m.Network); w.Write(m.Edge); w.Write((byte)m.Mode); w.Write(m.Comment); w.WriteOptional(m.ExpiresAtUnixMs); w.Write(m.Secret);
            },
            r => new SetMode(r.ReadString(), r.ReadString(), r.ReadMode(), r.ReadString(), r.ReadOptionalInt64(), r.ReadString())),

        Of<AdminError>("a.error", (w, m) => { w.Write((byte)m.Kind); w.Write(m.Message); },
            r => new AdminError(BinaryFormat.ReadEnum<AdminErrorKind>(r.ReadByte()), r.ReadString())),
        Of<AdminAck>("a.ack", (w, m) => w.Write(m.Message), r => new AdminAck(r.ReadString())),
        Of<ClusterStatus>("a.cluster", (w, m) =>
            {
                w.Write(m.SelfAddress); w.Write(m.AdminAddress); w.Write(m.Clustered);
                w.WriteList(m.Members, (bw, x) =>
                {
                    bw.Write(x.Address); bw.Write(x.Status); bw.WriteList(x.Roles, (rw, role) => rw.Write(role));
                    bw.Write(x.Reachable); bw.Write(x.Leader); bw.Write(x.Self);
                });
                w.WriteList(m.Networks, (bw, n) => bw.Write(n));
                // Appended, not a new manifest (as "n.status" does): an older reader ignores trailing bytes, and a
                // payload from an older node ends before it (read as no decider known).
                w.WriteList(m.Deciders, (bw, d) => { bw.Write(d.Network); bw.WriteOptional(d.Address); });
            },
            r => new ClusterStatus(r.ReadString(), r.ReadString(), r.ReadBoolean(), ReadMembers(r), r.ReadArray(br => br.ReadString()),
                r.BaseStream.Position < r.BaseStream.Length ? r.ReadArray(br => new NetworkDecider(br.ReadString(), br.ReadOptionalString())) : [])),
        Of<WhichCluster>("a.which-cluster?", (w, m) => { w.Write(m.Identity); w.Write(m.From); }, r => new WhichCluster(r.ReadString(), r.ReadString())),
        Of<ThisCluster>("a.this-cluster", (w, m) => { w.Write(m.Identity); w.Write(m.From); }, r => new ThisCluster(r.ReadString(), r.ReadString())),
        Of<ActorHierarchy>("a.actors", (w, m) => w.WriteList(m.Paths, (bw, p) => bw.Write(p)), r => new ActorHierarchy(r.ReadArray(br => br.ReadString()))),
        Of<NetworkList>("a.nets", (w, m) =>
            {
                w.Write(m.Node);
                w.WriteList(m.Networks, (bw, n) =>
                {
                    bw.Write(n.Network); bw.Write(n.Live); bw.Write(n.Required); bw.WriteOptional(n.LastDecisionAtUnixMs); bw.Write(n.Degraded);
                    bw.WriteOptional(n.FrozenReason); bw.Write(n.BudgetRemaining); bw.Write(n.Edges);
                });
                // Appended (see "a.cluster"): each network's decider, in the same order.
                w.WriteList(m.Networks, (bw, n) => bw.WriteOptional(n.Decider));
            },
            r =>
            {
                var node = r.ReadString();
                var networks = r.ReadArray(br => new NetworkSummary(br.ReadString(), br.ReadInt32(), br.ReadInt32(),
                    br.ReadOptionalInt64(), br.ReadBoolean(), br.ReadOptionalString(), br.ReadInt32(), br.ReadInt32()));
                var deciders = r.BaseStream.Position < r.BaseStream.Length ? r.ReadArray(br => br.ReadOptionalString()) : [];
                return new NetworkList(node, networks.Select((n, i) => n with { Decider = i < deciders.Length ? deciders[i] : null }).ToArray());
            }),
        Of<EdgeDetail>("a.edge", (w, m) =>
            {
                w.Write(m.Network); w.Write(m.Edge); w.WriteList(m.Reports, (bw, x) => bw.WriteReport(x));
                w.Write(m.Decision is not null); if (m.Decision is not null) w.WriteEdgeDecision(m.Decision);
                w.WriteOptional(m.DecidedAtUnixMs); w.Write(m.Live);
                w.WriteList(m.Vantages, (bw, v) => bw.WriteVantageState(v));
                w.WriteList(m.Votes, (bw, c) => bw.WriteVoteCell(c));
                w.WriteList(m.Substitutions, (bw, s) => bw.WriteSubstitution(s));
            },
            r => new EdgeDetail(r.ReadString(), r.ReadString(), r.ReadArray(br => br.ReadReport()),
                r.ReadBoolean() ? r.ReadEdgeDecision() : null, r.ReadOptionalInt64(), r.ReadBoolean(),
                r.ReadArray(br => br.ReadVantageState()), r.ReadArray(br => br.ReadVoteCell()), r.ReadArray(br => br.ReadSubstitution()))),
        Of<ZonesStatus>("a.zones", (w, m) =>
            {
                w.Write(m.Network); w.Write(m.Serial); w.WriteOptional(m.LastWriteAtUnixMs);
                w.WriteList(m.Zones, (bw, z) => bw.WritePublishedZone(z)); w.WriteOptionalList(m.LiveList);
                w.WriteOptional(m.LastPublishAtUnixMs);
                w.WriteList(m.LastOutcomes, (bw, o) => bw.WriteZoneOutcome(o));
                w.WriteList(m.LastHooks, (bw, h) => bw.WriteCommandOutcome(h));
            },
            r => new ZonesStatus(r.ReadString(), r.ReadUInt32(), r.ReadOptionalInt64(), r.ReadArray(br => br.ReadPublishedZone()),
                r.ReadOptionalList(), r.ReadOptionalInt64(), r.ReadArray(br => br.ReadZoneOutcome()), r.ReadArray(br => br.ReadCommandOutcome()))),
    ];

    private static void WriteZoneOutcome(this BinaryWriter w, ZoneOutcome o)
    {
        w.Write(o.Zone);
        w.Write((byte)o.Action);
        w.Write(o.Detail);
        w.WriteOptional(o.Serial is { } s ? s : (long?)null);
        w.WriteOptional(o.Diff);
    }

    private static ZoneOutcome ReadZoneOutcome(this BinaryReader r) =>
        new(r.ReadString(), BinaryFormat.ReadEnum<ZoneAction>(r.ReadByte()), r.ReadString(), r.ReadOptionalInt64() is { } s ? (uint)s : null,
            r.ReadOptionalString());

    private static void WriteCommandOutcome(this BinaryWriter w, CommandOutcome c)
    {
        w.Write(c.Hook);
        w.Write(c.CommandLine);
        w.WriteOptional(c.ExitCode is { } e ? e : (long?)null);
        w.Write(c.TimedOut);
        w.WriteOptional(c.StartError);
        w.Write(c.Stderr);
        w.Write(c.Elapsed.Ticks);
    }

    private static CommandOutcome ReadCommandOutcome(this BinaryReader r) =>
        new(r.ReadString(), r.ReadString(), r.ReadOptionalInt64() is { } e ? (int)e : null, r.ReadBoolean(), r.ReadOptionalString(), r.ReadString(),
            TimeSpan.FromTicks(r.ReadInt64()));

    private static ClusterMember[] ReadMembers(BinaryReader r) =>
        r.ReadArray(br => new ClusterMember(br.ReadString(), br.ReadString(), br.ReadArray(rr => rr.ReadString()),
            br.ReadBoolean(), br.ReadBoolean(), br.ReadBoolean()));
}
