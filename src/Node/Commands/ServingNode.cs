using Edgemanage.Contracts.Edges;
using Edgemanage.Node.Admin;
using Edgemanage.Node.Hosting;
using static Edgemanage.Contracts.Admin.AdminRequests;
using static Edgemanage.Contracts.Edges.EdgeReplies;
using static Edgemanage.Contracts.Networks.NetworkReplies;

namespace Edgemanage.Node.Commands;

/// <summary>
/// The live state of a network from the node that serves it, when one does: cheaper than recovering the journal
/// (which at 5000 edges costs a second and hundreds of MB per call) and it knows what the journal cannot, such as a
/// DNS freeze. Null when no node serves the network or its ctl endpoint does not answer: read the journal then.
/// </summary>
public static class ServingNode
{
    public static async Task<(IReadOnlyList<EdgeReport> Reports, NetworkStatus Status)?> TryReadAsync(NetworkContext context, bool withReports,
        CancellationToken ct)
    {
        if (NetworkLock.ReadHolder(context.Paths.NetworkLock) is not { } holder || NetworkLock.AdminAddressOf(holder) is not { } node) return null;
        var network = context.Paths.Network;
        try
        {
            using var tls = AdminTls.ForClient(context.Settings);
            await using var client = await CtlClient.ConnectAsync(node, TimeSpan.FromSeconds(10), tls, ct);
            if (await client.AskAsync(new ShowNetwork(network), ct) is not NetworkStatus status) return null;
            if (!withReports) return ([], status);
            return await client.AskAsync(new GetReports(network), ct) is EdgeReports reports ? (reports.Edges, status) : null;
        }
        catch (CtlUnreachableException)
        {
            return null; // a stale holder line (the node crashed) or a node busy starting: the journal answers
        }
        catch (AdminTlsException)
        {
            return null; // a check run by a user who may not read the node's certificate: the journal answers
        }
    }
}
