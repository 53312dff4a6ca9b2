using System.Runtime.InteropServices;

// Ctrl-C and SIGTERM end a round cleanly: the network lock is released, nothing half-written is left behind
// (the journal commits whole events or nothing), and the exit code says the run was interrupted.
using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    interrupted.Cancel();
};
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    interrupted.Cancel();
});
// SIGHUP asks a serving node to re-read its inputs (ignored by the one-shot commands).
var serveControl = new Edgemanage.Node.Commands.ServeControl();
using var onHup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
{
    context.Cancel = true;
    serveControl.RequestReload();
});
return await Edgemanage.Node.EdgemanageCli.MainAsync(args, Console.Out, Console.Error, serveControl, interrupted.Token);
