using Xunit;

namespace Edgemanage.Tests.Support;

/// <summary>
/// `dotnet test` lists a skipped spec by its display name only ("Skipped Class.Method [1 ms]"), never the reason, so a
/// newcomer could not tell a missing PostgreSQL from a broken spec. A fact that skips carries the reason in its
/// display name: "Skipped PostgresHistoryPersistenceSpecs.A_dry_round_persists_nothing (skipped: EDGEMANAGE_TEST_POSTGRES
/// is not set …)". Facts that run keep their usual name.
/// </summary>
public static class SkipWithReason
{
    /// <param name="member">The spec method ([CallerMemberName] of the attribute's constructor).</param>
    /// <param name="file">Its source file ([CallerFilePath]): the class is named after it.</param>
    public static void Skip(FactAttribute fact, string reason, string member, string file)
    {
        fact.Skip = reason;
        var type = Path.GetFileNameWithoutExtension(file);
        fact.DisplayName = $"{(type.Length > 0 ? type + "." : "")}{member} (skipped: {reason})";
    }
}
