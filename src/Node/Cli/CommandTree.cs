using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using Edgemanage.Node.Commands;
using Opt = Edgemanage.Node.Cli.CommandLine.Option;
using Sym = System.CommandLine;

namespace Edgemanage.Node.Cli;

/// <summary>
/// The whole command line as one System.CommandLine tree: every command, its options (scoped to it; ctl's connection
/// options are recursive), its arguments, its help. Options are declared by the commands (their <c>Options</c>
/// lists: the names a body asks for and the spellings users type); this file adds what help and validation need.
/// A parse error never reaches a body: <see cref="EdgemanageCli"/> prints it as one line, a hint, exit 2.
/// </summary>
public sealed class CommandTree
{
    /// <summary>How a body runs: its facade over the parse, and the token that interrupts it.</summary>
    public delegate Task<int> Body(CommandLine cl, CancellationToken ct);

    private sealed record Binding(string Path, IReadOnlyDictionary<string, Sym.Option> Options, IReadOnlyList<Argument> Arguments,
        IReadOnlyList<string> Words, string? Notes);

    /// <summary>Help and validation for one option (its spellings come from the command's declaration).</summary>
    private sealed record OptionHelp(string Description, string? ValueName = null, string[]? Allowed = null, int Min = 0, int Max = 0,
        bool Duration = false, bool Hidden = false);

    private readonly Dictionary<Command, Binding> _bindings = [];
    private readonly Dictionary<Sym.Option, string[]> _values = [];

    public Command Root { get; }

    /// <summary>The <c>--version</c> option of the root (System.CommandLine's own prints the build's commit hash too).</summary>
    public Option<bool> VersionOption { get; } = new("--version") { Description = "print the version" };

    /// <param name="bodies">Runs a command body; null runs nothing (to parse, print help or completion only).</param>
    public CommandTree(Func<string, Body>? bodies = null)
    {
        Body For(string path) => bodies?.Invoke(path) ?? ((_, _) => Task.FromResult(ExitCodes.Ok));
        Root = new Command("edgemanage", "Edgemanage: probes a network's edges, decides which are live and publishes them in DNS zones.");
        Root.Options.Add(new HelpOption());
        Root.Options.Add(VersionOption);
        Root.SetAction(_ => ExitCodes.Ok); // --version (EdgemanageCli prints it); without it a command is required
        Bind(Root, "", new Dictionary<string, Sym.Option>(), [], RootNotes);

        Leaf(Root, "demo", "start a loopback demo fleet and run rounds against it (try this first)", DemoCommand.Options, For("demo"),
            """
            --serve: instead of cron rounds, keep the demo fleet up and serve it as a long-running node until Ctrl-C,
            to try 'edgemanage ctl', the metrics endpoint and the Nagios checks against it
            --fleet-only: only the twelve loopback edges (127.0.0.2-127.0.0.13, port N, default 18080) until SIGTERM,
            serving FILE as the test object: what the packaged edgemanage-demo-fleet.service runs
            """);
        Leaf(Root, "run", "probe every edge of a network once, decide and publish its zones (the cron job; edge_manage)",
            RunCommand.Options, For("run"), ExitCodeNotes);
        Leaf(Root, "query", "list edges and their persisted state (edge_query)", QueryCommand.Options, For("query"));
        Leaf(Root, "serve", "keep probing and deciding networks, publishing zones on change (long-running node)",
            ServeCommand.Options, For("serve"),
            """
            The cluster options override the config's cluster: section (--cluster alone: a cluster with its defaults).
            SIGHUP re-reads the edge lists, canary file and zone includes; SIGTERM or Ctrl-C stops the node (exit 0).
            """);
        Leaf(Root, "why", "explain why an edge is, or is not, live (from the last decision)", WhyCommand.Options, For("why"), null,
            Rest("EDGE", "the edge"));
        Leaf(Root, "replay", "re-decide a network's recorded decisions (or a trace) under the config or --set overrides",
            ReplayCommand.Options, For("replay"));
        var edge = Group(Root, "edge", "change an edge (edge_conf)");
        Leaf(edge, "mode", "set an edge's mode: available, force, blindforce, unavailable (edge_conf)", EdgeModeCommand.Options,
            For("edge mode"), "A comment (-C) is required for every mode but available; the change is written to the operator log.",
            Rest("EDGE", "the edge"));
        BuildCtl(Root, For);
        var check = Group(Root, "check", "Nagios plugins: check rotation|integrity|latency -A DNET (exit 0 OK .. 3 UNKNOWN)", CheckNotes);
        HideOthers(Leaf(check, "rotation", "EDGE_ROTATE: substitutions of the live set in the last --window seconds (default 600); defaults -w 4 --critical 8",
            CheckCommand.Options, For("check rotation"), CheckNotes, Rest("ARGS", "", hidden: true)));
        HideOthers(Leaf(check, "integrity", "EDGE_TESTMATCH: edges and canaries whose last body did not match the test object; defaults -w 1 --critical 1",
            CheckCommand.Options, For("check integrity"), CheckNotes, Rest("ARGS", "", hidden: true)));
        HideOthers(Leaf(check, "latency", "ACTIVE_EDGE_LATENCY: the last fetch time of the slowest live edge (-a: of every edge); defaults -w 2.0 --critical 4.0",
            CheckCommand.Options, For("check latency"), CheckNotes, Rest("ARGS", "", hidden: true)));
        Leaf(Root, "import-legacy", "import the original edgemanage's health files and statefile into the journal",
            ImportLegacyCommand.Options, For("import-legacy"));
        Leaf(Root, "validate", "check config, edge lists, canary file and zone includes without probing", ValidateCommand.Options,
            For("validate"), "exit codes: 0 all inputs are good, 2 a problem was found (each is named with its file:line)");
        Leaf(Root, "version", "print the version", [], For("version"));
        var shell = new Argument<string>("SHELL") { Description = "bash or zsh" };
        shell.Validators.Add(r => OneOfError(r, r.GetValueOrDefault<string>(), "SHELL", ["bash", "zsh"]));
        _argumentValues[shell] = ["bash", "zsh"];
        Leaf(Root, "completion", "print a shell completion script: source <(edgemanage completion bash)", [], For("completion"), null, shell);
        Leaf(Root, NetworkNamesCommand, "print the networks of the config's edgelist_dir, one per line (the completion script's -A)",
            [new Opt("config", "-c", "--config", true)], For(NetworkNamesCommand)).Hidden = true;
    }

