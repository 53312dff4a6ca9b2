using Edgemanage.Node.Cli;
using Edgemanage.Node.Output;
using Opt = Edgemanage.Node.Cli.CommandLine.Option;

namespace Edgemanage.Node.Commands;

/// <summary>
/// <c>edgemanage why -A DNET [-c FILE] EDGE</c>: why is this edge live, or not: its reason, figures and the
/// substitutions that involved it. While a node serves the network it answers with its newest decision (serve records
/// one that says nothing new only every few minutes); otherwise the journal's last one does. Read-only.
/// </summary>
public static class WhyCommand
{
    internal static readonly Opt[] Options =
    [
        new("dnet", "-A", "--dnet", true),
        new("config", "-c", "--config", true),
    ];

    public static async Task<int> ExecuteAsync(CommandLine cl, TextWriter output, TextWriter error, CancellationToken ct = default)
    {
        var network = cl.Required("why", "dnet", "-A DNET");
        if (cl.Positionals.Count != 1) throw new UsageException("why: name exactly one EDGE");
        var edge = cl.Positionals[0];
        var context = NetworkContext.Load(cl.Value("config") ?? NetworkContext.DefaultConfigPath, network, error);
        if (context is null) return ExitCodes.UsageOrConfig;

        var decision = (await ServingNode.TryReadAsync(context, withReports: false, ct))?.Status.LastDecision
                       ?? (await QueryCommand.ReadStateAsync(context, ct, withReports: false, error, "why")).Decision;
        if (decision is null)
        {
            error.WriteLine($"edgemanage: no decision has been recorded for network {network} yet; run 'edgemanage run -A {network}' first");
            return ExitCodes.Error;
        }
        if (!context.Edges.Contains(edge) && decision.Edges.All(e => e.Edge != edge) && !decision.Live.Contains(edge))
        {
            error.WriteLine($"edgemanage: {edge} is not in the edge lists of {network} and was not part of its last decision");
            return ExitCodes.Error;
        }
        DecisionFormat.WriteWhy(output, decision, edge);
        return ExitCodes.Ok;
    }
}
