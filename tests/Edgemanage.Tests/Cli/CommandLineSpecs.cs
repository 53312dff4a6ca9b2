using System.CommandLine;
using System.CommandLine.Help;
using System.Diagnostics;
using Edgemanage.Node;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Commands;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Cli;

/// <summary>
/// The command line as System.CommandLine parses it (issue 14): options belong to their command, values are typed
/// and checked before a body runs, every command has generated help, bash completes the tree, and the original's
/// program names still work. Nothing here probes or opens a journal: a usage error stops before any of that.
/// </summary>
public sealed class CommandLineSpecs
{
    private static async Task<EdgemanageProcess.Result> Run(string invokedAs, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await EdgemanageCli.MainAsync(invokedAs, args, stdout, stderr, new ServeControl());
        return new EdgemanageProcess.Result(code, stdout.ToString(), stderr.ToString());
    }

    private static string[] Lines(string text) => text.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');

    [Fact]
    public async Task An_option_of_another_command_is_a_usage_error_not_silently_ignored()
    {
        var result = await EdgemanageProcess.RunInProcessAsync("ctl", "net", "list", "--for", "2h");
        Assert.Equal(ExitCodes.UsageOrConfig, result.ExitCode);
        Assert.Equal(["edgemanage: ctl net list: unknown option '--for'", "try 'edgemanage ctl net list --help'"], Lines(result.Stderr));
        Assert.Equal("", result.Stdout);
    }

    [Theory]
    [InlineData("cluster", "show")]
    [InlineData("cluster", "leave", "akka.tcp://edgemanage@127.0.0.1:1")]
    [InlineData("cluster", "down", "akka.tcp://edgemanage@127.0.0.1:1")]
    [InlineData("cluster", "down-unreachable")]
    [InlineData("actor", "hierarchy", "-d", "2")]
    [InlineData("net", "list")]
    [InlineData("net", "show", "n")]
    [InlineData("edge", "show", "n", "e")]
    [InlineData("edge", "mode", "n", "e", "force", "-C", "why", "--for", "2h")]
    [InlineData("why", "n", "e")]
    [InlineData("zones", "n")]
    public void Ctls_connection_options_are_valid_before_and_after_every_ctl_command(params string[] words)
    {
        string[] global = ["--node", "127.0.0.1:1", "-c", "x.yaml", "--secret-file", "s", "--tls-certificate", "t.pfx", "--json", "--timeout", "3"];
        var tree = new CommandTree();
        foreach (var args in new string[][] { ["ctl", .. global, .. words], ["ctl", .. words, .. global] })
        {
            var parsed = tree.Parse(args);
            Assert.Null(tree.ErrorOf(parsed));
            var cl = tree.Facade(parsed);
            Assert.Equal("127.0.0.1:1", cl.Value("node"));
            Assert.True(cl.Flag("json"));
            Assert.Equal(3, cl.Int("ctl", "timeout", "--timeout", 10, 1, 600));
            Assert.Equal(words.TakeWhile(w => !w.StartsWith('-')), cl.Positionals);
        }
    }

