using System.Reflection;

namespace Detour.Host.Model;

/// <summary>One project's assembly as the app runs it: the original (as metadata, from <see cref="LiveView"/>)
/// plus what earlier generations added. An added type or member keeps the home it got in its first generation.</summary>
internal sealed class LiveProgram(Assembly original, LiveView view)
{
    const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
    public Assembly Original { get; } = original;
    public LiveView View { get; } = view;
    public readonly Dictionary<string, Type> AddedTypes = new();
    public readonly Dictionary<MemberKey, MethodInfo> AddedMethods = new();
    public readonly Dictionary<MemberKey, FieldInfo> AddedFields = new();
    /// <summary>Instance fields edits added to classes: the accessor of each one's storage in its home.</summary>
    public readonly Dictionary<MemberKey, MethodInfo> AddedInstanceFields = new();
    /// <summary>Types and members edits added through the runtime's own update: they are in the live assembly itself
    /// (reflection sees them), but not in the file it was loaded from, so they are named, not read.</summary>
    public readonly HashSet<string> RuntimeTypes = new();
    public readonly HashSet<MemberKey> RuntimeMembers = new();
    /// <summary>The type each field added that way was declared with (a field's key does not hold it).</summary>
    public readonly Dictionary<MemberKey, string> RuntimeFieldTypes = new();

    /// <summary>A field the runtime added earlier, now declared with another type: its storage cannot change.</summary>
    public bool RuntimeFieldRetyped(Mono.Cecil.FieldDefinition field) =>
        RuntimeFieldTypes.TryGetValue(MemberKey.Of(field), out var type) && type != field.FieldType.FullName;

    /// <summary>Methods an edit made dispatchers for the overrides it added to subclasses, by key (added-overrides.md).</summary>
    public readonly HashSet<MemberKey> DispatchedBases = new();

    /// <summary>The generations that declare added types or members: the only ones later edits bind to.</summary>
    public readonly List<Assembly> Generations = new();
    /// <summary>The image of each of those generations by assembly name, for reading its metadata again.</summary>
    public readonly Dictionary<string, byte[]> GenerationImages = new();

    /// <summary>The live type for a metadata name ("Ns.Outer/Inner").</summary>
    public Type? FindType(string metadataName) =>
        Original.GetType(MetadataNames.ToReflection(metadataName), throwOnError: false) ?? AddedTypes.GetValueOrDefault(metadataName);

    /// <summary>The names of every member a live type declares; none when there is no such type.</summary>
    public IEnumerable<string> MemberNamesOf(string metadataName) => FindType(metadataName)?.GetMembers(Everything).Select(m => m.Name) ?? [];

    public static IEnumerable<MethodBase> MethodsOf(Type type) =>
        type.GetMethods(Everything).Cast<MethodBase>().Concat(type.GetConstructors(Everything));

    public static FieldInfo? FieldOf(Type type, string name) => type.GetField(name, Everything);

    /// <summary>A member of a generation's type by its token (MetadataLoadContext does not resolve tokens itself).</summary>
    public static MethodBase? MethodByToken(Type type, int token) => MethodsOf(type).FirstOrDefault(m => m.MetadataToken == token);

    public static FieldInfo? FieldByToken(Type type, int token) => type.GetFields(Everything).FirstOrDefault(f => f.MetadataToken == token);

    /// <summary>Types of other assemblies by assembly and metadata name, as the app resolves them.</summary>
    public Type? ResolveExternal(string assemblyName, string metadataName)
    {
        try
        {
            return View.Load(assemblyName).GetType(MetadataNames.ToReflection(metadataName), false);
        }
        catch (FileNotFoundException) { return null; }
    }
}

/// <summary>Metadata names nest with '/', reflection names with '+'.</summary>
internal static class MetadataNames
{
    public static string ToReflection(string metadataName) => metadataName.Replace('/', '+');
}
