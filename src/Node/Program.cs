// Ctrl-C ends a round cleanly: the network lock is released and nothing half-written is left behind.
using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    interrupted.Cancel();
};
return await Edgemanage.Node.EdgemanageCli.MainAsync(args, Console.Out, Console.Error, interrupted.Token);