    private const string RootNotes = """
        'edgemanage <command> --help' shows a command's options; 'source <(edgemanage completion bash)' completes them.
        Installed as edge_manage, edge_conf or edge_query (a symlink), it behaves as run, edge mode or query.
        exit codes: 0 published or unchanged, 1 error, 2 usage or configuration error,
                    3 degraded (fewer than edge_count edges published, or a zone not published), 4 network locked;
                    ctl also: 5 node unreachable, 6 refused (admin secret), 7 no such network, edge or member;
                    check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also for a bad command line)
        """;

    private const string ExitCodeNotes = """
        exit codes: 0 published or unchanged, 1 error, 2 usage or configuration error,
                    3 degraded (fewer than edge_count edges published, or a zone not published), 4 network locked
        """;

    private const string CheckNotes = """
        Prints one line 'LABEL STATUS message | perfdata' and exits 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. Reads the
        network's journal read-only (also while serve runs). A value is WARNING from -w on and CRITICAL from --critical on.
        Exit code 3 (UNKNOWN), as the plugin API requires, also for a bad command line, bad thresholds, a broken config,
        a network with no journal yet, or any unexpected failure.
        """;

    private const string CtlNotes = """
        --node: default admin.host:admin.port of -c FILE, else $EDGEMANAGE_NODE, else 127.0.0.1:4050
        secret: --secret-file FILE, else $EDGEMANAGE_ADMIN_SECRET, else admin.secret / admin.secret_file of -c FILE
                (default {state_dir}/admin.secret, written by the node)
        TLS:    when the node's endpoint has admin.tls_certificate, ctl presents the same PKCS#12 file: --tls-certificate
                FILE, else admin.tls_certificate of -c FILE; its password $EDGEMANAGE_ADMIN_TLS_PASSWORD, else admin.tls_password
        exit codes: 0 done, 1 the node failed the command, 2 usage error, 5 node unreachable or silent,
                    6 refused (admin secret), 7 no such network, edge or member
        """;

