namespace Edgemanage.Node.Cli;

/// <summary>
/// A deliberately small getopt-style parser: the original's flags are short and long (-A/--dnet), values may
/// follow as the next word or after '=', and every mistake becomes a one-line <see cref="UsageException"/>.
/// Each command declares its options, so an unknown flag is always an error rather than silently ignored.
/// </summary>
public sealed class CommandLine
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _lists = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Positionals { get; }

    private CommandLine(List<string> positionals) => Positionals = positionals;

    public sealed record Option(string Name, string? Short, string? Long, bool TakesValue, bool Repeatable = false);

    public static CommandLine Parse(string command, IReadOnlyList<string> args, params Option[] options)
    {
        var positionals = new List<string>();
        var cl = new CommandLine(positionals);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                positionals.AddRange(args.Skip(i + 1));
                break;
            }
            if (!arg.StartsWith('-') || arg == "-")
            {
                positionals.Add(arg);
                continue;
            }
            string key = arg;
            string? inlineValue = null;
            var eq = arg.IndexOf('=');
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                key = arg[..eq];
                inlineValue = arg[(eq + 1)..];
            }
            else if (!arg.StartsWith("--", StringComparison.Ordinal) && arg.Length > 2)
            {
                // -Amynet: a short option with its value attached
                key = arg[..2];
                inlineValue = arg[2..];
            }
            var opt = options.FirstOrDefault(o => o.Short == key || o.Long == key)
                ?? throw new UsageException($"{command}: unknown option '{key}'");
            if (!opt.TakesValue)
            {
                if (inlineValue is not null) throw new UsageException($"{command}: option '{key}' takes no value");
                cl._flags.Add(opt.Name);
                continue;
            }
            var value = inlineValue ?? (i + 1 < args.Count ? args[++i] : throw new UsageException($"{command}: option '{key}' needs a value"));
            if (opt.Repeatable)
            {
                if (!cl._lists.TryGetValue(opt.Name, out var list)) cl._lists[opt.Name] = list = [];
                list.Add(value);
            }
            else if (!cl._values.TryAdd(opt.Name, value))
            {
                throw new UsageException($"{command}: option '{key}' given twice");
            }
        }
        return cl;
    }

    public bool Flag(string name) => _flags.Contains(name);

    public string? Value(string name) => _values.GetValueOrDefault(name);

    public IReadOnlyList<string> Values(string name) => _lists.GetValueOrDefault(name) ?? (IReadOnlyList<string>)[];

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
