using Detour.Host.Compiling;
using Detour.Host.Model;
using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Detour.Host.Binding;

/// <summary>A compiled delta read with Cecil, its PDB with it (sequence points place lambdas and cut initializers).</summary>
internal static class DeltaModule
{
    public static ModuleDefinition Read(CompiledDelta delta, AssemblyResolver resolver) =>
        ModuleDefinition.ReadModule(new MemoryStream(delta.Image), new ReaderParameters
        {
            AssemblyResolver = resolver,
            ReadSymbols = true,
            SymbolStream = new MemoryStream(delta.Symbols),
            SymbolReaderProvider = new PortablePdbReaderProvider(),
            ReadingMode = ReadingMode.Immediate,
        });
}
