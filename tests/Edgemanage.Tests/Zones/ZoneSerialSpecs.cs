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
    [InlineData(uint.MaxValue, null, 1764200000L, 1764200000u)] // 2^32 - 1: the clock is 1764200001 ahead by RFC 1982
    [InlineData(0u, uint.MaxValue, 5L, 5u)]                     // the same from a file on disk
    [InlineData(3000000000u, null, 1764200000L, 3000000001u)]   // the clock lies more than 2^31 ahead, i.e. behind: count on
    [InlineData(4294967294u, 4294967295u, 1L, 1u)]              // 2^32 - 1 + 1 wraps, skipping 0 as BIND does
    [InlineData(0u, 4294967295u, 0L, 1u)]
    public void Next_is_the_clock_when_it_is_newer_else_one_more_than_the_newest(uint lastUsed, uint? onDisk, long now, uint expected)
    {
        Assert.Equal(expected, ZoneSerial.Next(lastUsed, onDisk, now));
    }

    [Theory]
    [InlineData(1u, 0u, true)]
    [InlineData(0u, uint.MaxValue, true)]
    [InlineData(0x7FFF_FFFFu, 0u, true)]    // 2^31 - 1 ahead: still newer
    [InlineData(0x8000_0000u, 0u, false)]   // exactly 2^31 apart: unordered (RFC 1982 §3.2)
    [InlineData(0u, 0x8000_0000u, false)]
    [InlineData(5u, 5u, false)]
    [InlineData(3_000_000_000u, 100u, false)] // a jump of more than 2^31 would read as going backwards
    public void IsNewer_is_rfc_1982_serial_arithmetic(uint candidate, uint than, bool newer)
    {
        Assert.Equal(newer, ZoneSerial.IsNewer(candidate, than));
    }

    [Property(MaxTest = 500)]
    public Property Next_is_newer_than_both_inputs_by_rfc_1982(uint lastUsed, uint onDisk, bool hasDisk, uint now)
    {
        uint? disk = hasDisk ? onDisk : null;
        // Two inputs exactly 2^31 apart have no serial newer than both; nobody can publish past that either.
        if (lastUsed != 0 && disk is { } d && unchecked(d - lastUsed) == 0x8000_0000u) return true.ToProperty();

        var next = ZoneSerial.Next(lastUsed, disk, now);

        return (next != 0 && (lastUsed == 0 || ZoneSerial.IsNewer(next, lastUsed)) && (disk is null || ZoneSerial.IsNewer(next, disk.Value)))
            .ToProperty();
    }

    [Property(MaxTest = 300)]
    public Property Next_is_the_clock_or_one_step_on(uint lastUsed, uint now)
    {
        if (lastUsed == 0 || now == 0) return true.ToProperty();

        var next = ZoneSerial.Next(lastUsed, null, now);

        return (next == now || next == lastUsed + 1 || (lastUsed == uint.MaxValue && next == 1)).ToProperty();
    }

    [Fact]
    public void Wrapped_names_a_step_that_is_numerically_lower_but_newer()
    {
        Assert.True(ZoneSerial.Wrapped(uint.MaxValue, 1));
        Assert.False(ZoneSerial.Wrapped(1, 2));
        Assert.False(ZoneSerial.Wrapped(3_000_000_000u, 2_000_000_000u)); // lower and older: not a step at all
    }
}
