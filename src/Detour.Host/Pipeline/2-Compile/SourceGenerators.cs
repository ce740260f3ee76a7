using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Detour.Host;

/// <summary>The project's source generators, run on a delta that needs them: a partial member declared in an
/// edited file whose implementation a generator writes (a [GeneratedRegex] method, say). They run only then,
/// because a generator that sees part of a project could write a partial view of project-wide output.</summary>
internal sealed class SourceGenerators(ProjectModel project, CSharpParseOptions parse)
{
    // The compiler's "partial member has no implementation" errors: a generator's part is missing.
    static readonly HashSet<string> MissingGeneratedPart = ["CS8795", "CS9248", "CS0759"];
    ImmutableArray<ISourceGenerator>? _generators;

    public static bool AreNeededFor(IEnumerable<Diagnostic> errors) => errors.Any(d => MissingGeneratedPart.Contains(d.Id));

    public CSharpCompilation Run(CSharpCompilation compilation)
    {
        var generators = _generators ??= Load();
        if (generators.Length == 0) return compilation;
        var driver = CSharpGeneratorDriver.Create(generators, parseOptions: parse, optionsProvider: new BuildProperties(project.EditorConfigs));
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var updated, out _);
        return (CSharpCompilation)updated;
    }

    ImmutableArray<ISourceGenerator> Load()
    {
        var loader = new Loader();
        return project.Analyzers.Where(File.Exists)
            .SelectMany(path => new AnalyzerFileReference(path, loader).GetGenerators(LanguageNames.CSharp))
            .ToImmutableArray();
    }

    /// <summary>Loads analyzer assemblies beside their dependencies; the compiler itself comes from the host.</summary>
    sealed class Loader : IAnalyzerAssemblyLoader
    {
        readonly AssemblyLoadContext _context = new Context();
        public void AddDependencyLocation(string fullPath) { }
        public Assembly LoadFromPath(string fullPath) => _context.LoadFromAssemblyPath(fullPath);

        sealed class Context() : AssemblyLoadContext("Detour.SourceGenerators")
        {
            protected override Assembly? Load(AssemblyName name) => null; // the host's Roslyn and runtime
        }
    }

    /// <summary>build_property.* and other global options from the build's global .editorconfig.</summary>
    sealed class BuildProperties(IReadOnlyList<string> files) : AnalyzerConfigOptionsProvider
    {
        readonly Options _global = new(files.Where(File.Exists).SelectMany(File.ReadAllLines)
            .Select(l => l.Split('=', 2)).Where(p => p.Length == 2 && !p[0].TrimStart().StartsWith('#') && !p[0].TrimStart().StartsWith('['))
            .GroupBy(p => p[0].Trim()).ToDictionary(g => g.Key, g => g.Last()[1].Trim()));

        public override AnalyzerConfigOptions GlobalOptions => _global;
        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Options.Empty;
        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Options.Empty;

        sealed class Options(Dictionary<string, string> values) : AnalyzerConfigOptions
        {
            public static readonly Options Empty = new(new Dictionary<string, string>());
            public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
        }
    }
}
