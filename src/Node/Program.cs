using System.Runtime.InteropServices;

// A one-shot command (run, query, check, ...) is a cold process that lives about a second: compiling regular
// expressions (DotLiquid builds its own with RegexOptions.Compiled) and expression trees (Akka's Props, linq2db) to IL
// and JIT-compiling that IL costs it more than running them interpreted ever does — 0.07 s of the 0.10 s spent reading
// a round's inputs, and 0.3 s of CPU per round (docs/benchmarks.md, "Issue 14 §3, second pass"). serve and demo live
// long and keep compiled code. Must come before anything reads RuntimeFeature (it reads the switch once).
if (args.Length == 0 || args[0] is not ("serve" or "demo"))
    AppContext.SetSwitch("System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported", false);

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
