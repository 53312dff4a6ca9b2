using Edgemanage.Contracts.Edges;

namespace Edgemanage.Actors.Edges;

/// <summary>
/// The newest <c>capacity</c> samples of one edge, oldest first, in a ring buffer: adding past capacity
/// drops the oldest (the original's FETCH_HISTORY pruning). Owned by one actor at a time; not thread-safe.
/// <para>
/// The ring grows with the samples (doubling, up to the capacity) instead of being allocated at full capacity:
/// 2000 samples of 24 bytes preallocated for every edge were 4.8 GB at 100 000 edges before a single sample was
/// taken. An edge with a full history costs the same as before.
/// </para>
/// </summary>
public sealed class EdgeHistory
{
    /// <summary>The first allocation: a few cron rounds' worth before the first doubling.</summary>
    private const int InitialRing = 8;

    private readonly int _capacity;
    private Sample[] _ring;
    private int _start;

    public EdgeHistory(int capacity)
    {
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity));
        _capacity = capacity;
        _ring = [];
    }

    private EdgeHistory(Sample[] ring, int count)
    {
        _capacity = ring.Length;
        _ring = ring;
        Count = count;
    }

    /// <summary>
    /// A history over samples that were just deserialized (oldest first). When they fill the capacity exactly
    /// the array is adopted as the ring instead of copied: recovering 1000 edges × 2000 samples would
    /// otherwise hold two copies (≈ 30 MB each) at the same time.
    /// </summary>
    public static EdgeHistory Adopt(Sample[] oldestFirst, int capacity)
    {
        if (oldestFirst.Length == capacity) return new EdgeHistory(oldestFirst, capacity);
        var history = new EdgeHistory(capacity);
        var skip = Math.Max(0, oldestFirst.Length - capacity);
        for (var i = skip; i < oldestFirst.Length; i++) history.Add(oldestFirst[i]);
        return history;
    }

    public int Capacity => _capacity;
    public int Count { get; private set; }
    public Sample? Last => Count == 0 ? null : _ring[(_start + Count - 1) % _ring.Length];

    /// <summary>Samples the ring has room for now (it grows towards <see cref="Capacity"/>); for the memory specs.</summary>
    internal int Allocated => _ring.Length;

    public void Add(in Sample sample)
    {
        if (Count == _ring.Length && _ring.Length < _capacity)
        {
            // Not full yet, so the ring has never wrapped: _start is 0 and the samples are contiguous.
            var grown = new Sample[Math.Min(_capacity, Math.Max(InitialRing, _ring.Length * 2))];
            Array.Copy(_ring, grown, Count);
            _ring = grown;
        }
        if (Count < _ring.Length)
        {
            _ring[(_start + Count) % _ring.Length] = sample;
            Count++;
        }
        else
        {
            _ring[_start] = sample;
            _start = (_start + 1) % _ring.Length;
        }
    }

    /// <summary>A copy, oldest first.</summary>
    public Sample[] ToArray()
    {
        var copy = new Sample[Count];
        var firstPart = Math.Min(Count, _ring.Length - _start);
        Array.Copy(_ring, _start, copy, 0, firstPart);
        Array.Copy(_ring, 0, copy, firstPart, Count - firstPart);
        return copy;
    }

    public EdgeVerdict Judge(JudgeSettings settings, long nowUnixMs)
    {
        MakeContiguous();
        return Edges.Judge.Evaluate(_ring.AsSpan(0, Count), settings, nowUnixMs);
    }

    /// <summary>
    /// Rotates a wrapped ring in place so the samples run oldest first from index 0. A full history wraps on every
    /// sample, and judging used to copy it instead: two copies of 2000 samples per edge per round, 67 MB of garbage in
    /// a 1000-edge cron round that only needs the 32 MB it recovered (issue 14). Three reversals move each sample
    /// twice and allocate nothing.
    /// </summary>
    private void MakeContiguous()
    {
        if (_start == 0) return;
        // Only a full ring wraps (_start moves only once Count reached the ring's length).
        var ring = _ring.AsSpan(0, Count);
        ring[.._start].Reverse();
        ring[_start..].Reverse();
        ring.Reverse();
        _start = 0;
    }
}
