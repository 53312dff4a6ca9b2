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

    public static void WriteAtomically(string path, string content)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        // Not ending in .prom, so the collector ignores it while it is written.
        var temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            File.WriteAllText(temp, content, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Collects the node's metrics (as a scrape of it would) and writes them; returns the path, or null when off.</summary>
    public static async Task<string?> WriteAsync(EdgemanageNode node, EdgemanageSettings settings, string network, CancellationToken ct = default)
    {
        if (PathFor(settings, network) is not { } path) return null;
        var content = await NodeMetrics.RenderAsync([NodeMetrics.SourceFor(node, network, settings)], ct);
        WriteAtomically(path, content);
        return path;
    }
}
