using System.Globalization;
using Edgemanage.Contracts.Edges;

namespace Edgemanage.Actors.Edges;

/// <summary>
/// The operator log's line for a mode change, one wording whether it came from <c>edge mode</c> on the command line or
/// through a serving node's ctl endpoint (the original's edge_conf logged "Edge X changed mode to M with comment C").
/// </summary>
public static class EdgeModeLog
{
    public static string Changed(string edge, EdgeMode mode, string comment, long? expiresAtUnixMs, bool throughCtl)
    {
        // `available` without a comment clears it: say so rather than "with comment " and nothing.
        var what = string.IsNullOrWhiteSpace(comment) ? "without a comment" : $"with comment {comment}";
        var via = throughCtl ? " (through ctl)" : "";
        var until = expiresAtUnixMs is { } at
            ? ", until " + DateTimeOffset.FromUnixTimeMilliseconds(at).ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : "";
        return $"Edge {edge} changed mode to {mode.Name()} {what}{via}{until}";
    }
}
