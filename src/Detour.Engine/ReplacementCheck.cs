using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Detour.Engine;

/// <summary>Everything checked before a byte is written: the original is a kind of method the
/// engine can patch safely, and the replacement can take its calls.</summary>
public static class ReplacementCheck
{
    public static void EnsurePatchable(MethodBase original)
    {
        string name = MethodNames.Describe(original);
        if (original is System.Reflection.Emit.DynamicMethod)
            throw new DetourException($"{name}: dynamic methods cannot be detoured");
        if (original.IsAbstract)
            throw new DetourException($"{name}: abstract and interface methods have no code to detour; detour the implementation");
        if (original.IsGenericMethod || original.IsGenericMethodDefinition || original.DeclaringType is { ContainsGenericParameters: true } || original.DeclaringType is { IsGenericType: true })
            throw new DetourException($"{name}: generic methods and methods of generic types cannot be detoured: their code is shared between instantiations (the runtime's metadata update replaces them; native-notes/generics.md)");
        var impl = original.MethodImplementationFlags;
        if ((impl & (MethodImplAttributes.InternalCall | MethodImplAttributes.Runtime | MethodImplAttributes.Native)) != 0
            || (original.Attributes & MethodAttributes.PinvokeImpl) != 0)
            throw new DetourException($"{name}: runtime, native and P/Invoke methods have no JIT-compiled body to detour");
        EnsureDebugBuilt(original.Module.Assembly, name);
    }

    /// <summary>Optimized code is tiered, re-JIT'd, inlined and on-stack replaced, each of which
    /// silently bypasses a patch (native-notes/debug-builds-only.md).</summary>
    public static void EnsureDebugBuilt(Assembly assembly, string what)
    {
        if (!IsJitOptimizationDisabled(assembly))
            throw new DetourException(
                $"{what}: assembly '{assembly.GetName().Name}' is optimized (a Release build), so tiered compilation and inlining " +
                "would bypass a detour. Build it in Debug (dotnet build -c Debug, or <Optimize>false</Optimize>).");
    }

    /// <summary>Read once per assembly: reading the attribute costs about 7 µs, and every install asked it twice.
    /// A weak table, so a collectible generation is not kept alive by the answer.</summary>
    public static bool IsJitOptimizationDisabled(Assembly assembly) =>
        DebugBuildAnswers.GetValue(assembly, a => new StrongBox<bool>(DebugBuilds.DisablesJitOptimizer(a))).Value!;

    static readonly ConditionalWeakTable<Assembly, StrongBox<bool>> DebugBuildAnswers = new();

    public static void EnsureCompatible(MethodBase original, MethodBase replacement)
    {
        string name = MethodNames.Describe(original);
        string replacementName = MethodNames.Describe(replacement);
        if (replacement.IsAbstract)
            throw new DetourException($"{name}: replacement {replacementName} is abstract");
        if (replacement.IsGenericMethod || replacement.IsGenericMethodDefinition || replacement.DeclaringType is { ContainsGenericParameters: true })
            throw new DetourException($"{name}: replacement {replacementName} is generic, and shared generic code cannot take a detour's calls");
        if (replacement is System.Reflection.Emit.DynamicMethod)
            throw new DetourException($"{name}: replacement {replacementName} is a dynamic method, which is not supported");

        var expected = ExpectedParameters(original);
        var actual = ParameterTypes(replacement);
        Type? declaring = original.DeclaringType;

        if (!replacement.IsStatic)
        {
            if (original.IsStatic)
                throw new DetourException($"{name}: a static method needs a static replacement, but {replacementName} is an instance method");
            if (replacement.DeclaringType is null || declaring is null || !replacement.DeclaringType.IsAssignableFrom(declaring)
                || declaring.IsValueType != replacement.DeclaringType.IsValueType)
                throw new DetourException($"{name}: instance replacement {replacementName} must be declared on {declaring?.Name} or a base of it; " +
                                          "otherwise use a static method whose first parameter is the instance");
            expected.RemoveAt(0);
        }
        else if (!original.IsStatic)
        {
            Type first = actual.Count > 0 ? actual[0] : typeof(void);
            bool fits = declaring!.IsValueType
                ? first.IsByRef && first.GetElementType() == declaring
                : !first.IsByRef && !first.IsValueType && first.IsAssignableFrom(declaring);
            if (!fits)
                throw new DetourException($"{name}: the static replacement {replacementName} must take the instance first, as " +
                                          (declaring.IsValueType ? $"'ref {declaring.Name}'" : $"'{declaring.Name}'") + $", not '{first.Name}'");
            actual[0] = expected[0];
        }

        if (!SameTypes(expected, actual))
            throw new DetourException($"{name}: replacement {replacementName} has parameters ({string.Join(", ", actual.ConvertAll(t => t.Name))}) " +
                                      $"but ({string.Join(", ", expected.ConvertAll(t => t.Name))}) are needed");
        Type expectedReturn = ReturnType(original), actualReturn = ReturnType(replacement);
        if (expectedReturn != actualReturn)
            throw new DetourException($"{name}: replacement {replacementName} returns {actualReturn.Name} but {expectedReturn.Name} is needed");
        if (!original.IsStatic && replacement.IsStatic &&
            StructReturns.ThroughHiddenBuffer(expectedReturn, OperatingSystem.IsWindows(), RuntimeInformation.ProcessArchitecture == Architecture.Arm64))
            throw new DetourException($"{name}: returns the struct {expectedReturn.Name} through a hidden buffer, which an instance method " +
                                      "passes after 'this' and a static method passes first; use an instance replacement " +
                                      "(native-notes/calling-conventions.md)");
    }

    /// <summary>The instance (if any) followed by the declared parameters.</summary>
    static List<Type> ExpectedParameters(MethodBase method)
    {
        var list = new List<Type>();
        if (!method.IsStatic)
        {
            var declaring = method.DeclaringType!;
            list.Add(declaring.IsValueType ? declaring.MakeByRefType() : declaring);
        }
        list.AddRange(ParameterTypes(method));
        return list;
    }

    /// <summary>A loop, not LINQ: the engine runs inside the app, and every assembly it touches costs the app memory.</summary>
    static List<Type> ParameterTypes(MethodBase method)
    {
        var parameters = method.GetParameters();
        var types = new List<Type>(parameters.Length);
        foreach (var p in parameters) types.Add(p.ParameterType);
        return types;
    }

    static bool SameTypes(List<Type> a, List<Type> b)
    {
        if (a.Count != b.Count) return false;
        for (int i = 0; i < a.Count; i++) if (a[i] != b[i]) return false;
        return true;
    }

    static Type ReturnType(MethodBase method) => method is MethodInfo info ? info.ReturnType : typeof(void);
}
