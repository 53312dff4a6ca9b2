using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Networks;
using Edgemanage.Node.Admin;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Configuration;
using Edgemanage.Node.Output;
using static Edgemanage.Contracts.Admin.AdminReplies;
using static Edgemanage.Contracts.Admin.AdminRequests;
using static Edgemanage.Contracts.Networks.NetworkReplies;
using Opt = Edgemanage.Node.Cli.CommandLine.Option;

namespace Edgemanage.Node.Commands;

/// <summary>
/// <c>edgemanage ctl</c>: look at and steer a running node over Akka.Remote, the way pbm does for Akka.NET apps
/// (akka-style.md §4). One node answers for itself; changing commands need the node's admin secret.
/// </summary>
public static class CtlCommand
{
    public const string DefaultNode = "127.0.0.1:4050";


    internal static readonly Opt[] Options =
    [
        new("node", null, "--node", true),
        new("config", "-c", "--config", true),
        new("secret-file", null, "--secret-file", true),
        new("tls-certificate", null, "--tls-certificate", true),
        new("json", null, "--json", false),
        new("timeout", null, "--timeout", true),
        new("depth", "-d", "--depth", true),
        new("comment", "-C", "--comment", true),
        new("for", null, "--for", true),
    ];

    public static async Task<int> ExecuteAsync(CommandLine cl, TextWriter output, TextWriter error, CancellationToken ct = default)
    {
        var words = cl.Positionals;
        var config = LoadConfig(cl, error, out var configFailed);
        if (configFailed) return ExitCodes.UsageOrConfig;
        var request = Request(cl, words, config, out var render, out var jsonOf);
        var node = cl.Value("node") ?? NodeFrom(config) ?? Environment.GetEnvironmentVariable("EDGEMANAGE_NODE") ?? DefaultNode;
        var timeout = TimeSpan.FromSeconds(cl.Int("ctl", "timeout", "--timeout", 10, 1, 600));
        try
        {
            using var tls = AdminTls.ForClient(config, cl.Value("tls-certificate"));
            await using var client = await CtlClient.ConnectAsync(node, timeout, tls, ct);
            var reply = await client.AskAsync(request, ct);
            if (reply is AdminError e)
            {
                error.WriteLine($"edgemanage: ctl {string.Join(' ', words.Take(2))}: {e.Message}");
                return e.Kind switch
                {
                    AdminErrorKind.Denied => ExitCodes.Denied,
                    AdminErrorKind.NotFound => ExitCodes.NotFound,
                    AdminErrorKind.Invalid => ExitCodes.UsageOrConfig,
                    AdminErrorKind.Unavailable => ExitCodes.Unreachable,
                    _ => ExitCodes.Error,
                };
            }
            if (cl.Flag("json")) CtlFormat.WriteJson(output, jsonOf?.Invoke(reply) ?? reply);
            else render(output, reply);
            return ExitCodes.Ok;
        }
        catch (CtlUnreachableException u)
        {
            error.WriteLine($"edgemanage: ctl: {u.Message}");
            return ExitCodes.Unreachable;
        }
        catch (AdminTlsException t)
        {
            error.WriteLine($"edgemanage: ctl: {t.Message}");
            return ExitCodes.UsageOrConfig;
        }
    }

