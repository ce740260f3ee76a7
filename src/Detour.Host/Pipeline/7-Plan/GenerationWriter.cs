using Detour.Host.Model;
using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Detour.Host.Planning;

/// <summary>Writes a relinked delta as a generation the agent loads: its own assembly name, its PDB, and access to the
/// private members of every earlier generation, as the delta already has to the live assembly.</summary>
internal static class GenerationWriter
{
    public static (byte[] Image, byte[] Symbols) Write(ModuleDefinition module, string name, IEnumerable<System.Reflection.Assembly> earlierGenerations)
    {
        module.Assembly.Name.Name = name;
        module.Name = name + ".dll";
        IgnoreAccessChecksTo(module, earlierGenerations);
        using var pe = new MemoryStream();
        using var pdb = new MemoryStream();
        module.Write(pe, new WriterParameters { WriteSymbols = true, SymbolStream = pdb, SymbolWriterProvider = new PortablePdbWriterProvider() });
        return (pe.ToArray(), pdb.ToArray());
    }

    /// <summary>Members added by earlier generations live in those generations' assemblies, often private: the delta
    /// declares IgnoresAccessChecksTo for each, as it does for the live assembly. So it does for every assembly it
    /// references: a detoured constructor, now a holder's static method, still calls its base class's protected
    /// constructor (a PageModel's, say), which only a derived type may call.</summary>
    static void IgnoreAccessChecksTo(ModuleDefinition module, IEnumerable<System.Reflection.Assembly> earlierGenerations)
    {
        var attribute = module.GetType("System.Runtime.CompilerServices.IgnoresAccessChecksToAttribute");
        var constructor = attribute?.Methods.FirstOrDefault(m => m.IsConstructor && !m.IsStatic && m.Parameters.Count == 1);
        if (constructor is null) return;
        var declared = module.Assembly.CustomAttributes.Where(a => a.AttributeType == attribute)
            .Select(a => a.ConstructorArguments[0].Value as string).ToHashSet();
        // CoreLib defines what System.Runtime forwards to it; the check names the defining assembly.
        var names = earlierGenerations.Select(e => e.GetName().Name!)
            .Concat(module.AssemblyReferences.Select(r => r.Name)).Append("System.Private.CoreLib");
        foreach (var name in names.Where(declared.Add))
        {
            var declaration = new CustomAttribute(constructor);
            declaration.ConstructorArguments.Add(new CustomAttributeArgument(module.TypeSystem.String, name));
            module.Assembly.CustomAttributes.Add(declaration);
        }
    }
}
