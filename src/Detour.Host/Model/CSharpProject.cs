using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Detour.Host.Model;

/// <summary>The project as Roslyn compiles it: the build's language version, defines, options and references, the
/// trees every compile of it includes, and its source generators. Every compilation the host makes is made here.</summary>
internal sealed class CSharpProject
{
    readonly List<(string Name, MetadataReference Reference)> _references;

    public CSharpProject(ProjectModel model)
    {
        Model = model;
        var language = LanguageVersionFacts.TryParse(model.LangVersion, out var version) ? version : LanguageVersion.Latest;
        Raised = new RaisedWarnings(model);
        ParseOptions = new CSharpParseOptions(language, preprocessorSymbols: model.DefineConstants);
        // Nullable analysis finds only warnings, and an edit fails only on errors; where none of its warnings can be an
        // error, it is skipped (it was a fifth of a one-method edit's compile). Annotations are still read and emitted.
        if (!Raised.NullableWarningsMayFail) ParseOptions = ParseOptions.WithFeatures([new("run-nullable-analysis", "never")]);
        Options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary,
                optimizationLevel: OptimizationLevel.Debug,
                allowUnsafe: model.AllowUnsafe,
                nullableContextOptions: model.NullableEnabled ? NullableContextOptions.Enable : NullableContextOptions.Disable,
                // The build's warning level, so the warnings an edit's compile reports are the build's.
                warningLevel: model.CompilerArguments?.CompilationOptions.WarningLevel ?? 4,
                concurrentBuild: false)
            .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic>
            {
                ["CS0436"] = ReportDiagnostic.Suppress, // a source type shadows the live one: intended
                ["CS1701"] = ReportDiagnostic.Suppress,
                ["CS1702"] = ReportDiagnostic.Suppress,
            });
        string self = Path.GetFileName(model.TargetPath);
        _references = model.References
            .Where(r => !Path.GetFileName(r).Equals(self, StringComparison.OrdinalIgnoreCase))
            .Select(r => (Path.GetFileNameWithoutExtension(r), SharedMetadata.FromFile(r)))
            .ToList();
        BuildGeneratedTrees = model.GeneratedSources.Where(File.Exists).Select(p => Parse(p, File.ReadAllText(p))).ToList();
        // The declaration that lets the delta reach the live assembly's private members at run time (CoreCLR honours
        // it when the delta declares it).
        SupportTrees = [.. BuildGeneratedTrees, Parse("detour-access.g.cs",
            $"[assembly: System.Runtime.CompilerServices.IgnoresAccessChecksTo(\"{model.AssemblyName}\")]\n" +
            "namespace System.Runtime.CompilerServices { [System.AttributeUsage(System.AttributeTargets.Assembly, AllowMultiple = true)] " +
            "internal sealed class IgnoresAccessChecksToAttribute(string assemblyName) : System.Attribute { public string AssemblyName => assemblyName; } }\n")];
        Generators = new SourceGenerators(model, ParseOptions);
    }

    public ProjectModel Model { get; }

    /// <summary>The warnings the build turns into errors.</summary>
    public RaisedWarnings Raised { get; }
    public CSharpParseOptions ParseOptions { get; }

    /// <summary>What a delta is compiled with: a Debug library (an executable when it holds top-level statements).</summary>
    public CSharpCompilationOptions Options { get; }

    /// <summary>Files the build generated (global usings, assembly info): in every compile, never edited.</summary>
    public IReadOnlyList<SyntaxTree> BuildGeneratedTrees { get; }

    /// <summary>The build's generated files and the access declaration.</summary>
    public IReadOnlyList<SyntaxTree> SupportTrees { get; }

    public SourceGenerators Generators { get; }

    /// <summary>A referenced project's current surface, when edits have added to it (null: as built).</summary>
    public Func<string, MetadataReference?> ReferencedProjectSurface { get; set; } = _ => null;

    /// <summary>The other assemblies the project references, as the build had them.</summary>
    public IEnumerable<MetadataReference> BuiltReferences => _references.Select(r => r.Reference);

    /// <summary>The same, with referenced projects as edits have made them.</summary>
    public IEnumerable<MetadataReference> CurrentReferences => _references.Select(r => ReferencedProjectSurface(r.Name) ?? r.Reference);

    public SyntaxTree Parse(string path, string text) => CSharpSyntaxTree.ParseText(text, ParseOptions, path, System.Text.Encoding.UTF8);

    public CSharpCompilation Create(string name, IEnumerable<SyntaxTree> trees, IEnumerable<MetadataReference> references, CSharpCompilationOptions? options = null) =>
        CSharpCompilation.Create(name, trees, references, options ?? Options);

    /// <summary>Top-level statements only compile into an executable.</summary>
    public CSharpCompilationOptions OptionsFor(IEnumerable<SyntaxTree> trees) =>
        trees.Any(t => t.GetRoot() is CompilationUnitSyntax unit && unit.Members.OfType<GlobalStatementSyntax>().Any())
            ? Options.WithOutputKind(OutputKind.ConsoleApplication) : Options;

    /// <summary>The project's C# as it now reads, under its own name, bound but never emitted: what Razor's generator
    /// discovers tag helpers and components in, and what referenced projects' edits compile against.</summary>
    public CSharpCompilation ProjectCompilation(IEnumerable<SyntaxTree> sources) =>
        Create(Model.AssemblyName, sources.Concat(SupportTrees), CurrentReferences);

    /// <summary>The project as the build compiled it: the build's own options (from its command line, where the manifest
    /// has it), references and generated files, and the output of its source generators if its code needs them.</summary>
    public CSharpCompilation BuildCompilation(IEnumerable<SyntaxTree> sources)
    {
        var own = sources.ToList(); // parsed once: the generator check below looks at them again
        var trees = own.Concat(BuildGeneratedTrees).ToList();
        var compilation = Create(Model.AssemblyName, trees, BuiltReferences, Model.CompilerArguments?.CompilationOptions ?? OptionsFor(trees));
        var diagnostics = compilation.GetDiagnostics();
        // Code that uses a generated member ([ObservableProperty]'s) does not compile without the generators.
        bool needed = SourceGenerators.AreNeededFor(diagnostics) ||
                      diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error) && Generators.AreNeededFor(own);
        return needed ? Generators.Run(compilation) : compilation;
    }
}

/// <summary>Roslyn reads a reference's metadata once per MetadataReference object; the host keeps one per file (and
/// write time) for all its sessions, so the next app of the project, or another one, compiles warm.</summary>
internal static class SharedMetadata
{
    static readonly ConcurrentDictionary<(string Path, DateTime Stamp), MetadataReference> ByFile = new();

    public static MetadataReference FromFile(string path) =>
        ByFile.GetOrAdd((path, File.GetLastWriteTimeUtc(path)), key => MetadataReference.CreateFromFile(key.Path));
}
