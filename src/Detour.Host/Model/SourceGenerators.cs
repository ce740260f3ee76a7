using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace Detour.Host.Model;

/// <summary>The project's source generators, run on a delta that needs them: a partial member declared in an
/// edited file whose implementation a generator writes (a [GeneratedRegex] method, say). They run only then,
/// because a generator that sees part of a project could write a partial view of project-wide output. Razor's
/// generator also runs on the whole project for an edit of a view. Options come from the
/// build's analyzer configs, read by Roslyn as the compiler reads them.</summary>
internal sealed class SourceGenerators(ProjectModel project, CSharpParseOptions parse)
{
    // The compiler's "partial member has no implementation" errors: a generator's part is missing.
    static readonly HashSet<string> MissingGeneratedPart = ["CS8795", "CS9248", "CS0759"];
    ImmutableArray<ISourceGenerator>? _generators;
    AnalyzerConfigOptionsProvider? _options;
    GeneratorDriver? _viewsDriver;

    ImmutableArray<ISourceGenerator> Generators => _generators ??= Load();
    AnalyzerConfigOptionsProvider Options => _options ??= BuildOptions.Of(project.AnalyzerConfigs, project.ProjectDirectory);

    public static bool AreNeededFor(IEnumerable<Diagnostic> errors) => errors.Any(d => MissingGeneratedPart.Contains(d.Id));

    /// <summary>Whether a compile of these trees needs the generators before anything else: a partial type may have a
    /// generated part (an [ObservableProperty]'s property, a [JsonSerializable] context's members) that the code uses,
    /// and that the recompiled type would otherwise lack.</summary>
    public bool AreNeededFor(IEnumerable<SyntaxTree> trees) => trees.Any(t => SyntaxNames.PartialTypes(t).Any()) && CodeGenerators.Length > 0;

    /// <summary>Runs the C# generators (not Razor's: views are generated on their own) on a compile. One driver serves
    /// every call, so trees the generators saw before cost nothing again.</summary>
    public CSharpCompilation Run(CSharpCompilation compilation)
    {
        if (CodeGenerators.Length == 0) return compilation;
        lock (_codeGate)
        {
            _codeDriver ??= CSharpGeneratorDriver.Create(CodeGenerators, parseOptions: parse, optionsProvider: Options);
            _codeDriver = _codeDriver.RunGeneratorsAndUpdateCompilation(compilation, out var updated, out _);
            return (CSharpCompilation)updated;
        }
    }

    readonly object _codeGate = new();
    GeneratorDriver? _codeDriver;
    ImmutableArray<ISourceGenerator>? _codeGenerators;

    ImmutableArray<ISourceGenerator> CodeGenerators => _codeGenerators ??=
        Generators.Where(g => !IsRazor(g.GetGeneratorType().Assembly)).ToImmutableArray();

