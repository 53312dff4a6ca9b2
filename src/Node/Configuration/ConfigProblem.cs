namespace Edgemanage.Node.Configuration;

public enum ProblemSeverity { Error, Warning }

/// <summary>
/// One finding about an input file. Line and Column are 1-based; 0 means "not known"
/// (for example a file that could not be opened at all).
/// </summary>
public sealed record ConfigProblem(string File, int Line, int Column, string Message, ProblemSeverity Severity = ProblemSeverity.Error)
{
    public bool IsError => Severity == ProblemSeverity.Error;

    public override string ToString() =>
        $"{File}:{Line}:{Column}: {(IsError ? "error" : "warning")}: {Message}";
}

/// <summary>Collects problems for one file so a loader can keep going after the first one.</summary>
internal sealed class ProblemSink(string file)
{
    private readonly List<ConfigProblem> _errors = [];
    private readonly List<ConfigProblem> _warnings = [];

    public string File => file;
    public bool HasErrors => _errors.Count > 0;

    public void Error(int line, int column, string message) =>
        _errors.Add(new ConfigProblem(file, line, column, message));

    public void Warning(int line, int column, string message) =>
        _warnings.Add(new ConfigProblem(file, line, column, message, ProblemSeverity.Warning));

    public void Error(YamlDotNet.Core.Mark at, string message) => Error((int)at.Line, (int)at.Column, message);
    public void Warning(YamlDotNet.Core.Mark at, string message) => Warning((int)at.Line, (int)at.Column, message);

    // Reading order is mostly document order, but missing-key errors are reported at the
    // parent's position after its children were read; sorting keeps the output readable.
    public IReadOnlyList<ConfigProblem> Errors => Sorted(_errors);
    public IReadOnlyList<ConfigProblem> Warnings => Sorted(_warnings);

    private static IReadOnlyList<ConfigProblem> Sorted(List<ConfigProblem> list) =>
        list.OrderBy(p => p.Line).ThenBy(p => p.Column).ToList();
}
