using Detour.Host.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Detour.Host.Sources;

/// <summary>The files one compile takes, in path order, with their texts and trees, and the project's global using
/// directives from the files it does not take.</summary>
internal sealed record CompileSet(IReadOnlyList<string> Paths, IReadOnlyDictionary<string, string> Texts, IReadOnlyList<SyntaxTree> Trees,
    SyntaxTree? GlobalUsings)
{
    /// <summary>Names the set of paths, whatever their texts.</summary>
    public string PathsKey => string.Join("|", Paths);

    /// <summary>Names the paths and their texts: the same key means the same compile.</summary>
    public string TextsKey => string.Join("\0", Paths.Select(p => p + "\0" + Texts[p]));
}

/// <summary>Which files an edit compiles: the changed files, the other parts of their partial types, the files that
/// embed a constant, enum member or default value the edit changed, and files that earlier edits gave added members
/// (the live assembly does not have those).</summary>
internal sealed class CompileSetBuilder(CSharpProject project, AppliedSources applied)
{
    readonly Dictionary<string, (string Text, SyntaxTree Tree)> _parsed = new();
    readonly Dictionary<string, (string Text, string[] Directives)> _globalUsingsByFile = new();
    (string Text, SyntaxTree Tree)? _globalUsingsTree;

    /// <summary>The set for an edit; <paramref name="texts"/> holds every file's text after it.</summary>
    public CompileSet For(IEnumerable<string> changed, IReadOnlyDictionary<string, string> texts)
    {
        var set = new HashSet<string>(changed);
        var partials = set.SelectMany(p => SyntaxNames.PartialTypes(Parse(p, texts[p]))).ToHashSet();
        if (partials.Count > 0)
            foreach (var (path, text) in texts)
                if (!set.Contains(path) && partials.Any(p => text.Contains(ShortName(p))) && SyntaxNames.PartialTypes(Parse(path, text)).Any(partials.Contains))
                    set.Add(path);
        AddFilesEmbeddingChangedValues(set, texts);
        AddBaseClassesOfAddedOverrides(set, texts);
        set.UnionWith(applied.WithAdditions);
        return Made(set.Order().ToList(), texts);
    }

    /// <summary>The same paths as the app runs them: what the edit is compared with.</summary>
    public CompileSet Baseline(IReadOnlyList<string> paths)
    {
        var texts = new Dictionary<string, string>(applied.Texts);
        foreach (var path in paths) texts[path] = applied.Baseline(path);
        return Made(paths, texts);
    }

    /// <summary>The set exactly, as the app runs it now (for a warm-up).</summary>
    public CompileSet AsApplied(IReadOnlyList<string> paths) => Made(paths, applied.Texts);

    CompileSet Made(IReadOnlyList<string> paths, IReadOnlyDictionary<string, string> texts)
    {
        var inSet = paths.ToHashSet();
        return new CompileSet(paths, texts, paths.Select(p => Parse(p, texts[p])).ToList(),
            GlobalUsingsOf(texts.Where(t => !inSet.Contains(t.Key))));
    }

    /// <summary>A class that gains an override makes its base method a dispatcher, whose fallback is the edit's copy of
    /// that method: the files declaring its base classes (of this project, at any depth) come along.</summary>
    void AddBaseClassesOfAddedOverrides(HashSet<string> set, IReadOnlyDictionary<string, string> texts)
    {
        var bases = new HashSet<string>();
        foreach (var path in set.ToList())
        {
            var now = OverridesIn(Parse(path, texts[path]));
            if (now.Count == 0) continue;
            // The old text is parsed aside: the cache keeps one tree per path, the edit's, which the compile reuses.
            var before = applied.Texts.TryGetValue(path, out var old) ? OverridesIn(project.Parse(path, old)) : [];
            bases.UnionWith(now.Except(before).Select(o => o.BaseName));
        }
        for (var next = bases; next.Count > 0;)
        {
            var found = new HashSet<string>();
            foreach (var (path, text) in texts)
            {
                if (set.Contains(path) || !next.Any(text.Contains)) continue;
                var declared = Parse(path, text).GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>().Where(c => next.Contains(c.Identifier.Text)).ToList();
                if (declared.Count == 0) continue;
                set.Add(path);
                found.UnionWith(declared.Select(BaseName).OfType<string>());
            }
            next = found;
        }
    }

