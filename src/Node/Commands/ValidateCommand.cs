using Edgemanage.Node.Cli;
using Edgemanage.Node.Configuration;
using Opt = Edgemanage.Node.Cli.CommandLine.Option;

namespace Edgemanage.Node.Commands;

/// <summary>
/// <c>edgemanage validate -c FILE [-A DNET]</c>: checks the config, and the edge lists, canary file and zone
/// includes of one network (or of every network in edgelist_dir), without probing or writing anything.
/// </summary>
public static class ValidateCommand
{
    internal static readonly Opt[] Options =
    [
        new("dnet", "-A", "--dnet", true),
        new("config", "-c", "--config", true),
    ];

    public static int Execute(CommandLine cl, TextWriter output, TextWriter error)
    {
        cl.NoPositionals("validate");
        var network = cl.Value("dnet");
        if (network is not null && NameRules.CheckNetworkName(network) is not null)
            throw new UsageException($"validate: network name '{network}' is not usable as a file name");
        var report = NetworkValidator.Validate(cl.Value("config") ?? NetworkContext.DefaultConfigPath, network);
        report.WriteSummary(report.Ok ? output : error);
        return report.Ok ? ExitCodes.Ok : ExitCodes.UsageOrConfig;
    }
}
