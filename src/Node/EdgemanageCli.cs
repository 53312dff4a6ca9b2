using System.Reflection;
using System.CommandLine;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Commands;
using Edgemanage.Node.Hosting;

namespace Edgemanage.Node;

/// <summary>The <c>edgemanage</c> command: dispatches to sub-commands and turns failures into exit codes.</summary>
public static class EdgemanageCli
{
    public static string Version =>
        typeof(EdgemanageCli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>A command with no way to reload a serve from outside (the one-shot commands, and specs that need none).</summary>
    public static Task<int> MainAsync(string[] args, TextWriter output, TextWriter error, CancellationToken ct = default) =>
        MainAsync(args, output, error, new ServeControl(), ct);

    /// <param name="serveControl">How a serve started here is reloaded: Program.cs maps SIGHUP to it.</param>
    public static Task<int> MainAsync(string[] args, TextWriter output, TextWriter error, ServeControl serveControl, CancellationToken ct = default) =>
        MainAsync("edgemanage", args, output, error, serveControl, ct);

    /// <summary>The commands the original's programs were: a symlink of that name runs this command.</summary>
    public static IReadOnlyDictionary<string, string[]> OriginalPrograms { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["edge_manage"] = ["run"],
        ["edge_conf"] = ["edge", "mode"],
        ["edge_query"] = ["query"],
    };

    /// <param name="invokedAs">The program's name as started (argv[0]'s file name): edge_manage, edge_conf and
    /// edge_query behave as run, edge mode and query.</param>
    public static async Task<int> MainAsync(string invokedAs, string[] args, TextWriter output, TextWriter error, ServeControl serveControl,
        CancellationToken ct = default)
    {
        var program = Path.GetFileName(invokedAs);
        if (program.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) || program.EndsWith(".exe", StringComparison.OrdinalIgnoreCase))
            program = Path.GetFileNameWithoutExtension(program);
        if (OriginalPrograms.TryGetValue(program, out var prefix))
        {
            if (args is ["--version"]) return PrintVersion(output, program);
            args = [.. prefix, .. args];
        }
        else if (OriginalPrograms.FirstOrDefault(p => args.SequenceEqual([.. p.Value, "--version"])) is { Key: { } original })
        {
            // The packaged edge_manage, edge_conf and edge_query are wrappers (exec edgemanage run "$@"): their --version
            // arrives as 'run --version' and prints as the original's did.
            return PrintVersion(output, original);
        }
        else if (args is ["help", .. var topic])
        {
            args = [.. topic, "--help"];
        }

        var tree = new CommandTree(path => (cl, token) => Execute(path, cl, output, error, serveControl, token));
        var parsed = tree.Parse(args);
        var command = tree.PathOf(parsed);
        var hint = $"try '{(prefix is null ? $"edgemanage {command}".TrimEnd() : program)} --help'";
        if (args.Length == 0)
        {
            // No command: the help, on stderr (nothing was done), as a usage error.
            Help(tree, tree.Parse(["--help"]), error);
            return ExitCodes.UsageOrConfig;
        }
        if (CommandTree.WantsHelp(parsed) && parsed.UnmatchedTokens.Count == 0) return Help(tree, parsed, output);
        if (command.Length == 0 && parsed.GetValue(tree.VersionOption) && parsed.Errors.Count == 0 && parsed.UnmatchedTokens.Count == 0)
            return PrintVersion(output, "edgemanage");
        if (tree.ErrorOf(parsed) is { } usage)
        {
            // check is a Nagios plugin: a bad command line is UNKNOWN (exit 3) on stdout, not a usage error.
            if (command.StartsWith("check", StringComparison.Ordinal)) return CheckCommand.UsageError(command, usage, output, error);
            error.WriteLine($"edgemanage: {usage}");
            if (!usage.Contains("--help", StringComparison.Ordinal)) error.WriteLine(hint);
            return ExitCodes.UsageOrConfig;
        }
        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration
            {
                Output = output,
                Error = error,
                EnableDefaultExceptionHandler = false,
                // Program.cs handles Ctrl-C and SIGTERM (a round ends cleanly); System.CommandLine must not.
                ProcessTerminationTimeout = null,
            }, ct);
        }
        catch (UsageException e)
        {
            error.WriteLine($"edgemanage: {e.Message}");
            // A message that already points at --help stays one line (scripts and humans at 3 am read the first line).
            if (!e.Message.Contains("--help", StringComparison.Ordinal)) error.WriteLine(hint);
            return ExitCodes.UsageOrConfig;
        }
        catch (JournalRefusedException e)
        {
            // The gate has explained it (file, SQLite's words, what to do).
            return e.ExitCode;
        }
        catch (NetworkLockException e)
        {
            error.WriteLine($"edgemanage: {e.Message}; nothing was probed or written");
            return ExitCodes.Error;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            error.WriteLine("edgemanage: interrupted");
            return ExitCodes.Error;
        }
        catch (Exception e)
        {
            error.WriteLine($"edgemanage: {command} failed: {e.GetType().Name}: {e.Message}");
            return ExitCodes.Error;
        }
    }

    private static Task<int> Execute(string command, CommandLine cl, TextWriter output, TextWriter error, ServeControl serveControl,
        CancellationToken ct) => command switch
    {
        "run" => RunCommand.ExecuteAsync(cl, output, error, ct),
        "query" => QueryCommand.ExecuteAsync(cl, output, error, ct),
        "why" => WhyCommand.ExecuteAsync(cl, output, error, ct),
        "replay" => ReplayCommand.ExecuteAsync(cl, output, error, ct),
        "serve" => ServeCommand.ExecuteAsync(cl, output, error, serveControl, ct),
        "edge mode" => EdgeModeCommand.ExecuteAsync(cl, output, error, time: null, ct),
        "ctl" => CtlCommand.ExecuteAsync(cl, output, error, ct),
        "import-legacy" => ImportLegacyCommand.ExecuteAsync(cl, output, error, ct),
        "validate" => Task.FromResult(ValidateCommand.Execute(cl, output, error)),
        "demo" => DemoCommand.ExecuteAsync(cl, output, error, serveControl, ct),
        "version" => Task.FromResult(PrintVersion(output, "edgemanage")),
        "completion" => Task.FromResult(PrintCompletion(cl, output)),
        CommandTree.NetworkNamesCommand => Task.FromResult(PrintNetworkNames(cl, output)),
        _ when command.StartsWith("check ", StringComparison.Ordinal) => CheckCommand.ExecuteAsync(command["check ".Length..], cl, output, error, ct),
        _ => throw new InvalidOperationException($"no body for '{command}'"),
    };

    /// <summary>The generated help of the parsed command, then its notes (exit codes, defaults).</summary>
    private static int Help(CommandTree tree, ParseResult parsed, TextWriter output)
    {
        parsed.Invoke(new InvocationConfiguration { Output = output, Error = output, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
        if (tree.NotesOf(parsed.CommandResult.Command) is { } notes)
        {
            output.WriteLine(notes.TrimEnd());
            output.WriteLine();
        }
        return ExitCodes.Ok;
    }

    private static int PrintCompletion(CommandLine cl, TextWriter output)
    {
        var tree = new CommandTree();
        output.Write(cl.Positionals[0] == "zsh" ? tree.ZshCompletion() : tree.BashCompletion());
        return ExitCodes.Ok;
    }

    /// <summary>
    /// For the completion script's -A: the networks of the config's edgelist_dir, one per line. Says nothing at all
    /// when the config cannot be read, since whatever it printed would end up on the operator's command line.
    /// </summary>
    private static int PrintNetworkNames(CommandLine cl, TextWriter output)
    {
        var config = Configuration.ConfigLoader.Load(cl.Value("config") ?? NetworkContext.DefaultConfigPath);
        if (config.Settings is { } settings)
            foreach (var network in Configuration.NameRules.NetworksIn(settings.EdgeListDir)) output.WriteLine(network);
        return ExitCodes.Ok;
    }

    private static int PrintVersion(TextWriter output, string program)
    {
        output.WriteLine($"{program} {Version}");
        return ExitCodes.Ok;
    }
}