    /// <summary>The hidden command the completion script runs to complete -A with the config's networks.</summary>
    public const string NetworkNamesCommand = "completion-networks";

    /// <summary>The completion value that stands for "the networks, asked of <see cref="NetworkNamesCommand"/>".</summary>
    private const string NetworksValue = "@networks";

    private static readonly string[] Modes = ["available", "force", "blindforce", "unavailable"];

    /// <summary>Help for options by name; "command/name" entries win over the plain name.</summary>
    private static readonly Dictionary<string, OptionHelp> Help = new(StringComparer.Ordinal)
    {
        ["dnet"] = new("the network (its edge list is edgelist_dir/DNET)", "DNET"),
        ["config"] = new("the config file (default /etc/edgemanage/edgemanage.yaml)", "FILE"),
        ["verbose"] = new("log at debug level to stderr"),
        ["dry-run"] = new("probe and decide, but write nothing"),
        ["json"] = new("print JSON"),
        ["new-journal"] = new("set an existing journal aside (renamed, never deleted) and start a new one: for a damaged journal, " +
            "or a missing or empty one where the network has clearly run before"),
        ["accept-shrink"] = new("publish even though the edge list lost more than max_edge_list_shrink of its edges since the last decision"),
        ["admin"] = new("where 'edgemanage ctl' reaches this node, overriding admin.host/admin.port (port 0: any free port)", "HOST:PORT|off"),
        ["metrics-listen"] = new("where GET /metrics is served, overriding metrics.listen (default 127.0.0.1:9469)", "HOST:PORT|off"),
        ["run/verbose"] = new("print the whole decision, not only changes"),
        ["run/force"] = new("accepted for edge_manage compatibility (there is no 30 s guard to bypass)"),
        ["run/force-update"] = new("rewrite every zone file even if nothing changed"),
        ["run/daemonise"] = new("replaced by 'edgemanage serve'", Hidden: true),
        ["query/health"] = new("only edges of this health (allpass: every health but fail)", "HEALTH|allpass",
            ["allpass", "pass_threshold", "pass_window", "pass_average", "pass", "fail", "untested"]),
        ["query/state"] = new("only edges in or out of the live set", "in|out", ["in", "out"]),
        ["query/mode"] = new("only edges in this mode", "MODE", Modes),
        ["query/format"] = new("the output format (default flat)", "flat|csv|json", ["flat", "csv", "json"]),
        ["query/quiet"] = new("print the edge names only"),
        ["query/verbose"] = new("print every field"),
        ["query/header"] = new("print a header line"),
        ["serve/dnet"] = new("a network to serve (repeatable; default: every edge list in edgelist_dir)", "DNET"),
        ["serve/cluster"] = new("join a cluster (with the config's cluster: section, or its defaults)"),
        ["serve/host"] = new("the cluster address of this node", "HOST"),
        ["serve/port"] = new("the cluster port of this node", "N", Min: 0, Max: 65535),
        ["serve/seed"] = new("a seed node (repeatable)", "HOST:PORT"),
        ["serve/roles"] = new("this node's roles", "vantage,decider"),
        ["serve/vantage"] = new("this node's vantage name", "NAME"),
        ["serve/source-address"] = new("the local address probes are sent from", "IP"),
        ["why/dnet"] = new("the network", "DNET"),
        ["replay/from"] = new("replay decisions from this time (ISO 8601 or unix seconds)", "T"),
        ["replay/to"] = new("replay decisions up to this time (ISO 8601 or unix seconds)", "T"),
        ["replay/set"] = new("override a setting for the replay (repeatable)", "KEY=VALUE"),
        ["replay/trace"] = new("replay a trace file (JSON lines) instead of the journal", "FILE"),
        ["replay/dnet"] = new("the network (not needed with --trace)", "DNET"),
        ["edge mode/mode"] = new("the mode", "MODE", Modes),
        ["edge mode/comment"] = new("why (required unless the mode is available)", "COMMENT"),
        ["edge mode/for"] = new("the mode reverts to available after DURATION (90s, 30m, 2h, 1d, 1h30m); not for available", "DURATION",
            Duration: true),
        ["edge mode/no-syslog"] = new("accepted for edge_conf compatibility (changes go to the operator log, never to syslog)"),
        ["import-legacy/statefile"] = new("the original's statefile (default: the config's statefile)", "PATH"),
        ["import-legacy/healthdata"] = new("the original's health files (default: the config's healthdata_store)", "DIR"),
        ["import-legacy/dry-run"] = new("report what would be imported, write nothing"),
        ["validate/dnet"] = new("check only this network (default: every edge list)", "DNET"),
        ["demo/dir"] = new("the demo's directory (default ./edgemanage-demo)", "DIR"),
        ["demo/rounds"] = new("how many rounds (default 3)", "N", Min: 1, Max: 50),
        ["demo/serve"] = new("serve the demo fleet as a long-running node until Ctrl-C (30 s in, a live edge starts refusing)"),
        ["demo/fleet-only"] = new("run only the twelve loopback edges until SIGTERM (edgemanage-demo-fleet.service)"),
        ["demo/port"] = new("--fleet-only: the fleet's port (default 18080)", "N", Min: 1, Max: 65535),
        ["demo/test-object"] = new("--fleet-only: the test object the edges serve (default: the demo's)", "FILE"),
        ["check/config"] = new("the config (default /etc/edgemanage/edgemanage.yaml); the critical level is --critical or -C", "FILE"),
        ["check/warning"] = new("the warning level", "N"),
        ["check/critical"] = new("the critical level (not below the warning level)", "N"),
        ["check/window"] = new("rotation: how far back to count (default 600)", "SECONDS"),
        ["check/all"] = new("latency: every edge, not only the live ones"),
        ["check/statefile"] = new("rotation, integrity: read the original edgemanage's statefile (JSON) instead of the journal", "FILE"),
        ["ctl/node"] = new("the node's ctl endpoint (default: see below)", "HOST:PORT"),
        ["ctl/config"] = new("the config, to find the node, its secret and TLS certificate", "FILE"),
        ["ctl/secret-file"] = new("the admin secret (for changing commands)", "FILE"),
        ["ctl/tls-certificate"] = new("the PKCS#12 certificate for a TLS endpoint", "FILE"),
        ["ctl/timeout"] = new("how long to wait for the node (default 10)", "SECONDS", Min: 1, Max: 600),
        ["ctl/depth"] = new("how many levels deep (default: all)", "DEPTH", Min: 0, Max: 100),
        ["ctl/comment"] = new("why (required unless the mode is available)", "COMMENT"),
        ["ctl/for"] = new("the mode reverts to available after DURATION (30m, 2h, 1d); not for available", "DURATION", Duration: true),
    };

