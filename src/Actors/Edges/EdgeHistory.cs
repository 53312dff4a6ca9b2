using Edgemanage.Contracts.Edges;

namespace Edgemanage.Actors.Edges;

/// <summary>
/// The newest <c>capacity</c> samples of one edge, oldest first, in a ring buffer: adding past capacity
/// drops the oldest (the original's FETCH_HISTORY pruning). Owned by one actor at a time; not thread-safe.
/// </summary>
public sealed class EdgeHistory
{
    private readonly Sample[] _ring;
    private int _start;

    public EdgeHistory(int capacity)
    {
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity));
        _ring = new Sample[capacity];
    }

    private EdgeHistory(Sample[] ring, int count)
    {
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

    public int Capacity => _ring.Length;
    public int Count { get; private set; }
    public Sample? Last => Count == 0 ? null : _ring[(_start + Count - 1) % _ring.Length];

    public void Add(in Sample sample)
    {
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
        // The ring is contiguous when it has not wrapped; only copy when it has.
        if (_start == 0) return Edges.Judge.Evaluate(_ring.AsSpan(0, Count), settings, nowUnixMs);
        return Edges.Judge.Evaluate(ToArray(), settings, nowUnixMs);
    }
}
