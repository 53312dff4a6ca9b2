using Akka.Event;

namespace Edgemanage.Actors.Logging;

/// <summary>
/// Akka's fallback logger (<c>akka.stdout-logger-class</c>), used before our <see cref="OperatorLogAkkaLogger"/> starts
/// and again once it has stopped during shutdown. Akka's own writes to stdout, and re-attaches itself at the system's
/// current level when the loggers stop, so <c>-v</c> left a "[DEBUG] … StandardOutLogger started" line on stdout at
/// exit: stdout is for results (cron mails it, scripts parse it). This one writes the same lines to stderr.
/// </summary>
public sealed class StderrMinimalLogger : MinimalLogger
{
    protected override void Log(object message)
    {
        if (message is LogEvent logEvent) Console.Error.WriteLine($"edgemanage: [{logEvent.LogLevel().ToString().Replace("Level", "").ToUpperInvariant()}] {logEvent.LogSource}: {logEvent.Message}");
    }
}
