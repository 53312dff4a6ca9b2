using Edgemanage.Node.Admin;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Ctl;

/// <summary>The admin secret: configured, or generated once into a file only the node's user can read.</summary>
public sealed class AdminSecretSpecs : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Without_a_configured_secret_one_is_generated_once_into_a_private_file()
    {
        var settings = TestSettings.Create(_dir.Path);
        var first = AdminSecret.LoadOrCreate(settings);
        var file = AdminSecret.DefaultFile(settings);
        Assert.Equal(Path.Combine(settings.StateDir, "admin.secret"), file);
        Assert.True(first.Length >= 32);
        Assert.Equal(first, AdminSecret.LoadOrCreate(settings));
        Assert.Equal(first, AdminSecret.TryRead(file));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
    }

    [Fact]
    public void A_configured_secret_wins_and_no_file_is_written()
    {
        var settings = TestSettings.Create(_dir.Path) with { Admin = new() { Secret = "configured-secret" } };
        Assert.Equal("configured-secret", AdminSecret.LoadOrCreate(settings));
        Assert.False(File.Exists(AdminSecret.DefaultFile(settings)));
    }

    [Fact]
    public void An_empty_secret_file_counts_as_none()
    {
        var file = _dir.File("empty.secret");
        File.WriteAllText(file, "\n");
        Assert.Null(AdminSecret.TryRead(file));
        Assert.Null(AdminSecret.TryRead(_dir.File("missing.secret")));
    }
}
