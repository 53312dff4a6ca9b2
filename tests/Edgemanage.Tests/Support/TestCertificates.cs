using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Edgemanage.Tests.Support;

/// <summary>Self-signed PKCS#12 files for the ctl TLS specs, made on the spot (nothing checked in, nothing to expire).</summary>
public static class TestCertificates
{
    public static string WritePfx(string path, string? password, string subject = "CN=edgemanage-ctl-test")
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, password));
        return path;
    }
}
