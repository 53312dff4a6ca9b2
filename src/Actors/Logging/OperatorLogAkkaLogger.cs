using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;

namespace Edgemanage.Actors.Logging;

/// <summary>Routes Akka's own log events (and our actors' ILoggingAdapter lines) into the operator log.</summary>
public sealed class OperatorLogAkkaLogger : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    public OperatorLogAkkaLogger()
    {
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<Debug>(e => Write(OperatorLogLevel.Debug, e));
        Receive<Info>(e => Write(OperatorLogLevel.Info, e));
        Receive<Warning>(e => Write(OperatorLogLevel.Warning, e));
        Receive<Error>(e => Write(OperatorLogLevel.Error, e, e.Cause));
    }

    private static void Write(OperatorLogLevel level, LogEvent e, Exception? cause = null)
    {
        // Akka's own housekeeping (logger start, coordinated-shutdown phases) is not news for an operator:
        // its debug lines are dropped and its info lines demoted to debug. Its warnings and errors stay.
        if (e.LogClass?.Namespace?.StartsWith("Akka", StringComparison.Ordinal) == true)
        {
            if (level == OperatorLogLevel.Debug) return;
            if (level == OperatorLogLevel.Info) level = OperatorLogLevel.Debug;
        }
        var log = OperatorLog.Current;
        if (!log.IsEnabled(level)) return;
        var text = e.Message?.ToString() ?? "";
        if (cause is not null) text += $" ({cause.GetType().Name}: {cause.Message})";
        log.Write(level, text);
    }
}
