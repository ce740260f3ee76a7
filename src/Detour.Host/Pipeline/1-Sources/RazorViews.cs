using Detour.Host.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Detour.Host.Sources;

/// <summary>Edits of .cshtml and .razor files, as `dotnet watch` applies them: the project's Razor source generator
/// writes each view's C# from its new text, and that C# is then compiled, diffed and patched like any edited file
/// (the generated class's ExecuteAsync or BuildRenderTree changes). The generator sees the whole project, as in the
/// build, with the build's additional files and analyzer configs (ProjectModel.CompilerArguments).</summary>
internal sealed class RazorViews(CSharpProject project, CompileSetBuilder parser)
{
    /// <summary>The C# of edited views, by the path it is kept under; null when a view does not generate (its errors
    /// are added). The first edit of a view also generates the C# the program runs, from the view as it was.</summary>
    public Dictionary<string, string>? Generate(IReadOnlyDictionary<string, string> changed, AppliedSources applied, List<string> errors)
    {
        var views = changed.Where(c => ViewFiles.IsView(c.Key)).ToDictionary(c => c.Key, c => c.Value);
        // A view the build had, edited for the first time; a new view has no C# the program runs.
        var unknown = views.Keys.Where(v => applied.Views.ContainsKey(v) && !applied.Texts.ContainsKey(ViewFiles.GeneratedPath(v))).ToList();
        if (unknown.Count > 0)
        {
            var baseline = Generate(applied.Texts, applied.Views, unknown, errors);
            if (errors.Count > 0)
            {
                errors.Insert(0, "the views as they were before this edit do not generate; was the app built from them?");
                return null;
            }
            foreach (var (view, text) in baseline) applied.AddGenerated(view, text);
        }
        var csharp = applied.With(changed.Where(c => !views.ContainsKey(c.Key)));
        var now = new Dictionary<string, string>(applied.Views);
        foreach (var (path, text) in views) now[path] = text;
        var generated = Generate(csharp, now, views.Keys, errors);
        return errors.Count > 0 ? null : generated.ToDictionary(g => ViewFiles.GeneratedPath(g.Key), g => g.Value);
    }

    /// <summary>Loads and runs the generator once, for the view saved most recently: its C# as the program runs it is
    /// kept, and the first edit of any view finds the generator warm (cold, it costs seconds).</summary>
    public void WarmUp(AppliedSources applied)
    {
        var view = applied.Views.Keys.Where(File.Exists).OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault();
        if (view is null || applied.Texts.ContainsKey(ViewFiles.GeneratedPath(view))) return;
        var errors = new List<string>();
        var generated = Generate(applied.Texts, applied.Views, [view], errors);
        if (errors.Count == 0)
            foreach (var (path, text) in generated) applied.AddGenerated(path, text);
    }

    /// <summary>Every view's C# as the build generated it, by the path it is kept under: part of what the build compiled
    /// (a component's namespace, that an _Imports.razor names, may exist only in them). Empty if the views do not generate.</summary>
    public Dictionary<string, string> AsBuilt(AppliedSources applied)
    {
        var errors = new List<string>();
        var generated = Generate(applied.BuiltTexts, applied.BuiltViews, applied.BuiltViews.Keys.ToList(), errors);
        return errors.Count > 0 ? [] : generated.ToDictionary(g => ViewFiles.GeneratedPath(g.Key), g => g.Value);
    }

    /// <summary>The C# the generator writes for each of <paramref name="edited"/>, given every view's text and the project's
    /// C#. A view the generator reports errors in, or writes nothing for, gets its errors (file, line and column) instead.</summary>
    Dictionary<string, string> Generate(IReadOnlyDictionary<string, string> csharp, IReadOnlyDictionary<string, string> views,
        IReadOnlyCollection<string> edited, List<string> errors)
    {
        var trees = csharp.Where(f => !ViewFiles.IsGenerated(f.Key)).Select(f => parser.Parse(f.Key, f.Value)).ToList();
        var run = project.Generators.RunWith(project.ProjectCompilation(trees), views.Select(v => (v.Key, v.Value)));
        var generated = new Dictionary<string, string>();
        foreach (var source in run.Results.SelectMany(r => r.GeneratedSources))
            if (ViewOf(source.SourceText) is { } view && edited.Contains(view)) generated[view] = source.SourceText.ToString();
        foreach (var view in edited)
        {
            var own = run.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.GetLineSpan().Path == view).ToList();
            if (own.Count > 0)
            {
                errors.AddRange(own.Select(DiagnosticText.Format));
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
