using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using Detour.Channel;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Emit;
using Detour.Host.Model;

namespace Detour.Host.Planning;

/// <summary>Edits of generic code, written as the runtime's own metadata updates of the project's assembly (Roslyn's
/// EmitDifference against the build, applied in the app by MetadataUpdater.ApplyUpdate). A detour cannot replace shared
/// generic code (native-notes/generics.md); the runtime can, for every instantiation, including those the JIT makes
/// later. Only bodies of generic methods and of members of generic types go this way; everything else is detoured.</summary>
internal sealed class RuntimeUpdates(CSharpProject project, IReadOnlyDictionary<string, string> builtTexts)
{
    // Portable PDB kinds of the build's Edit and Continue information (local slots, lambdas and closures).
    static readonly Guid EncLocalSlotMap = new("755F52A8-91C5-45BE-B4B8-209571E552BD");
    static readonly Guid EncLambdaAndClosureMap = new("A643004C-0240-496F-A783-30D64F4979DE");

    CSharpCompilation? _built;      // the build's sources and references
    CSharpCompilation? _current;    // what the runtime's metadata of the assembly holds now
    EmitBaseline? _baseline;
    (CSharpCompilation Compilation, EmitBaseline Baseline, Dictionary<string, UpdatedMethod> Methods)? _pending;
    readonly Dictionary<string, UpdatedMethod> _updated = new();   // by declaration id: the bodies the runtime has new

    /// <summary>A method whose body the runtime replaced: where it is declared, and its type's metadata name.</summary>
    sealed record UpdatedMethod(string File, string TypeName, bool BackAsBuilt);

    /// <summary>The update that gives the generic methods of <paramref name="changed"/> that the relinker found changed
    /// (<paramref name="members"/>: Cecil's type names and metadata member names) their new bodies; null with
    /// <paramref name="error"/> set when it cannot be made, and null without when none of them is there.</summary>
    public MetadataUpdate? Emit(IReadOnlyDictionary<string, string> changed, IEnumerable<(string TypeName, string Member)> members, out string? error)
    {
        var methods = members.Select(OwningMethod).ToHashSet();
        return Emit(changed, method => methods.Contains((CecilName(method.ContainingType), method.MetadataName)), out error);
    }

    /// <summary>The method whose body a member is part of: a lambda or local function ("&lt;Twice&gt;b__1_0", in the type or in
    /// a closure class nested in it) belongs to the method its name starts with.</summary>
    static (string TypeName, string Member) OwningMethod((string TypeName, string Member) member) =>
        (CompilerNames.OwningType(member.TypeName), CompilerNames.OwningMethod(member.Member));

