using System.Reflection;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Commands;
using Edgemanage.Node.Hosting;

namespace Edgemanage.Node;

/// <summary>The <c>edgemanage</c> command: dispatches to sub-commands and turns failures into exit codes.</summary>
public static class EdgemanageCli
{
    public const string Usage = """
        usage: edgemanage <command> [options]

        commands:
          demo           start a loopback demo fleet and run rounds against it (try this first)
          run            probe every edge of a network once, decide and publish its zones (the cron job)
          query          list edges and their persisted state (edge_query)
          serve          keep probing and deciding a network, publishing zones on change (long-running node)
          why            explain why an edge is, or is not, live (from the last decision)
          replay         re-decide a network's recorded decisions (or a trace) under the config or --set overrides
          edge mode      set an edge's mode: available, force, blindforce, unavailable (edge_conf)
          ctl            look at and steer a serving node: cluster, actors, networks, edges, modes, zones
          check          Nagios plugins: check rotation|integrity|latency -A DNET (exit 0 OK .. 3 UNKNOWN)
          import-legacy  import the original edgemanage's health files and statefile into the journal
          validate       check config, edge lists, canary file and zone includes without probing
          version        print the version

        'edgemanage <command> --help' shows a command's options.
        exit codes: 0 published or unchanged, 1 error, 2 usage or configuration error,
                    3 degraded (fewer than edge_count edges published, or a zone not published), 4 network locked;
                    ctl also: 5 node unreachable, 6 refused (admin secret), 7 no such network, edge or member
        """;

    public static string Version =>
        typeof(EdgemanageCli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>A command with no way to reload a serve from outside (the one-shot commands, and specs that need none).</summary>
    public static Task<int> MainAsync(string[] args, TextWriter output, TextWriter error, CancellationToken ct = default) =>
        MainAsync(args, output, error, new ServeControl(), ct);

    /// <param name="serveControl">How a serve started here is reloaded: Program.cs maps SIGHUP to it.</param>
    public static async Task<int> MainAsync(string[] args, TextWriter output, TextWriter error, ServeControl serveControl, CancellationToken ct = default)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            (args.Length == 0 ? error : output).WriteLine(Usage);
            return args.Length == 0 ? ExitCodes.UsageOrConfig : ExitCodes.Ok;
        }
        var command = args[0];
        var rest = args.Skip(1).ToArray();
        if (rest.Contains("--help") || rest.Contains("-h"))
        {
            output.WriteLine(CommandUsage(command) ?? Usage);
            return ExitCodes.Ok;
        }
        try
        {
            return command switch
            {
                "run" => await RunCommand.ExecuteAsync(rest, output, error, ct),
                "query" => await QueryCommand.ExecuteAsync(rest, output, error, ct),
                "why" => await WhyCommand.ExecuteAsync(rest, output, error, ct),
                "replay" => await ReplayCommand.ExecuteAsync(rest, output, error, ct),
                "serve" => await ServeCommand.ExecuteAsync(rest, output, error, serveControl, ct),
                "edge" => await EdgeModeCommand.ExecuteEdgeAsync(rest, output, error, ct),
                "ctl" => await CtlCommand.ExecuteAsync(rest, output, error, ct),
                "import-legacy" => await ImportLegacyCommand.ExecuteAsync(rest, output, error, ct),
                "validate" => ValidateCommand.Execute(rest, output, error),
                "check" => await CheckCommand.ExecuteAsync(rest, output, error, ct),
                "demo" => await DemoCommand.ExecuteAsync(rest, output, error, serveControl, ct),
                "version" or "--version" => PrintVersion(output),
                _ => throw new UsageException($"unknown command '{command}' (try 'edgemanage --help')"),
            };
        }
        catch (UsageException e)
        {
            error.WriteLine($"edgemanage: {e.Message}");
            // A message that already points at --help stays one line (scripts and humans at 3 am read the first line).
            if (CommandUsage(command) is { } usage && !e.Message.Contains("--help", StringComparison.Ordinal)) error.WriteLine(usage);
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

    private static string? CommandUsage(string command) => command switch
    {
        "run" => RunCommand.Usage,
        "query" => QueryCommand.Usage,
        "why" => WhyCommand.Usage,
        "replay" => ReplayCommand.Usage,
        "serve" => ServeCommand.Usage,
        "edge" => EdgeModeCommand.Usage,
        "ctl" => CtlCommand.Usage,
        "import-legacy" => ImportLegacyCommand.Usage,
        "validate" => ValidateCommand.Usage,
        "check" => CheckCommand.Usage,
        "demo" => DemoCommand.Usage,
        _ => null,
    };

    private static int PrintVersion(TextWriter output)
    {
        output.WriteLine($"edgemanage {Version}");
        return ExitCodes.Ok;
    }
}
