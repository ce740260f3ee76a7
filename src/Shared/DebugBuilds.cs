using System.Reflection;

namespace Detour;

/// <summary>Whether an assembly was built with the JIT optimizer disabled (a Debug build), read from its
/// DebuggableAttribute's data. One source, compiled into the engine (which refuses to patch optimized code) and the
/// compile host (which reads the app as metadata, where attributes cannot be instantiated).</summary>
internal static class DebugBuilds
{
    const int DisableOptimizations = 0x100; // DebuggableAttribute.DebuggingModes.DisableOptimizations

    public static bool DisablesJitOptimizer(Assembly assembly)
    {
        foreach (var attribute in assembly.GetCustomAttributesData())
        {
            if (attribute.AttributeType.FullName != "System.Diagnostics.DebuggableAttribute") continue;
            var arguments = attribute.ConstructorArguments;
            return arguments.Count switch
            {
                1 => arguments[0].Value is int modes && (modes & DisableOptimizations) != 0,   // (DebuggingModes)
                2 => arguments[1].Value is true,                                             // (tracking, optimizerDisabled)
                _ => false,
            };
        }
        return false;
    }
}