    [Theory]
    [InlineData(new[] { "serve", "--port", "http" }, "serve: --port must be a whole number from 0 to 65535, got 'http'")]
    [InlineData(new[] { "ctl", "--timeout", "0", "net", "list" }, "ctl net list: --timeout must be a whole number from 1 to 600, got '0'")]
    [InlineData(new[] { "ctl", "actor", "hierarchy", "-d", "deep" }, "ctl actor hierarchy: -d must be a whole number from 0 to 100, got 'deep'")]
    [InlineData(new[] { "demo", "--rounds", "51" }, "demo: --rounds must be a whole number from 1 to 50, got '51'")]
    [InlineData(new[] { "query", "-A", "n", "-s", "sideways" }, "query: -s must be one of in, out; got 'sideways'")]
    [InlineData(new[] { "query", "-A", "n", "-m", "on" }, "query: -m must be one of available, force, blindforce, unavailable; got 'on'")]
    [InlineData(new[] { "edge", "mode", "-A", "n", "-m", "on", "e" }, "edge mode: -m must be one of available, force, blindforce, unavailable; got 'on'")]
    [InlineData(new[] { "ctl", "edge", "mode", "n", "e", "on", "-C", "x" }, "ctl edge mode: MODE must be one of available, force, blindforce, unavailable; got 'on'")]
    [InlineData(new[] { "ctl", "edge", "mode", "n", "e", "force", "-C", "x", "--for", "soon" }, "ctl edge mode: --for must be a duration such as")]
    [InlineData(new[] { "ctl", "net", "show" }, "ctl net show: DNET is required")]
    [InlineData(new[] { "ctl", "edge", "show", "n", "e", "extra" }, "ctl edge show: unexpected argument 'extra'")]
    [InlineData(new[] { "run", "-A", "a", "--dnet", "b" }, "run: option '-A' given twice")]
    [InlineData(new[] { "completion", "fish" }, "completion: SHELL must be one of bash, zsh; got 'fish'")]
    [InlineData(new[] { "edge" }, "edge: a sub-command is required (mode)")]
    [InlineData(new[] { "why", "-A", "n", "--bogus", "e" }, "why: unknown option '--bogus'")]
    public async Task A_bad_value_is_one_line_naming_the_command_then_a_hint_and_exit_2(string[] args, string message)
    {
        var result = await EdgemanageProcess.RunInProcessAsync(args);
        Assert.Equal(ExitCodes.UsageOrConfig, result.ExitCode);
        var lines = Lines(result.Stderr);
        Assert.StartsWith($"edgemanage: {message}", lines[0]);
        Assert.StartsWith("try 'edgemanage ", lines[^1]);
        Assert.EndsWith(" --help'", lines[^1]);
        Assert.InRange(lines.Length, 1, 2);
    }

    [Fact]
    public async Task A_bad_check_command_line_is_nagios_unknown_exit_3()
    {
        var result = await EdgemanageProcess.RunInProcessAsync("check", "latency", "-A", "n", "--window");
        Assert.Equal(3, result.ExitCode);
        Assert.Equal("ACTIVE_EDGE_LATENCY UNKNOWN check latency: option '--window' needs a value", result.Stdout.Trim());
    }

    [Fact]
    public void The_forms_that_worked_before_still_work()
    {
        Assert.Equal("mynet", CommandTree.Bind("run", "-Amynet").Value("dnet"));
        Assert.Equal("mynet", CommandTree.Bind("run", "--dnet=mynet").Value("dnet"));
        Assert.Equal("x.yaml", CommandTree.Bind("query", "-A", "n", "--config=x.yaml").Value("config"));
        Assert.True(CommandTree.Bind("run", "-A", "n", "-n", "-v", "--force", "--force-update").Flag("dry-run"));
        var serve = CommandTree.Bind("serve", "-Aa", "--dnet=b", "-A", "c", "--seed", "127.0.0.1:1", "--seed=127.0.0.1:2");
        Assert.Equal(["a", "b", "c"], serve.Values("dnet"));
        Assert.Equal(["127.0.0.1:1", "127.0.0.1:2"], serve.Values("seed"));
        Assert.Equal(["a=1", "b=2"], CommandTree.Bind("replay", "-A", "n", "--set", "a=1", "--set", "b=2").Values("set"));
        var mode = CommandTree.Bind("edge", "mode", "-A", "n", "-m", "force", "-C", "swap", "--no-syslog", "127.0.0.2");
        Assert.Equal(["127.0.0.2"], mode.Positionals);
        Assert.True(mode.Flag("no-syslog"));
        // After '--' a word that starts with '-' is an argument.
        Assert.Equal(["-odd"], CommandTree.Bind("why", "-A", "n", "--", "-odd").Positionals);
        // An '@' word is an edge or a file, not a response file.
        Assert.Equal(["@edge"], CommandTree.Bind("why", "-A", "n", "@edge").Positionals);
    }

