using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Edgemanage.Node.Configuration;

/// <summary>Parses one YAML document for the loaders, turning every parser failure into a located problem.</summary>
internal static class YamlSource
{
    /// <summary>
    /// Returns the root node of the single document, or null (with a problem recorded) when
    /// there is nothing usable. <paramref name="emptyIsError"/> decides whether an empty input
    /// is an error (the config) or simply "no entries" (the optional canary file).
    /// </summary>
    public static YamlNode? Parse(string text, ProblemSink sink, bool emptyIsError)
    {
        var stream = new YamlStream();
        var filter = new DuplicateKeyFilter(new Parser(new StringReader(text)), (key, first) =>
            sink.Error(key.Start, $"duplicate key '{key.Value}' (first defined at line {first.Line})"));
        try
        {
            stream.Load(filter);
        }
        catch (YamlException e)
        {
            sink.Error(e.Start, "malformed YAML: " + StripMarkPrefix(e.Message));
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet 16.3 trips over its own state on some inputs (e.g. an unclosed "[a, b"
            // followed by another key) instead of raising a YamlException; the end of the last
            // event it did produce is the best position we have.
            sink.Error(filter.LastGoodEnd, "malformed YAML: the parser could not continue after this point (an unclosed bracket or quote?)");
            return null;
        }

        if (stream.Documents.Count == 0 || YamlValues.IsNull(stream.Documents[0].RootNode))
        {
            if (emptyIsError)
                sink.Error(1, 1, "the file is empty");
            return null;
        }
        if (stream.Documents.Count > 1)
            sink.Error(stream.Documents[1].RootNode.Start, "only one YAML document is allowed in this file");
        return stream.Documents[0].RootNode;
    }

    // YamlDotNet prefixes some messages with "(Line: x, Col: y, Idx: z) - (…): "; we print our own position.
    private static string StripMarkPrefix(string message)
    {
        var i = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line:", StringComparison.Ordinal) && i >= 0 ? message[(i + 3)..] : message;
    }
}

/// <summary>
/// YamlDotNet's representation model throws on the first duplicate key, which would hide every
/// other problem in the file. This parser wrapper reports the duplicate, drops it together with
/// its value (the first definition wins) and lets loading continue. It also refuses nesting deeper than
/// <see cref="ConfigLimits.YamlDepth"/>.
/// </summary>
internal sealed class DuplicateKeyFilter(IParser inner, Action<Scalar, Mark> onDuplicate) : IParser
{
    private sealed class Frame(bool isMapping)
    {
        public bool IsMapping { get; } = isMapping;
        public bool ExpectKey { get; set; } = true;
        public Dictionary<string, Mark> Keys { get; } = new(StringComparer.Ordinal);
    }

    private readonly Stack<Frame> _frames = new();

    public ParsingEvent? Current => inner.Current;

    /// <summary>Where the last successfully parsed event ended.</summary>
    public Mark LastGoodEnd { get; private set; } = Mark.Empty;

    public bool MoveNext()
    {
        while (inner.MoveNext())
        {
            var ev = inner.Current!;
            LastGoodEnd = ev.End;
            if (_frames.TryPeek(out var top) && top.IsMapping && top.ExpectKey && ev is Scalar key)
            {
                if (top.Keys.TryGetValue(key.Value, out var first))
                {
                    onDuplicate(key, first);
                    SkipNode();
                    continue; // the mapping still expects a key next
                }
                top.Keys[key.Value] = key.Start;
            }
            Track(ev);
            return true;
        }
        return false;
    }

    private void Track(ParsingEvent ev)
    {
        switch (ev)
        {
            case MappingStart: _frames.Push(new Frame(true)); CheckDepth(ev); break;
            case SequenceStart: _frames.Push(new Frame(false)); CheckDepth(ev); break;
            case MappingEnd or SequenceEnd: _frames.Pop(); NodeCompleted(); break;
            case Scalar or AnchorAlias: NodeCompleted(); break;
        }
    }

    // YamlDotNet's representation model recurses once per level, so "[[[[…" a few ten thousand deep ends the
    // process with a stack overflow, which no catch can turn into a message. Stop well before that.
    private void CheckDepth(ParsingEvent ev)
    {
        if (_frames.Count > ConfigLimits.YamlDepth)
            throw new YamlException(ev.Start, ev.End, $"the YAML nests deeper than {ConfigLimits.YamlDepth} levels");
    }

    private void NodeCompleted()
    {
        if (_frames.TryPeek(out var top) && top.IsMapping)
            top.ExpectKey = !top.ExpectKey;
    }

    private void SkipNode()
    {
        var depth = 0;
        do
        {
            if (!inner.MoveNext()) return;
            switch (inner.Current)
            {
                case MappingStart or SequenceStart: depth++; break;
                case MappingEnd or SequenceEnd: depth--; break;
            }
        } while (depth > 0);
    }
}
