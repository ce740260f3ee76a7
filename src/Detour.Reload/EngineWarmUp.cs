using System.Reflection;
using System.Runtime.Loader;
using Detour.Engine;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Detour.Reload;

/// <summary>Installs, calls and undoes one detour on a throwaway Debug-compiled method, once per process,
/// so the engine's code is compiled by the JIT before the first edit. The assembly stays loaded: the
/// engine remembers code addresses, which an unloaded assembly's memory could later reuse.</summary>
internal static class EngineWarmUp
{
    static readonly Lazy<bool> Done = new(Run);

    public static void Ensure() => _ = Done.Value;

    static bool Run()
    {
        const string source = "public static class WarmUp { public static int Original(int x) => x; public static int Replacement(int x) => x + 1; }";
        var compilation = CSharpCompilation.Create("Detour.EngineWarmUp",
            [CSharpSyntaxTree.ParseText(source)],
            [MetadataReference.CreateFromFile(typeof(object).Assembly.Location)],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Debug));
        using var image = new MemoryStream();
        if (!compilation.Emit(image).Success) return false;
        image.Position = 0;
        var type = new AssemblyLoadContext("Detour.EngineWarmUp").LoadFromStream(image).GetType("WarmUp")!;
        var original = type.GetMethod("Original")!;
        var detour = Detours.Install(original, type.GetMethod("Replacement")!);
        original.Invoke(null, [1]);
        new DetourTransaction().Undo(detour).Commit();
        return true;
    }
}
