using Edgemanage.Node.Cli;
using Edgemanage.Node.Commands;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Ctl;

/// <summary>
/// admin.tls_certificate: the ctl endpoint of a real <c>serve</c> process speaks mutual TLS pinned to one certificate.
/// ctl with that certificate works (from the config or --tls-certificate), ctl without it or with another one gets no
/// answer and a hint, the offline <c>edge mode</c> goes through the node with it, and a bad certificate is a config error.
/// </summary>
public sealed class CtlTlsSpecs : IAsyncLifetime
{
    private const string Net = "tlsnet";
    private const string Password = "pfx-password";
    private static readonly string[] FleetEdges = ["127.0.0.2", "127.0.0.3", "127.0.0.4"];

    private ServedNetwork _served = null!;

    public async Task InitializeAsync() =>
        _served = await ServedNetwork.StartAsync(Net, FleetEdges, $"admin:\n  tls_certificate: ctl.pfx\n  tls_password: {Password}\n",
            goodEnough: 3, edgeCount: 2, beforeStart: dir => TestCertificates.WritePfx(Path.Combine(dir, "ctl.pfx"), Password));

    public async Task DisposeAsync() => await _served.DisposeAsync();

    [Fact]
    public async Task Only_a_client_with_the_certificate_gets_an_answer()
    {
        Assert.Contains($"ctl endpoint on {_served.Address} (TLS with {Path.Combine(_served.Dir.Path, "ctl.pfx")}; ", _served.Node.Output);

        var withConfig = await EdgemanageProcess.RunInProcessAsync("ctl", "-c", _served.Config, "--node", _served.Address, "net", "list");
        Assert.True(withConfig.ExitCode == 0, withConfig.ToString());
        Assert.Contains(Net, withConfig.Stdout);

        var plain = await EdgemanageProcess.RunInProcessAsync("ctl", "--node", _served.Address, "--timeout", "3", "net", "list");
        Assert.Equal(ExitCodes.Unreachable, plain.ExitCode);
        Assert.Contains("admin.tls_certificate", plain.Stderr);
        Assert.Single(plain.Stderr.Trim().Split('\n'));

        var stranger = TestCertificates.WritePfx(Path.Combine(_served.Dir.Path, "stranger.pfx"), password: null, "CN=stranger");
        var other = await EdgemanageProcess.RunInProcessAsync("ctl", "--node", _served.Address, "--tls-certificate", stranger, "--timeout", "3", "net", "list");
        Assert.Equal(ExitCodes.Unreachable, other.ExitCode);
        Assert.Contains("both sides need the same certificate", other.Stderr);

        var notAFile = await EdgemanageProcess.RunInProcessAsync("ctl", "--node", _served.Address, "--tls-certificate", Path.Combine(_served.Dir.Path, "nope.pfx"), "net", "list");
        Assert.Equal(ExitCodes.UsageOrConfig, notAFile.ExitCode);
        Assert.Contains("cannot read the ctl certificate", notAFile.Stderr);
    }

    [Fact]
    public async Task Edge_mode_goes_through_the_node_with_the_configured_certificate()
    {
        var edge = FleetEdges[0];
        var set = await EdgemanageProcess.RunInProcessAsync("edge", "mode", "-A", Net, "-c", _served.Config, "-m", "available", edge);
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Contains($"through the node serving {Net}", set.Stdout);

        // A Nagios check asks the serving node the same way.
        var check = await EdgemanageProcess.RunInProcessAsync("check", "rotation", "-A", Net, "-c", _served.Config);
        Assert.True(check.ExitCode == 0, check.ToString());
    }

    [Fact]
    public async Task A_certificate_that_cannot_be_opened_is_a_config_error_at_its_line()
    {
        var text = File.ReadAllText(_served.Config);
        var missing = Path.Combine(_served.Dir.Path, "missing.yaml");
        File.WriteAllText(missing, text.Replace("tls_certificate: ctl.pfx", "tls_certificate: absent.pfx"));
        var line = File.ReadAllLines(missing).ToList().FindIndex(l => l.Contains("tls_certificate")) + 1;
        var noFile = await EdgemanageProcess.RunInProcessAsync("validate", "-c", missing, "-A", Net);
        Assert.Equal(ExitCodes.UsageOrConfig, noFile.ExitCode);
        Assert.Contains($"{missing}:{line}:", noFile.Stderr + noFile.Stdout);
        Assert.Contains("admin.tls_certificate: cannot read the ctl certificate", noFile.Stderr + noFile.Stdout);

        var wrongPassword = Path.Combine(_served.Dir.Path, "wrong.yaml");
        File.WriteAllText(wrongPassword, text.Replace($"tls_password: {Password}", "tls_password: not-it"));
        var wrong = await EdgemanageProcess.RunInProcessAsync("validate", "-c", wrongPassword, "-A", Net);
        Assert.Equal(ExitCodes.UsageOrConfig, wrong.ExitCode);
        Assert.Contains("is not a PKCS#12 (.pfx/.p12) certificate this password opens", wrong.Stderr + wrong.Stdout);
    }
}
