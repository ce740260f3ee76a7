using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Detour.Host;

/// <summary>Values the compiler copies into the code that uses them: constants, enum members and
/// default parameter values. When an edit changes one, the files that use it must be recompiled too,
/// or they keep running the old value.</summary>
internal static class EmbeddedValues
{
    /// <summary>Simple names whose embedded value differs between the two versions of a file.</summary>
    public static HashSet<string> ChangedNames(SyntaxTree before, SyntaxTree after)
    {
        var old = Declared(before);
        var now = Declared(after);
        var changed = new HashSet<string>();
        foreach (var (key, (name, value)) in now)
            if (old.TryGetValue(key, out var was) && was.Value != value) changed.Add(name);
        return changed;
    }

    /// <summary>Names declared in <paramref name="tree"/> whose value is computed from one of <paramref name="names"/>:
    /// a constant defined from a changed constant changes with it.</summary>
    public static IEnumerable<string> DerivedFrom(SyntaxTree tree, IReadOnlySet<string> names) =>
        Declared(tree).Values.Where(d => d.Value.Split(' ').Any(names.Contains)).Select(d => d.Name);

    /// <summary>Whether the file mentions any of the names as an identifier (a cheap text test first).</summary>
    public static bool Uses(string text, Func<SyntaxTree> parse, IReadOnlySet<string> names) =>
        names.Any(text.Contains) &&
        parse().GetRoot().DescendantNodes().OfType<SimpleNameSyntax>().Any(n => names.Contains(n.Identifier.ValueText));

    /// <summary>Key (unique per declaration) to the simple name users write and the value's token text.</summary>
    static Dictionary<string, (string Name, string Value)> Declared(SyntaxTree tree)
    {
        var found = new Dictionary<string, (string, string)>();
        foreach (var node in tree.GetRoot().DescendantNodes())
            switch (node)
            {
                case FieldDeclarationSyntax field when field.Modifiers.Any(SyntaxKind.ConstKeyword):
                    foreach (var v in field.Declaration.Variables)
                        found[DeltaCompiler.OwnerName(field) + "::" + v.Identifier.ValueText] = (v.Identifier.ValueText, DeltaCompiler.Tokens(v.Initializer));
                    break;
                case EnumDeclarationSyntax e:
                    // Implicit values depend on position, so each member's value is its index and its text.
                    for (int i = 0; i < e.Members.Count; i++)
                        found[DeltaCompiler.MetadataName(e) + "::" + e.Members[i].Identifier.ValueText] =
                            (e.Members[i].Identifier.ValueText, $"{i} {DeltaCompiler.Tokens(e.Members[i].EqualsValue)}");
                    break;
                case BaseMethodDeclarationSyntax method when method.ParameterList.Parameters.Any(p => p.Default is not null):
                    string name = method switch
                    {
                        MethodDeclarationSyntax m => m.Identifier.ValueText,
                        ConstructorDeclarationSyntax c => c.Identifier.ValueText,
                        _ => method.Kind().ToString(),
                    };
                    string signature = string.Join(",", method.ParameterList.Parameters.Select(p => p.Type?.ToString()));
                    found[$"{DeltaCompiler.OwnerName(method)}::{name}({signature})"] =
                        (name, string.Join(" ; ", method.ParameterList.Parameters.Select(p => DeltaCompiler.Tokens(p.Default))));
                    break;
            }
        return found;
    }
}
