using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Emit;

namespace Detour.Host;

/// <summary>One compile of a set of source files against the live program.</summary>
internal sealed record CompiledDelta(byte[] Image, byte[] Symbols, CSharpCompilation Compilation);

/// <summary>A static initializer's tokens and the span of its declarator (0-based lines and columns).</summary>
internal sealed record StaticInitializer(string Text, string Path, Microsoft.CodeAnalysis.Text.LinePositionSpan Span)
{
    public bool Contains(string path, int line, int column)
    {
        var at = new Microsoft.CodeAnalysis.Text.LinePosition(line, column);
        return path == Path && at >= Span.Start && at <= Span.End;
    }
}

/// <summary>Compiles changed files, with the project's own options, into a delta assembly.</summary>
internal sealed class DeltaCompiler
{
    public const string CompileName = "Detour.Delta";
    readonly ProjectModel _project;
    readonly CSharpParseOptions _parse;
    readonly CSharpCompilationOptions _options;
    readonly ReferenceImages _images = ReferenceImages.Shared;
    readonly List<(string Name, MetadataReference Reference)> _otherReferences;

    /// <summary>A referenced project's current surface, when edits have added to it (null: as built).</summary>
    public Func<string, MetadataReference?> ReferencedProjectSurface { get; set; } = _ => null;

