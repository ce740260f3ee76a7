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
internal sealed class BuildStrictness
{
    static readonly System.Text.RegularExpressions.Regex RaisesToError =
        new(@"^\s*dotnet_(diagnostic\.\w+|analyzer_diagnostic\.[\w.-]+)\.severity\s*=\s*error\b", System.Text.RegularExpressions.RegexOptions.Multiline | System.Text.RegularExpressions.RegexOptions.IgnoreCase);
    readonly CSharpCompilationOptions? _build;
    readonly TreeSeverities? _severities;
    readonly SourceGenerators _analyzerAssemblies;
    /// <summary>The build raises some compiler warning (the SDK's default WarningsAsErrors raises SYSLIB0011).</summary>
    readonly bool _compilerWarningsRaised;
    /// <summary>The build raises analyzers' warnings: TreatWarningsAsErrors, an analyzer's id in WarningsAsErrors, or
    /// a config. Only then are the analyzers run, as they cost a good part of an edit.</summary>
    readonly bool _analyzerWarningsRaised;

    public BuildStrictness(ProjectModel model, SourceGenerators analyzerAssemblies)
    {
        _analyzerAssemblies = analyzerAssemblies;
        var build = model.CompilerArguments?.CompilationOptions;
        var texts = model.AnalyzerConfigs.Where(File.Exists).Select(path => (Path: path, Text: File.ReadAllText(path))).ToList();
        _severities = texts.Any(t => RaisesToError.IsMatch(t.Text))
            ? new TreeSeverities(AnalyzerConfigSet.Create(texts.Select(t => AnalyzerConfig.Parse(SourceText.From(t.Text), t.Path)).ToList()))
            : null;
        var raisedIds = build?.SpecificDiagnosticOptions.Where(o => o.Value == ReportDiagnostic.Error).Select(o => o.Key)
                             .Where(id => !id.StartsWith("NU", StringComparison.Ordinal)).ToList() ?? [];
        bool treatAsErrors = build?.GeneralDiagnosticOption == ReportDiagnostic.Error;
        _compilerWarningsRaised = treatAsErrors || raisedIds.Count > 0 || _severities is not null;
        _analyzerWarningsRaised = treatAsErrors || _severities is not null ||
                                  raisedIds.Any(id => !id.StartsWith("CS", StringComparison.Ordinal) && !id.StartsWith("SYSLIB0", StringComparison.Ordinal));
        _build = build;
    }

    /// <summary>The build's errors among the warnings of <paramref name="trees"/>, each said as the build says it.
    /// Per file, so warnings that only the whole project can judge (a field never assigned) are not guessed at.</summary>
    /// <param name="compilerWarned">Whether the compile itself reported warnings: without any, none can be raised.</param>
    public List<string> Refused(CSharpCompilation compilation, IEnumerable<SyntaxTree> trees, bool compilerWarned)
    {
        bool compiler = _compilerWarningsRaised && compilerWarned;
        if (!compiler && !_analyzerWarningsRaised) return [];
        var options = compilation.Options;
        if (_build is { } build)
            options = options.WithGeneralDiagnosticOption(build.GeneralDiagnosticOption)
                .WithWarningLevel(build.WarningLevel)
                .WithNullableContextOptions(build.NullableContextOptions)
                .WithSpecificDiagnosticOptions(build.SpecificDiagnosticOptions.SetItems(compilation.Options.SpecificDiagnosticOptions));
        if (_severities is not null) options = options.WithSyntaxTreeOptionsProvider(_severities);
        var strict = compilation.WithOptions(options);
        var checkedTrees = trees.ToList();
        var diagnostics = (compiler ? checkedTrees.SelectMany(tree => strict.GetSemanticModel(tree).GetDiagnostics()) : [])
            .Concat(_analyzerWarningsRaised ? AnalyzerDiagnostics(strict, checkedTrees) : []);
        // The compile itself succeeded: every error here is one the build's options or configs raised.
        return diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => DiagnosticText.Format(d) + (d.IsWarningAsError ? " (a warning this project's build treats as an error)" : " (as this project's build configures it)"))
            .Distinct()
            .ToList();
    }

    /// <summary>What the project's analyzers say of the trees, with the build's severities.</summary>
    IEnumerable<Diagnostic> AnalyzerDiagnostics(CSharpCompilation strict, List<SyntaxTree> trees)
    {
        var analyzers = _analyzerAssemblies.Analyzers;
        if (analyzers.Length == 0) return [];
        var withAnalyzers = strict.WithAnalyzers(analyzers, new AnalyzerOptions(_analyzerAssemblies.AdditionalFiles, _analyzerAssemblies.ConfigOptions));
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
