using System.Text;

namespace Edgemanage.Tests.Support;

/// <summary>
/// Output that a command under test writes from its own threads while the spec reads it. A StringWriter behind
/// TextWriter.Synchronized only locks the writes: reading the StringWriter itself meanwhile can catch its
/// StringBuilder between two chunks and throw. Here every write and every read takes the same lock.
/// </summary>
public sealed class SharedOutput : StringWriter
{
    private readonly object _gate = new();

    public override void Write(char value) { lock (_gate) base.Write(value); }
    public override void Write(char[] buffer, int index, int count) { lock (_gate) base.Write(buffer, index, count); }
    public override void Write(ReadOnlySpan<char> buffer) { lock (_gate) base.Write(buffer); }
    public override void Write(string? value) { lock (_gate) base.Write(value); }
    public override void Write(StringBuilder? value) { lock (_gate) base.Write(value); }
    public override void WriteLine(ReadOnlySpan<char> buffer) { lock (_gate) base.WriteLine(buffer); }
    public override void WriteLine(StringBuilder? value) { lock (_gate) base.WriteLine(value); }
    public override void WriteLine(string? value) { lock (_gate) base.WriteLine(value); }

    public override Task WriteAsync(char value) { Write(value); return Task.CompletedTask; }
    public override Task WriteAsync(string? value) { Write(value); return Task.CompletedTask; }
    public override Task WriteAsync(char[] buffer, int index, int count) { Write(buffer, index, count); return Task.CompletedTask; }
    public override Task WriteAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default) { Write(buffer.Span); return Task.CompletedTask; }
    public override Task WriteAsync(StringBuilder? value, CancellationToken cancellationToken = default) { Write(value); return Task.CompletedTask; }
    public override Task WriteLineAsync(char value) { lock (_gate) base.WriteLine(value); return Task.CompletedTask; }
    public override Task WriteLineAsync(string? value) { WriteLine(value); return Task.CompletedTask; }
    public override Task WriteLineAsync(char[] buffer, int index, int count) { lock (_gate) base.WriteLine(buffer, index, count); return Task.CompletedTask; }
    public override Task WriteLineAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default) { WriteLine(buffer.Span); return Task.CompletedTask; }
    public override Task WriteLineAsync(StringBuilder? value, CancellationToken cancellationToken = default) { WriteLine(value); return Task.CompletedTask; }

    public override string ToString() { lock (_gate) return base.ToString(); }
}
