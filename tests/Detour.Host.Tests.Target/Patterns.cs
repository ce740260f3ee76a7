using System.Text.RegularExpressions;

namespace Target;

public static partial class Patterns
{
    [GeneratedRegex("a+")]
    private static partial Regex Letters();

    public static int CountRuns(string s) => Letters().Matches(s).Count;
}
