using System.Reflection;
using System.Runtime.Loader;
using Detour.Channel;

namespace Detour.Agent.Apply;

/// <summary>The live program's assemblies, types, methods and fields, as the compile host names them: by metadata
/// token, or, for what the runtime's update added (the host knows no token for it), by name.</summary>
internal sealed class LiveHandles(Func<string, Assembly?> generationNamed)
{
    const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;

    /// <summary>An assembly the app runs, or a generation applied before.</summary>
    public Assembly Assembly(string name)
    {
        if (generationNamed(name) is { } generation) return generation;
        foreach (var a in AssemblyLoadContext.Default.Assemblies)
            if (a.GetName().Name == name) return a;
        // One of the app's own libraries that it has not used yet: loaded as the app would on first use.
        return AssemblyLoadContext.Default.LoadFromAssemblyName(new AssemblyName(name));
    }

    public MethodBase Method(MethodHandleRef method) =>
        Assembly(method.Assembly).ManifestModule.ResolveMethod(method.Token) ?? throw new InvalidOperationException($"no method {method.Token:x8} in {method.Assembly}");

    public FieldInfo Field(FieldHandleRef field)
    {
        var assembly = Assembly(field.Assembly);
        if (field.Token != 0) return assembly.ManifestModule.ResolveField(field.Token) ?? throw new InvalidOperationException($"no field {field.Token:x8} in {field.Assembly}");
        var type = assembly.GetType(field.TypeName, throwOnError: true)!;
        return type.GetField(field.Name, Everything) ?? throw new InvalidOperationException($"no field {field.Name} in {type.FullName}");
    }

    public Type Type(TypeHandleRef type)
    {
        var assembly = Assembly(type.Assembly);
        return type.Token != 0
            ? assembly.ManifestModule.ResolveType(type.Token)
            : assembly.GetType(type.Name, throwOnError: true)!;
    }
}
