using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Detour.Host;

/// <summary>Edits of .cshtml and .razor files, as `dotnet watch` applies them: the project's Razor source generator
/// writes each view's C# from its new text, and that C# is then compiled, diffed and patched like any edited file
/// (the generated class's ExecuteAsync or BuildRenderTree changes). The generator sees the whole project, as in the
/// build, with the build's additional files and analyzer configs (ProjectModel.CompilerArguments).</summary>
internal sealed class RazorViews(DeltaCompiler compiler)
{
    const string GeneratedSuffix = ".g.cs";
    readonly Dictionary<string, (string Text, SyntaxTree Tree)> _parsed = new();

    public static bool IsView(string path) =>
        path.EndsWith(".cshtml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".razor", StringComparison.OrdinalIgnoreCase);

    /// <summary>Where a view's C# is kept among the session's sources; never a file on disk.</summary>
    public static string GeneratedPath(string view) => view + GeneratedSuffix;

    public static bool IsGenerated(string path) => path.EndsWith(GeneratedSuffix, StringComparison.Ordinal) && IsView(path[..^GeneratedSuffix.Length]);

    /// <summary>The C# the generator writes for each of <paramref name="edited"/>, given every view's text and the project's
    /// C#. A view the generator reports errors in, or writes nothing for, gets its errors (file, line and column) instead.</summary>
    public Dictionary<string, string> Generate(IReadOnlyDictionary<string, string> csharp, IReadOnlyDictionary<string, string> views,
        IReadOnlyCollection<string> edited, List<string> errors)
    {
        var trees = csharp.Where(f => !IsGenerated(f.Key)).Select(f => Parsed(f.Key, f.Value)).ToList();
        var run = compiler.Generators.RunWith(compiler.ProjectCompilation(trees), views.Select(v => (v.Key, v.Value)));
        var generated = new Dictionary<string, string>();
        foreach (var source in run.Results.SelectMany(r => r.GeneratedSources))
            if (ViewOf(source.SourceText) is { } view && edited.Contains(view)) generated[view] = source.SourceText.ToString();
        foreach (var view in edited)
        {
            var own = run.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.GetLineSpan().Path == view).ToList();
            if (own.Count > 0)
            {
                errors.AddRange(own.Select(DeltaCompiler.Format));
                generated.Remove(view);
            }
            else if (!generated.ContainsKey(view))
            {
                var failures = run.Diagnostics.Where(d => d.Id is "CS8784" or "CS8785").Select(d => d.GetMessage()).ToList();
                errors.Add($"{view}(1,1): error: the project's Razor source generator wrote no C# for this file" +
                           (failures.Count > 0 ? $" ({string.Join("; ", failures)})" : ""));
            }
        }
        return generated;
    }

    SyntaxTree Parsed(string path, string text)
    {
        if (_parsed.TryGetValue(path, out var known) && known.Text == text) return known.Tree;
        var tree = compiler.Parse(path, text);
        _parsed[path] = (text, tree);
        return tree;
    }

    /// <summary>The view a generated file was written from: Razor starts it with <c>#pragma checksum "path" …</c>.</summary>
    static string? ViewOf(SourceText text)
    {
        string first = text.Lines.Count > 0 ? text.Lines[0].ToString() : "";
        const string Pragma = "#pragma checksum \"";
        if (!first.StartsWith(Pragma, StringComparison.Ordinal)) return null;
        int end = first.IndexOf('"', Pragma.Length);
        return end < 0 ? null : first[Pragma.Length..end];
    }
}
