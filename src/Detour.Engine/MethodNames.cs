using System.Reflection;

namespace Detour.Engine;

/// <summary>Readable method names for messages: Namespace.Type.Method(ParamTypes).</summary>
internal static class MethodNames
{
    public static string Describe(MethodBase method)
    {
        var parameters = string.Join(", ", Array.ConvertAll(method.GetParameters(), p => p.ParameterType.Name));
        return $"{method.DeclaringType?.FullName}.{method.Name}({parameters})";
    }
}
