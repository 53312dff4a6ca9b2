using System.Globalization;
using Edgemanage.Contracts.Edges;

namespace Edgemanage.Contracts.Networks;

/// <summary>
/// What one vantage concluded about one edge, as the deciding node receives it. <see cref="AtUnixMs"/> is the
/// vantage's own clock at the judgement; the deciding node compares it with its clock to drop stale views.
/// </summary>
/// <param name="Average">The vantage's average fetch time in seconds, if it has one.</param>
/// <param name="LastSeconds">The vantage's latest fetch time in seconds, if it has one.</param>
public sealed record VantageObservation(
    string Edge,
    string Vantage,
    EdgeHealth Health,
    double? Average,
    double? LastSeconds,
    long AtUnixMs);

/// <summary>How <see cref="QuorumSpec"/> counts. Stored as a byte: append only, never renumber.</summary>
public enum QuorumKind : byte
{
    /// <summary>More than half of the voters: floor(v/2)+1.</summary>
    Majority = 0,
    /// <summary>An absolute number of voters, capped at the number voting.</summary>
    Count = 1,
    /// <summary>A share of the voters, rounded up: ceil(f·v).</summary>
    Fraction = 2,
}

/// <summary>
/// The config value <c>quorum</c>: how many of the vantages voting on an edge must say <c>fail</c> for the edge to
/// fail. Built only through <see cref="Majority"/>, <see cref="AtLeast"/>, <see cref="Share"/> or
/// <see cref="TryParse"/>, so an instance is always valid. A fraction is kept as a reduced integer ratio rather
/// than a double so that <c>2/3</c> of 3 voters is exactly 2, never 2.0000000000000004 rounded up to 3.
/// </summary>
public sealed record QuorumSpec
{
    /// <summary>The largest denominator kept, so that numerator·voters can never overflow a long.</summary>
    public const int MaxDenominator = 1_000_000_000;

    public QuorumKind Kind { get; }
    /// <summary>The absolute count for <see cref="QuorumKind.Count"/>; 0 otherwise.</summary>
    public int Count { get; }
    /// <summary>The reduced numerator for <see cref="QuorumKind.Fraction"/>; 0 otherwise.</summary>
    public int Numerator { get; }
    /// <summary>The reduced denominator for <see cref="QuorumKind.Fraction"/>; 0 otherwise.</summary>
    public int Denominator { get; }

    private QuorumSpec(QuorumKind kind, int count, int numerator, int denominator)
    {
        Kind = kind;
        Count = count;
        Numerator = numerator;
        Denominator = denominator;
    }

    /// <summary>The default: more than half of the voters.</summary>
    public static QuorumSpec Majority { get; } = new(QuorumKind.Majority, 0, 0, 0);

    /// <summary>At least <paramref name="count"/> voters (or all of them when fewer vote); count >= 1.</summary>
    public static QuorumSpec AtLeast(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return new(QuorumKind.Count, count, 0, 0);
    }

