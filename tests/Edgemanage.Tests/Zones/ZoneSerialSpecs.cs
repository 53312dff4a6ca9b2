using Edgemanage.Actors.Zones;
using FsCheck;
using FsCheck.Xunit;
using Xunit;

namespace Edgemanage.Tests.Zones;

public sealed class ZoneSerialSpecs
{
    [Theory]
    [InlineData(0u, null, 1764200000L, 1764200000u)]            // first run: the clock
    [InlineData(1764200000u, null, 1764200000L, 1764200001u)]   // same second as the last write
    [InlineData(1764200000u, null, 1764100000L, 1764200001u)]   // clock stepped back
    [InlineData(1764200000u, 1764300000u, 1764200005L, 1764300001u)]   // disk ahead (journal lost or restored)
    [InlineData(5u, 2026112701u, 1764200000L, 2026112702u)]     // a YYYYMMDDnn serial left by another tool
    [InlineData(1764200000u, 5u, 1764250000L, 1764250000u)]     // clock ahead of both
    [InlineData(0u, null, -5L, 1u)]                             // a negative clock never wins
    public void Next_is_the_largest_candidate(uint lastUsed, uint? onDisk, long now, uint expected)
    {
        Assert.Equal(expected, ZoneSerial.Next(lastUsed, onDisk, now));
    }

    [Fact]
    public void Next_refuses_to_wrap_past_32_bits()
    {
        Assert.Throws<OverflowException>(() => ZoneSerial.Next(uint.MaxValue, null, 0));
        Assert.Throws<OverflowException>(() => ZoneSerial.Next(0, uint.MaxValue, 0));
        Assert.Throws<OverflowException>(() => ZoneSerial.Next(0, null, (long)uint.MaxValue + 1));
    }

    [Property(MaxTest = 500)]
    public Property Next_is_above_both_inputs_and_never_behind_now(uint lastUsed, uint onDisk, bool hasDisk, uint now)
    {
        // Keep the inputs below 2^32 - 1 so that a strictly greater serial exists.
        lastUsed %= uint.MaxValue;
        onDisk %= uint.MaxValue;
        uint? disk = hasDisk ? onDisk : null;

        var next = ZoneSerial.Next(lastUsed, disk, now);

        return (next > lastUsed && (disk is null || next > disk) && next >= now).ToProperty();
    }

    [Property(MaxTest = 300)]
    public Property Next_is_exactly_one_of_the_candidates(uint lastUsed, uint now)
    {
        lastUsed %= uint.MaxValue;

        var next = ZoneSerial.Next(lastUsed, null, now);

        return (next == lastUsed + 1 || next == now).ToProperty();
    }
}