    /// <summary>The override methods of the classes in a file, with the name of each class's base class.</summary>
    static HashSet<(string Class, string BaseName, string Method)> OverridesIn(SyntaxTree tree) =>
        tree.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>()
            .Where(c => BaseName(c) is not null)
            .SelectMany(c => c.Members.OfType<MethodDeclarationSyntax>().Where(m => m.Modifiers.Any(SyntaxKind.OverrideKeyword))
                .Select(m => (c.Identifier.Text, BaseName(c)!, m.Identifier.Text)))
            .ToHashSet();

    /// <summary>The simple name of the first type a class derives from (its base class, if it names one).</summary>
    static string? BaseName(ClassDeclarationSyntax c) => c.BaseList?.Types.FirstOrDefault()?.Type switch
    {
        SimpleNameSyntax simple => simple.Identifier.Text,
        QualifiedNameSyntax qualified => qualified.Right.Identifier.Text,
        _ => null,
    };

    static string ShortName(string metadataName) => metadataName[(metadataName.LastIndexOf('.') + 1)..].Split('`')[0];

    void AddFilesEmbeddingChangedValues(HashSet<string> set, IReadOnlyDictionary<string, string> texts)
    {
        var names = new HashSet<string>();
        foreach (var path in set.ToList())
            if (applied.Texts.TryGetValue(path, out var before) && before != texts[path])
                names.UnionWith(EmbeddedValues.ChangedNames(Parse(path, before), Parse(path, texts[path])));
        while (names.Count > 0)
        {
            var derived = new HashSet<string>();
            foreach (var (path, text) in texts)
            {
                if (set.Contains(path) || !EmbeddedValues.Uses(text, () => Parse(path, text), names)) continue;
                set.Add(path);
                derived.UnionWith(EmbeddedValues.DerivedFrom(Parse(path, text), names));
            }
            names = derived;
        }
    }

    /// <summary>A tree per path, parsed again only when its text changes.</summary>
    public SyntaxTree Parse(string path, string text)
    {
        if (_parsed.TryGetValue(path, out var known) && (ReferenceEquals(known.Text, text) || known.Text == text)) return known.Tree;
        var tree = project.Parse(path, text);
        if (!ViewFiles.IsGenerated(path)) _parsed[path] = (text, tree);
        return tree;
    }

    /// <summary>The global using directives of files that are not being compiled, as one tree: every file of the
    /// project sees them, so the compiled files must too.</summary>
    SyntaxTree? GlobalUsingsOf(IEnumerable<KeyValuePair<string, string>> otherFiles)
    {
        var directives = new List<string>();
        foreach (var (path, text) in otherFiles)
        {
            if (!_globalUsingsByFile.TryGetValue(path, out var known) || !ReferenceEquals(known.Text, text) && known.Text != text)
            {
                string[] found = !text.Contains("global using") ? [] :
                    ((Microsoft.CodeAnalysis.CSharp.Syntax.CompilationUnitSyntax)Parse(path, text).GetRoot()).Usings
                        .Where(u => u.GlobalKeyword.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.GlobalKeyword)).Select(u => u.ToString()).ToArray();
                _globalUsingsByFile[path] = known = (text, found);
            }
            directives.AddRange(known.Directives);
        }
        if (directives.Count == 0) return null;
        string joined = string.Join("\n", directives.Distinct());
        if (_globalUsingsTree is { } cached && cached.Text == joined) return cached.Tree;
        var tree = project.Parse("detour-global-usings.g.cs", joined);
        _globalUsingsTree = (joined, tree);
        return tree;
    }
}
