using Edgemanage.Actors.Logging;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Logging;

/// <summary>The log file behaves like the original's WatchedFileHandler when logrotate moves or truncates it.</summary>
public sealed class OperatorLogSpecs : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Info_and_up_go_to_the_file_with_timestamp_and_pid()
    {
        var path = _dir.File("edgemanage.log");
        using (var log = new OperatorLog(OperatorLogLevel.Info, null, path))
        {
            log.Debug("not shown");
            log.Info("round done");
            log.Error("zone failed");
        }
        var lines = File.ReadAllLines(path);
        Assert.Equal(2, lines.Length);
        Assert.Matches($@"^\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d,\d{{3}} \({Environment.ProcessId}\): INFO round done$", lines[0]);
        Assert.EndsWith("ERROR zone failed", lines[1]);
    }

    [Fact]
    public void Reopens_the_file_after_logrotate_moves_it()
    {
        var path = _dir.File("edgemanage.log");
        using var log = new OperatorLog(OperatorLogLevel.Info, null, path);
        log.Info("before rotation");
        File.Move(path, path + ".1");
        log.Info("after rotation");
        Assert.Single(File.ReadAllLines(path + ".1"), l => l.EndsWith("before rotation"));
        Assert.Single(File.ReadAllLines(path), l => l.EndsWith("after rotation"));
    }

    [Fact]
    public void Reopens_the_file_after_copytruncate()
    {
        var path = _dir.File("edgemanage.log");
        using var log = new OperatorLog(OperatorLogLevel.Info, null, path);
        log.Info("a line long enough to be longer than the truncated file");
        File.Copy(path, path + ".1");
        File.WriteAllText(path, "");
        log.Info("after truncation");
        Assert.Equal(["after truncation"], File.ReadAllLines(path).Select(l => l[(l.IndexOf("INFO ", StringComparison.Ordinal) + 5)..]));
    }

    [Fact]
    public void Verbose_goes_to_the_console_in_the_originals_format()
    {
        var console = new StringWriter();
        using var log = new OperatorLog(OperatorLogLevel.Debug, console, null);
        log.Debug("Fetch x");
        Assert.Equal($"edgemanage ({Environment.ProcessId}): DEBUG Fetch x{Environment.NewLine}", console.ToString());
    }
}

/// <summary>Akka's fallback logger (before our logger starts and after it stops) must not write to stdout.</summary>
public sealed class FallbackLoggerSpecs : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_node_s_fallback_logger_writes_to_stderr_not_stdout()
    {
        var settings = TestSettings.Create(_dir.Path);
        await using var node = await Edgemanage.Node.Hosting.EdgemanageNode.StartAsync(settings, "fallbacknet", ["127.0.0.2"],
            new ScriptedProber((_, _) => (Edgemanage.Contracts.Probing.ProbeOutcome.Ok, 0.1)),
            Edgemanage.Actors.Persistence.JournalTarget.For(settings.Persistence, _dir.File("journal.db")));
        Assert.IsType<StderrMinimalLogger>(node.System.Settings.StdoutLogger);
    }
}
