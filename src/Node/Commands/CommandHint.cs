namespace Edgemanage.Node.Commands;

/// <summary>
/// How to type an edgemanage command on this machine, for hints printed to a newcomer: <c>edgemanage</c> when that is
/// the program on PATH, <c>dotnet run --project src/Node --</c> when it runs from a clone (the README's way), else the
/// path it was started from. A hint saying <c>edgemanage ctl …</c> to someone who has no <c>edgemanage</c> on PATH
/// was the first thing they could not copy and paste.
/// </summary>
public static class CommandHint
{
    /// <summary>The prefix for this process: its executable, PATH and working directory.</summary>
    public static string Prefix() => Prefix(Environment.ProcessPath, AppContext.BaseDirectory, Environment.GetEnvironmentVariable("PATH"),
        Environment.CurrentDirectory);

    /// <param name="processPath">The running executable (the apphost, or <c>dotnet</c> for <c>dotnet edgemanage.dll</c>).</param>
    /// <param name="baseDirectory">Where edgemanage.dll lives.</param>
    public static string Prefix(string? processPath, string baseDirectory, string? pathVariable, string currentDirectory)
    {
        if (processPath is null) return "edgemanage";
        var viaDotnet = Path.GetFileNameWithoutExtension(processPath) == "dotnet";
        var program = viaDotnet ? Path.Combine(baseDirectory, "edgemanage.dll") : processPath;
        if (!viaDotnet && OnPath(pathVariable, program)) return "edgemanage";
        // A build inside a clone: <root>/src/Node/bin/<configuration>/<framework>/
        var marker = $"{Path.DirectorySeparatorChar}src{Path.DirectorySeparatorChar}Node{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}";
        var at = program.LastIndexOf(marker, StringComparison.Ordinal);
        if (at >= 0)
        {
            var project = program[..(at + marker.Length - 5)];
            var relativeProject = Path.GetRelativePath(currentDirectory, project);
            return $"dotnet run --project {Quote(relativeProject.Length < project.Length ? relativeProject : project)} --";
        }
        var relative = Path.GetRelativePath(currentDirectory, program);
        if (!relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative) && !relative.Contains(Path.DirectorySeparatorChar))
            relative = "." + Path.DirectorySeparatorChar + relative;
        var shortest = relative.Length < program.Length ? relative : program;
        return viaDotnet ? $"dotnet {Quote(shortest)}" : Quote(shortest);
    }

    private static bool OnPath(string? pathVariable, string program)
    {
        foreach (var dir in (pathVariable ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "edgemanage");
            if (!File.Exists(candidate)) continue;
            return SameFile(candidate, program);
        }
        return false;
    }

    private static bool SameFile(string a, string b)
    {
        try
        {
            static string Resolve(string p) => new FileInfo(p).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(p);
            return string.Equals(Resolve(a), Resolve(b), StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static string Quote(string s) => s.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '$' or '\\') ? $"'{s.Replace("'", "'\\''")}'" : s;
}
