using Akka.Actor;
using Akka.Configuration;
using Edgemanage.Contracts;
using Edgemanage.Contracts.Admin;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;
using Edgemanage.Contracts.Zones;
using Edgemanage.Contracts.Probing;
using Edgemanage.Contracts.Serialization;
using Xunit;
using static Edgemanage.Contracts.Edges.EdgeCommands;
using static Edgemanage.Contracts.Edges.EdgeReplies;

namespace Edgemanage.Tests.Serialization;

/// <summary>Every contract type round-trips through our serializer, which the ActorSystem picks for it.</summary>
public sealed class EdgemanageSerializerSpecs : Akka.TestKit.Xunit2.TestKit
{
    private static readonly Sample S1 = new(1_800_000_000_123, 0.25f, ProbeOutcome.Ok, 200);
    private static readonly Sample S2 = new(1_800_000_060_456, 10f, ProbeOutcome.ChecksumMismatch, 200);

    private static readonly EdgeReport Report = new("net", "::1", "eu-1", EdgeMode.Force, "[ops] pinned", 1_799_999_000_000,
        new EdgeVerdict(EdgeHealth.PassAverage, S2, 5.125, null, 2), "checksum mismatch");

    private static readonly DecisionRecord Decision = new("net", 1_800_000_000_000, 2, ["127.0.0.2", "127.0.0.3"], ["127.0.0.2", "127.0.0.4"],
        Published: true, Degraded: false,
        [new EdgeDecision("127.0.0.2", EdgeHealth.PassThreshold, 0.1, 0.05, EdgeMode.Available, true, DecisionReason.KeptHealthy, "still fast"),
         new EdgeDecision("127.0.0.3", EdgeHealth.Fail, null, null, EdgeMode.Force, false, DecisionReason.ForcedButFailing, "refused")],
        [new Substitution("127.0.0.3", "127.0.0.4", false), new Substitution(null, "x", true)], ["a note"]);

