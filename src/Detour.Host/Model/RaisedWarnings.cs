using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace Detour.Host.Model;

/// <summary>Which warnings the project's build turns into errors: TreatWarningsAsErrors, WarningsAsErrors, an analyzer
/// config's <c>dotnet_diagnostic.ID.severity = error</c> (all read from the build's compiler command line).</summary>
internal sealed class RaisedWarnings
{
    static readonly System.Text.RegularExpressions.Regex RaisesToError =
        new(@"^\s*dotnet_(diagnostic\.\w+|analyzer_diagnostic\.[\w.-]+)\.severity\s*=\s*error\b", System.Text.RegularExpressions.RegexOptions.Multiline | System.Text.RegularExpressions.RegexOptions.IgnoreCase);

    public RaisedWarnings(ProjectModel model)
    {
        BuildOptions = model.CompilerArguments?.CompilationOptions;
        var texts = model.AnalyzerConfigs.Where(File.Exists).Select(path => (Path: path, Text: File.ReadAllText(path))).ToList();
        ConfigSeverities = texts.Any(t => RaisesToError.IsMatch(t.Text))
            ? AnalyzerConfigSet.Create(texts.Select(t => AnalyzerConfig.Parse(SourceText.From(t.Text), t.Path)).ToList())
            : null;
        var raisedIds = BuildOptions?.SpecificDiagnosticOptions.Where(o => o.Value == ReportDiagnostic.Error).Select(o => o.Key)
                            .Where(id => !id.StartsWith("NU", StringComparison.Ordinal)).ToList() ?? [];
        bool treatAsErrors = BuildOptions?.GeneralDiagnosticOption == ReportDiagnostic.Error;
        ByCompiler = treatAsErrors || raisedIds.Count > 0 || ConfigSeverities is not null;
        ByAnalyzers = treatAsErrors || ConfigSeverities is not null ||
                      raisedIds.Any(id => !id.StartsWith("CS", StringComparison.Ordinal) && !id.StartsWith("SYSLIB0", StringComparison.Ordinal));
        // The SDK raises SYSLIB0011 in every project; an obsolete API's warning needs no flow analysis.
        NullableWarningsMayFail = treatAsErrors || ConfigSeverities is not null || raisedIds.Any(id => !id.StartsWith("SYSLIB", StringComparison.Ordinal));
    }

    /// <summary>The build's own compiler options, when the manifest has its command line.</summary>
    public CSharpCompilationOptions? BuildOptions { get; }

    /// <summary>The analyzer configs, when one of them raises some diagnostic to an error.</summary>
    public AnalyzerConfigSet? ConfigSeverities { get; }

    /// <summary>The build raises some compiler warning (the SDK's default WarningsAsErrors raises SYSLIB0011).</summary>
    public bool ByCompiler { get; }

    /// <summary>The build raises analyzers' warnings: TreatWarningsAsErrors, an analyzer's id in WarningsAsErrors, or a
    /// config.</summary>
    public bool ByAnalyzers { get; }

    /// <summary>A nullable warning, or one an analyzer finds with the compiler's flow state, may be an error here.</summary>
    public bool NullableWarningsMayFail { get; }
}
