using Edgemanage.Actors.Commands;
using Xunit;

namespace Edgemanage.Tests.Commands;

public sealed class ShellWordsSpecs
{
    public static TheoryData<string, string[]> Cases => new()
    {
        { "", [] },
        { "  \t ", [] },
        { "rndc reload", ["rndc", "reload"] },
        { "  rndc   reload  ", ["rndc", "reload"] },                 // runs of blanks, unlike the original's split(" ")
        { "a\tb\nc", ["a", "b", "c"] },
        { "echo 'a b' \"c d\"", ["echo", "a b", "c d"] },
        { "x'a b'y", ["xa by"] },                                    // quotes join with adjacent text
        { "'' \"\"", ["", ""] },                                      // empty quotes are empty arguments
        { "'a\\b' 'it'\\''s'", ["a\\b", "it's"] },                  // no escapes inside single quotes; the sh idiom for a quote
        { "\"a \\\" b \\\\ c \\$d \\x\"", ["a \" b \\ c $d \\x"] },  // \" \\ \$ escape inside double quotes, \x stays
        { "a\\ b c\\\\d", ["a b", "c\\d"] },                        // backslash outside quotes escapes anything
        { "a\\\nb", ["ab"] },                                        // backslash-newline continues the line
        { "end\\", ["end\\"] },                                      // a lone trailing backslash stays
        { "echo $HOME *.zone | tee >out; rm `x`", ["echo", "$HOME", "*.zone", "|", "tee", ">out;", "rm", "`x`"] },
        { "\"$HOME\" '$HOME'", ["$HOME", "$HOME"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Splits_like_sh_without_expansions(string line, string[] expected)
    {
        Assert.Equal(expected, ShellWords.Split(line));
    }

    [Theory]
    [InlineData("echo 'abc", "unterminated single quote at position 6")]
    [InlineData("echo \"abc", "unterminated double quote at position 6")]
    [InlineData("echo \"ab\\\"", "unterminated double quote")]
    [InlineData("'it\\'s'", "unterminated single quote at position 7")]   // backslash does not escape in single quotes
    public void An_unterminated_quote_is_a_clear_error(string line, string message)
    {
        var e = Assert.Throws<FormatException>(() => ShellWords.Split(line));

        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Contains(line, e.Message, StringComparison.Ordinal);
    }
}
