using Detour.Host.Compiling;
using Detour.Host.Model;
using Detour.Host.Sources;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Mono.Cecil;

namespace Detour.Host.Sessions;

/// <summary>Compiles, reads and writes one small assembly, so the first edit does not pay for JIT-compiling
/// Roslyn and Cecil (about a second on a cold process).</summary>
public static class HostWarmUp
{
    static readonly Lazy<bool> Done = new(RunOnce);

    public static void Run() => _ = Done.Value;

    /// <summary>Reads the app's projects and compiles the file of each that was saved last (the likeliest next edit),
    /// so the metadata of their references is read and shared before the app even starts.</summary>
    public static void Project(string targetPath, string targetsFile)
    {
        foreach (var model in ProjectModel.LoadOrDiscover(targetPath, targetsFile).WithReferencedProjects())
        {
            var recent = model.Sources.Where(File.Exists).OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault();
            if (recent is null) continue;
            var project = new CSharpProject(model);
            string text = File.ReadAllText(recent);
            new DeltaCompiler(project).Compile(new CompileSet([recent], new Dictionary<string, string> { [recent] = text }, [project.Parse(recent, text)], null), []);
        }
    }

    static bool RunOnce()
    {
        const string source = "public static class WarmUp { public static int Twice(int x) => x * 2; static System.Func<int, int> F = x => x + 1; }";
        var compilation = CSharpCompilation.Create("Detour.HostWarmUp",
            [CSharpSyntaxTree.ParseText(source)],
            [MetadataReference.CreateFromFile(typeof(object).Assembly.Location)],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Debug));
        using var image = new MemoryStream();
        using var symbols = new MemoryStream();
        if (!compilation.Emit(image, symbols, options: new Microsoft.CodeAnalysis.Emit.EmitOptions(debugInformationFormat: Microsoft.CodeAnalysis.Emit.DebugInformationFormat.PortablePdb)).Success) return false;
        image.Position = 0;
        using var module = ModuleDefinition.ReadModule(image, new ReaderParameters { ReadingMode = ReadingMode.Immediate });
        using var written = new MemoryStream();
        module.Write(written);
        return true;
    }
}
