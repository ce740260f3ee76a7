using Detour.Host.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Detour.Host.Sources;

internal enum ValueKind { StaticInitializer, StaticConstructor, Constant, EnumMember, DefaultParameters }

/// <summary>A value a file writes in its syntax: <paramref name="Name"/> is what users of it write, <paramref name="Value"/>
/// its tokens (comments and spacing ignored), <paramref name="Span"/> where it is declared (0-based lines and columns).</summary>
internal sealed record DeclaredValue(ValueKind Kind, MemberKey Key, string Name, string Value, LinePositionSpan Span);

/// <summary>The one walk over a file's declarations that finds values kept in syntax: static initializers and static
/// constructor bodies (which an edit may re-run), and constants, enum members and default parameter values (which the
/// compiler copies into the code that uses them).</summary>
internal static class DeclaredValues
{
    public static IEnumerable<DeclaredValue> In(SyntaxTree tree)
    {
        foreach (var node in tree.GetRoot().DescendantNodes())
            switch (node)
            {
                case ConstructorDeclarationSyntax ctor when ctor.Modifiers.Any(SyntaxKind.StaticKeyword):
                    yield return new(ValueKind.StaticConstructor, MemberKey.StaticConstructorOf(SyntaxNames.OwnerName(ctor)), ".cctor",
                        SyntaxNames.Tokens((SyntaxNode?)ctor.Body ?? ctor.ExpressionBody), ctor.GetLocation().GetLineSpan().Span);
                    break;
                // A static auto-property's initializer stores into its backing field.
                case PropertyDeclarationSyntax { Initializer: { } initial } property when property.Modifiers.Any(SyntaxKind.StaticKeyword):
                    string backing = CompilerNames.BackingFieldOf(property.Identifier.ValueText);
                    yield return new(ValueKind.StaticInitializer, new MemberKey(SyntaxNames.OwnerName(property), backing), backing,
                        SyntaxNames.Tokens(initial.Value), property.GetLocation().GetLineSpan().Span);
                    break;
                case FieldDeclarationSyntax { Parent: BaseTypeDeclarationSyntax } field:
                    bool constant = field.Modifiers.Any(SyntaxKind.ConstKeyword);
                    if (!constant && !field.Modifiers.Any(SyntaxKind.StaticKeyword)) break;
                    foreach (var v in field.Declaration.Variables)
                    {
                        // The compiler's sequence point for the first declarator starts at the field's modifiers.
                        var from = v == field.Declaration.Variables[0] ? field.SpanStart : v.SpanStart;
                        var span = tree.GetLineSpan(TextSpan.FromBounds(from, v.Span.End)).Span;
                        yield return new(constant ? ValueKind.Constant : ValueKind.StaticInitializer, new MemberKey(SyntaxNames.OwnerName(field), v.Identifier.ValueText),
                            v.Identifier.ValueText, SyntaxNames.Tokens(v.Initializer?.Value), span);
                    }
                    break;
                case EnumDeclarationSyntax e:
                    // Implicit values depend on position, so each member's value is its index and its text.
                    for (int i = 0; i < e.Members.Count; i++)
                        yield return new(ValueKind.EnumMember, new MemberKey(SyntaxNames.MetadataName(e), e.Members[i].Identifier.ValueText),
                            e.Members[i].Identifier.ValueText, $"{i} {SyntaxNames.Tokens(e.Members[i].EqualsValue)}", e.Members[i].GetLocation().GetLineSpan().Span);
                    break;
                case BaseMethodDeclarationSyntax method when method.ParameterList.Parameters.Any(p => p.Default is not null):
                    string name = method switch
                    {
                        MethodDeclarationSyntax m => m.Identifier.ValueText,
                        ConstructorDeclarationSyntax c => c.Identifier.ValueText,
                        _ => method.Kind().ToString(),
                    };
                    string signature = "(" + string.Join(",", method.ParameterList.Parameters.Select(p => p.Type?.ToString())) + ")";
                    yield return new(ValueKind.DefaultParameters, new MemberKey(SyntaxNames.OwnerName(method), name, signature), name,
                        string.Join(" ; ", method.ParameterList.Parameters.Select(p => SyntaxNames.Tokens(p.Default))), method.GetLocation().GetLineSpan().Span);
                    break;
            }
    }
}