    static bool IsRazor(Assembly generator) => generator.GetName().Name?.Contains("Razor", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>Runs the generators on a whole project with these additional files (views). One driver serves every
    /// call, so the generators' own caches make a later run cheaper.</summary>
    public GeneratorDriverRunResult RunWith(CSharpCompilation compilation, IEnumerable<(string Path, string Text)> additionalFiles)
    {
        var texts = additionalFiles.Select(f => (AdditionalText)new InMemoryText(f.Path, f.Text)).ToImmutableArray();
        _viewsDriver = _viewsDriver is null
            ? CSharpGeneratorDriver.Create(Generators, texts, parse, Options)
            : _viewsDriver.ReplaceAdditionalTexts(texts);
        _viewsDriver = _viewsDriver.RunGenerators(compilation);
        return _viewsDriver.GetRunResult();
    }

    ImmutableArray<ISourceGenerator> Load() => References.SelectMany(r => r.GetGenerators(LanguageNames.CSharp)).ToImmutableArray();

    /// <summary>The project's analyzers (the SDK's code-quality rules, a package's), for checking an edit as the build
    /// would; loaded on first use.</summary>
    public ImmutableArray<DiagnosticAnalyzer> Analyzers => _analyzers ??= References.SelectMany(r => r.GetAnalyzers(LanguageNames.CSharp)).ToImmutableArray();

    /// <summary>The build's additional files (some analyzers read theirs, a public API list say), as they read now.</summary>
    public ImmutableArray<AdditionalText> AdditionalFiles =>
        (project.CompilerArguments?.AdditionalFiles ?? []).Where(f => File.Exists(f.Path))
        .Select(f => (AdditionalText)new InMemoryText(f.Path, File.ReadAllText(f.Path))).ToImmutableArray();

    /// <summary>The build's analyzer configs, as analyzers and generators read them.</summary>
    public AnalyzerConfigOptionsProvider ConfigOptions => Options;

    ImmutableArray<DiagnosticAnalyzer>? _analyzers;
    List<AnalyzerFileReference>? _references;

    /// <summary>Each analyzer assembly of the build once, all in one load context.</summary>
    List<AnalyzerFileReference> References
    {
        get
        {
            lock (_codeGate) return _references ??= LoadReferences();
        }
    }

    List<AnalyzerFileReference> LoadReferences()
    {
        var paths = (project.CompilerArguments?.AnalyzerReferences.Select(r => Path.GetFullPath(r.FilePath, project.ProjectDirectory))
                     ?? project.Analyzers).Where(File.Exists).ToList();
        var loader = new Loader(paths);
        return paths.Select(path => new AnalyzerFileReference(path, loader)).ToList();
    }

    /// <summary>Loads analyzer assemblies in a context of their own, each able to find the others of the build (Razor's
    /// generator is several assemblies); the compiler itself and the runtime come from the host.</summary>
    sealed class Loader(IEnumerable<string> analyzers) : IAnalyzerAssemblyLoader
    {
        readonly Context _context = new(analyzers.GroupBy(Path.GetFileNameWithoutExtension, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key!, g => g.First(), StringComparer.OrdinalIgnoreCase));
        public void AddDependencyLocation(string fullPath) => _context.Known.TryAdd(Path.GetFileNameWithoutExtension(fullPath), fullPath);
        public Assembly LoadFromPath(string fullPath) => _context.LoadFromAssemblyPath(fullPath);

        sealed class Context(Dictionary<string, string> known) : AssemblyLoadContext("Detour.SourceGenerators")
        {
            public readonly Dictionary<string, string> Known = known;
            // An assembly the host has (Roslyn itself) is the host's, so generators and compiler share its types.
            protected override Assembly? Load(AssemblyName name) =>
                name.Name is { } n && Known.TryGetValue(n, out var path) && !Default.Assemblies.Any(a => a.GetName().Name == n)
                    ? LoadFromAssemblyPath(path)
                    : null;
        }
    }

    sealed class InMemoryText(string path, string text) : AdditionalText
    {
        readonly SourceText _text = SourceText.From(text, System.Text.Encoding.UTF8);
        public override string Path => path;
        public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
    }

    /// <summary>The options every generator sees: global ones (build_property.*) and per file (build_metadata.*), from
    /// the build's analyzer configs as Roslyn's AnalyzerConfigSet combines them. A view made since the build has no
    /// section there: it gets the one the SDK would write (its path in the project, base64), so Razor generates it.</summary>
    sealed class BuildOptions(AnalyzerConfigSet set, string projectDirectory) : AnalyzerConfigOptionsProvider
    {
        public static BuildOptions Of(IEnumerable<string> files, string projectDirectory) => new(AnalyzerConfigSet.Create(files.Where(File.Exists)
            .Select(f => AnalyzerConfig.Parse(SourceText.From(File.ReadAllText(f)), f)).ToList()), projectDirectory);

        const string TargetPath = "build_metadata.AdditionalFiles.TargetPath";

        public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(set.GlobalConfigOptions.AnalyzerOptions);
        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Options(set.GetOptionsForSourcePath(tree.FilePath).AnalyzerOptions);
        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile)
        {
            var options = set.GetOptionsForSourcePath(textFile.Path).AnalyzerOptions;
            if (options.ContainsKey(TargetPath) || !ViewFiles.IsView(textFile.Path)) return new Options(options);
            string relative = Path.GetRelativePath(projectDirectory, textFile.Path).Replace('\\', '/');
            return new Options(options.SetItem(TargetPath, Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(relative)))
                .SetItem("build_metadata.AdditionalFiles.CssScope", ""));
        }

        sealed class Options(ImmutableDictionary<string, string> values) : AnalyzerConfigOptions
        {
            public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
        }
    }
}
