using Edgemanage.Actors.Logging;
using Edgemanage.Actors.Probing;
using Edgemanage.Contracts.Config;
using Edgemanage.Node.Cli;
using Edgemanage.Node.Configuration;

namespace Edgemanage.Node.Commands;

/// <summary>
/// The validated inputs of one network: settings, its paths and its edges. Loading reports every problem
/// of the config and edge lists at once, and nothing is probed or written when any of them is an error.
/// </summary>
public sealed record NetworkContext(EdgemanageSettings Settings, NetworkPaths Paths, IReadOnlyList<string> Edges, ConfigLoadResult Config)
{
    public const string DefaultConfigPath = "/etc/edgemanage/edgemanage.yaml";

    /// <summary>Returns null after printing the problems to <paramref name="error"/>; the caller exits with 2.</summary>
    public static NetworkContext? Load(string configPath, string network, TextWriter error)
    {
        if (NameRules.CheckNetworkName(network) is not null)
        {
            error.WriteLine($"edgemanage: network name '{network}' is not usable as a file name (letters, digits, '.', '_', '-' only)");
            return null;
        }
        var config = ConfigLoader.Load(configPath);
        foreach (var w in config.Warnings) error.WriteLine(w);
        if (!config.Ok)
        {
            foreach (var e in config.Errors) error.WriteLine(e);
            error.WriteLine($"edgemanage: {Plural(config.Errors.Count, "error")} in the configuration; nothing was probed or written");
            return null;
        }
        var settings = config.Settings!;
        // The same file-system checks as validate (one path): a wrong kind is a config error here too, not a crash later.
        var inputProblems = InputChecks.Check(settings, config).Concat(InputChecks.CheckNetwork(settings, settings.ForNetwork(network), config)).ToList();
        if (inputProblems.Count > 0)
        {
            foreach (var e in inputProblems) error.WriteLine(e);
            error.WriteLine($"edgemanage: {Plural(inputProblems.Count, "error")} in the configuration; nothing was probed or written");
            return null;
        }
        var edges = NetworkEdges.Load(settings, network);
        foreach (var w in edges.Warnings) error.WriteLine(w);
        if (!edges.Ok)
        {
            foreach (var e in edges.Errors) error.WriteLine(e);
            error.WriteLine($"edgemanage: {Plural(edges.Errors.Count, "error")} in the edge lists of {network}; nothing was probed or written");
            return null;
        }
        if (edges.Edges.Count == 0)
            error.WriteLine($"edgemanage: warning: the edge lists of {network} name no edge; there is nothing to probe");
        return new NetworkContext(settings, settings.ForNetwork(network), edges.Edges, config);
    }

    /// <summary>The MD5 every probe must match; null after printing where the config names the unreadable file.</summary>
    public byte[]? HashTestObject(TextWriter error)
    {
        try
        {
            return System.Security.Cryptography.MD5.HashData(ReadTestObject(Settings));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var (line, col) = Config.Locate("testobject.local");
            error.WriteLine(new ConfigProblem(Settings.SourcePath, line, col, e.Message));
            return null;
        }
    }

    /// <summary>
    /// The test object's bytes, read like every other input: a regular file, at most body_max_bytes (a bigger one
    /// could never match a probe's body, which is cut off there).
    /// </summary>
    public static byte[] ReadTestObject(EdgemanageSettings settings) =>
        Actors.Inputs.InputFile.ReadBytes(settings.TestObject.Local, "testobject.local", settings.Probe.BodyMaxBytes);

    /// <summary>Null, or the located error that makes testobject.local unusable; validate and run both ask this.</summary>
    public static ConfigProblem? TestObjectProblem(EdgemanageSettings settings, ConfigLoadResult config)
    {
        try
        {
            ReadTestObject(settings);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var (line, col) = config.Locate("testobject.local");
            var missing = Actors.Inputs.InputFile.IsMissing(settings.TestObject.Local);
            return new ConfigProblem(settings.SourcePath, line, col,
                missing ? $"testobject.local '{settings.TestObject.Local}' cannot be read: it does not exist" : e.Message);
        }
    }

    /// <summary>The prober of a round or a node: HTTP(S) to each address, bounded in flight and in start rate.</summary>
    public ConcurrencyLimitedProber CreateProber(byte[] expectedMd5) =>
        new(new HttpProber(Settings.TestObject, Settings.Probe, expectedMd5), Settings.Probe.Concurrency, Settings.Probe.StartRate);

    /// <summary>What is probed: the edges, and the canaries (their history lives beside the edges', but they are never candidates).</summary>
    public string[] ProbedAddresses(IReadOnlyDictionary<string, string> canaries) =>
        Edges.Concat(canaries.Values).Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>The operator log the original's users expect: -v is DEBUG to stderr, else INFO to logpath.</summary>
    public static OperatorLog OpenLog(EdgemanageSettings settings, bool verbose) =>
        verbose ? new OperatorLog(OperatorLogLevel.Debug, Console.Error, null)
        : settings.LogPath is { } path ? new OperatorLog(OperatorLogLevel.Info, null, path)
        : new OperatorLog(OperatorLogLevel.Warning, Console.Error, null);

    public static string Plural(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";
}