    /// <summary>At least numerator/denominator of the voters, rounded up; 0 &lt; numerator &lt;= denominator.</summary>
    public static QuorumSpec Share(int numerator, int denominator)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numerator, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(denominator, numerator);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(denominator, MaxDenominator);
        var g = Gcd(numerator, denominator);
        return new(QuorumKind.Fraction, 0, numerator / g, denominator / g);
    }

    /// <summary>
    /// Fail votes needed among <paramref name="voters"/> voters. Majority: floor(v/2)+1. Count N: min(N, v) —
    /// when fewer than N vantages can judge an edge, all of those that can must agree; insisting on N would mean
    /// an edge seen by one vantage could never fail, so a dead edge would stay in DNS (and a one-vantage setup
    /// with quorum 2 would never fail anything). Fraction f: ceil(f·v). Always between 1 and v when v >= 1; 1
    /// when nobody votes, which zero fail votes can never reach.
    /// </summary>
    public int Required(int voters)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(voters);
        if (voters == 0) return 1;
        return Kind switch
        {
            QuorumKind.Count => Math.Min(Count, voters),
            QuorumKind.Fraction => (int)(((long)Numerator * voters + Denominator - 1) / Denominator),
            _ => voters / 2 + 1,
        };
    }

    /// <summary>The config spelling: <c>majority</c>, an integer, or a fraction (decimal when exact, else n/d).</summary>
    public override string ToString() => Kind switch
    {
        QuorumKind.Count => Count.ToString(CultureInfo.InvariantCulture),
        QuorumKind.Fraction => FractionText(),
        _ => "majority",
    };

    /// <summary>
    /// Parses the config value: <c>majority</c> (any case), an integer >= 1 (a count), a decimal fraction with a
    /// point (<c>0.66</c>, <c>1.0</c> = every voter) or a ratio <c>n/d</c> (<c>2/3</c>), each fraction in (0, 1].
    /// An integer is always a count, so <c>1</c> means one vantage while <c>1.0</c> means all of them.
    /// </summary>
    public static bool TryParse(string? text, out QuorumSpec spec, out string? error)
    {
        spec = Majority;
        error = null;
        var t = text?.Trim() ?? "";
        const string Forms = "expected 'majority', a count such as 2, or a fraction such as 0.66 or 2/3";
        if (t.Length == 0) { error = $"quorum is empty: {Forms}"; return false; }
        if (string.Equals(t, "majority", StringComparison.OrdinalIgnoreCase)) return true;

        var slash = t.IndexOf('/');
        if (slash >= 0)
        {
            if (!TryDigits(t[..slash].Trim(), out var n) || !TryDigits(t[(slash + 1)..].Trim(), out var d))
            { error = $"quorum '{t}' is not a ratio of two whole numbers: {Forms}"; return false; }
            if (d == 0) { error = $"quorum '{t}' divides by zero"; return false; }
            if (n == 0) { error = $"quorum '{t}' must be more than 0"; return false; }
            if (n > d) { error = $"quorum '{t}' is more than 1: a fraction must be at most 1 (write a whole number for a count)"; return false; }
            if (d > MaxDenominator) { error = $"quorum '{t}' has a denominator above {MaxDenominator}"; return false; }
            spec = Share((int)n, (int)d);
            return true;
        }

        var dot = t.IndexOf('.');
        if (dot < 0)
        {
            if (!TryDigits(t, out var count)) { error = $"quorum '{t}' is not understood: {Forms}"; return false; }
            if (count < 1) { error = $"quorum '{t}' must be at least 1"; return false; }
            if (count > int.MaxValue) { error = $"quorum '{t}' is too large"; return false; }
            spec = AtLeast((int)count);
            return true;
        }

        var whole = t[..dot];
        var digits = t[(dot + 1)..];
        // Nine decimal places is far finer than any number of vantages can tell apart, and keeps the ratio in an int.
        if (digits.Length is 0 or > 9 || (whole.Length > 0 && !TryDigits(whole, out _)) || !TryDigits(digits, out var frac))
        { error = $"quorum '{t}' is not understood: {Forms}"; return false; }
        long w = whole.Length == 0 ? 0 : long.Parse(whole, NumberStyles.None, CultureInfo.InvariantCulture);
        long denominator = 1;
        for (var i = 0; i < digits.Length; i++) denominator *= 10;
        if (w > 1 || (w == 1 && frac > 0))
        { error = $"quorum '{t}' is more than 1: a fraction must be at most 1 (write a whole number for a count)"; return false; }
        var numerator = w * denominator + frac;
        if (numerator == 0) { error = $"quorum '{t}' must be more than 0"; return false; }
        spec = Share((int)numerator, (int)denominator);
        return true;
    }

    // Plain ASCII digits only: no sign, exponent, grouping or culture-specific characters in a config value.
    private static bool TryDigits(string s, out long value)
    {
        value = 0;
        if (s.Length is 0 or > 18) return false;
        foreach (var c in s)
        {
            if (c is < '0' or > '9') return false;
            value = value * 10 + (c - '0');
        }
        return true;
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }

    private string FractionText()
    {
        // A denominator dividing 10^9 has an exact decimal form of at most nine places (what TryParse reads back),
        // which is how operators usually write it.
        if (MaxDenominator % Denominator != 0) return $"{Numerator}/{Denominator}";
        return ((decimal)Numerator / Denominator).ToString("0.0#########", CultureInfo.InvariantCulture);
    }
}

/// <summary>What a vantage contributed to one combination. Stored as a byte: append only, never renumber.</summary>
public enum VantageStatus : byte
{
    /// <summary>Has fresh judgements and votes.</summary>
    Voting = 0,
    /// <summary>Has observations of listed edges, but every one is older than vote_stale_after.</summary>
    Stale = 1,
    /// <summary>
    /// Sees far more edges failing than the other vantages do: its own network is suspect, so its fail votes do
    /// not count (its successful fetches still do) and it does not count towards min_vantages.
    /// </summary>
    Broken = 2,
    /// <summary>Fresh, but has judged none of the listed edges yet (all untested, or only unlisted edges).</summary>
    Silent = 3,
}

/// <summary>
/// One vantage's part in a combination. <see cref="Observed"/> and <see cref="Failing"/> count the listed edges
/// it has a fresh, judged (not untested) observation of, and those of them it judged fail.
/// </summary>
public sealed record VantageState(string Vantage, VantageStatus Status, int Observed, int Failing, string Detail);

/// <summary>Whether one cell of the edge × vantage matrix counted. Stored as a byte: append only, never renumber.</summary>
public enum VoteUse : byte
{
    /// <summary>A vote: fresh and judged, from a voting vantage (or a non-fail one from a broken vantage).</summary>
    Counted = 0,
    /// <summary>Older than vote_stale_after.</summary>
    Stale = 1,
    /// <summary>A fresh fail from a broken vantage: abstains.</summary>
    Abstained = 2,
    /// <summary>Fresh, but untested: nothing to vote with.</summary>
    NoJudgement = 3,
}

/// <summary>
/// One cell of the edge × vantage matrix kept in every decision: what vantage number <see cref="Vantage"/> (an
/// index into the combination's vantage list, which is sorted by name) said about the edge, and whether it
/// counted. A vantage that never observed the edge has no cell, so the matrix stays sparse; health (3 bits) and
/// use (2 bits) fit one byte when stored.
/// </summary>
public readonly record struct VoteCell(int Vantage, EdgeHealth Health, VoteUse Use);
