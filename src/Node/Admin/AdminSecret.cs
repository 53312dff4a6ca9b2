using System.Security.Cryptography;
using Edgemanage.Actors.Files;
using Edgemanage.Contracts.Config;

namespace Edgemanage.Node.Admin;

/// <summary>
/// The secret that guards ctl's changing commands: admin.secret when configured, otherwise a random one kept in
/// admin.secret_file (default {state_dir}/admin.secret, mode 0600) — created by the first serve, so anyone who can
/// read that file (the operator on the node) can use ctl without configuring anything, and nobody else can.
/// </summary>
public static class AdminSecret
{
    public static string DefaultFile(EdgemanageSettings settings) =>
        settings.Admin.SecretFile ?? Path.Combine(settings.StateDir, "admin.secret");

    /// <summary>serve: the configured secret, or the secret file's, created when missing.</summary>
    public static string LoadOrCreate(EdgemanageSettings settings)
    {
        if (settings.Admin.Secret is { } configured) return configured;
        var file = DefaultFile(settings);
        if (TryRead(file) is { } existing) return existing;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        // Readable by the node's user only (whoever can read it may change the node), written through no planted link.
        OwnFiles.WriteAtomically(file, secret + "\n", OwnFiles.Private);
        return secret;
    }

    /// <summary>
    /// A client's secret for the nodes of <paramref name="config"/>: $EDGEMANAGE_ADMIN_SECRET, else admin.secret, else the
    /// node's secret file; "" when none can be read (the node then says the secret is missing, the truth for this user).
    /// </summary>
    public static string ForClient(EdgemanageSettings? config)
    {
        if (Environment.GetEnvironmentVariable("EDGEMANAGE_ADMIN_SECRET") is { Length: > 0 } fromEnv) return fromEnv;
        if (config is null) return "";
        if (config.Admin.Secret is { } configured) return configured;
        try
        {
            return TryRead(DefaultFile(config)) ?? "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>
    /// The secret in a file (first line, trimmed); null when the file is missing or empty. A symbolic link, anything but
    /// a regular file, or a file the group or others may read is refused (<see cref="AdminSecretException"/>): a link
    /// to a world-readable file would hand the power to change the node to every local user. <paramref name="strict"/>
    /// false (ctl --secret-file, a file the operator names on purpose) keeps only the checks that prevent a hang.
    /// </summary>
    public static string? TryRead(string file, bool strict = true)
    {
        var info = new FileInfo(file);
        if (strict && info.LinkTarget is { } target)
            throw new AdminSecretException(file, $"the admin secret file {file} is a symbolic link (to {target}); " +
                                                 "it must be a regular file of its own, mode 0600");
        if (!info.Exists)
        {
            if (Directory.Exists(file)) throw new AdminSecretException(file, $"the admin secret file {file} is a directory");
            return null;
        }
        // A FIFO or a character device reports length 0: never opened (it could block or never end).
        if (info.Length == 0) return null;
        if (info.Length > 4096) throw new AdminSecretException(file, $"the admin secret file {file} is {info.Length} bytes; a secret is one short line");
        var text = File.ReadAllText(file).Trim();
        // Blank is no secret at all (and so nothing to leak): counts as none, as before.
        if (text.Length == 0) return null;
        if (strict && !OperatingSystem.IsWindows())
        {
            var mode = info.UnixFileMode;
            if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
                throw new AdminSecretException(file, $"the admin secret file {file} may be read or written by others " +
                    $"(mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}); make it 0600 (chmod 600 {file})");
        }
        return text.Split('\n')[0].Trim();
    }
}

/// <summary>The admin secret file cannot be trusted (a link, not a regular file, readable by others); the message names it.</summary>
public sealed class AdminSecretException(string file, string message) : IOException(message)
{
    public string File { get; } = file;
}
