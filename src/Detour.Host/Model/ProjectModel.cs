using Microsoft.CodeAnalysis.CSharp;

namespace Detour.Host.Model;

/// <summary>What Detour needs to recompile one project's sources as its build did. Read from the
/// manifest that build/Detour.targets writes next to the output assembly.</summary>
public sealed record ProjectModel(
    string ProjectPath,
    string AssemblyName,
    string TargetPath,
    IReadOnlyList<string> Sources,
    IReadOnlyList<string> GeneratedSources,
    IReadOnlySet<string> Unwatched,
    IReadOnlyList<string> DefineConstants,
    string LangVersion,
    bool NullableEnabled,
    bool AllowUnsafe,
    IReadOnlyList<string> References,
    IReadOnlyList<ProjectModel> ProjectReferences)
{
    public const string ManifestSuffix = ".detour";

    /// <summary>Beside the manifest: the compiler's command line as the build ran it, one argument a line.</summary>
    public const string CompilerArgumentsSuffix = ".rsp";

    public string ProjectDirectory => Path.GetDirectoryName(ProjectPath)!;

    /// <summary>Analyzer assemblies of the build; the source generators among them complete partial types.</summary>
    public IReadOnlyList<string> Analyzers { get; init; } = [];

    /// <summary>The build's .editorconfig files, among them the generated global one with build properties.</summary>
    public IReadOnlyList<string> EditorConfigs { get; init; } = [];

    /// <summary>Sources the manifest names that lie outside the project's tree (<see cref="SourceTree"/>): Detour
    /// neither reads nor compiles them.</summary>
    public IReadOnlyList<string> OutsideTree { get; init; } = [];

    /// <summary>Files only the build reads (the project file, .proto files): their edits need a restart.</summary>
    public IReadOnlyList<string> BuildInputs { get; init; } = [];

    /// <summary>The build's compiler command line, read with Roslyn's own parser; null when the build wrote none.</summary>
    public CSharpCommandLineArguments? CompilerArguments { get; init; }

    /// <summary>Razor files (.cshtml, .razor) the build gave the compiler, inside the project's tree.</summary>
    public IReadOnlyList<string> Views => _views ??= CompilerArguments is null ? [] : CompilerArguments.AdditionalFiles
        .Select(f => f.Path).Where(p => ViewFiles.IsView(p) && SourceTree.Contains(TreeRoot, p)).ToList();
    IReadOnlyList<string>? _views;

    /// <summary>The analyzer configs generators read options from: the compiler's, else the manifest's.</summary>
    public IReadOnlyList<string> AnalyzerConfigs => CompilerArguments?.AnalyzerConfigPaths is { Length: > 0 } paths ? paths : EditorConfigs;

    /// <summary>Where this project's sources may live (the repository holding it).</summary>
    public string TreeRoot => _treeRoot ??= SourceTree.RootOf(ProjectDirectory);
    string? _treeRoot;

    public static string ManifestPathFor(string targetPath) => targetPath + ManifestSuffix;

    /// <summary>This project and every project it references, directly or not, each once.</summary>
    public IEnumerable<ProjectModel> WithReferencedProjects()
    {
        // Walked with a visited set: MSBuild lists transitive references too, so a naive walk of a chain of n projects
        // visits the last one 2^n times.
        var seen = new HashSet<string>();
        var pending = new Stack<ProjectModel>([this]);
        var order = new List<ProjectModel>();
        while (pending.TryPop(out var project))
        {
            if (!seen.Add(project.ProjectPath)) continue;
            order.Add(project);
            for (int i = project.ProjectReferences.Count - 1; i >= 0; i--) pending.Push(project.ProjectReferences[i]);
        }
        return order;
    }

    /// <summary>Loads the manifest the build wrote next to an output assembly, and those of its project references;
    /// a referenced project without one (it does not reference Detour) is asked about with <paramref name="discoverReferences"/>.</summary>
    public static ProjectModel Load(string targetPath, Func<string, ProjectModel?>? discoverReferences = null) =>
        Load(targetPath, discoverReferences, new Dictionary<string, ProjectModel>());

    /// <param name="loaded">The projects this load has read, by output path: each is read once, however many projects
    /// reference it (MSBuild lists transitive references, so a chain of 21 projects held 2^20 paths and took gigabytes).</param>
    static ProjectModel Load(string targetPath, Func<string, ProjectModel?>? discoverReferences, Dictionary<string, ProjectModel> loaded)
    {
        string manifest = ManifestPathFor(targetPath);
        if (!File.Exists(manifest))
            throw new ReloadException($"{manifest}: no Detour manifest. Import Detour.targets into the project " +
                                      "(the Detour package does this) and build it in Debug: dotnet build -c Debug");
        if (File.Exists(targetPath) && File.GetLastWriteTimeUtc(manifest) < File.GetLastWriteTimeUtc(targetPath).AddMinutes(-1))
            throw new ReloadException($"{manifest}: older than {Path.GetFileName(targetPath)}; rebuild the project (dotnet build -c Debug) to refresh it");
        return Read(manifest, targetPath, discoverReferences, loaded);
    }

    /// <summary>The build's manifest when there is one; otherwise MSBuild is asked for it at run time, by a
    /// design-time build (nothing is compiled) of the project found above the assembly, with
    /// <paramref name="targetsFile"/> (Detour.targets) imported. Used for apps that do not reference Detour.</summary>
    public static ProjectModel LoadOrDiscover(string targetPath, string targetsFile)
    {
        var loaded = new Dictionary<string, ProjectModel>();
        return File.Exists(ManifestPathFor(targetPath))
            ? Load(targetPath, reference => MSBuildQuery.Discover(reference, targetsFile, loaded), loaded)
            : MSBuildQuery.Discover(targetPath, targetsFile, loaded);
    }

    internal static ProjectModel Read(string manifest, string targetPath, Func<string, ProjectModel?>? discoverReferences,
        Dictionary<string, ProjectModel>? loaded = null)
    {
        loaded ??= new Dictionary<string, ProjectModel>();
        var values = File.ReadAllLines(manifest)
            .Where(l => l.Contains('='))
            .Select(l => (Key: l[..l.IndexOf('=')], Value: l[(l.IndexOf('=') + 1)..]))
            .ToLookup(p => p.Key, p => p.Value);
        string One(string key) => values[key].FirstOrDefault() ?? "";
        var sources = new List<string>();
        var generated = new List<string>();
        var outside = new List<string>();
        var unwatched = new HashSet<string>(StringComparer.Ordinal);
        string root = SourceTree.RootOf(Path.GetDirectoryName(One("project"))!);
        foreach (var entry in values["source"])
        {
            int bar = entry.IndexOf('|');
            string path = entry[(bar + 1)..];
            if (!SourceTree.Contains(root, path)) { outside.Add(path); continue; }
            // Generated files under obj/ (global usings, assembly info) go into every compile but are never edited.
            if (IsUnderBuildOutput(path, Path.GetDirectoryName(One("project"))!)) { generated.Add(path); continue; }
            sources.Add(path);
            if (entry[..bar].Equals("false", StringComparison.OrdinalIgnoreCase)) unwatched.Add(path);
        }
        // Referenced projects' manifests are copied next to this one, with their assemblies. A project that does not
        // reference Detour has none (a razorclasslib under the package route): MSBuild is asked about it.
        string here = Path.GetDirectoryName(targetPath)!;
        var projectReferences = new List<ProjectModel>();
        foreach (var reference in values["projectreference"])
        {
            string copy = Path.Combine(here, Path.GetFileName(reference));
            bool hasManifest = File.Exists(ManifestPathFor(copy));
            string key = hasManifest ? copy : reference;
            if (loaded.TryGetValue(key, out var known)) { projectReferences.Add(known); continue; }
            var found = hasManifest ? Load(copy, discoverReferences, loaded) : discoverReferences?.Invoke(reference);
            if (found is null) continue;
            loaded[key] = found;
            projectReferences.Add(found);
        }
        string arguments = manifest + CompilerArgumentsSuffix;
        var compilerArguments = File.Exists(arguments) && File.ReadAllLines(arguments) is { Length: > 0 } lines
            ? CSharpCommandLineParser.Default.Parse(lines, Path.GetDirectoryName(One("project"))!, sdkDirectory: null)
            : null;
        return new ProjectModel(
            One("project"), One("assembly"), One("target"), sources, generated, unwatched,
            One("define").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            One("langversion"),
            One("nullable").Equals("enable", StringComparison.OrdinalIgnoreCase),
            One("unsafe").Equals("true", StringComparison.OrdinalIgnoreCase),
            values["reference"].ToList(),
            projectReferences)
        {
            Analyzers = values["analyzer"].ToList(),
            EditorConfigs = values["editorconfig"].ToList(),
            OutsideTree = outside,
            CompilerArguments = compilerArguments,
            BuildInputs = values["buildinput"].Where(p => SourceTree.Contains(root, p)).Distinct().ToList(),
        };
    }

    /// <summary>Under the project's bin/ or obj/: build output, never a source to watch.</summary>
    public static bool IsUnderBuildOutput(string path, string projectDirectory)
    {
        var relative = Path.GetRelativePath(projectDirectory, path).Replace('\\', '/');
        return relative.StartsWith("obj/") || relative.StartsWith("bin/");
    }
}
