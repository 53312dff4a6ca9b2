using Edgemanage.Contracts.Config;

namespace Edgemanage.Node.Hosting;

/// <summary>
/// run: the round's metrics as a file for node_exporter's textfile collector, written atomically (a temporary file
/// beside it, mode 0644, then renamed over it) so the collector never reads half a file. Counters in it count that
/// run only (a new ActorSystem per run); gauges are the state after the round.
/// </summary>
public static class MetricsTextfile
{
    /// <summary><c>metrics.textfile</c> ({dnet} substituted), by default {state_dir}/{dnet}.prom; null when off.</summary>
    public static string? PathFor(EdgemanageSettings settings, string network)
    {
        if (settings.Metrics.TextfileOff) return null;
        var template = settings.Metrics.Textfile ?? Path.Combine(settings.StateDir, "{dnet}.prom");
        return template.Replace("{dnet}", network, StringComparison.Ordinal);
    }

    /// <summary>Mode 0644 whatever the umask; through <see cref="Actors.Files.OwnFiles"/>, so a link planted at the path is replaced, not followed.</summary>
    public static void WriteAtomically(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        Actors.Files.OwnFiles.WriteAtomically(path, content, Actors.Files.OwnFiles.Readable);
    }

    /// <summary>Collects the node's metrics (as a scrape of it would) and writes them; returns the path, or null when off.</summary>
    public static async Task<string?> WriteAsync(EdgemanageNode node, EdgemanageSettings settings, string network, CancellationToken ct = default)
    {
        if (PathFor(settings, network) is not { } path) return null;
        var text = await NodeMetrics.CollectAllAsync([NodeMetrics.SourceFor(node, network, settings)], ct);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        // Straight to the file: at a thousand edges the exposition is over a megabyte, not worth a string of its own.
        // Not flushed to disk: the next round rewrites it, and node_exporter reads an empty file as no samples.
        Actors.Files.OwnFiles.WriteAtomically(path, stream => text.WriteTo(stream), Actors.Files.OwnFiles.Readable, durable: false);
        return path;
    }
}