    public static IEnumerable<object[]> Samples() => new object[]
    {
        new HistoryRoundRecorded(1_800_000_000_000, [new EdgeSample("127.0.0.2", S1), new EdgeSample("edge-ü.example", S2)]),
        new EdgeModeChanged("127.0.0.3", EdgeMode.Unavailable, "[root] maintenance", 1_800_000_000_000),
        new EdgeModeChanged("127.0.0.3", EdgeMode.Force, "[root] for an hour", 1_800_000_000_000, 1_800_003_600_000),
        new EdgeHistorySnapshot("127.0.0.4", EdgeMode.BlindForce, "", -1, [S1, S2]),
        new EdgeHistorySnapshot("127.0.0.4", EdgeMode.Unavailable, "x", 5, [S1], 1_800_003_600_000),
        new ImportEdgeHistory("net", "127.0.0.2", [S1, S2], EdgeMode.Force, "[ops] legacy", 1_795_702_611_520, DryRun: false),
        new ImportEdgeHistory("net", "127.0.0.2", [], null, "", -1, DryRun: true),
        new EdgeHistoryImported("net", "127.0.0.2", 12, 3, true, "mode force"),
        new NetworkCommands.ImportDecision("net", ["127.0.0.2", "127.0.0.3"], [1_795_702_615_958], "imported from legacy statefile /x.state", false),
        new NetworkReplies.DecisionImported("net", true, null),
        new NetworkReplies.DecisionImported("net", false, Decision with { Edges = [Decision.Edges[0] with { Reason = DecisionReason.Imported }] }),
        new HistoryGroupSnapshot([new EdgeHistorySnapshot("a", EdgeMode.Available, "", -1, []), new EdgeHistorySnapshot("b", EdgeMode.Force, "c", 5, [S1])]),
        Report,
        Report with { Verdict = new EdgeVerdict(EdgeHealth.Untested, null, null, null, 0), LastDetail = null },
        new RunRound(42, true),
        new SetEdgeMode("net", "127.0.0.2", EdgeMode.Force, "[ops] x"),
        new SetEdgeMode("net", "127.0.0.2", EdgeMode.Unavailable, "[ops] drain", 1_800_000_600_000),
        Report with { ModeExpiresAtUnixMs = 1_800_000_600_000 },
        new NetworkCommands.GetNetworkStatus("net"),
        new NetworkCommands.GetEdgeObservations("net", "127.0.0.2"),
        new NetworkReplies.NetworkStatus("net", 1_800_000_000_000, ["127.0.0.2"], Decision, [1_800_000_000_000], 3, 2, 600_000, "1 of 2 vote", true, 4),
        new NetworkReplies.NetworkStatus("net", 1, [], null, [], null, int.MaxValue, 600_000, null, false, 0),
        new NetworkReplies.NetworkStatus("net", 1, [], null, [], null, int.MaxValue, 600_000, null, true, 0, "SQLite Error 13: 'database or disk is full'."),
        new NetworkReplies.NetworkStatus("net", 1, [], null, [], null, int.MaxValue, 600_000, "guard: every edge failed", true, 0, null, null, "all_edges_failing"),
        // ctl <-> admin
        AdminRequests.GetClusterStatus.Instance,
        new AdminRequests.LeaveCluster("akka.tcp://edgemanage@127.0.0.1:4053", "s3cret"),
        new AdminRequests.DownNode("127.0.0.1:4053", ""),
        new AdminRequests.DownUnreachable("s3cret"),
        new AdminRequests.GetActorHierarchy(3),
        AdminRequests.ListNetworks.Instance,
        new AdminRequests.ShowNetwork("net"),
        new AdminRequests.ShowEdge("net", "::1"),
        new AdminRequests.ShowZones("net"),
        new AdminRequests.GetReports("net"),
        new AdminRequests.SetMode("net", "127.0.0.2", EdgeMode.Unavailable, "[ops] drain", 1_800_000_600_000, "s3cret"),
        new AdminRequests.SetMode("net", "127.0.0.2", EdgeMode.Available, "", null, ""),
        new AdminReplies.AdminError(AdminReplies.AdminErrorKind.Denied, "wrong admin secret"),
        new AdminReplies.AdminAck("done"),
        new AdminReplies.ClusterStatus("akka.tcp://edgemanage@127.0.0.1:4053", "127.0.0.1:4054", true,
            [new AdminReplies.ClusterMember("akka.tcp://edgemanage@127.0.0.1:4053", "Up", ["decider", "vantage"], true, true, true)], ["net", "other"],
            [new AdminReplies.NetworkDecider("net", "akka.tcp://edgemanage@127.0.0.1:4053"), new AdminReplies.NetworkDecider("other", null)]),
        new ClusterIdentityMessages.WhichCluster("edgemanage/net", "127.0.0.1:4054"),
        new ClusterIdentityMessages.ThisCluster("edgemanage/other", "127.0.0.1:4053"),
        new AdminReplies.ActorHierarchy(["akka://edgemanage/user", "akka://edgemanage/user/admin"]),
        new AdminReplies.NetworkList("127.0.0.1:4054", [new AdminReplies.NetworkSummary("net", 3, 3, 1_800_000_000_000, false, null, 2, 5, "akka.tcp://edgemanage@127.0.0.1:4053"),
            new AdminReplies.NetworkSummary("other", -1, 0, null, true, "did not answer", 0, 0)]),
        new AdminReplies.EdgeDetail("net", "127.0.0.2", [Report], Decision.Edges[0], 1_800_000_000_000, true,
            [new VantageState("eu", VantageStatus.Voting, 2, 1, "ok")], [new VoteCell(0, EdgeHealth.Pass, VoteUse.Counted)], [new Substitution("a", "b", true)]),
        new AdminReplies.EdgeDetail("net", "x", [], null, null, false, [], [], []),
        new AdminReplies.ZonesStatus("net", 1_800_000_001, 1_800_000_000_000, [new PublishedZone("example.com", "ab12", 1_800_000_001, "k1")], ["127.0.0.2"],
            1_800_000_000_500, [new ZoneOutcome("example.com", ZoneAction.CheckFailed, "bad CNAME", 7, null), new ZoneOutcome("b.test", ZoneAction.Written, "", null, "+x")],
            [new CommandOutcome("run_after_changes", "rndc reload", 1, false, null, "boom", TimeSpan.FromMilliseconds(12)),
             new CommandOutcome("run_after", "x", null, true, "not found", "", TimeSpan.Zero)]),
        new AdminReplies.ZonesStatus("net", 0, null, [], null, null, [], []),
        new GetEdgeReports("net"),
        new RoundCompleted(42, [Report], ["group 3 was late"]),
        new EdgeModeSet("net", "127.0.0.2", EdgeMode.Available, ""),
        new EdgeModeRejected("net", "nope", "not in the edge list"),
        new EdgeReports("net", [Report, Report with { Edge = "127.0.0.9" }]),
        new Observed([Report, Report with { Vantage = "us-1" }]),
        new ConfirmEdge("net", "::1"),
        new NetworkCommands.UpdateNetwork(["127.0.0.2", "edge.example"], new Dictionary<string, string> { ["a.test"] = "::1" },
            [new ZoneSource("a.test", "a.test.zone", "", null)]),
        new NetworkCommands.UpdateZones([new ZoneSource("a.test", "a.test.zone", "www 60 IN A 127.0.0.1\n", null), new ZoneSource("b.test", "b.test.zone", null, "broken")]),
        Decision,
        new DecisionRecorded(Decision, [1_800_000_000_000, 1_800_000_060_000]),
        new NetworkSnapshot(Decision, [1]),
        Decision with
        {
            Votes = new VoteMatrix([new VantageState("eu", VantageStatus.Voting, 2, 1, "ok"), new VantageState("us", VantageStatus.Broken, 2, 2, "sees all failing")],
                [new EdgeVotes("127.0.0.2", [new VoteCell(0, EdgeHealth.PassThreshold, VoteUse.Counted), new VoteCell(1, EdgeHealth.Fail, VoteUse.Abstained)])]),
        },
        new NetworkSnapshot(null, []),
        new DecisionHeld("net", 1_800_000_000_000, "edge list shrank from 40 to 12 edges (70% > max_edge_list_shrink 50%): DNS held", "edge_list_shrink"),
        new ZonesWritten(1_800_000_000_000, 1_800_000_001, [new PublishedZone("example.com", "ab12", 1_800_000_001, "k1", "ef56")], ["127.0.0.2"]),
        new ZoneWriterSnapshot(1_800_000_001, [new PublishedZone("test.zone", "cd34", 7, ""), new PublishedZone("b.zone", "cd35", 7, "", "ff")], null),
        new PublishedNetworkState("net", 1_800_000_000_000, ["127.0.0.2", "127.0.0.4"], 1_800_000_002,
            [new PublishedZone("example.com", "ab12", 1_800_000_002, "k1", "ef56"), new PublishedZone("b.test", "cd", 7, "k2")], [1_799_999_990_000],
            "akka.tcp://edgemanage@127.0.0.1:4053"),
        new PublishedNetworkState("net", 1, [], 0, [], [], ""),
    }.Select(o => new[] { o });