    [Fact]
    public async Task Help_names_every_command_and_every_option()
    {
        var tree = new CommandTree();
        var root = await EdgemanageProcess.RunInProcessAsync("--help");
        Assert.Equal(ExitCodes.Ok, root.ExitCode);
        foreach (var command in tree.Root.Subcommands.Where(c => !c.Hidden)) Assert.Contains($"  {command.Name}", root.Stdout);
        Assert.Contains("exit codes:", root.Stdout);

        var checkedCommands = 0;
        async Task Walk(Command command, string[] path)
        {
            foreach (var sub in command.Subcommands.Where(s => !s.Hidden)) await Walk(sub, [.. path, sub.Name]);
            if (path.Length == 0) return;
            var help = await EdgemanageProcess.RunInProcessAsync([.. path, "--help"]);
            Assert.True(help.ExitCode == ExitCodes.Ok, help.ToString());
            Assert.Contains($"edgemanage {string.Join(' ', path)}", help.Stdout);
            foreach (var sub in command.Subcommands) Assert.Contains(sub.Name, help.Stdout);
            var options = command.Options.Concat(AncestorsOf(command).SelectMany(a => a.Options.Where(o => o.Recursive)));
            foreach (var option in options.Where(o => !o.Hidden)) Assert.Contains(option.Name, help.Stdout);
            checkedCommands++;
        }
        await Walk(tree.Root, []);
        Assert.True(checkedCommands >= 25, $"{checkedCommands} commands");

        // The notes kept from the old usage texts: exit codes and defaults.
        Assert.Contains("4 network locked", (await EdgemanageProcess.RunInProcessAsync("run", "--help")).Stdout);
        var ctlMode = (await EdgemanageProcess.RunInProcessAsync("ctl", "edge", "mode", "--help")).Stdout;
        Assert.Contains("<MODE>", ctlMode);
        Assert.Contains("--secret-file", ctlMode);
        Assert.Contains("6 refused (admin secret)", ctlMode);
        Assert.Contains("3 UNKNOWN", (await EdgemanageProcess.RunInProcessAsync("check", "rotation", "--help")).Stdout);
    }

    [Fact]
    public void Every_command_option_and_argument_says_what_it_is_for()
    {
        var missing = new List<string>();
        void Walk(Command command, string path)
        {
            if (string.IsNullOrWhiteSpace(command.Description)) missing.Add(path);
            foreach (var o in command.Options.Where(o => !o.Hidden && string.IsNullOrWhiteSpace(o.Description))) missing.Add($"{path} {o.Name}");
            foreach (var a in command.Arguments.Where(a => !a.Hidden && string.IsNullOrWhiteSpace(a.Description))) missing.Add($"{path} {a.Name}");
            foreach (var sub in command.Subcommands) Walk(sub, $"{path} {sub.Name}");
        }
        Walk(new CommandTree().Root, "edgemanage");
        Assert.Empty(missing);
    }

    private static IEnumerable<Command> AncestorsOf(Command command)
    {
        for (var p = command.Parents.OfType<Command>().FirstOrDefault(); p is not null; p = p.Parents.OfType<Command>().FirstOrDefault())
            yield return p;
    }

