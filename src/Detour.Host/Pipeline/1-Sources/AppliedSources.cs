using Detour.Host.Model;

namespace Detour.Host.Sources;

/// <summary>The text of each of a project's sources that the app now runs: what the build compiled, then each applied
/// edit. A view (.cshtml, .razor) has its own text and, once edited, the C# its generator wrote, under
/// <see cref="ViewFiles.GeneratedPath"/>.</summary>
internal sealed class AppliedSources
{
    readonly Dictionary<string, string> _texts = new();
    readonly Dictionary<string, string> _views = new();
    readonly HashSet<string> _unknown = new();
    readonly HashSet<string> _withAdditions = new();

    public AppliedSources(ProjectModel project)
    {
        foreach (var path in project.Sources.Where(File.Exists)) _texts[path] = File.ReadAllText(path);
        foreach (var path in project.Views.Where(File.Exists)) _views[path] = File.ReadAllText(path);
        BuiltTexts = new Dictionary<string, string>(_texts);
        BuiltViews = new Dictionary<string, string>(_views);
        foreach (var path in project.BuildInputs.Where(File.Exists)) _buildInputs[path] = File.ReadAllText(path);
    }

    readonly Dictionary<string, string> _buildInputs = new();

    /// <summary>Whether a file only the build reads (the project file, a .proto) now differs from what the app was
    /// built from.</summary>
    public bool BuildInputChanged(string path, string? text) => _buildInputs.TryGetValue(path, out var built) && built != text;

    /// <summary>The C# sources and the views as the build compiled them (as they read when the app started).</summary>
    public IReadOnlyDictionary<string, string> BuiltTexts { get; }
    public IReadOnlyDictionary<string, string> BuiltViews { get; }

    /// <summary>C# by path (a view's as generated).</summary>
    public IReadOnlyDictionary<string, string> Texts => _texts;

    public IReadOnlyDictionary<string, string> Views => _views;

    /// <summary>Files whose edits added types or members: the build's assembly lacks those, so every later compile
    /// takes these files along.</summary>
    public IReadOnlySet<string> WithAdditions => _withAdditions;

    /// <summary>The file was saved after the app was built, so the text the app runs is unknown: its next edit compares
    /// against nothing and applies every member of the file.</summary>
    public void AssumeChangedSinceBuild(string path) => _unknown.Add(path);

    public bool IsUnknown(string path) => _unknown.Contains(path);

    /// <summary>Whether the program already runs this text of the file (a save without changes, say).</summary>
    public bool Runs(string path, string text) => ViewFiles.IsView(path)
        ? _views.TryGetValue(path, out var view) && view == text
        : !_unknown.Contains(path) && _texts.TryGetValue(path, out var applied) && applied == text;

    /// <summary>The text the app runs, as far as it is known ("" for a file it does not have, or whose text is unknown).</summary>
    public string Baseline(string path) => _unknown.Contains(path) ? "" : _texts.GetValueOrDefault(path, "");

    /// <summary>Every file's text, with the edit's changes.</summary>
    public Dictionary<string, string> With(IEnumerable<KeyValuePair<string, string>> changed)
    {
        var texts = new Dictionary<string, string>(_texts);
        foreach (var (path, text) in changed) texts[path] = text;
        return texts;
    }

    /// <summary>A view's C# as generated from the text the app runs, learnt on the view's first edit.</summary>
    public void AddGenerated(string view, string csharp) => _texts[ViewFiles.GeneratedPath(view)] = csharp;

    /// <summary>The edit applied: these files now run these texts.</summary>
    public void Commit(IEnumerable<string> paths, IReadOnlyDictionary<string, string> texts, bool addedMembers)
    {
        foreach (var path in paths)
        {
            _texts[path] = texts[path];
            _unknown.Remove(path);
            if (addedMembers) _withAdditions.Add(path);
        }
    }

    public void CommitViews(IReadOnlyDictionary<string, string> views)
    {
        foreach (var (path, text) in views) _views[path] = text;
    }
}
