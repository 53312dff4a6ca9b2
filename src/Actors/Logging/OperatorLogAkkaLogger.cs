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
        var system = Context.System;
        Receive<Debug>(e => Write(system, OperatorLogLevel.Debug, e));
        Receive<Info>(e => Write(system, OperatorLogLevel.Info, e));
        Receive<Warning>(e => Write(system, OperatorLogLevel.Warning, e));
        Receive<Error>(e => Write(system, OperatorLogLevel.Error, e, e.Cause));
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ActorSystem, OperatorLog> Owners = new();

    /// <summary>
    /// Ties an ActorSystem's log lines to the log of the command that started it. One process runs one command, so
    /// this only matters where several run side by side (the test suite runs commands in-process, in parallel).
    /// </summary>
    public static void Own(ActorSystem system, OperatorLog log) => Owners.AddOrUpdate(system, log);

    private static void Write(ActorSystem system, OperatorLogLevel level, LogEvent e, Exception? cause = null)
    {
        // Akka's own housekeeping (logger start, coordinated-shutdown phases) is not news for an operator:
        // its debug lines are dropped and its info lines demoted to debug. Its warnings and errors stay.
        if (e.LogClass?.Namespace?.StartsWith("Akka", StringComparison.Ordinal) == true)
        {
            if (level == OperatorLogLevel.Debug) return;
            if (level == OperatorLogLevel.Info) level = OperatorLogLevel.Debug;
        }
        var log = Owners.TryGetValue(system, out var owner) ? owner : OperatorLog.Current;
        if (!log.IsEnabled(level)) return;
        var text = e.Message?.ToString() ?? "";
        if (cause is not null) text += $" ({cause.GetType().Name}: {cause.Message})";
        log.Write(level, text);
    }
}
