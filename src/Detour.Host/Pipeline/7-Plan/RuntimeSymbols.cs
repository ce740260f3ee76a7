using Detour.Host.Diffing;
using Detour.Host.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Mono.Cecil;
using Mono.Cecil.Rocks;

namespace Detour.Host.Planning;

/// <summary>Between the relinker's world (Cecil's definitions of the delta) and Roslyn's (the symbols an update of the
/// runtime is emitted from): both name a member by its documentation comment id.</summary>
internal static class RuntimeSymbols
{
    /// <summary>The symbol an insert of this addition is made of: a type, or a member of a type the runtime already
    /// has. An accessor, or an auto-property's backing field, stands for its property (or event); null when the
    /// addition is part of a type the same edit inserts.</summary>
    public static ISymbol? Inserted(CSharpCompilation compilation, MemberChange change, IReadOnlySet<string> insertedTypes, out string? unmapped)
    {
        unmapped = null;
        var owner = change.Type?.DeclaringType ?? (TypeDefinition?)change.Method?.DeclaringType ?? change.Field?.DeclaringType;
        for (var t = owner; t is not null; t = t.DeclaringType)
            if (insertedTypes.Contains(t.FullName)) return null;
        ISymbol? symbol = change switch
        {
            { Type: { } type } => Find(compilation, DocCommentId.GetDocCommentId(type)),
            { Method: { } method } => Find(compilation, DocCommentId.GetDocCommentId(method)) is IMethodSymbol m ? m.AssociatedSymbol ?? m : null,
            { Field: { } field } when CompilerNames.IsBackingField(field.Name) =>
                Find(compilation, "P:" + TypeId(field.DeclaringType) + "." + CompilerNames.PropertyOfBackingField(field.Name)),
            { Field: { } field } => Find(compilation, DocCommentId.GetDocCommentId(field))
                                    ?? Find(compilation, "E:" + TypeId(field.DeclaringType) + "." + field.Name), // an event's field
            _ => null,
        };
        if (symbol is null) unmapped = change.DisplayName;
        return symbol;
    }

    static string TypeId(TypeDefinition type) => DocCommentId.GetDocCommentId(type)[2..];

    static ISymbol? Find(CSharpCompilation compilation, string id) => DocumentationCommentId.GetFirstSymbolForDeclarationId(id, compilation);

    public static string Id(ISymbol symbol) => DocumentationCommentId.CreateDeclarationId(symbol) ?? "";

    /// <summary>The methods, accessors and constructors of <paramref name="tree"/> whose bodies the runtime replaces, by
    /// declaration id: those of generic code (a generic method, or any member of a generic type), and those the
    /// runtime added (<paramref name="runtimeAdded"/>: ids of members and types). Static constructors are left out: one
    /// ran once, and a new one would not run.</summary>
    public static Dictionary<string, IMethodSymbol> UpdatableMembers(CSharpCompilation compilation, SyntaxTree tree, IReadOnlySet<string> runtimeAdded,
        bool everyMethod = false)
    {
        var model = compilation.GetSemanticModel(tree);
        var found = new Dictionary<string, IMethodSymbol>();
        foreach (var type in tree.GetRoot().DescendantNodes().OfType<TypeDeclarationSyntax>())
        {
            if (model.GetDeclaredSymbol(type) is not { } typeSymbol) continue;
            bool genericType = IsGeneric(typeSymbol);
            bool addedType = AddedByRuntime(typeSymbol, runtimeAdded);
            foreach (var member in typeSymbol.GetMembers().OfType<IMethodSymbol>())
            {
                if (member.MethodKind is MethodKind.StaticConstructor) continue;
                var id = Id(member);
                bool added = addedType || runtimeAdded.Contains(id) || member.AssociatedSymbol is { } property && runtimeAdded.Contains(Id(property));
                if (!everyMethod && !genericType && !member.IsGenericMethod && !added) continue;
                bool declaredHere = member.DeclaringSyntaxReferences.Any(r => r.SyntaxTree == tree);
                bool implicitConstructor = member.MethodKind == MethodKind.Constructor && member.IsImplicitlyDeclared;
                if (!declaredHere && !implicitConstructor) continue;
                if (id.Length > 0) found.TryAdd(id, member);
            }
        }
        // A top-level program's entry point has no type declaration; its local functions are updated with it.
        if (everyMethod && tree.GetRoot() is CompilationUnitSyntax { Members: var members } unit && members.Any(m => m is GlobalStatementSyntax)
            && model.GetDeclaredSymbol(unit) is IMethodSymbol entryPoint && Id(entryPoint) is { Length: > 0 } entryId)
            found.TryAdd(entryId, entryPoint);
        return found;
    }

    static bool AddedByRuntime(INamedTypeSymbol? type, IReadOnlySet<string> runtimeAdded)
    {
        for (; type is not null; type = type.ContainingType)
            if (runtimeAdded.Contains(Id(type))) return true;
        return false;
    }

    static bool IsGeneric(INamedTypeSymbol? type)
    {
        for (; type is not null; type = type.ContainingType)
            if (type.TypeParameters.Length > 0) return true;
        return false;
    }

    /// <summary>A member or type of this project that the code of <paramref name="declared"/> names and the runtime's
    /// metadata lacks (<paramref name="known"/> says what it has): it lives in a Detour generation, if anywhere, and an
    /// update of the runtime has no token for it.</summary>
    public static string? UsesWhatTheRuntimeLacks(CSharpCompilation compilation, ISymbol declared, Func<ISymbol, bool> known)
    {
        foreach (var reference in declared.DeclaringSyntaxReferences)
        {
            var syntax = reference.GetSyntax();
            var model = compilation.GetSemanticModel(syntax.SyntaxTree);
            foreach (var node in syntax.DescendantNodes())
            {
                if (node is not (SimpleNameSyntax or ObjectCreationExpressionSyntax or ImplicitObjectCreationExpressionSyntax)) continue;
                if (model.GetSymbolInfo(node).Symbol?.OriginalDefinition is not { } used) continue;
                if (used is ILocalSymbol or IParameterSymbol or ITypeParameterSymbol or IRangeVariableSymbol or ILabelSymbol or INamespaceSymbol) continue;
                if (!SymbolEqualityComparer.Default.Equals(used.ContainingAssembly, compilation.Assembly)) continue;
                if (used is IMethodSymbol { MethodKind: MethodKind.LocalFunction or MethodKind.AnonymousFunction }) continue;
                // The update declares what the compiler makes for it: anonymous types, and their members.
                if (used is INamedTypeSymbol { IsAnonymousType: true } || used.ContainingType is { IsAnonymousType: true }) continue;
                if (!known(used)) return used.ToDisplayString();
            }
        }
        return null;
    }

    /// <summary>A type's name as reflection writes it ("Ns.Outer+Inner`1"): how %revert's modules are matched.</summary>
    public static string ReflectionName(INamedTypeSymbol type) => QualifiedName(type, '+');

    /// <summary>A type's name as Cecil writes it ("Ns.Outer/Inner`1"): how the relinker names changed members.</summary>
    public static string CecilName(INamedTypeSymbol type) => QualifiedName(type, '/');

    static string QualifiedName(INamedTypeSymbol type, char nesting) =>
        type.ContainingType is { } outer ? QualifiedName(outer, nesting) + nesting + type.MetadataName
        : type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() + "." + type.MetadataName : type.MetadataName;
}
