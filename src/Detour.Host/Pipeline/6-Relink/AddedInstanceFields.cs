using System.Runtime.CompilerServices;
using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Detour.Host.Relinking;

/// <summary>An instance field added to a class cannot go into its objects: their size was fixed when the type loaded.
/// It lives beside them instead, as .NET's own edit-and-continue keeps added fields: a table from each object to a box
/// holding its value, made on first use with the field's default. The generation that adds the field declares the table
/// and an accessor, <c>static ref T Ref(object)</c>; every access of the field, in that generation and in later ones,
/// becomes a call of that accessor (native-notes/added-instance-fields.md).</summary>
internal static class AddedInstanceFields
{
    public const string AccessorName = "Ref";

    /// <summary>Declares the storage of one added field in the delta; returns its accessor.</summary>
    public static MethodReference DefineAccessor(ModuleDefinition module, TypeReference fieldType, int index)
    {
        var holder = new TypeDefinition("Detour.AddedFields", $"Field{index}",
            TypeAttributes.Public | TypeAttributes.Abstract | TypeAttributes.Sealed | TypeAttributes.BeforeFieldInit, module.TypeSystem.Object);
        module.Types.Add(holder);

        var boxOpen = module.ImportReference(typeof(StrongBox<>));
        var box = new GenericInstanceType(boxOpen) { GenericArguments = { fieldType } };
        var tableOpen = module.ImportReference(typeof(ConditionalWeakTable<,>));
        var table = new GenericInstanceType(tableOpen) { GenericArguments = { module.TypeSystem.Object, box } };
        var tableField = new FieldDefinition("Table", FieldAttributes.Private | FieldAttributes.Static | FieldAttributes.InitOnly, table);
        holder.Fields.Add(tableField);

        var construct = new MethodReference(".ctor", module.TypeSystem.Void, table) { HasThis = true };
        var cctor = new MethodDefinition(".cctor", MethodAttributes.Private | MethodAttributes.Static | MethodAttributes.SpecialName |
                                                   MethodAttributes.RTSpecialName | MethodAttributes.HideBySig, module.TypeSystem.Void);
        var il = cctor.Body.GetILProcessor();
        il.Emit(OpCodes.Newobj, construct);
        il.Emit(OpCodes.Stsfld, tableField);
        il.Emit(OpCodes.Ret);
        holder.Methods.Add(cctor);

        // TValue GetOrCreateValue(TKey key), on the instance type; StrongBox<T>.Value.
        var getOrCreate = new MethodReference("GetOrCreateValue", tableOpen.GenericParameters[1], table) { HasThis = true };
        getOrCreate.Parameters.Add(new ParameterDefinition(tableOpen.GenericParameters[0]));
        var value = new FieldReference("Value", boxOpen.GenericParameters[0], box);

        var accessor = new MethodDefinition(AccessorName, MethodAttributes.Public | MethodAttributes.Static | MethodAttributes.HideBySig,
                                            new ByReferenceType(fieldType));
        accessor.Parameters.Add(new ParameterDefinition("owner", ParameterAttributes.None, module.TypeSystem.Object));
        il = accessor.Body.GetILProcessor();
        il.Emit(OpCodes.Ldsfld, tableField);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Callvirt, getOrCreate);
        il.Emit(OpCodes.Ldflda, value);
        il.Emit(OpCodes.Ret);
        holder.Methods.Add(accessor);
        return accessor;
    }

    /// <summary>Every ldfld, ldflda and stfld of an added field becomes a call of its accessor (with ldobj or stobj).</summary>
    public static void RewriteAccesses(MethodDefinition method, IReadOnlyDictionary<FieldDefinition, MethodReference> accessors)
    {
        if (accessors.Count == 0) return;
        var il = method.Body.GetILProcessor();
        foreach (var ins in method.Body.Instructions.ToList())
        {
            if (ins.Operand is not FieldDefinition field || !accessors.TryGetValue(field, out var accessor)) continue;
            var type = ((ByReferenceType)accessor.ReturnType).ElementType;
            if (ins.OpCode == OpCodes.Ldflda)
            {
                ins.OpCode = OpCodes.Call; ins.Operand = accessor;
            }
            else if (ins.OpCode == OpCodes.Ldfld)
            {
                ins.OpCode = OpCodes.Call; ins.Operand = accessor;
                il.InsertAfter(ins, il.Create(OpCodes.Ldobj, type));
            }
            else if (ins.OpCode == OpCodes.Stfld)
            {
                // [owner, value]: the value waits in a local while the accessor finds the owner's box.
                var held = new VariableDefinition(type);
                method.Body.Variables.Add(held);
                ins.OpCode = OpCodes.Stloc; ins.Operand = held;
                var call = il.Create(OpCodes.Call, accessor);
                var load = il.Create(OpCodes.Ldloc, held);
                il.InsertAfter(ins, call);
                il.InsertAfter(call, load);
                il.InsertAfter(load, il.Create(OpCodes.Stobj, type));
            }
        }
    }
}
