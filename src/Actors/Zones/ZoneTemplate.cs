using System.Globalization;
using System.Text.RegularExpressions;
using DotLiquid;
using DotLiquid.Exceptions;
using Edgemanage.Contracts.Config;

namespace Edgemanage.Actors.Zones;

/// <summary>One address published in a zone: an A record for IPv4, AAAA for IPv6.</summary>
public readonly record struct ZoneAddress(string Ip, bool IsIPv6)
{
    public string RecordType => IsIPv6 ? "AAAA" : "A";
}

/// <summary>Everything a zone template may use. <paramref name="IncludeText"/> is appended verbatim.</summary>
public sealed record ZoneModel(string Zone, string IncludeFileName, string IncludeText, IReadOnlyList<ZoneAddress> Addresses, uint Serial, DnsSettings Dns);

/// <summary>A zone template that cannot be read, parsed or rendered. The message is meant for the operator as is.</summary>
public sealed class ZoneTemplateException : Exception
{
    public ZoneTemplateException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>
/// A parsed DotLiquid zone template. The built-in one reproduces the original's zonetemplate.j2 output byte for
/// byte for IPv4 edges (original-edgemanage.md §6.4); IPv6 edges become AAAA records.
/// </summary>
public sealed class ZoneTemplate
{
    /// <summary>The name of the built-in template, as shown in messages.</summary>
    public const string BuiltinName = "<built-in zone.liquid>";

    private const string ResourceName = "Edgemanage.Actors.Zones.zone.liquid";

    // Parsed once: instances are safe to share (renders are serialised), and the built-in text never changes.
    private static readonly Lazy<ZoneTemplate> BuiltinTemplate = new(() => Parse(BuiltinName, ReadBuiltinSource()));

    private readonly Template _template;
    // DotLiquid keeps per-template state between renders (instance assigns, errors), so renders are serialised.
    private readonly object _renderGate = new();

    private ZoneTemplate(string name, Template template, string identity)
    {
        Name = name;
        _template = template;
        Identity = identity;
    }

    /// <summary>
    /// A hash of the template's text. Together with a zone's inputs it determines the rendered zone, so a zone
    /// whose inputs and template are unchanged need not be rendered at all to know it is unchanged.
    /// </summary>
    public string Identity { get; }

    /// <summary>The file the template came from, or <see cref="BuiltinName"/>.</summary>
    public string Name { get; }

    /// <summary>The built-in template (embedded in this assembly, so it does not depend on the working directory).</summary>
    public static ZoneTemplate Builtin() => BuiltinTemplate.Value;

    /// <summary>Reads and parses a template file; any failure is a <see cref="ZoneTemplateException"/> naming the file.</summary>
    public static ZoneTemplate Load(string path)
    {
        string source;
        try
        {
            var facts = Inputs.InputFile.Examine(path);
            // The template's text ends up in every zone: a symlink to a file fewer may read must not widen it.
            if (Inputs.InputFile.WiderWhenPublished(facts, ZoneFiles.ZoneFileMode, "zone template") is { } wider)
                throw new ZoneTemplateException($"{path}: {wider}");
            source = Inputs.InputFile.ReadText(path, "zone template");
        }
        catch (Inputs.InputFileException e)
        {
            throw new ZoneTemplateException($"{path}: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ArgumentException or NotSupportedException)
        {
            throw new ZoneTemplateException($"{path}: cannot read zone template: {e.Message}", e);
        }
        return Parse(path, source);
    }

    /// <summary>Parses template text; <paramref name="name"/> is used in error messages.</summary>
    public static ZoneTemplate Parse(string name, string source)
    {
        // Jinja2 (default options) drops a single trailing newline of the template; doing the same lets the
        // template file end with a newline while the zone ends exactly as the include text ends (§6.4).
        if (source.EndsWith("\r\n", StringComparison.Ordinal)) source = source[..^2];
        else if (source.EndsWith('\n')) source = source[..^1];
        try
        {
            return new ZoneTemplate(name, Template.Parse(source), ZoneFiles.ContentHash(source));
        }
        catch (Exception e) when (e is LiquidException or System.ArgumentException or InvalidOperationException or FormatException)
        {
            var line = GuessLine(source, e.Message);
            var where = line is null ? name : $"{name}:{line}";
            throw new ZoneTemplateException($"{where}: zone template syntax error: {e.Message}", e);
        }
    }

    /// <summary>Renders one zone. Runtime errors throw instead of being written into the zone (DotLiquid's default).</summary>
    public string Render(ZoneModel model)
    {
        var parameters = new RenderParameters(CultureInfo.InvariantCulture)
        {
            LocalVariables = Variables(model),
            ErrorsOutputMode = ErrorsOutputMode.Rethrow,
        };
        try
        {
            lock (_renderGate)
            {
                var text = _template.Render(parameters);
                // Belt and braces: some DotLiquid paths record errors instead of throwing.
                if (_template.Errors is { Count: > 0 } errors)
                    throw new ZoneTemplateException($"{Name}: cannot render zone {model.Zone}: {errors[0].Message}", errors[0]);
                return text;
            }
        }
        catch (ZoneTemplateException)
        {
            throw;
        }
        catch (Exception e)
        {
            throw new ZoneTemplateException($"{Name}: cannot render zone {model.Zone}: {e.Message}", e);
        }
    }

    private static Hash Variables(ZoneModel m)
    {
        var ips = m.Addresses.Select(a => (object)a.Ip).ToList();
        var edges = m.Addresses.Select(a => (object)Hash.FromDictionary(new Dictionary<string, object>
        {
            ["ip"] = a.Ip,
            ["type"] = a.RecordType,
        })).ToList();
        return Hash.FromDictionary(new Dictionary<string, object>
        {
            ["soa_nameserver"] = m.Dns.SoaNameserver,
            ["soa_mailbox"] = m.Dns.SoaMailbox,
            // A long, not a uint: DotLiquid compares and formats the common numeric types reliably.
            ["serial_number"] = (long)m.Serial,
            ["nameservers"] = m.Dns.NsRecords.Select(n => (object)n).ToList(),
            ["live_edge_ips"] = ips,
            ["live_edges"] = edges,
            ["rotate_zones"] = m.Dns.RotateZones.Select(z => (object)z).ToList(),
            ["domain"] = m.Zone,
            ["zonefile"] = m.IncludeText,
            ["include_name"] = m.IncludeFileName,
        });
    }

    /// <summary>
    /// DotLiquid's syntax errors carry no position, but most quote the offending tag or markup
    /// ("Unknown tag 'iff'"); the first line containing it is a good pointer for the operator.
    /// </summary>
    private static int? GuessLine(string source, string message)
    {
        foreach (Match m in Regex.Matches(message, "'([^']{2,})'"))
        {
            var index = source.IndexOf(m.Groups[1].Value, StringComparison.Ordinal);
            if (index >= 0) return source.AsSpan(0, index).Count('\n') + 1;
        }
        return null;
    }

    private static string ReadBuiltinSource()
    {
        using var stream = typeof(ZoneTemplate).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