    MetadataUpdate? Emit(IReadOnlyDictionary<string, string> changed, Func<IMethodSymbol, bool> wanted, out string? error)
    {
        error = null;
        _pending = null;
        if (!Ready(out error)) return null;
        var compilation = _current!;
        var trees = new List<(string Path, string Text, SyntaxTree Old, SyntaxTree New)>();
        foreach (var (path, text) in changed)
        {
            var oldTree = compilation.SyntaxTrees.FirstOrDefault(t => t.FilePath == path);
            if (oldTree is null) continue; // a file the build did not have declares nothing the runtime could update
            var newTree = project.Parse(path, text);
            compilation = compilation.ReplaceSyntaxTree(oldTree, newTree);
            trees.Add((path, text, oldTree, newTree));
        }
        var edits = new List<SemanticEdit>();
        var methods = new Dictionary<string, UpdatedMethod>();
        foreach (var (path, text, oldTree, newTree) in trees)
        {
            var before = GenericMembers(_current!, oldTree);
            foreach (var (id, method) in GenericMembers(compilation, newTree))
            {
                if (!wanted(method) || !before.TryGetValue(id, out var old)) continue;
                if (UsesWhatTheBuildLacks(compilation, method) is { } missing)
                {
                    error = $"the new body of {method.ToDisplayString()} uses {missing}, which the build did not have; the runtime's update cannot name it (restart)";
                    return null;
                }
                edits.Add(new SemanticEdit(SemanticEditKind.Update, old, method));
                methods[id] = new UpdatedMethod(path, ReflectionName(method.ContainingType), text == builtTexts.GetValueOrDefault(path));
            }
        }
        if (edits.Count == 0) return null;
        using var metadata = new MemoryStream();
        using var il = new MemoryStream();
        using var pdb = new MemoryStream();
        var result = compilation.EmitDifference(_baseline!, edits, _ => false, metadata, il, pdb);
        if (!result.Success)
        {
            var first = result.Diagnostics.FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error);
            error = $"the runtime's update of the generic code does not compile: {(first is null ? "no reason given" : DiagnosticText.Format(first))}";
            return null;
        }
        _pending = (compilation, result.Baseline!, methods);
        return new MetadataUpdate(project.Model.AssemblyName, metadata.ToArray(), il.ToArray(), pdb.ToArray());
    }

    /// <summary>The app applied the last update: it is what the runtime holds now.</summary>
    public void Commit()
    {
        if (_pending is not { } pending) return;
        (_current, _baseline) = (pending.Compilation, pending.Baseline);
        foreach (var (id, method) in pending.Methods)
            if (method.BackAsBuilt) _updated.Remove(id);
            else _updated[id] = method;
        _pending = null;
    }

    public void Discard() => _pending = null;

    /// <summary>The update that puts the generic bodies updated so far back as the build had them, in the files that
    /// declare a type <paramref name="select"/> chooses (every file when null): for %revert.</summary>
    public MetadataUpdate? Revert(Func<string, bool>? select, out string? error)
    {
        error = null;
        var chosen = _updated.Where(m => select?.Invoke(m.Value.TypeName) ?? true).ToDictionary(m => m.Key, m => m.Value);
        if (chosen.Count == 0) return null;
        return Emit(chosen.Values.Select(m => m.File).Distinct().ToDictionary(p => p, p => builtTexts.GetValueOrDefault(p, "")),
            method => chosen.ContainsKey(DocumentationCommentId.CreateDeclarationId(method) ?? ""), out error);
    }

    /// <summary>A type's name as reflection writes it ("Ns.Outer+Inner`1"): how %revert's modules are matched.</summary>
    static string ReflectionName(INamedTypeSymbol type) => QualifiedName(type, '+');

    /// <summary>A type's name as Cecil writes it ("Ns.Outer/Inner`1"): how the relinker names changed members.</summary>
    static string CecilName(INamedTypeSymbol type) => QualifiedName(type, '/');

    static string QualifiedName(INamedTypeSymbol type, char nesting) =>
        type.ContainingType is { } outer ? QualifiedName(outer, nesting) + nesting + type.MetadataName
        : type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() + "." + type.MetadataName : type.MetadataName;

    /// <summary>Whether the app built at <paramref name="targetPath"/> (its projects and their references) declares generic
    /// code: only then does `dotnet detour run` turn the runtime's updates on, since they also wake the frameworks' own
    /// update handlers and pass to child processes (native-notes/generics.md).</summary>
    public static bool WantedFor(string targetPath, string targetsFile)
    {
        try
        {
            return ProjectModel.LoadOrDiscover(targetPath, targetsFile).WithReferencedProjects()
                .SelectMany(p => p.Sources).Where(File.Exists).Any(path => MayDeclareGenerics(File.ReadAllText(path)));
        }
        catch (Exception e) when (e is ReloadException or IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>A quick look, not a parse: whether a source may declare a generic type or method.</summary>
    static bool MayDeclareGenerics(string text) => GenericDeclaration.IsMatch(text);

    static readonly System.Text.RegularExpressions.Regex GenericDeclaration =
        new(@"\b(class|struct|record|interface)\s+\w+\s*<|\w+\s*<[\w\s,]+>\s*\(", System.Text.RegularExpressions.RegexOptions.Compiled);

    /// <summary>Where the build has generic code: makes the baseline, then does for one generic method what an edit of it
    /// does (find it, bind its body, emit it as an update) and throws the update away, so the first generic edit finds
    /// the project bound and Roslyn's Edit and Continue paths compiled by the JIT.</summary>
    public void WarmUp()
    {
        try
        {
            var generic = builtTexts.Where(f => MayDeclareGenerics(f.Value)).Select(f => f.Key).ToHashSet();
            if (generic.Count == 0 || !Ready(out _)) return; // no generic code: nothing to warm, and no baseline to make
            foreach (var tree in _current!.SyntaxTrees.Where(t => generic.Contains(t.FilePath)))
            {
                if (GenericMembers(_current, tree).Values.FirstOrDefault() is not { } method) continue;
                _ = UsesWhatTheBuildLacks(_current, method);
                using MemoryStream metadata = new(), il = new(), pdb = new();
                _current.EmitDifference(_baseline!, [new SemanticEdit(SemanticEditKind.Update, method, method)], _ => false, metadata, il, pdb);
                return;
            }
        }
        catch (Exception) { /* only a warm-up */ }
    }

    /// <summary>The build's compilation and the baseline of its image and PDB, made on first use.</summary>
    bool Ready(out string? error)
    {
        error = null;
        if (_baseline is not null) return true;
        string pdbPath = Path.ChangeExtension(project.Model.TargetPath, ".pdb");
        if (!File.Exists(project.Model.TargetPath) || !File.Exists(pdbPath))
        {
            error = $"the build's {Path.GetFileName(pdbPath)} is missing; the runtime's update needs its portable PDB";
            return false;
        }
        var image = File.ReadAllBytes(project.Model.TargetPath);
        var pdbImage = File.ReadAllBytes(pdbPath).ToImmutableArray();
        MetadataReader pdb;
        try { pdb = MetadataReaderProvider.FromPortablePdbImage(pdbImage).GetMetadataReader(); }
        catch (BadImageFormatException)
        {
            error = $"{Path.GetFileName(pdbPath)} is not a portable PDB; the runtime's update needs one";
            return false;
        }
        var module = ModuleMetadata.CreateFromImage(image);
        var peReader = new PEReader(image.ToImmutableArray());
        var reader = module.GetMetadataReader();
        _built = project.BuildCompilation(builtTexts.Select(f => project.Parse(f.Key, f.Value)));
        _current = _built;
        _baseline = EmitBaseline.CreateInitialBaseline(_built, module,
            method => EncInformation(pdb, method),
            method => reader.GetMethodDefinition(method) is { RelativeVirtualAddress: > 0 } definition
                ? peReader.GetMethodBody(definition.RelativeVirtualAddress).LocalSignature
                : default,
            hasPortableDebugInformation: true);
        return true;
    }

    static EditAndContinueMethodDebugInformation EncInformation(MetadataReader pdb, MethodDefinitionHandle method)
    {
        ImmutableArray<byte> Blob(Guid kind)
        {
            foreach (var handle in pdb.GetCustomDebugInformation(method))
            {
                var information = pdb.GetCustomDebugInformation(handle);
                if (pdb.GetGuid(information.Kind) == kind) return pdb.GetBlobContent(information.Value);
            }
            return ImmutableArray<byte>.Empty;
        }
        return EditAndContinueMethodDebugInformation.Create(Blob(EncLocalSlotMap), Blob(EncLambdaAndClosureMap));
    }

    /// <summary>The methods, accessors and constructors that <paramref name="tree"/> declares in generic code (a generic
    /// method, or any member of a generic type), by declaration id. Static constructors are left out: one ran once, and
    /// a new one would not run.</summary>
    static Dictionary<string, IMethodSymbol> GenericMembers(CSharpCompilation compilation, SyntaxTree tree)
    {
        var model = compilation.GetSemanticModel(tree);
        var found = new Dictionary<string, IMethodSymbol>();
        foreach (var type in tree.GetRoot().DescendantNodes().OfType<TypeDeclarationSyntax>())
        {
            if (model.GetDeclaredSymbol(type) is not { } typeSymbol) continue;
            bool genericType = IsGeneric(typeSymbol);
            foreach (var member in typeSymbol.GetMembers().OfType<IMethodSymbol>())
            {
                if (!genericType && !member.IsGenericMethod) continue;
                if (member.MethodKind is MethodKind.StaticConstructor) continue;
                bool declaredHere = member.DeclaringSyntaxReferences.Any(r => r.SyntaxTree == tree);
                bool implicitConstructor = member.MethodKind == MethodKind.Constructor && member.IsImplicitlyDeclared;
                if (!declaredHere && !implicitConstructor) continue;
                if (DocumentationCommentId.CreateDeclarationId(member) is { } id) found.TryAdd(id, member);
            }
        }
        return found;
    }

    static bool IsGeneric(INamedTypeSymbol? type)
    {
        for (; type is not null; type = type.ContainingType)
            if (type.TypeParameters.Length > 0) return true;
        return false;
    }

    /// <summary>A member or type of this project that the new body names and the build did not declare: the runtime's
    /// metadata has no token for it (it lives in a Detour generation, if anywhere).</summary>
    string? UsesWhatTheBuildLacks(CSharpCompilation compilation, IMethodSymbol method)
    {
        foreach (var reference in method.DeclaringSyntaxReferences)
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
                var id = DocumentationCommentId.CreateDeclarationId(used);
                if (id is null || DocumentationCommentId.GetFirstSymbolForDeclarationId(id, _built!) is null) return used.ToDisplayString();
            }
        }
        return null;
    }
}
