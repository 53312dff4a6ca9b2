using System.CommandLine;
using System.CommandLine.Parsing;
using Sym = System.CommandLine;

namespace Edgemanage.Node.Cli;

/// <summary>
/// What one command's body sees of its parsed command line: a small facade over System.CommandLine's
/// <see cref="ParseResult"/> (the tree in <see cref="CommandTree"/> parses and validates; a body asks for values by
/// option name). The accessors are the ones the bodies used with the old hand parser, so a body did not change.
/// </summary>
public sealed class CommandLine
{
    private readonly ParseResult _result;
    private readonly IReadOnlyDictionary<string, Sym.Option> _options;

    /// <summary>The positional words: a command's arguments (for ctl: the command words after <c>ctl</c>, then its arguments).</summary>
    public IReadOnlyList<string> Positionals { get; }

    internal CommandLine(ParseResult result, IReadOnlyDictionary<string, Sym.Option> options, IReadOnlyList<string> positionals)
    {
        _result = result;
        _options = options;
        Positionals = positionals;
    }

    /// <summary>
    /// An option a command declares: <paramref name="Name"/> is how the body asks for it; <paramref name="Short"/> and
    /// <paramref name="Long"/> are what users type (-A, --dnet: the original's spellings).
    /// </summary>
    public sealed record Option(string Name, string? Short, string? Long, bool TakesValue, bool Repeatable = false);

    public bool Flag(string name) => _options.TryGetValue(name, out var o) && o is Option<bool> flag && _result.GetValue(flag);

    public string? Value(string name) => _options.TryGetValue(name, out var o) && o is Option<string> one ? _result.GetValue(one) : null;

    public IReadOnlyList<string> Values(string name) =>
        _options.TryGetValue(name, out var o) && o is Option<string[]> many ? _result.GetValue(many) ?? [] : [];

    public string Required(string command, string name, string display) =>
        Value(name) ?? throw new UsageException($"{command}: {display} is required");

    public string OneOf(string command, string name, string display, string defaultValue, params string[] allowed)
    {
        var v = Value(name) ?? defaultValue;
        return allowed.Contains(v, StringComparer.Ordinal) ? v
            : throw new UsageException($"{command}: {display} must be one of {string.Join(", ", allowed)}, got '{v}'");
    }

    public int Int(string command, string name, string display, int defaultValue, int min, int max)
    {
        var v = Value(name);
        if (v is null) return defaultValue;
        return int.TryParse(v, out var n) && n >= min && n <= max ? n
            : throw new UsageException($"{command}: {display} must be a whole number from {min} to {max}, got '{v}'");
    }

    public void NoPositionals(string command)
    {
        if (Positionals.Count > 0) throw new UsageException($"{command}: unexpected argument '{Positionals[0]}'");
    }
}