    public DeltaCompiler(ProjectModel project)
    {
        _project = project;
        var language = LanguageVersionFacts.TryParse(project.LangVersion, out var v) ? v : LanguageVersion.Latest;
        _parse = new CSharpParseOptions(language, preprocessorSymbols: project.DefineConstants);
        _options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary,
                optimizationLevel: OptimizationLevel.Debug,
                allowUnsafe: project.AllowUnsafe,
                nullableContextOptions: project.NullableEnabled ? NullableContextOptions.Enable : NullableContextOptions.Disable,
                concurrentBuild: false)
            .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic>
            {
                ["CS0436"] = ReportDiagnostic.Suppress, // source type shadows the live one: intended
                ["CS1701"] = ReportDiagnostic.Suppress,
                ["CS1702"] = ReportDiagnostic.Suppress,
            });
        string self = Path.GetFileName(project.TargetPath);
        _otherReferences = project.References
            .Where(r => !Path.GetFileName(r).Equals(self, StringComparison.OrdinalIgnoreCase))
            .Select(r => (Path.GetFileNameWithoutExtension(r), SharedMetadata.FromFile(r)))
            .ToList();
        MakeSupportTrees();
        _generators = new SourceGenerators(project, _parse);
    }

    readonly SourceGenerators _generators;

    public SourceGenerators Generators => _generators;

    /// <summary>The project's C# as it now reads, bound but never emitted: what Razor's generator discovers tag helpers
    /// and components in.</summary>
    public CSharpCompilation ProjectCompilation(IEnumerable<SyntaxTree> sources) =>
        CSharpCompilation.Create(_project.AssemblyName, sources.Concat(_supportTrees),
            _otherReferences.Select(r => ReferencedProjectSurface(r.Name) ?? r.Reference), _options);

    /// <summary>Generated files of the build, plus the declaration that lets the delta reach the
    /// live assembly's private members at run time (CoreCLR honours it when the delta declares it).</summary>
    List<SyntaxTree> _supportTrees = null!;

    void MakeSupportTrees()
    {
        _supportTrees = _project.GeneratedSources.Where(File.Exists).Select(p => Parse(p, File.ReadAllText(p))).ToList();
        _supportTrees.Add(Parse("detour-access.g.cs",
            $"[assembly: System.Runtime.CompilerServices.IgnoresAccessChecksTo(\"{_project.AssemblyName}\")]\n" +
            "namespace System.Runtime.CompilerServices { [System.AttributeUsage(System.AttributeTargets.Assembly, AllowMultiple = true)] " +
            "internal sealed class IgnoresAccessChecksToAttribute(string assemblyName) : System.Attribute { public string AssemblyName => assemblyName; } }\n"));
    }

    readonly Dictionary<string, (string Text, string[] Directives)> _globalUsingsByFile = new();
    (string Text, SyntaxTree Tree)? _globalUsingsTree;

    /// <summary>The global using directives of files that are not being compiled, as one tree: every file
    /// of the project sees them, so the edited files must too.</summary>
    public SyntaxTree? GlobalUsingsOf(IEnumerable<KeyValuePair<string, string>> otherFiles)
    {
        var directives = new List<string>();
        foreach (var (path, text) in otherFiles)
        {
            if (!_globalUsingsByFile.TryGetValue(path, out var known) || !ReferenceEquals(known.Text, text) && known.Text != text)
            {
                string[] found = !text.Contains("global using") ? [] :
                    ((CompilationUnitSyntax)Parse(path, text).GetRoot()).Usings
                        .Where(u => u.GlobalKeyword.IsKind(SyntaxKind.GlobalKeyword)).Select(u => u.ToString()).ToArray();
                _globalUsingsByFile[path] = known = (text, found);
            }
            directives.AddRange(known.Directives);
        }
        if (directives.Count == 0) return null;
        string joined = string.Join("\n", directives.Distinct());
        if (_globalUsingsTree is { } cached && cached.Text == joined) return cached.Tree;
        var tree = Parse("detour-global-usings.g.cs", joined);
        _globalUsingsTree = (joined, tree);
        return tree;
    }

    public SyntaxTree Parse(string path, string text) => CSharpSyntaxTree.ParseText(text, _parse, path, System.Text.Encoding.UTF8);

    /// <summary>Compiles the trees; returns null and fills <paramref name="errors"/> on failure.</summary>
    public CompiledDelta? Compile(IReadOnlyList<SyntaxTree> trees, List<string> errors, SyntaxTree? globalUsings = null)
    {
        var recompiled = trees.SelectMany(DeclaredTypes).ToHashSet();
        var references = _otherReferences.Select(r => ReferencedProjectSurface(r.Name) ?? r.Reference)
            .Append(_images.For(_project.TargetPath, recompiled, CompileName));
        // Top-level statements only compile into an executable; any other delta is a library.
        bool topLevel = trees.Any(t => t.GetRoot() is CompilationUnitSyntax unit && unit.Members.OfType<GlobalStatementSyntax>().Any());
        var options = topLevel ? _options.WithOutputKind(OutputKind.ConsoleApplication) : _options;
        var support = globalUsings is null ? _supportTrees : _supportTrees.Append(globalUsings);
        var compilation = CSharpCompilation.Create(CompileName, trees.Concat(support), references, options);
        using var pe = new MemoryStream();
        using var pdb = new MemoryStream();
        var emitOptions = new EmitOptions(debugInformationFormat: DebugInformationFormat.PortablePdb);
        var result = compilation.Emit(pe, pdb, options: emitOptions);
        if (!result.Success && SourceGenerators.AreNeededFor(result.Diagnostics))
        {
            compilation = _generators.Run(compilation);
            pe.SetLength(0);
            pdb.SetLength(0);
            result = compilation.Emit(pe, pdb, options: emitOptions);
        }
        if (!result.Success)
        {
            errors.AddRange(result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(Format));
            return null;
        }
        return new CompiledDelta(pe.ToArray(), pdb.ToArray(), compilation);
    }

    /// <summary>The project as the build compiled it: the build's own options (from its command line, where the manifest
    /// has it), references and generated files, and the output of its source generators if its code needs them.</summary>
    public CSharpCompilation BuildCompilation(IEnumerable<SyntaxTree> sources)
    {
        var trees = sources.Concat(_project.GeneratedSources.Where(File.Exists).Select(p => Parse(p, File.ReadAllText(p)))).ToList();
        bool topLevel = trees.Any(t => t.GetRoot() is CompilationUnitSyntax unit && unit.Members.OfType<GlobalStatementSyntax>().Any());
        var options = _project.CompilerArguments?.CompilationOptions ?? (topLevel ? _options.WithOutputKind(OutputKind.ConsoleApplication) : _options);
        var compilation = CSharpCompilation.Create(_project.AssemblyName, trees, _otherReferences.Select(r => r.Reference), options);
        return SourceGenerators.AreNeededFor(compilation.GetDiagnostics()) ? _generators.Run(compilation) : compilation;
    }

    /// <summary>Metadata of the whole project as its sources now read, under its real name: what other projects
    /// compile against once edits have added members to it. Null if it does not compile.</summary>
    public MetadataReference? CompileSurface(IEnumerable<SyntaxTree> allSources)
    {
        var compilation = CSharpCompilation.Create(_project.AssemblyName, allSources.Concat(_supportTrees),
            _otherReferences.Select(r => r.Reference), _options);
        using var image = new MemoryStream();
        return compilation.Emit(image, options: new EmitOptions(metadataOnly: true)).Success
            ? MetadataReference.CreateFromImage(image.ToArray())
            : null;
    }

    /// <summary>The compile errors that files not being applied would have with the edit: the whole project as its
    /// sources now read, checked (not emitted) in <paramref name="checkedPaths"/> only.</summary>
    public List<string> ErrorsIn(IReadOnlyCollection<SyntaxTree> allSources, IReadOnlySet<string> checkedPaths)
    {
        var compilation = CSharpCompilation.Create(_project.AssemblyName, allSources.Concat(_supportTrees),
            _otherReferences.Select(r => ReferencedProjectSurface(r.Name) ?? r.Reference), _options);
        return allSources.Where(t => checkedPaths.Contains(t.FilePath))
            .SelectMany(t => compilation.GetSemanticModel(t).GetDiagnostics())
            .Where(d => d.Severity == DiagnosticSeverity.Error).Select(Format).ToList();
    }

    /// <summary>MSBuild's format, against the user's real file.</summary>
    public static string Format(Diagnostic d)
    {
        var span = d.Location.GetMappedLineSpan();
        string where = span.IsValid ? $"{span.Path}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1}): " : "";
        return $"{where}{d.Severity.ToString().ToLowerInvariant()} {d.Id}: {d.GetMessage()}";
    }

    /// <summary>Full metadata names of the top-level types a file declares.</summary>
    public static IEnumerable<string> DeclaredTypes(SyntaxTree tree) =>
        tree.GetRoot().DescendantNodes(n => n is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax)
            .OfType<MemberDeclarationSyntax>()
            .Where(n => n is BaseTypeDeclarationSyntax or DelegateDeclarationSyntax)
            .Select(MetadataName);

    public static string MetadataName(MemberDeclarationSyntax type)
    {
        string name = type switch
        {
            TypeDeclarationSyntax t => t.Identifier.ValueText + (t.TypeParameterList is { } tp ? "`" + tp.Parameters.Count : ""),
            BaseTypeDeclarationSyntax b => b.Identifier.ValueText,
            DelegateDeclarationSyntax d => d.Identifier.ValueText + (d.TypeParameterList is { } dp ? "`" + dp.Parameters.Count : ""),
            _ => "?",
        };
        var namespaces = type.Ancestors().OfType<BaseNamespaceDeclarationSyntax>().Reverse().Select(n => n.Name.ToString());
        string ns = string.Join(".", namespaces);
        return ns.Length == 0 ? name : ns + "." + name;
    }

    /// <summary>Names of partial top-level types a tree declares (their other parts must compile with it).</summary>
    public static IEnumerable<string> PartialTypes(SyntaxTree tree) =>
        tree.GetRoot().DescendantNodes(n => n is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax)
            .OfType<TypeDeclarationSyntax>()
            .Where(t => t.Modifiers.Any(SyntaxKind.PartialKeyword))
            .Select(MetadataName);

    /// <summary>Static field initializers by "Type::field", as token text (comments and spacing ignored),
    /// with where each declarator sits; an explicit static constructor's body is keyed "Type::.cctor".</summary>
    public static Dictionary<string, StaticInitializer> StaticInitializers(IEnumerable<SyntaxTree> trees)
    {
        var found = new Dictionary<string, StaticInitializer>();
        foreach (var tree in trees)
        foreach (var node in tree.GetRoot().DescendantNodes())
        {
            if (node is ConstructorDeclarationSyntax ctor && ctor.Modifiers.Any(SyntaxKind.StaticKeyword))
            {
                var body = (SyntaxNode?)ctor.Body ?? ctor.ExpressionBody;
                found[$"{OwnerName(ctor)}::.cctor"] = new StaticInitializer(Tokens(body), tree.FilePath, ctor.GetLocation().GetLineSpan().Span);
                continue;
            }
            // A static auto-property's initializer stores into its backing field.
            if (node is PropertyDeclarationSyntax { Initializer: { } initial } property && property.Modifiers.Any(SyntaxKind.StaticKeyword))
            {
                found[$"{OwnerName(property)}::<{property.Identifier.ValueText}>k__BackingField"] =
                    new StaticInitializer(Tokens(initial.Value), tree.FilePath, property.GetLocation().GetLineSpan().Span);
                continue;
            }
            if (node is not FieldDeclarationSyntax field) continue;
            if (!field.Modifiers.Any(SyntaxKind.StaticKeyword) && !field.Modifiers.Any(SyntaxKind.ConstKeyword)) continue;
            if (field.Parent is not BaseTypeDeclarationSyntax) continue;
            foreach (var v in field.Declaration.Variables)
            {
                // The compiler's sequence point for the first declarator starts at the field's modifiers.
                var from = v == field.Declaration.Variables[0] ? field.SpanStart : v.SpanStart;
                var span = tree.GetLineSpan(Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(from, v.Span.End)).Span;
                found[$"{OwnerName(field)}::{v.Identifier.ValueText}"] =
                    new StaticInitializer(Tokens(v.Initializer?.Value), tree.FilePath, span);
            }
        }
        return found;
    }

    /// <summary>A node's tokens (comments and spacing ignored); "" for none.</summary>
    internal static string Tokens(SyntaxNode? node) => node is null ? "" : string.Join(" ", node.DescendantTokens());

    /// <summary>"Ns.Outer/Inner" for the type a member is declared in.</summary>
    internal static string OwnerName(MemberDeclarationSyntax member)
    {
        var owner = member.Ancestors().OfType<BaseTypeDeclarationSyntax>().ToList();
        return owner.Count == 0 ? "" : owner.Count == 1 ? MetadataName(owner[0])
            : MetadataName(owner[^1]) + "/" + string.Join("/", owner.Take(owner.Count - 1).Reverse().Select(o => o.Identifier.ValueText));
    }

    public static ImmutableArray<Location> LocationsOf(Compilation compilation, string typeMetadataName, string? member)
    {
        var type = compilation.GetTypeByMetadataName(MetadataNames.ToReflection(typeMetadataName));
        if (type is null) return ImmutableArray<Location>.Empty;
        if (member is null) return type.Locations;
        var symbols = type.GetMembers(member);
        return symbols.Length > 0 ? symbols[0].Locations : type.Locations;
    }
}

/// <summary>Roslyn reads a reference's metadata once per MetadataReference object; the host keeps one per file (and
/// write time) for all its sessions, so the next app of the project, or another one, compiles warm.</summary>
internal static class SharedMetadata
{
    static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Path, DateTime Stamp), MetadataReference> ByFile = new();

    public static MetadataReference FromFile(string path) =>
        ByFile.GetOrAdd((path, File.GetLastWriteTimeUtc(path)), key => MetadataReference.CreateFromFile(key.Path));
}
