using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Remote.Transport.DotNetty;

namespace Edgemanage.Node.Admin;

/// <summary>The ctl endpoint's certificate could not be used; the message names the file and why.</summary>
/// <param name="message">What went wrong, naming the file.</param>
/// <param name="accessDenied">The file exists but this user may not read it (a Nagios check, for one, need not).</param>
public sealed class AdminTlsException(string message, bool accessDenied = false) : Exception(message)
{
    public bool AccessDenied { get; } = accessDenied;
}

/// <summary>
/// TLS for the ctl endpoint (admin.tls_certificate). The node and every client present the same PKCS#12 certificate
/// and each accepts only that certificate from the other side (pinned by thumbprint, mutual TLS). So the file is both
/// the encryption and the key to the endpoint: whoever can read it may talk to the node, nobody else gets a handshake,
/// and a self-signed certificate is enough (no CA, no hostname to match, which suits ctl on an address).
/// </summary>
public static class AdminTls
{
    /// <summary>Where ctl reads the certificate's password when the config does not give one.</summary>
    public const string PasswordVariable = "EDGEMANAGE_ADMIN_TLS_PASSWORD";

    /// <summary>Loads the certificate with its private key; throws <see cref="AdminTlsException"/> naming the file.</summary>
    public static X509Certificate2 Load(string path, string? password)
    {
        if (!File.Exists(path)) throw new AdminTlsException($"cannot read the ctl certificate {path}: no such file");
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AdminTlsException($"cannot read the ctl certificate {path}: {e.Message}", e is UnauthorizedAccessException);
        }
        catch (CryptographicException e)
        {
            throw new AdminTlsException($"{path} is not a PKCS#12 (.pfx/.p12) certificate this password opens: {e.Message.TrimEnd('.')}");
        }
        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new AdminTlsException($"{path} has no private key; the ctl endpoint and its clients need the certificate with its key");
        }
        return certificate;
    }

    /// <summary>
    /// A client's certificate for the nodes of <paramref name="config"/>: <paramref name="path"/> (ctl --tls-certificate),
    /// else admin.tls_certificate; its password from $EDGEMANAGE_ADMIN_TLS_PASSWORD, else admin.tls_password. Null when
    /// neither names a file: the client speaks plain TCP.
    /// </summary>
    public static X509Certificate2? ForClient(Contracts.Config.EdgemanageSettings? config, string? path = null)
    {
        path ??= config?.Admin.TlsCertificate;
        if (path is null) return null;
        var password = Environment.GetEnvironmentVariable(PasswordVariable) is { Length: > 0 } fromEnv ? fromEnv : config?.Admin.TlsPassword;
        return Load(Path.GetFullPath(path), password);
    }

    /// <summary>Both sides present <paramref name="certificate"/> and accept nothing but it.</summary>
    public static DotNettySslSetup Setup(X509Certificate2 certificate) =>
        new(certificate, suppressValidation: false, requireMutualAuthentication: true, validateCertificateHostname: false,
            customValidator: CertificateValidation.PinnedCertificate(certificate.Thumbprint));
}
