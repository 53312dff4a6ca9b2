using Edgemanage.Actors.Zones;
using Xunit;

namespace Edgemanage.Tests.Zones;

public sealed class ZoneDiffSpecs
{
    [Fact]
    public void Equal_texts_give_an_empty_diff()
    {
        Assert.Equal("", ZoneDiff.Unified("a\nb\n", "a\nb\n", "old", "new"));
    }

    [Fact]
    public void A_new_file_is_all_additions()
    {
        Assert.Equal(
            "--- /dev/null\n" +
            "+++ named/z.zone (new file)\n" +
            "@@ -0,0 +1,2 @@\n" +
            "+a\n" +
            "+b\n",
            ZoneDiff.Unified(null, "a\nb\n", "named/z.zone", "named/z.zone"));
    }

    [Fact]
    public void A_changed_line_shows_removal_then_addition_with_context()
    {
        var old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        var @new = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";

        Assert.Equal(
            "--- a\n" +
            "+++ b\n" +
            "@@ -2,7 +2,7 @@\n" +
            " 2\n 3\n 4\n" +
            "-5\n" +
            "+five\n" +
            " 6\n 7\n 8\n",
            ZoneDiff.Unified(old, @new, "a", "b"));
    }

    [Fact]
    public void Distant_changes_make_separate_hunks_and_pure_insertions_count_correctly()
    {
        var old = string.Concat(Enumerable.Range(1, 20).Select(i => $"{i}\n"));
        var @new = old.Replace("2\n", "2\nx\n", StringComparison.Ordinal).Replace("19\n", "", StringComparison.Ordinal);
        // "2\n" also matches inside "12\n": insert after both 2 and 12.

        Assert.Equal(
            "--- a\n" +
            "+++ b\n" +
            "@@ -1,5 +1,6 @@\n" +
            " 1\n 2\n+x\n 3\n 4\n 5\n" +
            "@@ -10,11 +11,11 @@\n" +
            " 10\n 11\n 12\n+x\n 13\n 14\n 15\n 16\n 17\n 18\n-19\n 20\n",
            ZoneDiff.Unified(old, @new, "a", "b"));
    }

    [Fact]
    public void A_missing_final_newline_is_shown()
    {
        Assert.Equal(
            "--- a\n" +
            "+++ b\n" +
            "@@ -1 +1 @@\n" +
            "-x\n" +
            "\\ No newline at end of file\n" +
            "+x\n",
            ZoneDiff.Unified("x", "x\n", "a", "b"));
    }

    [Fact]
    public void Emptying_a_file_removes_every_line()
    {
        Assert.Equal("--- a\n+++ b\n@@ -1,2 +0,0 @@\n-a\n-b\n", ZoneDiff.Unified("a\nb\n", "", "a", "b"));
    }
}
