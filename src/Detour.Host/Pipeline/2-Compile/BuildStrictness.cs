using System.Collections.Immutable;
using Detour.Host.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
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

    public BuildStrictness(ProjectModel model)
    {
        var build = model.CompilerArguments?.CompilationOptions;
        var texts = model.AnalyzerConfigs.Where(File.Exists).Select(path => (Path: path, Text: File.ReadAllText(path))).ToList();
        var severities = texts.Any(t => RaisesToError.IsMatch(t.Text))
            ? new TreeSeverities(AnalyzerConfigSet.Create(texts.Select(t => AnalyzerConfig.Parse(SourceText.From(t.Text), t.Path)).ToList()))
            : null;
        bool raised = build is not null && (build.GeneralDiagnosticOption == ReportDiagnostic.Error ||
                                            build.SpecificDiagnosticOptions.Values.Contains(ReportDiagnostic.Error)) ||
                      severities is not null;
        if (!raised) return;
        _build = build;
        _severities = severities;
    }

    /// <summary>Whether the build makes any warning an error; if not, nothing is checked.</summary>
    public bool RefusesWarnings => _build is not null || _severities is not null;

    /// <summary>The build's errors among the warnings of <paramref name="trees"/>, each said as the build says it.
    /// Per file, so warnings that only the whole project can judge (a field never assigned) are not guessed at.</summary>
    public List<string> Refused(CSharpCompilation compilation, IEnumerable<SyntaxTree> trees)
    {
        if (!RefusesWarnings) return [];
        var options = compilation.Options;
        if (_build is { } build)
            options = options.WithGeneralDiagnosticOption(build.GeneralDiagnosticOption)
                .WithWarningLevel(build.WarningLevel)
                .WithNullableContextOptions(build.NullableContextOptions)
                .WithSpecificDiagnosticOptions(build.SpecificDiagnosticOptions.SetItems(compilation.Options.SpecificDiagnosticOptions));
        if (_severities is not null) options = options.WithSyntaxTreeOptionsProvider(_severities);
        var strict = compilation.WithOptions(options);
        return trees.SelectMany(tree => strict.GetSemanticModel(tree).GetDiagnostics())
            .Where(d => d.Severity == DiagnosticSeverity.Error && d.IsWarningAsError)
            .Select(d => DiagnosticText.Format(d) + " (a warning this project's build treats as an error)")
            .ToList();
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
