using Edgemanage.Contracts.Networks;

namespace Edgemanage.Actors.Networks;

/// <summary>
/// What a NetworkActor decides from: the last decision (recorded, or in serve only remembered), the times of the
/// substitutions dnschange_maxfreq counts, and a live list inherited from disk. Immutable; recovery and every
/// decision go through <see cref="Apply(DecisionRecorded)"/>.
/// </summary>
/// <param name="InheritedLive">
/// With no decision in the journal (a first start, the original's installation, or a decider taking over on a node
/// with its own journal), or with a live list written after the last recorded decision (a crash between publishing
/// and recording), the live list on disk says what DNS serves now; starting from it keeps the keep rule working
/// instead of choosing a fresh set and churning every zone. Cleared by the next decision.
/// </param>
/// <param name="LastPersistedAtUnixMs">When the newest decision the journal holds was made (serve persists a
/// decision that says nothing new only now and then).</param>
public sealed record NetworkState(
    DecisionRecord? Last,
    IReadOnlyList<long> SubstitutionTimesUnixMs,
    IReadOnlyList<string>? InheritedLive,
    long? LastPersistedAtUnixMs,
    DecisionHeld? Held = null)
{
    public static readonly NetworkState Empty = new(null, [], null, null);

    /// <summary>What DNS serves: the set the next decision starts from (the keep rule, the start-up hold).</summary>
    public IReadOnlyList<string> PreviousLive => InheritedLive ?? Last?.Live ?? [];

    public NetworkState Apply(NetworkSnapshot snapshot) =>
        this with { Last = snapshot.LastDecision, SubstitutionTimesUnixMs = snapshot.SubstitutionTimesUnixMs };

    /// <summary>A decision taken (recorded or replayed, or in serve only remembered): it is what DNS serves now.</summary>
    public NetworkState Apply(DecisionRecorded decided) =>
        this with { Last = decided.Decision, SubstitutionTimesUnixMs = decided.SubstitutionTimesUnixMs, InheritedLive = null, Held = null };

    /// <summary>
    /// The guard held a decision: nothing was published, so <see cref="Last"/> (what DNS serves, and the edge list the
    /// guard compares with) stays; only the reason is remembered, until the next decision clears it.
    /// </summary>
    public NetworkState Apply(DecisionHeld held) => this with { Held = held };

    /// <summary>The guard let a decision through (nothing held any more).</summary>
    public NetworkState Released() => Held is null ? this : this with { Held = null };

    /// <summary>The journal holds a decision made at <paramref name="atUnixMs"/> (never moves back).</summary>
    public NetworkState Persisted(long atUnixMs) =>
        this with { LastPersistedAtUnixMs = Math.Max(LastPersistedAtUnixMs ?? long.MinValue, atUnixMs) };

    public NetworkState Inherit(IReadOnlyList<string> live) => this with { InheritedLive = live };
}