    private void BuildCtl(Command root, Func<string, Body> bodies)
    {
        string[] globals = ["node", "config", "secret-file", "tls-certificate", "json", "timeout"];
        var ctl = Group(root, "ctl", "look at and steer a serving node: cluster, actors, networks, edges, modes, zones", CtlNotes);
        var recursive = new Dictionary<string, Sym.Option>(StringComparer.Ordinal);
        foreach (var o in CtlCommand.Options.Where(o => globals.Contains(o.Name)))
        {
            var option = Build(o, "ctl");
            option.Recursive = true;
            ctl.Options.Add(option);
            recursive[o.Name] = option;
        }
        var run = bodies("ctl");
        void CtlLeaf(Command parent, string name, string description, string[] options, params Argument[] arguments)
        {
            var command = new Command(name, description);
            parent.Subcommands.Add(command);
            var all = new Dictionary<string, Sym.Option>(recursive, StringComparer.Ordinal);
            foreach (var o in CtlCommand.Options.Where(o => options.Contains(o.Name)))
                command.Options.Add(all[o.Name] = Build(o, "ctl"));
            foreach (var a in arguments) command.Arguments.Add(a);
            var words = PathOf(command).Split(' ').Skip(1).ToArray();
            Bind(command, PathOf(command), all, arguments, CtlNotes, words);
            command.SetAction((r, ct) => run(Facade(r), ct));
        }
        var cluster = Group(ctl, "cluster", "the cluster's members");
        CtlLeaf(cluster, "show", "members, their status and roles, the leader", []);
        CtlLeaf(cluster, "leave", "ask a member to leave gracefully (needs the secret)", [], One("ADDR", "the member's address"));
        CtlLeaf(cluster, "down", "mark a member down (needs the secret)", [], One("ADDR", "the member's address"));
        CtlLeaf(cluster, "down-unreachable", "down every unreachable member (needs the secret)", []);
        var actor = Group(ctl, "actor", "the node's actors");
        CtlLeaf(actor, "hierarchy", "the node's actors, DEPTH levels deep (default: all)", ["depth"]);
        var net = Group(ctl, "net", "the networks this node serves");
        CtlLeaf(net, "list", "the networks this node serves", []);
        CtlLeaf(net, "show", "live set, last decision with reasons, throttle budget, frozen or not", [], One("DNET", "the network"));
        var edge = Group(ctl, "edge", "one edge of a network");
        CtlLeaf(edge, "show", "per-vantage history summary, votes, mode", [], One("DNET", "the network"), One("EDGE", "the edge"));
        var mode = One("MODE", "available|force|blindforce|unavailable");
        mode.Validators.Add(r => OneOfError(r, r.GetValueOrDefault<string>(), "MODE", Modes));
        _argumentValues[mode] = Modes;
        CtlLeaf(edge, "mode", "set an edge's mode; a comment is required except for available (needs the secret)", ["comment", "for"],
            One("DNET", "the network"), One("EDGE", "the edge"), mode);
        CtlLeaf(ctl, "why", "why the edge is, or is not, live", [], One("DNET", "the network"), One("EDGE", "the edge"));
        CtlLeaf(ctl, "zones", "serial, last write, check results, hook exit codes", [], One("DNET", "the network"));
    }

