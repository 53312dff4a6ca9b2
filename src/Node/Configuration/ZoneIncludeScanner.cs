using System.Text;
using Edgemanage.Actors.Inputs;
using Edgemanage.Actors.Zones;

namespace Edgemanage.Node.Configuration;

/// <summary>One zone to publish: its name, the include file and the text that goes into the zone (read once, here).</summary>
public sealed record ZoneInclude(string Zone, string Path)
{
    public string Text { get; init; } = "";
}

public sealed record ZoneScanResult(
    IReadOnlyList<ZoneInclude> Zones, IReadOnlyList<ConfigProblem> Errors, IReadOnlyList<ConfigProblem> Warnings)
{
    public bool Ok => Errors.Count == 0;
}

/// <summary>
/// Lists the zone include files of one network (<c>&lt;zonetemplate_dir&gt;/&lt;dnet&gt;/*.zone</c>,
/// original-edgemanage.md §6.1) and checks what the original silently assumed: a usable zone
/// name, readable UTF-8 text, and no SOA record (the template supplies the only SOA).
/// </summary>
public static class ZoneIncludeScanner
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static ZoneScanResult Scan(string zoneIncludeDir)
    {
        var errors = new List<ConfigProblem>();
        var zones = new List<ZoneInclude>();
        if (!Directory.Exists(zoneIncludeDir))
        {
            var warning = new ConfigProblem(zoneIncludeDir, 0, 0,
                $"zone include directory '{zoneIncludeDir}' does not exist; no zones will be written", ProblemSeverity.Warning);
            return new ZoneScanResult(zones, errors, [warning]);
        }

        foreach (var file in Directory.GetFileSystemEntries(zoneIncludeDir).Order(StringComparer.Ordinal))
        {
            var name = System.IO.Path.GetFileName(file);
            if (!IsIncludeName(name)) continue;
            var zone = ZoneOf(name);
            if (NameRules.CheckHostName(zone, allowUnderscore: true) is { } issue)
            {
                errors.Add(new ConfigProblem(file, 0, 0, $"zone include file name does not give a valid zone: {issue.Message}"));
                continue;
            }
            string text;
            try
            {
                // One reader for every input: a FIFO, a device or a directory named x.zone is refused by its kind
                // (it would hang or never end), and the size is capped.
                var facts = InputFile.Examine(file);
                if (InputFile.WiderWhenPublished(facts, ZoneFiles.ZoneFileMode, "zone include") is { } wider)
                {
                    errors.Add(new ConfigProblem(file, 0, 0, wider));
                    continue;
                }
                var bytes = InputFile.ReadBytes(file, "zone include file");
                // A byte order mark is not text of the zone (File.ReadAllText, which run used before, dropped it too).
                var bom = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
                text = StrictUtf8.GetString(bytes, bom, bytes.Length - bom);
            }
            catch (DecoderFallbackException)
            {
                errors.Add(new ConfigProblem(file, 0, 0, "zone include file is not valid UTF-8 text"));
                continue;
            }
            catch (InputFileException e)
            {
                errors.Add(new ConfigProblem(file, 0, 0, e.Message));
                continue;
            }
            var soaErrors = FindSoa(text, file).ToList();
            errors.AddRange(soaErrors);
            if (soaErrors.Count == 0) zones.Add(new ZoneInclude(zone, file) { Text = text });
        }
        return new ZoneScanResult(zones, errors, []);
    }

    /// <summary>
    /// Whether a directory entry is meant as a zone include: "*.zone", not hidden. Python's glob("*.zone") skips
    /// names starting with '.', so editor and VCS leftovers like ".x.zone" were never zones; keep that. Whatever
    /// this accepts is then judged (name, kind, text) the same way by validate, run and serve.
    /// </summary>
    public static bool IsIncludeName(string fileName) =>
        !fileName.StartsWith('.') && fileName.EndsWith(".zone", StringComparison.Ordinal) && fileName.Length > ".zone".Length;

    /// <summary>The zone an include file name stands for (the name without its last ".zone").</summary>
    public static string ZoneOf(string fileName) => fileName[..^".zone".Length];

    /// <summary>Lines where "SOA" appears as a record type (outside comments and quoted strings).</summary>
    private static IEnumerable<ConfigProblem> FindSoa(string text, string file)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            // A line that starts in column 1 begins with an owner name, which may legally be "soa".
            var hasOwner = lines[i].Length > 0 && !char.IsWhiteSpace(lines[i][0]);
            foreach (var (token, column) in Tokens(lines[i]).Skip(hasOwner ? 1 : 0))
            {
                if (token.Equals("SOA", StringComparison.OrdinalIgnoreCase))
                {
                    yield return new ConfigProblem(file, i + 1, column,
                        "zone include files must not contain an SOA record; the zone template supplies it");
                    break;
                }
            }
        }
    }

    private static IEnumerable<(string Token, int Column)> Tokens(string line)
    {
        var i = 0;
        while (i < line.Length)
        {
            var c = line[i];
            if (c == ';') yield break;
            if (char.IsWhiteSpace(c) || c is '(' or ')') { i++; continue; }
            var start = i;
            if (c == '"')
            {
                i++;
                while (i < line.Length && line[i] != '"') i += line[i] == '\\' ? 2 : 1;
                i++;
                continue; // quoted text is data, never a record type
            }
            while (i < line.Length && !char.IsWhiteSpace(line[i]) && line[i] is not (';' or '(' or ')')) i++;
            yield return (line[start..i], start + 1);
        }
    }
}
