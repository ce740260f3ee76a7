using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Detour.Windows.Check;

/// <summary>A delta assembly as the compile host would send one, made here without Roslyn: one static method that
/// returns a string, with its token.</summary>
static class DeltaImage
{
    public static (byte[] Image, int MethodToken) Returning(string text)
    {
        var assembly = new PersistedAssemblyBuilder(new AssemblyName("Delta1"), typeof(object).Assembly);
        var module = assembly.DefineDynamicModule("Delta1");
        var type = module.DefineType("Greeter", TypeAttributes.Public | TypeAttributes.Abstract | TypeAttributes.Sealed);
        var method = type.DefineMethod("Greeting", MethodAttributes.Public | MethodAttributes.Static, typeof(string), Type.EmptyTypes);
        var il = method.GetILGenerator();
        il.Emit(OpCodes.Ldstr, text);
        il.Emit(OpCodes.Ret);
        type.CreateType();
        var metadata = assembly.GenerateMetadata(out BlobBuilder ilStream, out BlobBuilder fieldData);
        var pe = new ManagedPEBuilder(PEHeaderBuilder.CreateLibraryHeader(), new MetadataRootBuilder(metadata), ilStream, fieldData);
        var image = new BlobBuilder();
        pe.Serialize(image);
        return (image.ToArray(), method.MetadataToken);
    }
}
