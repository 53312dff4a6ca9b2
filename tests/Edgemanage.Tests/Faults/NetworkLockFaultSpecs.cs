using Edgemanage.Node.Hosting;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Faults;

/// <summary>
/// The network lock: only contention is "locked by"; a dead holder's lock is taken over and its line replaced; a link
/// planted at the holder's name is replaced, never written through; a link at the lock itself is refused by name.
/// </summary>
public sealed class NetworkLockFaultSpecs : IDisposable
{
    private readonly TempDir _dir = new();
    private string LockPath => _dir.File("state/edgemanage-net.lock");
    private string HolderPath => NetworkLock.HolderPathOf(LockPath);

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_held_lock_names_its_holder()
    {
        Assert.True(NetworkLock.TryAcquire(LockPath, "first", out var held, out _));
        using (held)
        {
            Assert.False(NetworkLock.TryAcquire(LockPath, "second", out var none, out var holder));
            Assert.Null(none);
            Assert.Contains($"pid {Environment.ProcessId} (first)", holder);
        }
        Assert.False(File.Exists(HolderPath));
    }

    [Fact]
    public void The_lock_of_a_dead_holder_is_taken_over_and_its_line_replaced()
    {
        _dir.Dir("state");
        File.WriteAllText(LockPath, "");
        // A run killed with -9 leaves its holder line; the kernel has released its flock.
        File.WriteAllText(HolderPath, "pid 999999 (edgemanage run -A net) since 2026-01-01 00:00:00Z\n");
        Assert.True(NetworkLock.TryAcquire(LockPath, "the next run", out var held, out var me));
        using (held)
        {
            Assert.Contains("the next run", me);
            Assert.Equal(me, NetworkLock.ReadHolder(LockPath));
        }
    }

    [Fact]
    public void A_link_planted_at_the_holder_file_is_replaced_and_its_target_left_alone()
    {
        _dir.Dir("state");
        var victim = _dir.Write("victim.conf", "precious\n");
        File.CreateSymbolicLink(HolderPath, victim);
        Assert.True(NetworkLock.TryAcquire(LockPath, "a run", out var held, out _));
        using (held)
        {
            Assert.Equal("precious\n", File.ReadAllText(victim));
            var info = new FileInfo(HolderPath);
            Assert.Null(info.LinkTarget);
            Assert.Contains("a run", File.ReadAllText(HolderPath));
        }
        Assert.Equal("precious\n", File.ReadAllText(victim));
    }

    [Fact]
    public void A_link_planted_at_the_lock_itself_is_refused_by_name()
    {
        _dir.Dir("state");
        var victim = _dir.Write("victim.conf", "precious\n");
        File.CreateSymbolicLink(LockPath, victim);
        var e = Assert.Throws<NetworkLockException>(() => NetworkLock.TryAcquire(LockPath, "a run", out _, out _));
        Assert.Contains(LockPath, e.Message);
        Assert.Contains("symbolic link", e.Message);
        Assert.Equal("precious\n", File.ReadAllText(victim));
    }

    [Fact]
    public async Task A_fifo_at_the_holder_name_cannot_hang_a_reader()
    {
        if (!OperatingSystem.IsLinux()) return;
        _dir.Dir("state");
        await System.Diagnostics.Process.Start("mkfifo", [HolderPath])!.WaitForExitAsync();
        var read = Task.Run(() => NetworkLock.ReadHolder(LockPath));
        Assert.True(await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(10))) == read, "ReadHolder opened a FIFO and blocked");
    }
}
