namespace Edgemanage.Tests.Support;

/// <summary>
/// Waits for a condition outside any actor system (a fleet counter, a file), the way TestKit's AwaitAssert
/// does inside one: poll briefly until it holds, fail with a clear message when it never does.
/// </summary>
public static class Eventually
{
    public static async Task True(Func<bool> condition, TimeSpan within, string? what = null)
    {
        var deadline = DateTime.UtcNow + within;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{what ?? "the condition"} did not hold within {within.TotalSeconds:F0} s");
            await Task.Delay(20);
        }
    }

    /// <summary>The same for a condition that has to ask something (a node over ctl), polled every 200 ms.</summary>
    public static async Task True(Func<Task<bool>> condition, TimeSpan within, string? what = null)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{what ?? "the condition"} did not hold within {within.TotalSeconds:F0} s");
            await Task.Delay(200);
        }
    }
}
