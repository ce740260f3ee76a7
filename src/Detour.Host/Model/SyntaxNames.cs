using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Detour.Host.Model;

/// <summary>Names of what a source file declares, as metadata writes them: "Ns.Type`1", nested "Ns.Outer/Inner".</summary>
public static class SyntaxNames
{
    /// <summary>Full metadata names of the top-level types a file declares.</summary>
    public static IEnumerable<string> DeclaredTypes(SyntaxTree tree) =>
        TopLevel(tree).Where(n => n is BaseTypeDeclarationSyntax or DelegateDeclarationSyntax).Select(MetadataName);

    /// <summary>Names of partial top-level types a tree declares (their other parts must compile with it).</summary>
    public static IEnumerable<string> PartialTypes(SyntaxTree tree) =>
        TopLevel(tree).OfType<TypeDeclarationSyntax>().Where(t => t.Modifiers.Any(SyntaxKind.PartialKeyword)).Select(MetadataName);

    static IEnumerable<MemberDeclarationSyntax> TopLevel(SyntaxTree tree) =>
        tree.GetRoot().DescendantNodes(n => n is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax).OfType<MemberDeclarationSyntax>();

    public static string MetadataName(MemberDeclarationSyntax type)
    {
        string name = type switch
        {
            TypeDeclarationSyntax t => t.Identifier.ValueText + Arity(t.TypeParameterList),
            BaseTypeDeclarationSyntax b => b.Identifier.ValueText,
            DelegateDeclarationSyntax d => d.Identifier.ValueText + Arity(d.TypeParameterList),
            _ => "?",
        };
        string ns = string.Join(".", type.Ancestors().OfType<BaseNamespaceDeclarationSyntax>().Reverse().Select(n => n.Name.ToString()));
        return ns.Length == 0 ? name : ns + "." + name;
    }

    static string Arity(TypeParameterListSyntax? parameters) => parameters is null ? "" : "`" + parameters.Parameters.Count;

    /// <summary>"Ns.Outer/Inner" for the type a member is declared in.</summary>
    public static string OwnerName(MemberDeclarationSyntax member)
    {
        var owner = member.Ancestors().OfType<BaseTypeDeclarationSyntax>().ToList();
        return owner.Count == 0 ? "" : owner.Count == 1 ? MetadataName(owner[0])
            : MetadataName(owner[^1]) + "/" + string.Join("/", owner.Take(owner.Count - 1).Reverse().Select(o => o.Identifier.ValueText));
    }

    /// <summary>A node's tokens (comments and spacing ignored); "" for none.</summary>
    public static string Tokens(SyntaxNode? node) => node is null ? "" : string.Join(" ", node.DescendantTokens());
}
