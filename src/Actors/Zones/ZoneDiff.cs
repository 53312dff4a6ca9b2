using System.Text;

namespace Edgemanage.Actors.Zones;

/// <summary>
/// A unified-style line diff for dry runs (-n), so the operator sees what would change instead of the whole zone
/// (the original DEBUG-logged the full new content). LCS-based: zone files are small, and the common prefix and
/// suffix are trimmed before the quadratic part.
/// </summary>
public static class ZoneDiff
{
    private const int Context = 3;

    /// <summary>
    /// The diff from <paramref name="oldText"/> to <paramref name="newText"/>; an empty string when they are equal.
    /// A null <paramref name="oldText"/> means the file does not exist yet: every line is added and the header says so.
    /// </summary>
    public static string Unified(string? oldText, string newText, string oldLabel, string newLabel)
    {
        if (oldText == newText) return "";
        var sb = new StringBuilder();
        var b = SplitLines(newText);
        if (oldText is null)
        {
            sb.Append("--- /dev/null\n");
            sb.Append("+++ ").Append(newLabel).Append(" (new file)\n");
            sb.Append("@@ -0,0 +").Append(Range(1, b.Length)).Append(" @@\n");
            foreach (var line in b) AppendLine(sb, '+', line);
            return sb.ToString();
        }

        var a = SplitLines(oldText);
        var edits = Edits(a, b);
        sb.Append("--- ").Append(oldLabel).Append('\n');
        sb.Append("+++ ").Append(newLabel).Append('\n');
        foreach (var (start, end) in Hunks(edits))
        {
            int oldStart = edits[start].OldIndex, newStart = edits[start].NewIndex;
            int oldCount = 0, newCount = 0;
            for (var i = start; i < end; i++)
            {
                if (edits[i].Op != '+') oldCount++;
                if (edits[i].Op != '-') newCount++;
            }
            // Unified format: a zero-length range names the line BEFORE it.
            sb.Append("@@ -").Append(Range(oldCount == 0 ? oldStart : oldStart + 1, oldCount))
              .Append(" +").Append(Range(newCount == 0 ? newStart : newStart + 1, newCount)).Append(" @@\n");
            for (var i = start; i < end; i++)
                AppendLine(sb, edits[i].Op, edits[i].Op == '+' ? b[edits[i].NewIndex] : a[edits[i].OldIndex]);
        }
        return sb.ToString();
    }

    /// <summary>A line and whether it lacked a final newline (so "x" and "x\n" differ, as in diff(1)).</summary>
    private readonly record struct Line(string Text, bool NoNewline);

    /// <summary>One step of the edit script: ' ' keep, '-' delete, '+' insert, with positions in both texts.</summary>
    private readonly record struct Edit(char Op, int OldIndex, int NewIndex);

    private static Line[] SplitLines(string text)
    {
        if (text.Length == 0) return [];
        var parts = text.Split('\n');
        var endsWithNewline = parts[^1].Length == 0;
        var count = endsWithNewline ? parts.Length - 1 : parts.Length;
        var lines = new Line[count];
        for (var i = 0; i < count; i++) lines[i] = new Line(parts[i], NoNewline: !endsWithNewline && i == count - 1);
        return lines;
    }

    private static List<Edit> Edits(Line[] a, Line[] b)
    {
        var prefix = 0;
        while (prefix < a.Length && prefix < b.Length && a[prefix] == b[prefix]) prefix++;
        var suffix = 0;
        while (suffix < a.Length - prefix && suffix < b.Length - prefix && a[^(suffix + 1)] == b[^(suffix + 1)]) suffix++;

        int n = a.Length - prefix - suffix, m = b.Length - prefix - suffix;
        // lcs[i, j] = LCS length of a[prefix+i..] and b[prefix+j..] within the middle part.
        var lcs = new int[n + 1, m + 1];
        for (var i = n - 1; i >= 0; i--)
            for (var j = m - 1; j >= 0; j--)
                lcs[i, j] = a[prefix + i] == b[prefix + j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);

        var edits = new List<Edit>(a.Length + b.Length);
        for (var k = 0; k < prefix; k++) edits.Add(new Edit(' ', k, k));
        int x = 0, y = 0;
        while (x < n || y < m)
        {
            if (x < n && y < m && a[prefix + x] == b[prefix + y]) { edits.Add(new Edit(' ', prefix + x, prefix + y)); x++; y++; }
            // Deletions before insertions, so a changed line reads "-old" then "+new".
            else if (x < n && (y == m || lcs[x + 1, y] >= lcs[x, y + 1])) { edits.Add(new Edit('-', prefix + x, prefix + y)); x++; }
            else { edits.Add(new Edit('+', prefix + x, prefix + y)); y++; }
        }
        for (var k = 0; k < suffix; k++) edits.Add(new Edit(' ', a.Length - suffix + k, b.Length - suffix + k));
        return edits;
    }

    /// <summary>[start, end) ranges of the edit script: each change with up to 3 lines of context, close changes merged.</summary>
    private static IEnumerable<(int Start, int End)> Hunks(List<Edit> edits)
    {
        var i = 0;
        while (i < edits.Count)
        {
            while (i < edits.Count && edits[i].Op == ' ') i++;
            if (i == edits.Count) yield break;
            var start = Math.Max(0, i - Context);
            var end = i;
            while (true)
            {
                while (end < edits.Count && edits[end].Op != ' ') end++;
                var next = end;
                while (next < edits.Count && edits[next].Op == ' ') next++;
                // Merge with the next change when the gap would be covered by both contexts anyway.
                if (next < edits.Count && next - end <= 2 * Context) { end = next; continue; }
                end = Math.Min(edits.Count, end + Context);
                break;
            }
            yield return (start, end);
            i = end;
        }
    }

    private static string Range(int start, int count) => count == 1 ? start.ToString() : $"{start},{count}";

    private static void AppendLine(StringBuilder sb, char op, Line line)
    {
        sb.Append(op).Append(line.Text).Append('\n');
        if (line.NoNewline) sb.Append("\\ No newline at end of file\n");
    }
}
