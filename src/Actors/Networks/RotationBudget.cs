namespace Edgemanage.Actors.Networks;

/// <summary>
/// dnschange_maxfreq, which the original documents but never reads (original-edgemanage.md §4.7): at most
/// <see cref="MaxPerWindow"/> discretionary substitutions per sliding <see cref="Window"/>. Pure: the caller owns
/// the clock and the stored times, so the NetworkActor can persist them and the tests need no clock.
/// </summary>
/// <param name="MaxPerWindow">dnschange_maxfreq; null means unlimited. A negative value is treated as 0.</param>
/// <param name="Window">dnschange_window (600 s by default).</param>
public sealed record RotationBudget(int? MaxPerWindow, TimeSpan Window)
{
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromSeconds(600);

    /// <summary>Discretionary substitutions still allowed now: int.MaxValue when unlimited, never negative.</summary>
    public int Remaining(IReadOnlyList<long> substitutionTimesUnixMs, long nowUnixMs)
    {
        if (MaxPerWindow is not { } max) return int.MaxValue;
        var used = 0;
        foreach (var t in substitutionTimesUnixMs)
            if (Inside(t, nowUnixMs)) used++;
        return Math.Max(0, max - used);
    }

    /// <summary>
    /// The times inside (now - window, now], in their original order. Times in the future are dropped too: they
    /// can only come from a clock that went backwards, and keeping them would block rotation for that long.
    /// </summary>
    public IReadOnlyList<long> Prune(IReadOnlyList<long> substitutionTimesUnixMs, long nowUnixMs)
    {
        var kept = new List<long>(substitutionTimesUnixMs.Count);
        foreach (var t in substitutionTimesUnixMs)
            if (Inside(t, nowUnixMs)) kept.Add(t);
        return kept;
    }

    /// <summary>Appends <paramref name="count"/> copies of now: one entry per discretionary substitution made.</summary>
    public static IReadOnlyList<long> Record(IReadOnlyList<long> pruned, int count, long nowUnixMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var all = new List<long>(pruned.Count + count);
        all.AddRange(pruned);
        for (var i = 0; i < count; i++) all.Add(nowUnixMs);
        return all;
    }

    // Half-open on the old side so that a substitution exactly one window ago no longer counts.
    private bool Inside(long t, long now) => t <= now && t > now - (long)Window.TotalMilliseconds;
}
