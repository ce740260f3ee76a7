using System.Reflection;

namespace Detour.Reload;

/// <summary>The program as it runs now: the original assembly plus what earlier generations added.
/// An added type or member keeps the home it got in its first generation.</summary>
internal sealed class LiveProgram(Assembly original)
{
    const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
    public Assembly Original { get; } = original;
    public readonly Dictionary<string, Type> AddedTypes = new();
    public readonly Dictionary<string, MethodInfo> AddedMethods = new();
    public readonly Dictionary<string, FieldInfo> AddedFields = new();
    public readonly List<Assembly> Generations = new();
    /// <summary>The image of each generation by assembly name, for reading its metadata again.</summary>
    public readonly Dictionary<string, byte[]> GenerationImages = new();

    /// <summary>The live type for a metadata name ("Ns.Outer/Inner").</summary>
    public Type? FindType(string metadataName) =>
        Original.GetType(metadataName.Replace('/', '+'), throwOnError: false) ?? AddedTypes.GetValueOrDefault(metadataName);

    public static IEnumerable<MethodBase> MethodsOf(Type type) =>
        type.GetMethods(Everything).Cast<MethodBase>().Concat(type.GetConstructors(Everything));

    public static FieldInfo? FieldOf(Type type, string name) => type.GetField(name, Everything);

    /// <summary>Loaded types by assembly and metadata name, for references outside the live assembly.</summary>
    public Type? ResolveExternal(string assemblyName, string metadataName)
    {
        foreach (var a in AppDomain.CurrentDomain.GetAssemblies())
            if (a.GetName().Name == assemblyName && a.GetType(metadataName.Replace('/', '+'), false) is { } t) return t;
        if (assemblyName is "System.Runtime" or "netstandard" or "mscorlib")
            return Type.GetType(metadataName.Replace('/', '+'), false);
        try
        {
            return Assembly.Load(new AssemblyName(assemblyName)).GetType(metadataName.Replace('/', '+'), false);
        }
        catch (IOException) { return null; }
    }
}
