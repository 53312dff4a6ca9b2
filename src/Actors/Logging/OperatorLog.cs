using System.Globalization;

namespace Edgemanage.Actors.Logging;

public enum OperatorLogLevel { Debug = 0, Info = 1, Warning = 2, Error = 3 }

/// <summary>
/// The log operators of the original expect (original-edgemanage.md §8.1): INFO and up to <c>logpath</c>
/// with a timestamp, or, with <c>-v</c>, DEBUG and up to stderr. The file is reopened when logrotate moves
/// or truncates it, like Python's WatchedFileHandler: before each write we check that the path still exists
/// and is not shorter than what we wrote, which catches both rename-and-create and copytruncate.
/// </summary>
public sealed class OperatorLog : IDisposable
{
    private readonly object _gate = new();
    private readonly TextWriter? _console;
    private readonly string? _path;
    private FileStream? _file;
    private StreamWriter? _fileWriter;
    private readonly int _pid = Environment.ProcessId;

    public OperatorLog(OperatorLogLevel minimum, TextWriter? console, string? path)
    {
        Minimum = minimum;
        _console = console;
        _path = path;
    }

    /// <summary>The log of a command that has no configured one: warnings and errors to stderr.</summary>
    public static OperatorLog WarningsToStderr() => new(OperatorLogLevel.Warning, Console.Error, null);

    public OperatorLogLevel Minimum { get; }

    public bool IsEnabled(OperatorLogLevel level) => level >= Minimum;

    public void Debug(string message) => Write(OperatorLogLevel.Debug, message);
    public void Info(string message) => Write(OperatorLogLevel.Info, message);
    public void Warning(string message) => Write(OperatorLogLevel.Warning, message);
    public void Error(string message) => Write(OperatorLogLevel.Error, message);

    public void Write(OperatorLogLevel level, string message)
    {
        if (level < Minimum) return;
        var name = level switch
        {
            OperatorLogLevel.Debug => "DEBUG",
            OperatorLogLevel.Info => "INFO",
            OperatorLogLevel.Warning => "WARNING",
            _ => "ERROR",
        };
        lock (_gate)
        {
            _console?.WriteLine($"edgemanage ({_pid}): {name} {message}");
            if (_path is null) return;
            try
            {
                var writer = EnsureFile();
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{DateTime.Now:yyyy-MM-dd HH:mm:ss,fff} ({_pid}): {name} {message}"));
                writer.Flush();
            }
            catch (IOException e)
            {
                // Losing a log line must never stop a round; say so once on stderr.
                Console.Error.WriteLine($"edgemanage: cannot write log file {_path}: {e.Message}");
            }
        }
    }

    private StreamWriter EnsureFile()
    {
        if (_fileWriter is not null && _file is not null)
        {
            var info = new FileInfo(_path!);
            if (info.Exists && info.Length >= _file.Position) return _fileWriter;
            // Rotated away (missing, or a new shorter file at the path): reopen like WatchedFileHandler.
            _fileWriter.Dispose();
            _fileWriter = null;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_path!))!);
        _file = new FileStream(_path!, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        _fileWriter = new StreamWriter(_file) { AutoFlush = false };
        return _fileWriter;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _fileWriter?.Dispose();
            _fileWriter = null;
        }
    }
}
