using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Detour.Host.Sources;

/// <summary>Values the compiler copies into the code that uses them: constants, enum members and
/// default parameter values. When an edit changes one, the files that use it must be recompiled too,
/// or they keep running the old value.</summary>
internal static class EmbeddedValues
{
    static readonly HashSet<ValueKind> Embedded = [ValueKind.Constant, ValueKind.EnumMember, ValueKind.DefaultParameters];

    /// <summary>Simple names whose embedded value differs between the two versions of a file.</summary>
    public static HashSet<string> ChangedNames(SyntaxTree before, SyntaxTree after)
    {
        var old = Declared(before).ToDictionary(d => d.Key);
        return Declared(after).Where(d => old.TryGetValue(d.Key, out var was) && was.Value != d.Value).Select(d => d.Name).ToHashSet();
    }

    /// <summary>Names declared in <paramref name="tree"/> whose value is computed from one of <paramref name="names"/>:
    /// a constant defined from a changed constant changes with it.</summary>
    public static IEnumerable<string> DerivedFrom(SyntaxTree tree, IReadOnlySet<string> names) =>
        Declared(tree).Where(d => d.Value.Split(' ').Any(names.Contains)).Select(d => d.Name);

    /// <summary>Whether the file mentions any of the names as an identifier (a cheap text test first).</summary>
    public static bool Uses(string text, Func<SyntaxTree> parse, IReadOnlySet<string> names) =>
        names.Any(text.Contains) &&
        parse().GetRoot().DescendantNodes().OfType<SimpleNameSyntax>().Any(n => names.Contains(n.Identifier.ValueText));

    static IEnumerable<DeclaredValue> Declared(SyntaxTree tree) =>
        DeclaredValues.In(tree).Where(d => Embedded.Contains(d.Kind)).DistinctBy(d => d.Key);
}
