namespace Edgemanage.Node.Cli;

/// <summary>Exit codes scripts can rely on. Documented in README.md.</summary>
public static class ExitCodes
{
    /// <summary>The command did what it was asked (a round ran and was recorded, a query printed).</summary>
    public const int Ok = 0;
    /// <summary>A runtime error: the journal could not be opened, a round could not complete.</summary>
    public const int Error = 1;
    /// <summary>Bad command line or bad configuration (config, edge list, canary file, zone include).</summary>
    public const int UsageOrConfig = 2;
    /// <summary>Published fewer edges than wanted, or could not publish (decide-and-publish).</summary>
    public const int Degraded = 3;
    /// <summary>Another process holds this network's lock.</summary>
    public const int Locked = 4;
    /// <summary>ctl: the node did not answer (nothing listens there, or it did not reply in time).</summary>
    public const int Unreachable = 5;
    /// <summary>ctl: the node refused a change: missing or wrong admin secret.</summary>
    public const int Denied = 6;
    /// <summary>ctl: no such network, edge or cluster member on that node.</summary>
    public const int NotFound = 7;
}

/// <summary>A usage error: printed as "edgemanage: message" plus a hint, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
