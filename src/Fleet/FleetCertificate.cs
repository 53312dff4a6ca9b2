using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Edgemanage.Fleet;

internal static class FleetCertificate
{
    /// <summary>
    /// A throw-away self-signed server certificate for <paramref name="host"/>. ECDSA P-256 because the
    /// handshake is much cheaper than RSA's, which matters when benchmarks open thousands of TLS connections.
    /// </summary>
    public static X509Certificate2 Create(string host)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={host}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(host);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false)); // serverAuth
        var now = DateTimeOffset.UtcNow;
        using var ephemeral = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(7));
        // On Linux SslStream cannot use the private key of an ephemeral CreateSelfSigned certificate;
        // a PFX round trip gives a certificate whose key the TLS stack accepts.
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pfx), password: null);
    }
}