    private readonly Dictionary<Argument, string[]> _argumentValues = [];

    private static Argument<string> One(string name, string description) => new(name) { Description = description, Arity = ArgumentArity.ExactlyOne };

    private static Argument<string[]> Rest(string name, string description, bool hidden = false) =>
        new(name) { Description = description, Arity = ArgumentArity.ZeroOrMore, Hidden = hidden };

    private Command Group(Command parent, string name, string description, string? notes = null)
    {
        var command = new Command(name, description);
        parent.Subcommands.Add(command);
        Bind(command, PathOf(command), new Dictionary<string, Sym.Option>(), [], notes);
        return command;
    }

    /// <summary>
    /// A check's options that belong to other kinds (--window, -a, --statefile) stay parseable but out of its help and
    /// completion: the check itself then refuses them with a line that says which kinds they apply to, which tells the
    /// operator more than "unrecognized argument" would.
    /// </summary>
    private static void HideOthers(Command check)
    {
        foreach (var option in check.Options)
            if (CheckCommand.KindsOf(option.Name.TrimStart('-')) is { } kinds && !kinds.Contains(check.Name))
                option.Hidden = true;
    }

    private Command Leaf(Command parent, string name, string description, IEnumerable<Opt> options, Body run, string? notes = null,
        params Argument[] arguments)
    {
        var command = new Command(name, description);
        parent.Subcommands.Add(command);
        var path = PathOf(command);
        var built = new Dictionary<string, Sym.Option>(StringComparer.Ordinal);
        foreach (var o in options) command.Options.Add(built[o.Name] = Build(o, path));
        foreach (var a in arguments) command.Arguments.Add(a);
        Bind(command, path, built, arguments, notes);
        command.SetAction((r, ct) => run(Facade(r), ct));
        return command;
    }

    private void Bind(Command command, string path, IReadOnlyDictionary<string, Sym.Option> options, IReadOnlyList<Argument> arguments,
        string? notes, IReadOnlyList<string>? words = null) =>
        _bindings[command] = new Binding(path, options, arguments, words ?? [], notes);

    private static string PathOf(Command command)
    {
        var names = new List<string>();
        // A command's parents are known once it is added; the root ("edgemanage") is not part of the path.
        for (Symbol? s = command; s is Command c && c.Parents.Any(); s = c.Parents.FirstOrDefault()) names.Add(c.Name);
        names.Reverse();
        return string.Join(' ', names);
    }

