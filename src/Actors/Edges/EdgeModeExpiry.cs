using System.Globalization;
using Edgemanage.Contracts.Edges;

namespace Edgemanage.Actors.Edges;

/// <summary>
/// A mode set with <c>edge mode --for DURATION</c> is in force until its expiry and available from then on. The
/// effective mode is computed whenever a report is built or a round judged, so it never depends on a timer having
/// fired. Once expired, the report shows <c>available</c>, changed at the expiry time, with the operator's comment
/// kept and followed by "(MODE expired at TIME)"; the next persisting round or batch records that as a mode change.
/// </summary>
public static class EdgeModeExpiry
{
    public static bool IsExpiredAt(this EdgeModeState state, long nowUnixMs) =>
        state.Mode != EdgeMode.Available && state.ExpiresAtUnixMs is { } expires && expires <= nowUnixMs;

    /// <summary>The mode in force at <paramref name="nowUnixMs"/>.</summary>
    public static EdgeModeState EffectiveAt(this EdgeModeState state, long nowUnixMs) =>
        state.IsExpiredAt(nowUnixMs)
            ? new EdgeModeState(EdgeMode.Available, ExpiredComment(state), state.ExpiresAtUnixMs!.Value, null)
            : state.Mode == EdgeMode.Available && state.ExpiresAtUnixMs is not null ? state with { ExpiresAtUnixMs = null } : state;

    public static string ExpiredComment(EdgeModeState state)
    {
        var note = $"({state.Mode.Name()} expired at {DateTimeOffset.FromUnixTimeMilliseconds(state.ExpiresAtUnixMs ?? 0).ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)})";
        return string.IsNullOrEmpty(state.Comment) ? note : $"{state.Comment} {note}";
    }
}
