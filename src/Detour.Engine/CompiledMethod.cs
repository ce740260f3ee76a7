using System.Reflection;
using System.Runtime.CompilerServices;
using Detour.Engine.Platform;

namespace Detour.Engine;

/// <summary>Finds a method's JIT-compiled code, compiling it first if it never ran.</summary>
internal static class CompiledMethod
{
    /// <summary>The method's entry point and code. The prologue is not checked here: the code may
    /// already carry the engine's own jump.</summary>
    public static EntryPoint Locate(MethodBase method, IArchitecture arch)
    {
        // Asking for the entry point first makes PrepareMethod compile even a virtual method
        // that never ran (native-notes/precode-stubs.md).
        nint before = method.MethodHandle.GetFunctionPointer();
        try
        {
            RuntimeHelpers.PrepareMethod(method.MethodHandle);
        }
        catch (Exception e)
        {
            throw new DetourException($"{MethodNames.Describe(method)}: the JIT could not compile it: {e.Message}", e);
        }
        // Collectible methods get their stable entry point only once compiled, so ask again.
        nint after = method.MethodHandle.GetFunctionPointer();
        var found = arch.ReadEntryPoint(after);
        if (arch.IsUncompiled(found) && after != before) found = arch.ReadEntryPoint(before);
        if (arch.IsUncompiled(found))
            throw new DetourException($"{MethodNames.Describe(method)}: still not compiled after PrepareMethod (its precode points back into itself)");
        return found;
    }

    public static void EnsureKnownPrologue(MethodBase method, nint code, IArchitecture arch)
    {
        // Disassembled only for the message: Iced's formatter is large, and the app would carry it for nothing.
        if (!arch.IsKnownPrologue(code))
            throw new DetourException($"{MethodNames.Describe(method)}: unexpected code at 0x{code:X} ({arch.Describe(code)}); expected a Debug-built method's prologue");
    }
}
