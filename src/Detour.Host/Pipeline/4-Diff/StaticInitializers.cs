using Detour.Host.Model;
using Detour.Host.Sources;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Detour.Host.Diffing;

/// <summary>A static initializer's tokens and the span of its declarator (0-based lines and columns).</summary>
internal sealed record StaticInitializer(string Text, string Path, LinePositionSpan Span)
{
    public bool Contains(string path, int line, int column)
    {
        var at = new LinePosition(line, column);
        return path == Path && at >= Span.Start && at <= Span.End;
    }

    /// <summary>Static field initializers by field, as token text, with where each declarator sits; an explicit static
    /// constructor's body is keyed by <see cref="MemberKey.StaticConstructorOf"/>.</summary>
    public static Dictionary<MemberKey, StaticInitializer> In(IEnumerable<SyntaxTree> trees)
    {
        var found = new Dictionary<MemberKey, StaticInitializer>();
        foreach (var tree in trees)
        foreach (var value in DeclaredValues.In(tree))
            if (value.Kind is ValueKind.StaticInitializer or ValueKind.StaticConstructor or ValueKind.Constant)
                found[value.Key] = new StaticInitializer(value.Value, tree.FilePath, value.Span);
        return found;
    }
}
