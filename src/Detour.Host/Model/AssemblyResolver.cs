using System.Runtime.InteropServices;
using Mono.Cecil;

namespace Detour.Host.Model;

/// <summary>Finds the assemblies a delta refers to, for Cecil (which resolves types to write enum constants
/// and to read attribute arguments): earlier generations from memory, the live assembly and the project's
/// references from their paths, and the runtime's own assemblies. Cecil's default resolver searches
/// only the current directory, which for a running app is rarely its output folder.</summary>
internal sealed class AssemblyResolver(ProjectModel project, Func<IEnumerable<LiveProgram>> programs) : IAssemblyResolver
{
    readonly Dictionary<string, AssemblyDefinition> _loaded = new();

    public AssemblyDefinition Resolve(AssemblyNameReference name) => Resolve(name, new ReaderParameters());

    public AssemblyDefinition Resolve(AssemblyNameReference name, ReaderParameters parameters)
    {
        lock (_loaded)
        {
            if (_loaded.TryGetValue(name.Name, out var known)) return known;
            var reading = new ReaderParameters { AssemblyResolver = this, ReadingMode = ReadingMode.Deferred };
            AssemblyDefinition? found = null;
            if (programs().Select(p => p.GenerationImages.GetValueOrDefault(name.Name)).FirstOrDefault(i => i is not null) is { } image)
                found = AssemblyDefinition.ReadAssembly(new MemoryStream(image), reading);
            else if (PathOf(name.Name) is { } path)
                found = AssemblyDefinition.ReadAssembly(path, reading);
            return _loaded[name.Name] = found ?? throw new AssemblyResolutionException(name);
        }
    }

    readonly Dictionary<string, ModuleDefinition> _byPath = new();

    /// <summary>The module in this file, read once per session: the same one name resolution found, when it found this file.</summary>
    public ModuleDefinition ModuleAt(string path)
    {
        lock (_loaded)
        {
            if (_byPath.TryGetValue(path, out var known)) return known;
            var same = _loaded.Values.FirstOrDefault(a => a.MainModule.FileName == path)?.MainModule;
            return _byPath[path] = same ?? ModuleDefinition.ReadModule(path, new ReaderParameters { AssemblyResolver = this, ReadingMode = ReadingMode.Deferred });
        }
    }

    string? PathOf(string name)
    {
        if (name == project.AssemblyName && File.Exists(project.TargetPath)) return project.TargetPath;
        var candidates = project.References.Concat(programs().Select(p => p.Original.Location))
            .Append(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), name + ".dll"));
        return candidates.FirstOrDefault(p => Path.GetFileNameWithoutExtension(p) == name && File.Exists(p))
               ?? programs().Select(p => p.View.PathOf(name)).FirstOrDefault(p => p is not null); // a shared framework's
    }

    public void Dispose()
    {
        lock (_loaded)
        {
            foreach (var assembly in _loaded.Values) assembly.Dispose();
            foreach (var module in _byPath.Values) module.Dispose();
            _loaded.Clear();
            _byPath.Clear();
        }
    }
}
