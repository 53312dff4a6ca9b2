using Akka.Actor;
using Edgemanage.Actors.Edges;
using Edgemanage.Actors.Logging;
using Edgemanage.Actors.Persistence;
using Edgemanage.Actors.Probing;
using Edgemanage.Contracts.Edges;
using Edgemanage.Contracts.Probing;
using Edgemanage.Node.Admin;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Hosting;
using static Edgemanage.Contracts.Edges.EdgeCommands;
using static Edgemanage.Contracts.Edges.EdgeReplies;
using static Edgemanage.Contracts.Admin.AdminReplies;
using static Edgemanage.Contracts.Admin.AdminRequests;
using Opt = Edgemanage.Node.Cli.CommandLine.Option;

namespace Edgemanage.Node.Commands;

/// <summary>
/// <c>edgemanage edge mode -A DNET [-c FILE] -m MODE [-C COMMENT] [--no-syslog] EDGE</c>: the original
/// edge_conf (original-edgemanage.md §1.2). The mode is persisted through the edge's history group, under
/// the network lock, so it never races a run writing the same journal.
/// </summary>
public static class EdgeModeCommand
{
    public const string CommentRequired = "Comment required for mode to be changed to anything but available.";

    internal static readonly Opt[] Options =
    [
        new("dnet", "-A", "--dnet", true),
        new("config", "-c", "--config", true),
        new("mode", "-m", "--mode", true),
        new("comment", "-C", "--comment", true),
        new("for", null, "--for", true),
        // Accepted for drop-in compatibility with edge_conf: the change goes to the operator log, never to syslog.
        new("no-syslog", null, "--no-syslog", false),
    ];

