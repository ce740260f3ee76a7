namespace Detour.Host.Commands;

/// <summary>%autoreload modes, as in IPython.</summary>
public enum ReloadMode { Off = 0, MarkedOnly = 1, AllButSkipped = 2, AtSafePoint = 3 }

/// <summary>Marked and skipped modules. A module is an assembly name, a namespace or a type, matched by prefix.</summary>
public sealed class ModuleMarks
{
    readonly HashSet<string> _marked = new(), _skipped = new();
    public IReadOnlyCollection<string> Marked => _marked;
    public IReadOnlyCollection<string> Skipped => _skipped;

    public void Mark(string module) { _skipped.Remove(module); _marked.Add(module); }
    public void Skip(string module) { _marked.Remove(module); _skipped.Add(module); }

    /// <summary>"Demo" matches the assembly Demo and the namespace Demo.Scenes, not DemoLib.</summary>
    public static bool Matches(string module, string assembly, string typeName) => IsPrefix(module, assembly) || IsPrefix(module, typeName);

    static bool IsPrefix(string module, string name) =>
        name.StartsWith(module, StringComparison.Ordinal) && (name.Length == module.Length || name[module.Length] is '.' or '+' or '/');

    public bool IsSkipped(string assembly, string typeName) => _skipped.Any(m => Matches(m, assembly, typeName));

    /// <summary>Whether an edit to a file declaring these types is applied in this mode.</summary>
    public bool Allows(ReloadMode mode, string assembly, IReadOnlyCollection<string> types) => mode switch
    {
        ReloadMode.Off => false,
        ReloadMode.MarkedOnly => types.Any(t => _marked.Any(m => Matches(m, assembly, t))),
        _ => !types.All(t => IsSkipped(assembly, t)) || types.Count == 0,
    };
}
