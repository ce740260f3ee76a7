using Detour.Host.Model;
using System.Reflection;
using Mono.Cecil;

namespace Detour.Host.Relinking;

/// <summary>References from the delta to live types and members, made from their definitions in the files the app
/// loaded (found by metadata token), so the delta's signatures are exactly those of the running code. Cecil's own
/// reflection importer only knows the runtime's Type objects, not metadata-only ones.</summary>
internal sealed class LiveImporter(ModuleDefinition module)
{
    readonly Dictionary<string, ModuleDefinition> _modules = new();

    /// <summary>The very file the live type was read from, so its metadata tokens are the same: resolving by name could
    /// find a reference assembly of the same name instead. Generations, read from memory, are resolved by name.</summary>
    ModuleDefinition ModuleOf(Assembly assembly)
    {
        string name = assembly.GetName().Name!;
        if (!_modules.TryGetValue(name, out var found))
            _modules[name] = found = module.AssemblyResolver is AssemblyResolver session && !string.IsNullOrEmpty(assembly.Location) && File.Exists(assembly.Location)
                ? session.ModuleAt(assembly.Location)
                : module.AssemblyResolver.Resolve(new AssemblyNameReference(name, null)).MainModule;
        return found;
    }

    public TypeReference Type(System.Type type)
    {
        if (type.IsByRef) return new ByReferenceType(Type(type.GetElementType()!));
        if (type.IsPointer) return new PointerType(Type(type.GetElementType()!));
        if (type.IsArray) return type.IsSZArray ? new ArrayType(Type(type.GetElementType()!)) : MultiDimensional(Type(type.GetElementType()!), type.GetArrayRank());
        if (type.IsConstructedGenericType)
        {
            var instance = new GenericInstanceType(Type(type.GetGenericTypeDefinition()));
            foreach (var argument in type.GetGenericArguments()) instance.GenericArguments.Add(Type(argument));
            return instance;
        }
        if (type.IsGenericParameter) throw new NotSupportedException($"a live reference to the generic parameter {type.Name}");
        return module.ImportReference((TypeDefinition)ModuleOf(type.Assembly).LookupToken(type.MetadataToken));
    }

    /// <summary>As C# declares them: every dimension with a lower bound of 0 (see TypeMapper.WithDimensionsOf).</summary>
    static ArrayType MultiDimensional(TypeReference element, int rank)
    {
        var array = new ArrayType(element, rank);
        for (int i = 0; i < rank; i++) array.Dimensions[i] = new ArrayDimension(0, null);
        return array;
    }

    public MethodReference Method(MethodBase method) =>
        module.ImportReference((MethodDefinition)ModuleOf(method.Module.Assembly).LookupToken(method.MetadataToken));

    public FieldReference Field(FieldInfo field) =>
        module.ImportReference((FieldDefinition)ModuleOf(field.Module.Assembly).LookupToken(field.MetadataToken));
}
