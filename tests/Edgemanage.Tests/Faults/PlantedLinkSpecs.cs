using Edgemanage.Node.Admin;
using Edgemanage.Node.Hosting;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Faults;

/// <summary>
/// Links planted where we write or read our own files in state_dir: the lock's holder line and the metrics textfile
/// replace the link (its target untouched); admin.secret refuses a link, and a file others may read, by name.
/// </summary>
public sealed class PlantedLinkSpecs(JournalFleet fleet) : IClassFixture<JournalFleet>, IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_run_replaces_links_planted_at_its_holder_line_and_metrics_textfile()
    {
        using var ws = new JournalWorkspace(fleet);
        var victim = _dir.Write("victim.conf", "precious\n");
        File.CreateSymbolicLink(ws.Lock + ".holder", victim);
        var prom = Path.Combine(ws.StateDir, $"{JournalFleet.Net}.prom");
        File.CreateSymbolicLink(prom, victim);

        var run = await ws.RunAsync("run", "-A", JournalFleet.Net, "-c", ws.Config);
        Assert.True(run.ExitCode is 0 or 3, run.ToString());
        Assert.Equal("precious\n", File.ReadAllText(victim));
        Assert.Null(new FileInfo(prom).LinkTarget);
        Assert.Contains("edgemanage_", File.ReadAllText(prom));
    }

    [Fact]
    public void Metrics_textfile_written_through_no_link_and_readable_by_the_collector()
    {
        var victim = _dir.Write("victim.conf", "precious\n");
        var path = _dir.File("state/net.prom");
        _dir.Dir("state");
        File.CreateSymbolicLink(path, victim);
        MetricsTextfile.WriteAtomically(path, "edgemanage_up 1\n");
        Assert.Equal("precious\n", File.ReadAllText(victim));
        Assert.Equal("edgemanage_up 1\n", File.ReadAllText(path));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(path));
        Assert.Empty(Directory.GetFiles(_dir.File("state"), ".*.tmp"));
    }

    [Fact]
    public void An_admin_secret_that_is_a_link_to_a_world_readable_file_is_refused_by_name()
    {
        var settings = TestSettings.Create(_dir.Path);
        var exposed = _dir.Write("exposed.txt", "0123456789abcdef\n");
        File.SetUnixFileMode(exposed, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var secretFile = AdminSecret.DefaultFile(settings);
        _dir.Dir("state");
        File.CreateSymbolicLink(secretFile, exposed);

        var e = Assert.Throws<AdminSecretException>(() => AdminSecret.LoadOrCreate(settings));
        Assert.Contains(secretFile, e.Message);
        Assert.Contains("symbolic link", e.Message);
        Assert.Throws<AdminSecretException>(() => AdminSecret.ForClient(settings));
    }

    [Fact]
    public void An_admin_secret_others_may_read_is_refused_and_a_private_one_is_used()
    {
        var settings = TestSettings.Create(_dir.Path);
        var secretFile = AdminSecret.DefaultFile(settings);
        _dir.Write("state/admin.secret", "s3cret\n");
        File.SetUnixFileMode(secretFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var e = Assert.Throws<AdminSecretException>(() => AdminSecret.LoadOrCreate(settings));
        Assert.Contains(secretFile, e.Message);
        Assert.Contains("chmod 600", e.Message);

        File.SetUnixFileMode(secretFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal("s3cret", AdminSecret.LoadOrCreate(settings));
    }

    [Fact]
    public void A_new_admin_secret_is_private_and_replaces_nothing_it_should_not()
    {
        var settings = TestSettings.Create(_dir.Path);
        var secret = AdminSecret.LoadOrCreate(settings);
        var file = AdminSecret.DefaultFile(settings);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal(secret, AdminSecret.LoadOrCreate(settings));
    }
}
