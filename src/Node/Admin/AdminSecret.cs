using System.Security.Cryptography;
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
        var temp = file + ".tmp-" + Environment.ProcessId;
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        // Readable by the node's user only: whoever can read it may change the node.
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temp, options))
        using (var writer = new StreamWriter(stream))
            writer.WriteLine(secret);
        File.Move(temp, file, overwrite: true);
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

    /// <summary>The secret in a file (first line, trimmed); null when the file is missing or empty.</summary>
    public static string? TryRead(string file)
    {
        if (!File.Exists(file)) return null;
        var text = File.ReadAllText(file).Trim();
        return text.Length == 0 ? null : text.Split('\n')[0].Trim();
    }
}
