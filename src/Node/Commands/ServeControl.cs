namespace Edgemanage.Node.Commands;

/// <summary>
/// How a running <c>serve</c> is steered from outside its command line. Program.cs makes one and maps SIGHUP to
/// <see cref="RequestReload"/>; a spec that runs serve in-process makes its own, so serves side by side in one test
/// process never reload each other.
/// </summary>
public sealed class ServeControl
{
    private readonly object _gate = new();
    private readonly List<Action> _reloaders = [];

    /// <summary>Every network serving under this control re-reads its edge lists, canary file and zone includes.</summary>
    public void RequestReload()
    {
        Action[] reloaders;
        lock (_gate) reloaders = _reloaders.ToArray();
        foreach (var reload in reloaders) reload();
    }

    /// <summary>Calls <paramref name="reload"/> on each request until the result is disposed.</summary>
    public IDisposable OnReload(Action reload)
    {
        lock (_gate) _reloaders.Add(reload);
        return new Subscription(() => { lock (_gate) _reloaders.Remove(reload); });
    }

    private sealed class Subscription(Action remove) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) remove();
        }
    }
}
