using Edgemanage.Actors.Edges;
using Edgemanage.Contracts.Edges;
using Xunit;

namespace Edgemanage.Tests.Edges;

public sealed class EdgeModeLogSpecs
{
    // 2026-12-04 10:23:16Z
    private const long Until = 1_796_379_796_000;

    [Theory]
    [InlineData(EdgeMode.Force, "[ops] pinned", null, false, "Edge 127.0.0.3 changed mode to force with comment [ops] pinned")]
    [InlineData(EdgeMode.Available, "", null, false, "Edge 127.0.0.3 changed mode to available without a comment")]
    [InlineData(EdgeMode.Available, "", null, true, "Edge 127.0.0.3 changed mode to available without a comment (through ctl)")]
    [InlineData(EdgeMode.Unavailable, "[ops] disk swap", Until, true,
        "Edge 127.0.0.3 changed mode to unavailable with comment [ops] disk swap (through ctl), until 2026-12-04 10:23:16Z")]
    public void One_wording_from_the_command_line_and_through_ctl(EdgeMode mode, string comment, long? until, bool throughCtl, string expected) =>
        Assert.Equal(expected, EdgeModeLog.Changed("127.0.0.3", mode, comment, until, throughCtl));
}
