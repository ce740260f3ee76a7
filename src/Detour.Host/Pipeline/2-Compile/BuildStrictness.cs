using System.Collections.Immutable;
using Detour.Host.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace Detour.Host.Compiling;

/// <summary>The warnings the project's own build refuses: TreatWarningsAsErrors, WarningsAsErrors, an analyzer
/// config's <c>dotnet_diagnostic.ID.severity = error</c>, with NoWarn, the warning level and nullable as the build has
/// them (all read from the build's compiler command line). A delta compiles leniently, as a part of the project; its
/// files are then checked as the build would check them.</summary>
internal sealed class BuildStrictness(RaisedWarnings raised, SourceGenerators analyzerAssemblies)
{
    /// <summary>The build's errors among the warnings of <paramref name="trees"/>, each said as the build says it.
    /// Per file, so warnings that only the whole project can judge (a field never assigned) are not guessed at.</summary>
    /// <param name="compilerWarned">Whether the compile itself reported warnings: without any, none can be raised.</param>
    public List<string> Refused(CSharpCompilation compilation, IEnumerable<SyntaxTree> trees, bool compilerWarned)
    {
        bool compiler = raised.ByCompiler && compilerWarned;
        // Analyzers run only then, as they cost a good part of an edit.
        if (!compiler && !raised.ByAnalyzers) return [];
        var options = compilation.Options;
        if (raised.BuildOptions is { } build)
            options = options.WithGeneralDiagnosticOption(build.GeneralDiagnosticOption)
                .WithWarningLevel(build.WarningLevel)
                .WithNullableContextOptions(build.NullableContextOptions)
                .WithSpecificDiagnosticOptions(build.SpecificDiagnosticOptions.SetItems(compilation.Options.SpecificDiagnosticOptions));
        if (raised.ConfigSeverities is { } configs) options = options.WithSyntaxTreeOptionsProvider(new TreeSeverities(configs));
        var strict = compilation.WithOptions(options);
        var checkedTrees = trees.ToList();
        var diagnostics = (compiler ? checkedTrees.SelectMany(tree => strict.GetSemanticModel(tree).GetDiagnostics()) : [])
            .Concat(raised.ByAnalyzers ? AnalyzerDiagnostics(strict, checkedTrees) : []);
        // The compile itself succeeded: every error here is one the build's options or configs raised.
        return diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => DiagnosticText.Format(d) + (d.IsWarningAsError ? " (a warning this project's build treats as an error)" : " (as this project's build configures it)"))
            .Distinct()
            .ToList();
    }

    /// <summary>What the project's analyzers say of the trees, with the build's severities.</summary>
    IEnumerable<Diagnostic> AnalyzerDiagnostics(CSharpCompilation strict, List<SyntaxTree> trees)
    {
        var analyzers = analyzerAssemblies.Analyzers;
        if (analyzers.Length == 0) return [];
        var withAnalyzers = strict.WithAnalyzers(analyzers, new AnalyzerOptions(analyzerAssemblies.AdditionalFiles, analyzerAssemblies.ConfigOptions));
        var found = new List<Diagnostic>();
        foreach (var tree in trees)
        {
            found.AddRange(withAnalyzers.GetAnalyzerSyntaxDiagnosticsAsync(tree, CancellationToken.None).GetAwaiter().GetResult());
            found.AddRange(withAnalyzers.GetAnalyzerSemanticDiagnosticsAsync(strict.GetSemanticModel(tree), null, CancellationToken.None).GetAwaiter().GetResult());
        }
        return found;
    }

    /// <summary>Severities the analyzer configs give diagnostic ids, per file, as the compiler reads them.</summary>
    sealed class TreeSeverities(AnalyzerConfigSet set) : SyntaxTreeOptionsProvider
    {
        public override GeneratedKind IsGenerated(SyntaxTree tree, CancellationToken cancellationToken) => GeneratedKind.Unknown;

        public override bool TryGetDiagnosticValue(SyntaxTree tree, string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity) =>
            Of(set.GetOptionsForSourcePath(tree.FilePath).TreeOptions, diagnosticId, out severity);

        public override bool TryGetGlobalDiagnosticValue(string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity) =>
            Of(set.GlobalConfigOptions.TreeOptions, diagnosticId, out severity);

        static bool Of(ImmutableDictionary<string, ReportDiagnostic> options, string id, out ReportDiagnostic severity) =>
            options.TryGetValue(id, out severity);
    }
}
