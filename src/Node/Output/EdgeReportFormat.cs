using System.Globalization;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Probing;

namespace Edgemanage.Node.Output;

/// <summary>How edge reports are shown to operators: the round table of <c>run</c>.</summary>
public static class EdgeReportFormat
{
    public static string Seconds(double? s) => s is { } v ? v.ToString("F4", CultureInfo.InvariantCulture) : "-";

    public static void WriteRoundTable(TextWriter output, IReadOnlyList<EdgeReport> reports)
    {
        var table = new TextTable("EDGE", "OUTCOME", "TIME", "AVG", "WINDOW", "SAMPLES", "HEALTH", "MODE", "DETAIL");
        foreach (var r in reports)
        {
            var v = r.Verdict;
            table.Add(r.Edge,
                v.Last?.Outcome.Name() ?? "-",
                Seconds(v.Last?.Seconds),
                Seconds(v.Average),
                Seconds(v.WindowAverage),
                v.SampleCount.ToString(CultureInfo.InvariantCulture),
                v.Health.Name(),
                r.Mode.Name(),
                v.Last is { IsOk: true } ? "" : r.LastDetail ?? "");
        }
        table.Write(output);
        var counts = reports.GroupBy(r => r.Verdict.Health).OrderBy(g => g.Key)
            .Select(g => $"{g.Count()} {g.Key.Name()}");
        output.WriteLine(reports.Count == 0 ? "0 edges" : $"{reports.Count} edges: {string.Join(", ", counts)}");
    }
}