    /// <summary>Builds the request for the command words; <paramref name="render"/> prints its reply for humans.</summary>
    private static object Request(CommandLine cl, IReadOnlyList<string> words, Contracts.Config.EdgemanageSettings? config,
        out Action<TextWriter, object> render, out Func<object, object>? jsonOf)
    {
        jsonOf = null;
        string Arg(int i, string name) => i < words.Count ? words[i] : throw new UsageException($"ctl {words[0]} {words[1]}: {name} is required");
        void Exactly(int n)
        {
            if (words.Count > n) throw new UsageException($"ctl {string.Join(' ', words.Take(2))}: unexpected '{string.Join(' ', words.Skip(n))}'");
        }
        if (words.Count == 0) throw new UsageException("ctl: a command is required (try 'ctl cluster show' or 'ctl net list')");
        // why and zones are palettes of one word; the others are "palette command".
        var command = words[0] is "why" or "zones" || words.Count == 1 ? words[0] : $"{words[0]} {words[1]}";
        switch (command)
        {
            case "cluster show":
                Exactly(2);
                render = CtlFormat.WriteClusterStatus;
                return GetClusterStatus.Instance;
            case "cluster leave":
                Exactly(3);
                render = CtlFormat.WriteAck;
                return new LeaveCluster(Arg(2, "ADDR"), Secret(cl, config));
            case "cluster down":
                Exactly(3);
                render = CtlFormat.WriteAck;
                return new DownNode(Arg(2, "ADDR"), Secret(cl, config));
            case "cluster down-unreachable":
                Exactly(2);
                render = CtlFormat.WriteAck;
                return new DownUnreachable(Secret(cl, config));
            case "actor hierarchy":
                Exactly(2);
                render = CtlFormat.WriteHierarchy;
                return new GetActorHierarchy(cl.Int("ctl actor hierarchy", "depth", "-d", 0, 0, 100));
            case "net list":
                Exactly(2);
                render = CtlFormat.WriteNetworkList;
                return ListNetworks.Instance;
            case "net show":
                Exactly(3);
                render = CtlFormat.WriteNetworkStatus;
                return new ShowNetwork(Arg(2, "DNET"));
            case "edge show":
                Exactly(4);
                render = CtlFormat.WriteEdgeDetail;
                return new ShowEdge(Arg(2, "DNET"), Arg(3, "EDGE"));
            case "edge mode":
            {
                Exactly(5);
                var (mode, comment, expires) = ModeArguments(cl, Arg(4, "MODE"), "ctl edge mode");
                render = CtlFormat.WriteAck;
                return new SetMode(Arg(2, "DNET"), Arg(3, "EDGE"), mode, comment, expires, Secret(cl, config));
            }
            case "zones" when words.Count == 2:
                render = CtlFormat.WriteZones;
                return new ShowZones(words[1]);
            case "why" when words.Count == 3:
            {
                var edge = words[2];
                render = (o, reply) => CtlFormat.WriteWhy(o, (NetworkStatus)reply, edge);
                // The answer is about one edge: not the whole network's decision (half a megabyte at 5000 edges).
                jsonOf = reply => CtlFormat.WhyOf((NetworkStatus)reply, edge);
                return new ShowNetwork(words[1]);
            }
            case "zones" or "why":
                throw new UsageException(words[0] == "zones" ? "ctl zones: usage: zones DNET" : "ctl why: usage: why DNET EDGE");
            default:
                throw new UsageException($"ctl: unknown command '{string.Join(' ', words.Take(2))}' (see 'edgemanage ctl --help')");
        }
    }

    /// <summary>The edge_conf rules (a comment unless available; the "[user] text" form) plus an optional expiry.</summary>
    public static (EdgeMode Mode, string Comment, long? ExpiresAtUnixMs) ModeArguments(CommandLine cl, string modeName, string command)
    {
        if (!EdgeValueNames.TryParseMode(modeName, out var mode))
            throw new UsageException($"{command}: MODE must be one of available, force, blindforce, unavailable; got '{modeName}'");
        var text = cl.Value("comment");
        if (mode != EdgeMode.Available && string.IsNullOrWhiteSpace(text)) throw new UsageException(EdgeModeCommand.CommentRequired);
        long? expires = null;
        if (cl.Value("for") is { } forText)
        {
            if (mode == EdgeMode.Available) throw new UsageException($"{command}: --for applies to force, blindforce and unavailable; available never expires");
            expires = DateTimeOffset.UtcNow.Add(DurationText.ParseOption(command, forText)).ToUnixTimeMilliseconds();
        }
        return (mode, text is null ? "" : $"[{EdgeModeCommand.OperatorName()}] {text}", expires);
    }

    private static Contracts.Config.EdgemanageSettings? LoadConfig(CommandLine cl, TextWriter error, out bool failed)
    {
        failed = false;
        var path = cl.Value("config");
        if (path is null && !File.Exists(NetworkContext.DefaultConfigPath)) return null;
        var loaded = ConfigLoader.Load(path ?? NetworkContext.DefaultConfigPath);
        if (loaded.Settings is { } settings) return settings;
        // An explicit config must be right; the default one only helps find the node and secret.
        if (path is null) return null;
        foreach (var e in loaded.Errors) error.WriteLine(e);
        failed = true;
        return null;
    }

    private static string? NodeFrom(Contracts.Config.EdgemanageSettings? config) =>
        config is { Admin: { Enabled: true, Port: > 0 } admin } ? (admin.Host.Contains(':') ? $"[{admin.Host}]:{admin.Port}" : $"{admin.Host}:{admin.Port}") : null;

    private static string Secret(CommandLine cl, Contracts.Config.EdgemanageSettings? config)
    {
        if (cl.Value("secret-file") is { } file)
        {
            try
            {
                return AdminSecret.TryRead(file, strict: false) ?? throw new UsageException($"ctl: --secret-file {file} is missing or empty");
            }
            catch (AdminSecretException e)
            {
                throw new UsageException($"ctl: --secret-file: {e.Message}");
            }
        }
        return AdminSecret.ForClient(config);
    }
}
