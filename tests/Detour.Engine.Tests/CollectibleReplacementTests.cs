using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NUnit.Framework;

namespace Detour.Engine.Tests;

[NonParallelizable]
public class CollectibleReplacementTests
{
    static byte[] Compile(string source)
    {
        var refs = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Select(p => MetadataReference.CreateFromFile(p)).Append(MetadataReference.CreateFromFile(typeof(Counter).Assembly.Location));
        var compilation = CSharpCompilation.Create("Replacement" + Guid.NewGuid().ToString("N"),
            [CSharpSyntaxTree.ParseText(source)], refs,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Debug));
        using var stream = new MemoryStream();
        var result = compilation.Emit(stream);
        Assert.That(result.Success, string.Join("\n", result.Diagnostics));
        return stream.ToArray();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static (MethodDetour Detour, WeakReference Context) InstallFromCollectible(int plus)
    {
        var context = new AssemblyLoadContext("gen", isCollectible: true);
        var assembly = context.LoadFromStream(new MemoryStream(Compile(
            $"public static class R {{ public static int Read(Detour.Engine.Tests.Counter c) => c.Value + {plus}; }}")));
        var read = typeof(Counter).GetMethod(nameof(Counter.Read))!;
        var replacement = assembly.GetType("R")!.GetMethod("Read")!;
        var existing = Detours.Find(read);
        MethodDetour detour;
        if (existing is null) detour = Detours.Install(read, replacement);
        else { existing.Retarget(replacement); detour = existing; }
        context.Unload(); // only takes effect once nothing refers to it
        return (detour, new WeakReference(context));
    }

    static bool Collected(WeakReference reference)
    {
        for (int i = 0; i < 20 && reference.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        return !reference.IsAlive;
    }

    [Test]
    public void CollectibleContext_StaysAliveWhileDetoured_UnloadsAfterRetargetAndUndo()
    {
        var counter = new Counter { Value = 1 };
        var (detour, first) = InstallFromCollectible(10);
        Assert.That(Collected(first), Is.False, "the engine keeps the replacement's context alive");
        Assert.That(counter.Read(), Is.EqualTo(11));

        var (_, second) = InstallFromCollectible(20);
        Assert.That(counter.Read(), Is.EqualTo(21));
        Assert.That(Collected(first), Is.True, "after the retarget the first context can unload");
        Assert.That(Collected(second), Is.False);

        detour.Undo();
        Assert.That(counter.Read(), Is.EqualTo(1));
        Assert.That(Collected(second), Is.True, "after undo the second context can unload");
        Assert.That(counter.Read(), Is.EqualTo(1));
    }
}