    private Sym.Option Build(Opt o, string path)
    {
        var help = Help.GetValueOrDefault($"{path}/{o.Name}") ?? Help.GetValueOrDefault($"{path.Split(' ')[0]}/{o.Name}")
            ?? Help.GetValueOrDefault(o.Name) ?? new OptionHelp("");
        var name = o.Long ?? o.Short!;
        string[] aliases = o.Long is not null && o.Short is not null ? [o.Short] : [];
        var display = o.Short ?? o.Long!;
        Sym.Option option;
        if (!o.TakesValue)
            option = new Option<bool>(name, aliases) { Arity = ArgumentArity.Zero };
        else if (o.Repeatable)
            option = new Option<string[]>(name, aliases) { Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = false };
        else
        {
            var one = new Option<string>(name, aliases);
            one.Validators.Add(r =>
            {
                if (r.Tokens.Count != 1) return;
                var v = r.Tokens[0].Value;
                if (help.Allowed is { } allowed) OneOfError(r, v, display, allowed);
                if (help.Max > help.Min && !(int.TryParse(v, out var n) && n >= help.Min && n <= help.Max))
                    r.AddError($"{display} must be a whole number from {help.Min} to {help.Max}, got '{v}'");
                if (help.Duration && !DurationText.TryParse(v, out _, out var why))
                    r.AddError($"{display} must be a duration such as 90s, 30m, 2h, 1d or 1h30m; got '{v}' ({why})");
            });
            option = one;
        }
        option.Description = help.Description;
        option.HelpName = help.ValueName;
        option.Hidden = help.Hidden;
        if (help.Allowed is { } values) _values[option] = values;
        else if (o.Name == "dnet") _values[option] = [NetworksValue];
        return option;
    }

    private static void OneOfError(SymbolResult r, string? value, string display, string[] allowed)
    {
        if (value is not null && !allowed.Contains(value, StringComparer.Ordinal))
            r.AddError($"{display} must be one of {string.Join(", ", allowed)}; got '{value}'");
    }

    /// <summary>The body's view of a parse whose command is a leaf of this tree.</summary>
    public CommandLine Facade(ParseResult result)
    {
        var binding = _bindings[result.CommandResult.Command];
        var positionals = new List<string>(binding.Words);
        foreach (var a in binding.Arguments)
        {
            switch (a)
            {
                case Argument<string> one when result.GetValue(one) is { } v:
                    positionals.Add(v);
                    break;
                case Argument<string[]> many:
                    positionals.AddRange(result.GetValue(many) ?? []);
                    break;
            }
        }
        return new CommandLine(result, binding.Options, positionals);
    }

    /// <summary>The command's path below the root ("ctl net list"; "" for the root itself).</summary>
    public string PathOf(ParseResult result) => _bindings[result.CommandResult.Command].Path;

    /// <summary>The extra help text of a command (exit codes, defaults), printed after the generated help.</summary>
    public string? NotesOf(Command command) => _bindings.GetValueOrDefault(command)?.Notes;

    /// <summary>The parser's settings: no response files (an edge or file name may start with '@').</summary>
    public static ParserConfiguration Configuration => new() { ResponseFileTokenReplacer = null };

    public ParseResult Parse(IReadOnlyList<string> args) => Root.Parse(args, Configuration);

    /// <summary>
    /// Parses a whole command line for a body that calls another command's body (demo runs query and serve);
    /// a parse error is a <see cref="UsageException"/>.
    /// </summary>
    public static CommandLine Bind(params string[] args)
    {
        var tree = new CommandTree();
        var result = tree.Parse(args);
        if (tree.ErrorOf(result) is { } message) throw new UsageException(message);
        return tree.Facade(result);
    }

