using Edgemanage.Actors.Commands;
using Edgemanage.Contracts.Zones;

namespace Edgemanage.Actors.Zones;

/// <summary>
/// zone_check_command: run on every rendered zone before it replaces the published one, so a broken include file
/// or template never reaches named (the original wrote whatever it rendered).
/// </summary>
public sealed class ZoneChecker
{
    public const string DefaultCommand = "named-checkzone {zone} {file}";
    public const string Hook = "zone_check_command";

    private readonly IReadOnlyList<string> _argv;

    private ZoneChecker(string commandLine, IReadOnlyList<string> argv)
    {
        CommandLine = commandLine;
        _argv = argv;
    }

    /// <summary>The configured command line, with {zone} and {file} still in it.</summary>
    public string CommandLine { get; }

    /// <summary>
    /// null (key absent) → <see cref="DefaultCommand"/> when named-checkzone is on PATH, else no check;
    /// empty or blank → no check (the operator's explicit opt-out); anything else → that command.
    /// </summary>
    /// <exception cref="FormatException">The configured command has an unterminated quote (a configuration error).</exception>
    public static ZoneChecker? Create(string? configuredCommand) => Create(configuredCommand, Environment.GetEnvironmentVariable("PATH"));

    /// <summary>As <see cref="Create(string?)"/>, with the PATH to search given (for tests).</summary>
    public static ZoneChecker? Create(string? configuredCommand, string? searchPath)
    {
        if (configuredCommand is null)
            return FindOnPath("named-checkzone", searchPath) is null ? null : new ZoneChecker(DefaultCommand, ShellWords.Split(DefaultCommand));
        if (string.IsNullOrWhiteSpace(configuredCommand)) return null;
        return new ZoneChecker(configuredCommand, ShellWords.Split(configuredCommand));
    }

    /// <summary>
    /// Checks <paramref name="file"/> as zone <paramref name="zone"/>. The placeholders are substituted in each word
    /// AFTER splitting, so a path with spaces or quotes stays one argument. The outcome's Stderr holds the
    /// command's stdout and stderr (named-checkzone reports on stdout).
    /// </summary>
    public Task<CommandOutcome> CheckAsync(string zone, string file, TimeSpan timeout, CancellationToken ct)
    {
        var argv = _argv.Select(word => Substitute(word, zone, file)).ToList();
        return CommandRunner.RunAsync(Hook, Substitute(CommandLine, zone, file), argv, timeout, captureStdout: true, ct);
    }

    private static string Substitute(string text, string zone, string file) =>
        text.Replace("{zone}", zone, StringComparison.Ordinal).Replace("{file}", file, StringComparison.Ordinal);

    /// <summary>The full path of an executable <paramref name="program"/> in <paramref name="searchPath"/>, or null.</summary>
    internal static string? FindOnPath(string program, string? searchPath)
    {
        if (string.IsNullOrEmpty(searchPath)) return null;
        foreach (var dir in searchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, program);
            try
            {
                if (!File.Exists(candidate)) continue;
                if (OperatingSystem.IsWindows()) return candidate;
                const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
                if ((File.GetUnixFileMode(candidate) & anyExecute) != 0) return candidate;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                // An unreadable PATH entry is skipped, as the shell would.
            }
        }
        return null;
    }
}