    [Theory]
    [MemberData(nameof(Samples))]
    public void Round_trips_through_the_edgemanage_serializer(object message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<EdgemanageSerializer>(serializer);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        var bytes = serializer.ToBinary(message);
        var back = Sys.Serialization.Deserialize(bytes, serializer.Identifier, manifest);
        // records compare lists by reference, so compare a canonical rendering instead
        Assert.Equal(Render(message), Render(back));
    }

    [Fact]
    public void Every_contract_type_has_a_codec_and_a_sample()
    {
        var contractTypes = typeof(IEdgemanageMessage).Assembly.GetTypes()
            .Where(t => typeof(IEdgemanageMessage).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false }).ToHashSet();
        Assert.Subset(EdgemanageSerializer.SupportedTypes.ToHashSet(), contractTypes);
        Assert.Subset(Samples().Select(s => s[0].GetType()).ToHashSet(), contractTypes);
    }

    [Fact]
    public void Mode_events_and_snapshots_written_before_expiry_existed_are_still_read()
    {
        var serializer = (EdgemanageSerializer)Sys.Serialization.FindSerializerForType(typeof(EdgeModeChanged));
        // The exact bytes the "h.mode", "h.edge" and "h.snap" codecs wrote before --for: version 1, then the fields.
        static void OldEdge(BinaryWriter w, string edge, EdgeMode mode, string comment, long at, Sample[] samples)
        {
            w.Write(edge); w.Write((byte)mode); w.Write(comment); w.Write(at);
            w.Write(samples.Length);
            foreach (var s in samples) { w.Write(s.AtUnixMs); w.Write(s.Seconds); w.Write((byte)s.Outcome); w.Write(s.HttpStatus); }
        }

        var mode = Assert.IsType<EdgeModeChanged>(serializer.FromBinary(
            Bytes(w => { w.Write("127.0.0.3"); w.Write((byte)EdgeMode.Unavailable); w.Write("[root] old"); w.Write(1_700_000_000_000L); }), "h.mode"));
        Assert.Equal(new EdgeModeChanged("127.0.0.3", EdgeMode.Unavailable, "[root] old", 1_700_000_000_000, null), mode);

        var edge = Assert.IsType<EdgeHistorySnapshot>(serializer.FromBinary(
            Bytes(w => OldEdge(w, "127.0.0.4", EdgeMode.Force, "c", 7, [S1, S2])), "h.edge"));
        Assert.Equal(("127.0.0.4", EdgeMode.Force, "c", 7L, (long?)null), (edge.Edge, edge.Mode, edge.Comment, edge.ModeChangedAtUnixMs, edge.ModeExpiresAtUnixMs));
        Assert.Equal([S1, S2], edge.Samples);

        var snap = Assert.IsType<HistoryGroupSnapshot>(serializer.FromBinary(
            Bytes(w => { w.Write(2); OldEdge(w, "a", EdgeMode.Available, "", -1, []); OldEdge(w, "b", EdgeMode.BlindForce, "x", 9, [S1]); }), "h.snap"));
        Assert.Equal(["a", "b"], snap.Edges.Select(e => e.Edge));
        Assert.Equal(EdgeMode.BlindForce, snap.Edges[1].Mode);
        Assert.Equal([S1], snap.Edges[1].Samples);
        Assert.All(snap.Edges, e => Assert.Null(e.ModeExpiresAtUnixMs));

        // New writes use the new manifests.
        Assert.Equal("h.mode2", serializer.Manifest(mode));
        Assert.Equal("h.edge2", serializer.Manifest(edge));
        Assert.Equal("h.snap2", serializer.Manifest(snap));
    }

    [Fact]
    public void Zone_records_written_before_file_hashes_existed_are_still_read()
    {
        var serializer = (EdgemanageSerializer)Sys.Serialization.FindSerializerForType(typeof(ZonesWritten));
        // The exact bytes the "z.written" and "z.snap" codecs wrote before file hashes.
        static void OldZone(BinaryWriter w) { w.Write("example.com"); w.Write("ab12"); w.Write(7u); w.Write("k1"); }

        var written = Assert.IsType<ZonesWritten>(serializer.FromBinary(
            Bytes(w => { w.Write(1_800_000_000_000L); w.Write(7u); w.Write(1); OldZone(w); w.Write(false); }), "z.written"));
        Assert.Equal(new PublishedZone("example.com", "ab12", 7, "k1", null), Assert.Single(written.Zones));
        Assert.Null(written.LiveList);

        var snap = Assert.IsType<ZoneWriterSnapshot>(serializer.FromBinary(
            Bytes(w => { w.Write(7u); w.Write(1); OldZone(w); w.Write(true); w.Write(1); w.Write("127.0.0.2"); }), "z.snap"));
        Assert.Equal(new PublishedZone("example.com", "ab12", 7, "k1", null), Assert.Single(snap.Zones));
        Assert.Equal(["127.0.0.2"], snap.LiveList);

        Assert.Equal("z.written2", serializer.Manifest(written));
        Assert.Equal("z.snap2", serializer.Manifest(snap));
    }

    [Fact]
    public void A_network_status_from_a_node_before_journal_problems_reads_as_writable_and_a_new_one_reads_in_an_old_reader()
    {
        var serializer = (EdgemanageSerializer)Sys.Serialization.FindSerializerForType(typeof(NetworkReplies.NetworkStatus));
        // The exact bytes "n.status" had before the journal problem was appended.
        static void OldStatus(BinaryWriter w)
        {
            w.Write("net"); w.Write(5L); w.Write(1); w.Write("127.0.0.2"); w.Write(false); w.Write(0); w.Write(false); w.Write(7);
            w.Write(600_000L); w.Write(false); w.Write(true); w.Write(3);
        }
        var old = Assert.IsType<NetworkReplies.NetworkStatus>(serializer.FromBinary(Bytes(OldStatus), "n.status"));
        Assert.Equal(("net", 3, true), (old.Network, old.Observations, old.Serving));
        Assert.Null(old.JournalProblem);

        // An older reader stops after Observations: the new payload is the old one with the problem appended.
        var current = serializer.ToBinary(old with { JournalProblem = "disk full" });
        Assert.Equal(Bytes(OldStatus), current[..Bytes(OldStatus).Length]);
        Assert.Equal("disk full", Assert.IsType<NetworkReplies.NetworkStatus>(serializer.FromBinary(current, "n.status")).JournalProblem);
    }

    /// <summary>A payload as our codecs frame it: format version 1, then the fields.</summary>
    private static byte[] Bytes(Action<BinaryWriter> write)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true)) { w.Write((byte)1); write(w); }
        return ms.ToArray();
    }

    [Fact]
    public void Unknown_manifests_and_versions_fail_loudly()
    {
        var serializer = (EdgemanageSerializer)Sys.Serialization.FindSerializerForType(typeof(RunRound));
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary([1], "nope"));
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary([99, 0], "e.get"));
    }

    /// <summary>
    /// Sample lists are parsed straight from the payload's buffer (BinaryFormat.ReadSamples), and only checked there by
    /// the journal gate's Check: a payload cut at any byte, or carrying an outcome code no build wrote, must still fail
    /// both ways as a decoding error (what the gate names), never read past its end or succeed with what was left.
    /// </summary>
    [Fact]
    public void A_history_snapshot_cut_anywhere_or_with_an_unknown_outcome_fails_to_decode()
    {
        var serializer = (EdgemanageSerializer)Sys.Serialization.FindSerializerForType(typeof(HistoryGroupSnapshot));
        var snapshot = new HistoryGroupSnapshot([new EdgeHistorySnapshot("127.0.0.2", EdgeMode.Available, "", -1, [S1, S2, S1])]);
        var manifest = serializer.Manifest(snapshot);
        var bytes = serializer.ToBinary(snapshot);
        Assert.Equal(Render(snapshot), Render(EdgemanageSerializer.Decode(bytes, manifest)));
        // Checked from the middle of a larger buffer, as the gate does with its reused one.
        var padded = new byte[bytes.Length + 20];
        bytes.CopyTo(padded, 7);
        EdgemanageSerializer.Check(padded, 7, bytes.Length, manifest);

        for (var cut = 0; cut < bytes.Length; cut++)
        {
            var shorter = bytes[..cut];
            Assert.ThrowsAny<Exception>(() => EdgemanageSerializer.Decode(shorter, manifest));
            Assert.ThrowsAny<Exception>(() => EdgemanageSerializer.Check(padded, 7, cut, manifest));
        }
        // Each sample is 15 bytes, the last thing in the payload but the optional expiry (1 byte): the last sample's
        // outcome byte sits 4 bytes (status, outcome) before that.
        var badOutcome = (byte[])bytes.Clone();
        var outcomeAt = bytes.Length - 1 - 2 - 1;
        Assert.Equal((byte)S1.Outcome, badOutcome[outcomeAt]);
        badOutcome[outcomeAt] = 200;
        var error = Assert.Throws<InvalidDataException>(() => EdgemanageSerializer.Decode(badOutcome, manifest));
        Assert.Contains("unknown probe outcome code 200", error.Message);
        error = Assert.Throws<InvalidDataException>(() => EdgemanageSerializer.Check(badOutcome, 0, badOutcome.Length, manifest));
        Assert.Contains("unknown probe outcome code 200", error.Message);
    }

    public EdgemanageSerializerSpecs() : base(ConfigurationFactory.ParseString($$"""
        akka.actor {
          serializers.edgemanage = "{{typeof(EdgemanageSerializer).AssemblyQualifiedName}}"
          serialization-bindings { "{{typeof(IEdgemanageMessage).AssemblyQualifiedName}}" = edgemanage }
          serialization-identifiers { "{{typeof(EdgemanageSerializer).AssemblyQualifiedName}}" = {{EdgemanageSerializer.Id}} }
        }
        """))
    {
    }

    private static string Render(object? o) => o switch
    {
        null => "null",
        string s => $"\"{s}\"",
        System.Collections.IEnumerable e => "[" + string.Join(",", e.Cast<object?>().Select(Render)) + "]",
        _ when o.GetType().IsPrimitive || o is Enum || o is decimal => o.ToString()!,
        _ => o.GetType().Name + "{" + string.Join(",", o.GetType().GetProperties()
            .Where(p => p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract")
            .Select(p => p.Name + "=" + Render(p.GetValue(o)))) + "}",
    };
}