    /// <summary>The first thing wrong with a parse as "command: what" (one line), or null when it parsed.</summary>
    public string? ErrorOf(ParseResult result)
    {
        var command = result.CommandResult.Command;
        var path = _bindings[command].Path;
        string Prefixed(string message) => path.Length == 0 ? message : $"{path}: {message}";
        var groupOnly = command.Subcommands.Count > 0 && command.Action is null;
        if (result.UnmatchedTokens.Count > 0)
        {
            var token = result.UnmatchedTokens[0];
            if (token.StartsWith('-') && token.Length > 1) return Prefixed($"unknown option '{token.Split('=')[0]}'");
            if (command == Root) return $"unknown command '{token}' (try 'edgemanage --help')";
            if (groupOnly)
                return Prefixed($"unknown sub-command '{token}': one of {string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))} " +
                    $"(see 'edgemanage {path} --help')");
            return Prefixed($"unexpected argument '{token}'");
        }
        if (WantsHelp(result)) return null;
        if (groupOnly) return Prefixed($"a sub-command is required ({string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))})");
        // An argument never starts with '-' (the old parser's rule, kept): '--bogus' is an unknown option, not an EDGE;
        // after '--' anything goes.
        if (!result.Tokens.Any(t => t.Type == TokenType.DoubleDash)
            && result.CommandResult.Children.OfType<ArgumentResult>().SelectMany(a => a.Tokens).FirstOrDefault(t => t.Value.Length > 1 && t.Value.StartsWith('-')) is { } dashed)
            return Prefixed($"unknown option '{dashed.Value.Split('=')[0]}'");
        if (result.Errors.Count == 0) return null;
        var error = result.Errors[0];
        switch (error.SymbolResult)
        {
            case OptionResult o:
                return Prefixed(OptionError(o, error.Message));
            case ArgumentResult { Parent: OptionResult o }:
                return Prefixed(OptionError(o, error.Message));
            case ArgumentResult a when a.Tokens.Count < a.Argument.Arity.MinimumNumberOfValues:
                return Prefixed($"{a.Argument.Name} is required");
            case CommandResult c when c.Command.Arguments.FirstOrDefault(x => x.Arity.MinimumNumberOfValues > 0
                && c.Children.OfType<ArgumentResult>().All(r => r.Argument != x || r.Tokens.Count == 0)) is { } missing:
                return Prefixed($"{missing.Name} is required");
            default:
                return Prefixed(error.Message);
        }
    }

    private static string OptionError(OptionResult o, string message)
    {
        var key = o.IdentifierToken?.Value ?? o.Option.Name;
        if (o.Tokens.Count == 0 && o.Option.Arity.MinimumNumberOfValues > 0) return $"option '{key}' needs a value";
        if (o.Tokens.Count > 1 && o.Option.Arity.MaximumNumberOfValues == 1) return $"option '{key}' given twice";
        return message;
    }

    public static bool WantsHelp(ParseResult result) => result.Action is HelpAction;

    // --- shell completion -------------------------------------------------------------------------------------

