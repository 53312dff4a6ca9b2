using Edgemanage.Actors.Zones;
using Edgemanage.Contracts.Config;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Zones;

/// <summary>Runs only where named-checkzone is installed (bind9-utils / bind-utils); skipped with a reason otherwise.</summary>
public sealed class NamedCheckzoneFactAttribute : FactAttribute
{
    public NamedCheckzoneFactAttribute([System.Runtime.CompilerServices.CallerMemberName] string member = "", [System.Runtime.CompilerServices.CallerFilePath] string file = "")
    {
        if (ZoneChecker.Create(null) is null) Edgemanage.Tests.Support.SkipWithReason.Skip(this, "named-checkzone is not on PATH (install bind9-utils to run this test)", member, file);
    }
}

public sealed class ZoneCheckerSpecs
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Fact]
    public void Null_uses_named_checkzone_when_it_is_on_PATH()
    {
        using var tmp = new TempDir();
        var bin = tmp.Dir("bin");
        var fake = tmp.Write("bin/named-checkzone", "#!/bin/sh\nexit 0\n");
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        Assert.Equal(ZoneChecker.DefaultCommand, ZoneChecker.Create(null, bin)?.CommandLine);
        Assert.Null(ZoneChecker.Create(null, tmp.Dir("empty")));
    }

    [Fact]
    public void A_non_executable_file_on_PATH_does_not_count()
    {
        using var tmp = new TempDir();
        tmp.Write("bin/named-checkzone", "not a program");

        Assert.Null(ZoneChecker.Create(null, tmp.File("bin")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Empty_means_no_check(string configured)
    {
        Assert.Null(ZoneChecker.Create(configured));
    }

    [Fact]
    public void A_configured_command_with_a_bad_quote_is_rejected_up_front()
    {
        Assert.Throws<FormatException>(() => ZoneChecker.Create("check 'oops {file}"));
    }

    [Fact]
    public async Task Placeholders_are_substituted_after_splitting()
    {
        using var tmp = new TempDir();
        var checker = ZoneChecker.Create("/bin/sh -c 'printf \"%s|%s|%s\" \"$1\" \"$2\" \"$3\"' sh {zone} {file} --origin={zone}")!;
        var file = tmp.Write("a b/it's.zone", "");

        var outcome = await checker.CheckAsync("test.com", file, Generous, CancellationToken.None);

        Assert.True(outcome.Succeeded);
        Assert.Equal($"test.com|{file}|--origin=test.com", outcome.Stderr);   // stdout is captured for checks
        Assert.Equal(ZoneChecker.Hook, outcome.Hook);
        Assert.Contains(file, outcome.CommandLine, StringComparison.Ordinal);
    }

    private static string Render(string include) => ZoneTemplate.Builtin().Render(new ZoneModel(
        "test.com", "test.com.zone", include, [new("93.184.216.34", false), new("2001:db8::1", true)], 1234,
        new DnsSettings { NsRecords = ["adns1.easydns.com."], SoaNameserver = "derpderpderp.com", SoaMailbox = "test.derp.com", RotateZones = ["cdn"] }));

    [NamedCheckzoneFact]
    public async Task A_golden_zone_passes_named_checkzone()
    {
        using var tmp = new TempDir();
        var file = tmp.File("test.com.zone");
        ZoneFiles.WriteAtomic(file, Render("www             60      IN      CNAME   test.com."));

        var outcome = await ZoneChecker.Create(null)!.CheckAsync("test.com", file, Generous, CancellationToken.None);

        Assert.True(outcome.Succeeded, outcome.Stderr);
    }

    [NamedCheckzoneFact]
    public async Task A_broken_zone_fails_named_checkzone_with_its_message()
    {
        using var tmp = new TempDir();
        var file = tmp.File("test.com.zone");
        ZoneFiles.WriteAtomic(file, Render("bad IN A 999.1.1.1\n"));

        var outcome = await ZoneChecker.Create(null)!.CheckAsync("test.com", file, Generous, CancellationToken.None);

        Assert.False(outcome.Succeeded);
        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Contains("bad dotted quad", outcome.Stderr, StringComparison.Ordinal);
    }
}
