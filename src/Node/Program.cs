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
return await Edgemanage.Node.EdgemanageCli.MainAsync(InvokedAs(), args, Console.Out, Console.Error, serveControl, interrupted.Token);

// The name the program was started as: edge_manage, edge_conf and edge_query (symlinks to edgemanage) behave as the
// original's programs. On Linux the apphost's Environment.GetCommandLineArgs()[0] is the resolved program, not the
// symlink that was started; the kernel's record of argv[0] (/proc/self/cmdline) is the name the user typed.
static string InvokedAs()
{
    try
    {
        var cmdline = File.ReadAllText("/proc/self/cmdline");
        var first = cmdline.Split('\0')[0];
        if (first.Length > 0) return first;
    }
    catch (IOException)
    {
    }
    catch (UnauthorizedAccessException)
    {
    }
    return Environment.GetCommandLineArgs()[0];
}