    [Fact]
    public async Task No_command_prints_the_help_on_stderr_and_exits_2()
    {
        var result = await EdgemanageProcess.RunInProcessAsync();
        Assert.Equal(ExitCodes.UsageOrConfig, result.ExitCode);
        Assert.Contains("Commands:", result.Stderr);
        Assert.Equal("", result.Stdout);
        Assert.Equal($"edgemanage {EdgemanageCli.Version}\n", (await EdgemanageProcess.RunInProcessAsync("--version")).Stdout.ReplaceLineEndings("\n"));
        Assert.Equal($"edgemanage {EdgemanageCli.Version}\n", (await EdgemanageProcess.RunInProcessAsync("version")).Stdout.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task The_originals_program_names_run_their_commands()
    {
        var manage = await Run("/usr/local/bin/edge_manage", "--version");
        Assert.Equal($"edge_manage {EdgemanageCli.Version}\n", manage.Stdout.ReplaceLineEndings("\n"));
        Assert.Equal(ExitCodes.Ok, manage.ExitCode);

        // The packaged wrappers run 'edgemanage run "$@"' (packaging/): the same answer.
        Assert.Equal($"edge_manage {EdgemanageCli.Version}\n", (await Run("edgemanage", "run", "--version")).Stdout.ReplaceLineEndings("\n"));
        Assert.Equal($"edge_conf {EdgemanageCli.Version}\n", (await Run("edgemanage", "edge", "mode", "--version")).Stdout.ReplaceLineEndings("\n"));
        Assert.Equal($"edge_query {EdgemanageCli.Version}\n", (await Run("edge_query", "--version")).Stdout.ReplaceLineEndings("\n"));

        var run = await Run("edge_manage");
        Assert.Equal(ExitCodes.UsageOrConfig, run.ExitCode);
        Assert.Equal(["edgemanage: run: -A DNET is required", "try 'edge_manage --help'"], Lines(run.Stderr));

        var query = await Run("/usr/bin/edge_query", "-A", "n", "-f", "xml");
        Assert.Equal(ExitCodes.UsageOrConfig, query.ExitCode);
        Assert.StartsWith("edgemanage: query: -f must be one of flat, csv, json", query.Stderr);

        var conf = await Run("edge_conf", "-A", "n", "-m", "force", "127.0.0.2");
        Assert.Equal(ExitCodes.UsageOrConfig, conf.ExitCode);
        Assert.Contains(EdgeModeCommand.CommentRequired, conf.Stderr);

        var help = await Run("edge_conf", "--help");
        Assert.Contains("edgemanage edge mode", help.Stdout);
        Assert.Contains("--no-syslog", help.Stdout);

        // Any other name (edgemanage, the dll under dotnet, a renamed copy) is edgemanage itself.
        Assert.Equal(ExitCodes.Ok, (await Run("/opt/edgemanage/edgemanage.dll", "version")).ExitCode);
    }

    /// <summary>
    /// Bash lines that complete <paramref name="words"/> as bash fills COMP_WORDS for "edgemanage ctl net &lt;TAB&gt;" and
    /// friends (the last word is the one being completed), then print one completion per line and a "---" line.
    /// </summary>
    private static string Complete(params string[] words) =>
        $"COMP_WORDS=({string.Join(' ', words.Select(w => $"'{w}'"))}); COMP_CWORD={words.Length - 1}; COMPREPLY=(); _edgemanage; " +
        "printf '%s\\n' \"${COMPREPLY[@]}\"; echo ---\n";

    private static async Task<(int Code, string Stdout, string Stderr)> Bash(string script)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("--norc");
        psi.ArgumentList.Add("-s");
        using var bash = Process.Start(psi)!;
        await bash.StandardInput.WriteAsync(script);
        bash.StandardInput.Close();
        var stdout = bash.StandardOutput.ReadToEndAsync();
        var stderr = bash.StandardError.ReadToEndAsync();
        await bash.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        return (bash.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Completion_bash_is_a_script_bash_accepts_that_completes_the_command_tree()
    {
        var result = await EdgemanageProcess.RunInProcessAsync("completion", "bash");
        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        using var dir = new TempDir();
        var script = Path.Combine(dir.Path, "edgemanage.bash");
        await File.WriteAllTextAsync(script, result.Stdout);

        var syntax = await Bash($"bash -n '{script}'\n");
        Assert.True(syntax.Code == 0, syntax.Stderr);

        var run = await Bash($"source '{script}'\ncomplete -p edgemanage edge_conf\n" +
            Complete("edgemanage", "ctl", "net", "") +
            Complete("edgemanage", "") +
            Complete("edgemanage", "query", "-A", "n", "-f", "") +
            Complete("edge_conf", "-m", "") +
            Complete("edgemanage", "ctl", "--node", "127.0.0.1:4050", "edge", "") +
            Complete("edgemanage", "ctl", "net", "list", "--") +
            Complete("edgemanage", "ctl", "edge", "mode", "n", "e", "--f") +
            Complete("edgemanage", "run", "--d"));
        Assert.True(run.Code == 0, run.Stderr);
        var parts = run.Stdout.Split("---\n");
        Assert.Contains("complete -o default -F _edgemanage edgemanage", parts[0]);
        Assert.Equal(["list", "show"], Lines(parts[0]).Skip(2));
        Assert.Contains("ctl", Lines(parts[1]));
        Assert.Contains("completion", Lines(parts[1]));
        Assert.Equal(["flat", "csv", "json"], Lines(parts[2]));
        Assert.Equal(["available", "force", "blindforce", "unavailable"], Lines(parts[3]));
        Assert.Equal(["show", "mode"], Lines(parts[4]));
        Assert.Contains("--node", Lines(parts[5]));
        Assert.DoesNotContain("--for", Lines(parts[5]));
        Assert.Contains("--for", Lines(parts[6]));
        Assert.Equal(["--dnet", "--dry-run"], Lines(parts[7]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Completion_offers_the_networks_of_the_config_on_the_command_line_for_dash_A()
    {
        using var dir = new TempDir();
        var config = "";
        foreach (var network in new[] { "beta", "alpha" })
            config = DemoWorkspace.Write(dir.Path, network, 1, [1], ["127.0.0.2"]);
        await File.WriteAllTextAsync(Path.Combine(dir.Path, "edges", ".alpha.swp"), ""); // an editor's, not a network
        // edgemanage on PATH as the package installs it, with edge_conf a symlink beside it.
        var bin = Directory.CreateDirectory(Path.Combine(dir.Path, "bin")).FullName;
        var self = Path.Combine(bin, "edgemanage");
        await File.WriteAllTextAsync(self, $"#!/bin/sh\nexec dotnet '{Path.Combine(AppContext.BaseDirectory, "edgemanage.dll")}' \"$@\"\n");
        File.SetUnixFileMode(self, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.CreateSymbolicLink(Path.Combine(bin, "edge_conf"), self);
        var script = Path.Combine(dir.Path, "edgemanage.bash");
        await File.WriteAllTextAsync(script, (await EdgemanageProcess.RunInProcessAsync("completion", "bash")).Stdout);

        var run = await Bash($"export PATH='{bin}':\"$PATH\"\nsource '{script}'\n" +
            Complete("edgemanage", "run", "-c", config, "-A", "") +
            Complete("edgemanage", "query", "--config=" + config, "--dnet", "a") +
            Complete(Path.Combine(bin, "edge_conf"), "-c", config, "-A", "") +
            Complete("edgemanage", "run", "-c", Path.Combine(dir.Path, "missing.yaml"), "-A", ""));
        Assert.True(run.Code == 0, run.Stderr);
        var parts = run.Stdout.Split("---\n");
        Assert.Equal(["alpha", "beta"], Lines(parts[0]));
        Assert.Equal(["alpha"], Lines(parts[1]));
        Assert.Equal(["alpha", "beta"], Lines(parts[2]));
        Assert.Equal("", parts[3].Trim()); // a config it cannot read: nothing, not an error on the command line
    }

    [Theory]
    [InlineData("rotation", new[] { "--window", "--statefile" }, new[] { "--all" })]
    [InlineData("integrity", new[] { "--statefile" }, new[] { "--window", "--all" })]
    [InlineData("latency", new[] { "--all" }, new[] { "--window", "--statefile" })]
    public async Task A_check_offers_only_the_options_of_its_kind_and_refuses_another_kinds_with_a_line_that_says_whose(
        string kind, string[] offered, string[] others)
    {
        var help = await EdgemanageProcess.RunInProcessAsync("check", kind, "--help");
        Assert.Equal(ExitCodes.Ok, help.ExitCode);
        foreach (var option in offered) Assert.Contains(option, help.Stdout);
        foreach (var option in others) Assert.DoesNotContain(option, help.Stdout);

        foreach (var option in others)
        {
            string[] args = option == "--all" ? ["check", kind, "-A", "n", option] : ["check", kind, "-A", "n", option, "5"];
            var refused = await EdgemanageProcess.RunInProcessAsync(args);
            Assert.True(refused.ExitCode == 3, refused.ToString());
            Assert.Contains("applies to", refused.Stdout);
        }
    }

    [Fact]
    public async Task Completion_zsh_loads_the_bash_script_through_bashcompinit()
    {
        var result = await EdgemanageProcess.RunInProcessAsync("completion", "zsh");
        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("bashcompinit", result.Stdout);
        Assert.Contains("complete -o default -F _edgemanage edgemanage", result.Stdout);
    }
}