    public static Task<int> ExecuteAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken ct = default) =>
        ExecuteAsync(args, output, error, time: null, ct);

    /// <summary>edge mode with a command line of its own (the words after 'edge mode').</summary>
    public static Task<int> ExecuteAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, TimeProvider? time,
        CancellationToken ct = default) =>
        ExecuteAsync(CommandTree.Bind(["edge", "mode", .. args]), output, error, time, ct);

    /// <param name="time">The clock the expiry of <c>--for</c> is counted from (tests); the system clock when null.</param>
    public static async Task<int> ExecuteAsync(CommandLine cl, TextWriter output, TextWriter error, TimeProvider? time,
        CancellationToken ct = default)
    {
        var network = cl.Required("edge mode", "dnet", "-A DNET");
        var modeName = cl.Required("edge mode", "mode", "-m MODE");
        if (!EdgeValueNames.TryParseMode(modeName, out var mode))
            throw new UsageException($"edge mode: -m must be one of available, force, blindforce, unavailable; got '{modeName}'");
        var text = cl.Value("comment");
        // The original's rule and message; a missing required argument is a usage error here (exit 2, not 1).
        if (mode != EdgeMode.Available && string.IsNullOrWhiteSpace(text)) throw new UsageException(CommentRequired);
        TimeSpan? duration = null;
        if (cl.Value("for") is { } forText)
        {
            if (mode == EdgeMode.Available) throw new UsageException("edge mode: --for applies to force, blindforce and unavailable; available never expires");
            duration = DurationText.ParseOption("edge mode", forText);
        }
        var edge = cl.Positionals.Count switch
        {
            1 => cl.Positionals[0],
            0 => throw new UsageException("edge mode: EDGE is required"),
            _ => throw new UsageException($"edge mode: one EDGE at a time, got '{string.Join(' ', cl.Positionals)}'"),
        };

        var context = NetworkContext.Load(cl.Value("config") ?? NetworkContext.DefaultConfigPath, network, error);
        if (context is null) return ExitCodes.UsageOrConfig;
        if (!context.Edges.Contains(edge, StringComparer.Ordinal))
        {
            var lists = context.Paths.ExtraEdgeList is { } extra ? $"{context.Paths.EdgeList} or {extra}" : context.Paths.EdgeList;
            error.WriteLine($"edgemanage: edge {edge} is not listed in {lists}; no mode was set");
            return ExitCodes.UsageOrConfig;
        }
        var comment = text is null ? "" : $"[{OperatorName()}] {text}";

        using var log = NetworkContext.OpenLog(context.Settings, verbose: false);
        var evidence = JournalGate.PriorRunEvidence(context);
        if (!NetworkLock.TryAcquire(context.Paths.NetworkLock, $"edgemanage edge mode -A {network}", out var networkLock, out var holder))
        {
            // A serving node owns the journal: the change goes through it, so there is never a second writer.
            if (NetworkLock.AdminAddressOf(holder) is { } node)
                return await ThroughNodeAsync(node, context, new SetMode(network, edge, mode, comment,
                    duration is { } forNode ? (time ?? TimeProvider.System).GetUtcNow().Add(forNode).ToUnixTimeMilliseconds() : null,
                    AdminSecret.ForClient(context.Settings)), output, error, ct);
            error.WriteLine($"edgemanage: network {network} is locked by {holder} ({context.Paths.NetworkLock}); no mode was set");
            return ExitCodes.Locked;
        }
        using (networkLock)
        {
            // A mode is recorded in the journal: the gate first (a serving node was asked above; it has passed it).
            if (JournalGate.CheckSpace(context, error) is { } full) return full;
            if (JournalGate.Check(context, JournalGate.Access.Write, newJournal: false, evidence, output, error, "edge mode", networkLock) is { } refused)
                return refused;
            var journal = JournalTarget.For(context.Settings.Persistence, context.Paths.Journal);
            await using var node = await EdgemanageNode.StartAsync(context.Settings, network, context.Edges, NoProber.Instance, journal,
                time, cancellationToken: ct, log: log);
            // Recovery of the edge's history group comes first (the Ask waits behind it), so this bounds both.
            long? expires = duration is { } d ? (time ?? TimeProvider.System).GetUtcNow().Add(d).ToUnixTimeMilliseconds() : null;
            var reply = await node.NetworkEdges.Ask<object>(new SetEdgeMode(network, edge, mode, comment, expires), TimeSpan.FromSeconds(60), ct);
            switch (reply)
            {
                case EdgeModeSet set:
                    var until = set.ExpiresAtUnixMs is { } e ? $" until {Output.DecisionFormat.Time(e)}" : "";
                    log.Info(EdgeModeLog.Changed(edge, mode, comment, set.ExpiresAtUnixMs, throughCtl: false));
                    output.WriteLine($"Set mode for {edge} to {mode.Name()}{until}");
                    return ExitCodes.Ok;
                case EdgeModeRejected rejected:
                    error.WriteLine($"edgemanage: mode of {edge} not set: {rejected.Reason}");
                    return ExitCodes.Error;
                case Status.Failure failure:
                    error.WriteLine($"edgemanage: mode of {edge} not set: {failure.Cause.Message}");
                    return ExitCodes.Error;
                default:
                    error.WriteLine($"edgemanage: mode of {edge} not set: unexpected reply {reply.GetType().Name}");
                    return ExitCodes.Error;
            }
        }
    }

    private static async Task<int> ThroughNodeAsync(string node, NetworkContext context, SetMode request, TextWriter output, TextWriter error,
        CancellationToken ct)
    {
        try
        {
            using var tls = AdminTls.ForClient(context.Settings);
            await using var client = await CtlClient.ConnectAsync(node, TimeSpan.FromSeconds(30), tls, ct);
            switch (await client.AskAsync(request, ct))
            {
                case AdminAck ack:
                    output.WriteLine($"{ack.Message} (through the node serving {request.Network}, ctl at {node})");
                    return ExitCodes.Ok;
                case AdminError e:
                    error.WriteLine($"edgemanage: mode of {request.Edge} not set by the node serving {request.Network} ({node}): {e.Message}");
                    return e.Kind switch
                    {
                        AdminErrorKind.Denied => ExitCodes.Denied,
                        AdminErrorKind.NotFound => ExitCodes.NotFound,
                        AdminErrorKind.Unavailable => ExitCodes.Unreachable,
                        _ => ExitCodes.Error,
                    };
                case var other:
                    error.WriteLine($"edgemanage: mode of {request.Edge} not set: unexpected reply {other.GetType().Name} from {node}");
                    return ExitCodes.Error;
            }
        }
        catch (CtlUnreachableException u)
        {
            error.WriteLine($"edgemanage: network {request.Network} is served by a node whose ctl endpoint ({node}) does not answer: {u.Message}; " +
                            $"no mode was set (lock {context.Paths.NetworkLock})");
            return ExitCodes.Unreachable;
        }
        catch (AdminTlsException t)
        {
            error.WriteLine($"edgemanage: network {request.Network} is served by a node whose ctl endpoint ({node}) needs TLS: {t.Message}; no mode was set");
            return ExitCodes.UsageOrConfig;
        }
    }

    /// <summary>Who made the change, as edge_conf records it: the sudo caller rather than root when there is one.</summary>
    public static string OperatorName() =>
        Environment.GetEnvironmentVariable("SUDO_USER") is { Length: > 0 } sudoUser ? sudoUser : Environment.UserName;
}