    /// <summary>A bash completion script generated from this tree (static words: commands, options, their values).</summary>
    public string BashCompletion()
    {
        var commands = new List<(string Path, Command Command)>();
        void Walk(Command c, string path)
        {
            commands.Add((path, c));
            foreach (var s in c.Subcommands.Where(s => !s.Hidden)) Walk(s, path.Length == 0 ? s.Name : $"{path} {s.Name}");
        }
        Walk(Root, "");
        IEnumerable<Sym.Option> OptionsOf(Command c)
        {
            var own = c.Options.Where(o => !o.Hidden);
            var inherited = c.Parents.OfType<Command>().SelectMany(p => OptionsOf(p)).Where(o => o.Recursive && o is not HelpOption);
            return own.Concat(inherited).Distinct();
        }
        static IEnumerable<string> Names(Sym.Option o) => new[] { o.Name }.Concat(o.Aliases).Where(n => n.StartsWith('-'));
        static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";
        var w = new StringWriter { NewLine = "\n" };
        w.WriteLine("# bash completion for edgemanage (and edge_manage, edge_conf, edge_query), generated by 'edgemanage completion bash'");
        w.WriteLine("_edgemanage_subcommands() {");
        w.WriteLine("    case \"$1\" in");
        foreach (var (path, c) in commands.Where(x => x.Command.Subcommands.Count > 0))
            w.WriteLine($"        {Quote(path)}) echo {Quote(string.Join(' ', c.Subcommands.Where(s => !s.Hidden).Select(s => s.Name)))} ;;");
        w.WriteLine("    esac");
        w.WriteLine("}");
        w.WriteLine("_edgemanage_options() {");
        w.WriteLine("    case \"$1\" in");
        foreach (var (path, c) in commands)
            w.WriteLine($"        {Quote(path)}) echo {Quote(string.Join(' ', OptionsOf(c).SelectMany(Names).Append("--help").Distinct()))} ;;");
        w.WriteLine("    esac");
        w.WriteLine("}");
        w.WriteLine("# the options that take a value, and the values of those that have a fixed set");
        w.WriteLine("_edgemanage_value() {");
        w.WriteLine("    case \"$1|$2\" in");
        foreach (var (path, c) in commands)
        {
            foreach (var o in OptionsOf(c).Where(o => o.Arity.MaximumNumberOfValues > 0))
            {
                var values = _values.GetValueOrDefault(o) ?? [];
                w.WriteLine($"        {string.Join('|', Names(o).Select(n => Quote($"{path}|{n}")))}) echo {Quote("=" + string.Join(' ', values))} ;;");
            }
        }
        w.WriteLine("    esac");
        w.WriteLine("}");
        w.WriteLine("_edgemanage_arguments() {");
        w.WriteLine("    case \"$1\" in");
        foreach (var (path, c) in commands)
        {
            var values = c.Arguments.SelectMany(a => _argumentValues.GetValueOrDefault(a) ?? []).ToArray();
            if (values.Length > 0) w.WriteLine($"        {Quote(path)}) echo {Quote(string.Join(' ', values))} ;;");
        }
        w.WriteLine("    esac");
        w.WriteLine("}");
        w.WriteLine("""
            # -A's values: the networks of the config on the command line (-c), or of the default config, asked of
            # edgemanage itself (edge_conf and friends are symlinks beside it); nothing when it cannot tell
            _edgemanage_networks() {
                local self="${COMP_WORDS[0]}" config="" j
                case "${self##*/}" in
                    edge_manage|edge_conf|edge_query) if [[ "$self" == */* ]]; then self="${self%/*}/edgemanage"; else self=edgemanage; fi ;;
                esac
                for ((j = 1; j < COMP_CWORD; j++)); do
                    case "${COMP_WORDS[j]}" in
                        -c|--config) config="${COMP_WORDS[j+1]}" ;;
                        --config=*) config="${COMP_WORDS[j]#--config=}" ;;
                    esac
                done
                config="${config/#\~/$HOME}"
                "${self/#\~/$HOME}" completion-networks ${config:+-c "$config"} 2>/dev/null
            }
            _edgemanage() {
                local cur="${COMP_WORDS[COMP_CWORD]}" path="" i word subs value
                case "${COMP_WORDS[0]##*/}" in
                    edge_manage) path="run" ;;
                    edge_conf) path="edge mode" ;;
                    edge_query) path="query" ;;
                esac
                for ((i = 1; i < COMP_CWORD; i++)); do
                    word="${COMP_WORDS[i]}"
                    if [[ "$word" == -* ]]; then
                        # an option that takes its value as the next word (not -Avalue or --dnet=value)
                        if [[ "$word" != *=* ]] && [[ -n "$(_edgemanage_value "$path" "$word")" ]]; then ((i++)); fi
                        continue
                    fi
                    subs=" $(_edgemanage_subcommands "$path") "
                    if [[ "$subs" == *" $word "* ]]; then path="${path:+$path }$word"; fi
                done
                if ((COMP_CWORD > 1)) || [[ -n "$path" && COMP_CWORD -gt 0 ]]; then
                    value="$(_edgemanage_value "$path" "${COMP_WORDS[COMP_CWORD-1]}")"
                    if [[ "$value" == "=@networks" ]]; then value="=$(_edgemanage_networks)"; fi
                    if [[ -n "$value" ]]; then
                        COMPREPLY=($(compgen -W "${value#=}" -- "$cur"))
                        return 0
                    fi
                fi
                if [[ "$cur" == -* ]]; then
                    COMPREPLY=($(compgen -W "$(_edgemanage_options "$path")" -- "$cur"))
                else
                    COMPREPLY=($(compgen -W "$(_edgemanage_subcommands "$path") $(_edgemanage_arguments "$path")" -- "$cur"))
                fi
                return 0
            }
            complete -o default -F _edgemanage edgemanage edge_manage edge_conf edge_query
            """);
        return w.ToString();
    }

    /// <summary>zsh: its bash-completion emulation runs the bash script.</summary>
    public string ZshCompletion() =>
        "# zsh completion for edgemanage, generated by 'edgemanage completion zsh' (through zsh's bashcompinit)\n" +
        "autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n" + BashCompletion();
}
