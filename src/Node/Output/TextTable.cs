using System.Text;

namespace Edgemanage.Node.Output;

/// <summary>Left-aligned columns separated by two spaces, sized to their widest cell; for humans.</summary>
public sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public void Add(params string[] cells) => _rows.Add(cells);

    public void Write(TextWriter output)
    {
        var widths = headers.Select((h, i) => Math.Max(h.Length, _rows.Count == 0 ? 0 : _rows.Max(r => r[i].Length))).ToArray();
        // One write for the whole table: stdout flushes every line, and a 5000-edge round's table was 5000 write
        // calls, about 30 ms (issue 14).
        var text = new StringBuilder();
        WriteRow(text, headers, widths, output.NewLine);
        foreach (var row in _rows) WriteRow(text, row, widths, output.NewLine);
        output.Write(text.ToString());
    }

    private static void WriteRow(StringBuilder text, string[] cells, int[] widths, string newLine)
    {
        var parts = cells.Select((c, i) => i == cells.Length - 1 ? c : c.PadRight(widths[i]));
        text.Append(string.Join("  ", parts).TrimEnd()).Append(newLine);
    }
}
