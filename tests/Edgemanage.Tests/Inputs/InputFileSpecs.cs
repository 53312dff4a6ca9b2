using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Edgemanage.Actors.Inputs;
using Edgemanage.Tests.Support;
using Xunit;

namespace Edgemanage.Tests.Inputs;

/// <summary>The one reader of operator inputs: kinds refused by name without opening, sizes capped and named.</summary>
public sealed class InputFileSpecs : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MakeFifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    [Fact]
    public void Each_kind_is_told_apart_without_opening_it()
    {
        var fifo = _dir.File("pipe");
        Assert.Equal(0, MakeFifo(fifo, 0b110_100_100));
        var socketPath = _dir.File("sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));

        Assert.Equal(FileKind.Regular, InputFile.Examine(_dir.Write("file", "x")).Kind);
        Assert.Equal(FileKind.Directory, InputFile.Examine(_dir.Path).Kind);
        Assert.Equal(FileKind.Fifo, InputFile.Examine(fifo).Kind);
        Assert.Equal(FileKind.Socket, InputFile.Examine(socketPath).Kind);
        Assert.Equal(FileKind.CharacterDevice, InputFile.Examine("/dev/zero").Kind);
        Assert.Equal(FileKind.Missing, InputFile.Examine(_dir.File("none/at/all")).Kind);
    }

    [Theory]
    [InlineData("/dev/zero", "is a character device, not a regular file")]
    [InlineData("/dev/urandom", "is a character device, not a regular file")]
    [InlineData("/tmp", "is a directory, not a regular file")]
    public void Reading_a_device_or_a_directory_is_refused_at_once(string path, string expected)
    {
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<InputFileException>(() => InputFile.ReadBytes(path, "edge list file"));
        Assert.Equal($"edge list file '{path}' {expected}", e.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Reading_a_FIFO_with_no_writer_does_not_hang()
    {
        var fifo = _dir.File("pipe");
        Assert.Equal(0, MakeFifo(fifo, 0b110_100_100));
        var e = Assert.Throws<InputFileException>(() => InputFile.ReadText(fifo, "canary file"));
        Assert.Equal($"canary file '{fifo}' is a FIFO (named pipe), not a regular file", e.Message);
    }

    [Fact]
    public void The_size_cap_is_named_in_the_error()
    {
        var big = _dir.File("big");
        using (var f = File.Create(big)) f.SetLength(InputFile.DefaultMaxBytes + 1);
        var e = Assert.Throws<InputFileException>(() => InputFile.ReadBytes(big, "zone include file"));
        Assert.Equal($"zone include file '{big}' is larger than 16 MiB", e.Message);
        Assert.Equal(16 * 1024 * 1024, InputFile.ReadBytes(_dir.WriteBytes("exact", new byte[16 * 1024 * 1024]), "x").Length);
    }

    [Fact]
    public void A_dangling_symlink_is_named_as_one()
    {
        var link = _dir.File("link");
        File.CreateSymbolicLink(link, _dir.File("gone"));
        Assert.True(InputFile.Examine(link) is { Kind: FileKind.Missing, ViaSymlink: true });
        Assert.False(InputFile.IsMissing(link));
        var e = Assert.Throws<InputFileException>(() => InputFile.ReadText(link, "zone template"));
        Assert.Equal($"zone template '{link}' is a symlink to something that does not exist", e.Message);
    }

    [Fact]
    public void A_symlink_to_a_narrower_file_may_not_be_published_wider()
    {
        var secret = _dir.Write("secret", "s");
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var link = _dir.File("include.zone");
        File.CreateSymbolicLink(link, secret);
        const UnixFileMode zone = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

        Assert.Contains("mode 0600", InputFile.WiderWhenPublished(InputFile.Examine(link), zone, "zone include"));
        File.SetUnixFileMode(secret, zone);
        Assert.Null(InputFile.WiderWhenPublished(InputFile.Examine(link), zone, "zone include"));
        // A file placed in the directory itself is the operator's own choice.
        var plain = _dir.Write("plain.zone", "p");
        File.SetUnixFileMode(plain, UnixFileMode.UserRead);
        Assert.Null(InputFile.WiderWhenPublished(InputFile.Examine(plain), zone, "zone include"));
    }
}
