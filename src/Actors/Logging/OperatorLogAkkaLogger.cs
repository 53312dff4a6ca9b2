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

    private sealed record Owner(OperatorLog Log, bool QuietRemoting);

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ActorSystem, Owner> Owners = new();

    /// <summary>
    /// Ties an ActorSystem's log lines to the log of the command that started it (the test suite runs commands
    /// in-process, in parallel, each with its own log).
    /// </summary>
    /// <param name="quietRemoting">
    /// The ctl endpoint: every <c>edgemanage ctl</c> (a Nagios check a minute, say) connects and goes away, and
    /// Akka.Remote reports each departure as a failed association (a WARNING and an ERROR line). There, Akka.Remote's
    /// lines are debug: what the endpoint refuses is logged by the admin actor itself.
    /// </param>
    public static void Own(ActorSystem system, OperatorLog log, bool quietRemoting = false) => Owners.AddOrUpdate(system, new Owner(log, quietRemoting));

    /// <summary>Akka.Remote's own lines, including failures of its endpoint actors logged by their supervisors.</summary>
    private static bool IsRemoting(LogEvent e, Exception? cause) =>
        e.LogClass?.Namespace?.StartsWith("Akka.Remote", StringComparison.Ordinal) == true
        || cause?.GetType().Namespace?.StartsWith("Akka.Remote", StringComparison.Ordinal) == true
        || e.LogSource?.Contains("/system/endpointManager", StringComparison.Ordinal) == true
        || e.LogSource?.Contains("/system/transports", StringComparison.Ordinal) == true;

    private static void Write(ActorSystem system, OperatorLogLevel level, LogEvent e, Exception? cause = null)
    {
        // Akka's own housekeeping (logger start, coordinated-shutdown phases) is not news for an operator:
        // its debug lines are dropped and its info lines demoted to debug. Its warnings and errors stay.
        if (e.LogClass?.Namespace?.StartsWith("Akka", StringComparison.Ordinal) == true)
        {
            if (level == OperatorLogLevel.Debug) return;
            if (level == OperatorLogLevel.Info) level = OperatorLogLevel.Debug;
        }
        var owned = Owners.TryGetValue(system, out var owner);
        if (owned && owner!.QuietRemoting && IsRemoting(e, cause)) level = OperatorLogLevel.Debug;
        // A system no command owns (an actor spec's TestKit system): its warnings and errors go to stderr.
        var log = owned ? owner!.Log : OperatorLog.WarningsToStderr();
        if (!log.IsEnabled(level)) return;
        var text = e.Message?.ToString() ?? "";
        if (cause is not null) text += $" ({cause.GetType().Name}: {cause.Message})";
        log.Write(level, text);
    }
}
