using Edgemanage.Contracts.Config;

namespace Edgemanage.Tests.Support;

/// <summary>Settings built in code for actor tests, rooted in a throwaway folder.</summary>
public static class TestSettings
{
    public static EdgemanageSettings Create(string root, double goodEnough = 0.7, int historyLength = 2000, int snapshotEvery = 20,
        double timeoutSeconds = 10) => new()
    {
        SourcePath = Path.Combine(root, "edgemanage.yaml"),
        TestObject = new TestObjectSettings { Host = "www.example.test", Port = 80, Proto = "http", Uri = "/test_object", Local = Path.Combine(root, "object"), Verify = false },
        Dns = new DnsSettings { NsRecords = ["ns1.example.test."], SoaNameserver = "ns1.example.test.", SoaMailbox = "hostmaster.example.test." },
        GoodEnough = goodEnough,
        EdgeCount = 2,
        HealthDataStore = Path.Combine(root, "health"),
        EdgeListDir = Path.Combine(root, "edges"),
        StateFile = Path.Combine(root, "{dnet}.state"),
        LockFile = Path.Combine(root, "lock"),
        ZoneTemplateDir = Path.Combine(root, "zones"),
        NamedDir = Path.Combine(root, "named"),
        StateDir = Path.Combine(root, "state"),
        HistoryLength = historyLength,
        SnapshotEvery = snapshotEvery,
        Probe = new ProbeSettings { TimeoutSeconds = timeoutSeconds },
    };
}

/// <summary>A scratch folder under the system temp folder, deleted when the test ends.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "edgemanage-test-" + Guid.NewGuid().ToString("N")[..12]);

    public string File(string relative) => System.IO.Path.Combine(Path, relative);

    public string Dir(string relative) => Directory.CreateDirectory(File(relative)).FullName;

    public string Write(string relative, string text) => WriteBytes(relative, System.Text.Encoding.UTF8.GetBytes(text));

    public string WriteBytes(string relative, byte[] bytes)
    {
        var path = File(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
