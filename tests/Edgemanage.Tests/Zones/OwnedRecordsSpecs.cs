using Edgemanage.Actors.Zones;
using Edgemanage.Actors.Zones.Dynamic;
using Edgemanage.Contracts.Config;
using Xunit;

namespace Edgemanage.Tests.Zones;

/// <summary>The pure rules of publish: dns-update: which records are ours, what differs, what is claimed, the key file.</summary>
public sealed class OwnedRecordsSpecs
{
    private static DnsSettings Dns(params string[] rotate) => new()
    {
        NsRecords = ["ns1.example.test."], SoaNameserver = "ns1.example.test.", SoaMailbox = "h.example.test.", RotateZones = rotate,
    };

    private static ServedZone Served(string? marker, params (string Name, string Type, string[] Addresses)[] rrsets) =>
        new(5, rrsets.ToDictionary(r => new RRsetKey(r.Name, r.Type), r => (IReadOnlyList<string>)r.Addresses), marker);

    [Theory]
    [InlineData(new string[0], new[] { "example.test." })]
    [InlineData(new[] { "www" }, new[] { "example.test.", "www.example.test." })]
    [InlineData(new[] { "@", "WWW", "www", "*" }, new[] { "example.test.", "www.example.test.", "*.example.test." })]
    public void Owned_names_are_the_apex_and_each_rotate_label_once(string[] rotate, string[] names) =>
        Assert.Equal(names, OwnedRecords.OwnedNames("Example.Test", Dns(rotate)));

    [Fact]
    public void Decided_sets_are_canonical_sorted_by_address_and_name_both_families()
    {
        var decided = OwnedRecords.Decided("example.test", Dns("www"),
            [new("127.0.0.10", false), new("127.0.0.2", false), new("2001:db8:0:0::1", true), new("127.0.0.2", false)]);

        Assert.Equal(["127.0.0.2", "127.0.0.10"], decided[new RRsetKey("www.example.test.", "A")]);
        Assert.Equal(["2001:db8::1"], decided[new RRsetKey("example.test.", "AAAA")]);
        Assert.Equal(4, decided.Count);
    }

    [Fact]
    public void Nothing_to_send_when_the_primary_serves_the_decision_whoever_claimed_it()
    {
        var decided = OwnedRecords.Decided("example.test", Dns(), [new("127.0.0.2", false)]);
        var served = Served("edgemanage claim=4 by=other", ("example.test.", "A", ["127.0.0.2"]));

        Assert.True(OwnedRecords.Plan("example.test", decided, served, null, _ => "new").IsEmpty);
    }

    [Fact]
    public void The_first_update_claims_the_next_number_and_later_ones_keep_the_claim()
    {
        var decided = OwnedRecords.Decided("example.test", Dns(), [new("127.0.0.3", false)]);
        var served = Served("edgemanage claim=4 by=other at=x", ("example.test.", "A", ["127.0.0.2"]));

        var first = OwnedRecords.Plan("example.test", decided, served, null, n => $"edgemanage claim={n} by=me");
        Assert.Equal("edgemanage claim=5 by=me", first.NewMarker);
        Assert.Equal("edgemanage claim=4 by=other at=x", first.ServedMarker);
        var change = Assert.Single(first.Changes);
        Assert.Equal(["127.0.0.2"], change.Served);
        Assert.Equal(["127.0.0.3"], change.Decided);

        var mine = served with { Marker = "edgemanage claim=5 by=me" };
        Assert.Null(OwnedRecords.Plan("example.test", decided, mine, "edgemanage claim=5 by=me", _ => "x").NewMarker);
        Assert.False(OwnedRecords.Superseded("edgemanage claim=5 by=me", mine));
        Assert.True(OwnedRecords.Superseded("edgemanage claim=5 by=me", served with { Marker = "edgemanage claim=6 by=newer" }));
        Assert.True(OwnedRecords.Superseded("edgemanage claim=5 by=me", served with { Marker = null }));
        Assert.False(OwnedRecords.Superseded(null, served));
    }

    [Theory]
    [InlineData(null, 0)]
    [InlineData("edgemanage claim=17 by=a at=b", 17)]
    [InlineData("something an operator wrote", 0)]
    [InlineData("edgemanage claim=x", 0)]
    public void Claim_numbers(string? marker, long number) => Assert.Equal(number, OwnedRecords.ClaimNumber(marker));

    [Fact]
    public void The_script_has_a_prerequisite_for_every_changed_rrset_and_the_marker()
    {
        var decided = OwnedRecords.Decided("example.test", Dns(), [new("127.0.0.3", false)]);
        var plan = OwnedRecords.Plan("example.test", decided, Served(null, ("example.test.", "A", ["127.0.0.2"])), null, _ => "edgemanage claim=1 by=me");

        Assert.Equal("""
            server 127.0.0.1 5353
            zone example.test.
            prereq yxrrset example.test. IN A 127.0.0.2
            prereq nxrrset _edgemanage.example.test. IN TXT
            update delete example.test. IN A
            update add example.test. 300 IN A 127.0.0.3
            update delete _edgemanage.example.test. IN TXT
            update add _edgemanage.example.test. 300 IN TXT "edgemanage claim=1 by=me"
            send

            """.Replace("\r", ""), OwnedRecords.Script(plan, "127.0.0.1:5353", 300));
    }

    [Fact]
    public void A_tsig_keygen_file_is_read_with_its_name_algorithm_and_secret()
    {
        var key = TsigKeyFile.Parse("# made by tsig-keygen\nkey \"edgemanage-key\" {\n\talgorithm hmac-sha256;\n\tsecret \"AAECAw==\";\n};\n", "k.key");

        Assert.Equal("edgemanage-key", key.Name);
        Assert.Equal("hmac-sha256", key.Algorithm);
        Assert.Equal([0, 1, 2, 3], key.Secret);
        Assert.DoesNotContain("AAECAw", key.ToString());
    }

    [Fact]
    public void Comments_are_skipped_but_a_secret_may_hold_what_looks_like_one()
    {
        var key = TsigKeyFile.Parse("/* old key removed */\nkey \"k\" { // ours\n algorithm hmac-sha256; # modern\n secret \"ab//cd+/ef8=\";\n};\n", "k.key");
        Assert.Equal(Convert.FromBase64String("ab//cd+/ef8="), key.Secret);
    }

    [Theory]
    [InlineData("", "k.key: no key statement")]
    [InlineData("key \"a\" {\n algorithm hmac-sha256;\n secret \"AA==\";\n};\nkey \"b\" { algorithm hmac-sha256; secret \"AA==\"; };\n", "k.key:5: more than one key")]
    [InlineData("key \"a\" {\n algorithm hmac-foo;\n secret \"AA==\";\n};\n", "k.key:2: key 'a': algorithm 'hmac-foo' is not one of")]
    [InlineData("key \"a\" {\n algorithm hmac-sha256;\n secret \"not base64!\";\n};\n", "k.key:3: key 'a': the secret is not base64")]
    [InlineData("key \"a\" {\n algorithm hmac-sha256;\n};\n", "k.key:1: key 'a' has no secret")]
    public void A_bad_key_file_names_the_file_and_line(string text, string message) =>
        Assert.StartsWith(message, Assert.Throws<TsigKeyFileException>(() => TsigKeyFile.Parse(text, "k.key")).Message);
}
