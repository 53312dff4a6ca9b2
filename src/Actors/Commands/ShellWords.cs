using System.Text;

namespace Edgemanage.Actors.Commands;

/// <summary>
/// Splits a command line into argv the way POSIX sh splits words, and does nothing else: no $variable, `command`
/// or glob expansion, no pipes, redirections or ';' — those characters are passed literally, because commands are
/// started without a shell. (The original split on single spaces, so quoting was impossible and double spaces
/// produced empty arguments.)
/// </summary>
public static class ShellWords
{
    /// <summary>The words of <paramref name="commandLine"/>; empty for a blank line.</summary>
    /// <exception cref="FormatException">An unterminated single or double quote.</exception>
    public static IReadOnlyList<string> Split(string commandLine)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;   // true once a word has started, so '' yields an empty argument
        var i = 0;
        while (i < commandLine.Length)
        {
            var c = commandLine[i];
            switch (c)
            {
                case ' ' or '\t' or '\n' or '\r':
                    if (inWord) { words.Add(word.ToString()); word.Clear(); inWord = false; }
                    i++;
                    break;
                case '\\':
                    if (i + 1 < commandLine.Length)
                    {
                        // Backslash-newline is a line continuation in sh: both characters disappear.
                        if (commandLine[i + 1] != '\n') { word.Append(commandLine[i + 1]); inWord = true; }
                        i += 2;
                    }
                    else
                    {
                        // A lone trailing backslash stays literal, as in sh -c 'echo a\'.
                        word.Append('\\'); inWord = true; i++;
                    }
                    break;
                case '\'':
                {
                    var close = commandLine.IndexOf('\'', i + 1);
                    if (close < 0) throw new FormatException($"unterminated single quote at position {i + 1} in: {commandLine}");
                    word.Append(commandLine, i + 1, close - i - 1);
                    inWord = true;
                    i = close + 1;
                    break;
                }
                case '"':
                {
                    var start = i;
                    i++;
                    while (true)
                    {
                        if (i >= commandLine.Length) throw new FormatException($"unterminated double quote at position {start + 1} in: {commandLine}");
                        var d = commandLine[i];
                        if (d == '"') { i++; break; }
                        // Inside double quotes sh gives backslash a meaning only before these characters.
                        if (d == '\\' && i + 1 < commandLine.Length && commandLine[i + 1] is '"' or '\\' or '$' or '`' or '\n')
                        {
                            if (commandLine[i + 1] != '\n') word.Append(commandLine[i + 1]);
                            i += 2;
                            continue;
                        }
                        word.Append(d);
                        i++;
                    }
                    inWord = true;
                    break;
                }
                default:
                    word.Append(c); inWord = true; i++;
                    break;
            }
        }
        if (inWord) words.Add(word.ToString());
        return words;
    }
}
