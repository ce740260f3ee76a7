using System.Reflection;
using Detour.Channel;

namespace Detour.Host.Model;

/// <summary>The running app as metadata: the assemblies it loaded (the same files, checked by module version id)
/// and every generation applied since, in one MetadataLoadContext. Types and members found here carry the
/// metadata tokens the agent resolves in the live process. Nothing here runs app code.</summary>
public sealed class LiveView : IDisposable
{
    readonly MetadataLoadContext _context;
    readonly Dictionary<string, Assembly> _generations = new();
    readonly Dictionary<string, LoadedAssembly> _loaded;

    public LiveView(Hello app)
    {
        _loaded = app.Assemblies.GroupBy(a => a.Name).ToDictionary(g => g.Key, g => g.First());
        EntryAssembly = app.EntryAssembly;
        MetadataUpdates = app.MetadataUpdates;
        NativeEngineOff = app.NativeEngine.StartsWith("off", StringComparison.Ordinal);
        UpdateCapabilities = app.UpdateCapabilities.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        var paths = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        void Add(string path) { if (File.Exists(path)) paths.TryAdd(Path.GetFileNameWithoutExtension(path), path); }
        foreach (var a in app.Assemblies) Add(a.Path);
        // The folders the app loads from: its own, the runtime's, and every shared framework it uses (ASP.NET Core's
        // assemblies load lazily, from a folder of their own).
        var folders = new[] { Path.GetDirectoryName(app.EntryAssembly), app.RuntimeDirectory }
            .Concat(app.FrameworkFolders ?? []).Concat(app.Assemblies.Select(a => Path.GetDirectoryName(a.Path)))
            .OfType<string>().Distinct().Where(Directory.Exists);
        foreach (var folder in folders)
        foreach (var dll in Directory.EnumerateFiles(folder, "*.dll")) Add(dll);
        _paths = paths;
        _context = new MetadataLoadContext(new Resolver(paths, _generations), "System.Private.CoreLib");
    }

    public string EntryAssembly { get; }

    /// <summary>The app's runtime applies metadata updates (DOTNET_MODIFIABLE_ASSEMBLIES=debug): generic edits go there.</summary>
    public bool MetadataUpdates { get; }

    /// <summary>The agent patches no native code (an unverified platform, or DETOUR_ENGINE=runtime): every edit goes
    /// through the runtime's own metadata update.</summary>
    public bool NativeEngineOff { get; }

    /// <summary>What the runtime's metadata updates can do ("AddMethodToExistingType", "NewTypeDefinition", ...).</summary>
    public IReadOnlySet<string> UpdateCapabilities { get; }

    /// <summary>The runtime takes metadata updates that can do this.</summary>
    public bool RuntimeCan(string capability) => MetadataUpdates && UpdateCapabilities.Contains(capability);

    readonly Dictionary<string, string> _paths;

    /// <summary>The file the app loads (or would load) under this assembly name.</summary>
    public string? PathOf(string name) => _paths.GetValueOrDefault(name);

    /// <summary>The assembly the app runs under this name, read from the file it loaded.</summary>
    public Assembly Load(string name) =>
        _generations.GetValueOrDefault(name) ?? _context.LoadFromAssemblyName(new AssemblyName(name));

    /// <summary>Whether the app runs this build of the assembly: a rebuild since the app started changes the
    /// module version id, and the tokens of the file on disk no longer match the running code.</summary>
    public string? Mismatch(string name)
    {
        if (!_loaded.TryGetValue(name, out var running)) return null;
        var onDisk = Load(name).ManifestModule.ModuleVersionId;
        return onDisk == running.Mvid ? null
            : $"{running.Path} was rebuilt after the app started; restart the app to patch {name} again";
    }

    /// <summary>Whether the app has loaded the assembly and it was built without optimizations.</summary>
    public bool IsDebugBuild(string name) => _loaded.TryGetValue(name, out var a) ? a.DebugBuild : IsDebugBuild(Load(name));

    public static bool IsDebugBuild(Assembly assembly) => DebugBuilds.DisablesJitOptimizer(assembly);

    public Assembly LoadGeneration(string name, byte[] image)
    {
        var assembly = _context.LoadFromByteArray(image);
        _generations[name] = assembly;
        return assembly;
    }

    public void Dispose() => _context.Dispose();

    sealed class Resolver(Dictionary<string, string> paths, Dictionary<string, Assembly> generations) : MetadataAssemblyResolver
    {
        public override Assembly? Resolve(MetadataLoadContext context, AssemblyName name)
        {
            if (name.Name is null) return null;
            if (generations.TryGetValue(name.Name, out var generation)) return generation;
            return paths.TryGetValue(name.Name, out var path) ? context.LoadFromAssemblyPath(path) : null;
        }
    }
}
