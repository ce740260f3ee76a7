using Detour.Host.Binding;
using Detour.Host.Compiling;
using Detour.Host.Model;
using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Detour.Host.Relinking;

/// <summary>Points every instruction of the delta at the live program: a call of a live member calls it, a member an
/// earlier edit added calls its home, an added member of this generation is called as the static holder method it
/// becomes, and an added instance field is reached through its accessor.</summary>
internal sealed class IlRewriter(LiveBinding binding, RuntimeWorld runtime, TypeMapper mapper, LiveImporter import,
    IReadOnlyDictionary<FieldDefinition, MethodReference> addedFieldAccessors, IReadOnlySet<FieldDefinition> initializedInHolder)
{
    public void RewriteBody(TypeDefinition owner, MethodDefinition method)
    {
        bool inHolderInitializer = method.IsConstructor && method.IsStatic && binding.Types.ContainsKey(owner) && !binding.IsMappedClosure(owner);
        AddedInstanceFields.RewriteAccesses(method, addedFieldAccessors);
        foreach (var ins in method.Body.Instructions)
        {
            switch (ins.Operand)
            {
                case MethodReference mr:
                    ins.Operand = MapMethod(mr, ins);
                    break;
                case FieldReference fr:
                    ins.Operand = MapField(fr, owner, inHolderInitializer);
                    break;
                case TypeReference tr:
                    ins.Operand = mapper.Map(tr);
                    break;
            }
        }
        foreach (var h in method.Body.ExceptionHandlers)
            if (h.CatchType is not null) h.CatchType = mapper.Map(h.CatchType);
    }

    FieldReference MapField(FieldReference fr, TypeDefinition owner, bool inHolderInitializer)
    {
        if (fr is FieldDefinition fd && (binding.Types.ContainsKey(fd.DeclaringType) || runtime.Contains(fd)))
        {
            // The initializers that run write and read their own shadow fields; the rest is live.
            if (inHolderInitializer && fd.DeclaringType == owner && initializedInHolder.Contains(fd)) return fr;
            if (runtime.Contains(fd)) return runtime.Reference(fd, mapper);
            return binding.LiveField(fd) is { } liveField ? import.Field(liveField) : fr;
        }
        if (fr is FieldDefinition) return fr;
        if (LiveBinding.ScopeName(fr.DeclaringType) is { } scope && binding.ReferencedProject(scope) is { } project &&
            project.AddedFields.TryGetValue(MemberKey.Of(fr), out var addedField))
            return import.Field(addedField);
        return mapper.Changes(fr.DeclaringType) || mapper.Changes(fr.FieldType)
            ? new FieldReference(fr.Name, mapper.Map(fr.FieldType), mapper.Map(fr.DeclaringType))
            : fr;
    }

    MethodReference MapMethod(MethodReference mr, Instruction ins)
    {
        if (mr is GenericInstanceMethod gim)
        {
            var element = MapMethod(gim.ElementMethod, ins);
            var args = gim.GenericArguments.Select(mapper.Map).ToList();
            if (ReferenceEquals(element, gim.ElementMethod) && args.SequenceEqual(gim.GenericArguments, ReferenceEqualityComparer.Instance)) return gim;
            var made = new GenericInstanceMethod(element);
            foreach (var a in args) made.GenericArguments.Add(a);
            return made;
        }
        if (mr is MethodDefinition runtimeMethod && runtime.Contains(runtimeMethod)) return runtime.Reference(runtimeMethod, mapper);
        if (mr is MethodDefinition md && binding.Types.ContainsKey(md.DeclaringType))
        {
            if (binding.LiveMethod(md) is { } live) return import.Method(live);
            // Added in this generation: it becomes a static holder method.
            if (!md.IsStatic && ins.OpCode == OpCodes.Callvirt) ins.OpCode = OpCodes.Call;
            if (ins.OpCode == OpCodes.Ldvirtftn) ins.OpCode = OpCodes.Ldftn;
            return md;
        }
        if (mr is MethodDefinition) return mr;
        // A method an edit added to a referenced project: its home is a static method taking the instance first.
        if (LiveBinding.ScopeName(mr.DeclaringType) is { } scope && binding.ReferencedProject(scope) is { } project &&
            project.AddedMethods.TryGetValue(MemberKey.Of(mr), out var added))
        {
            if (mr.HasThis && ins.OpCode == OpCodes.Callvirt) ins.OpCode = OpCodes.Call;
            return import.Method(added);
        }
        bool touches = mapper.Changes(mr.DeclaringType) || mapper.Changes(mr.ReturnType) || mr.Parameters.Any(p => mapper.Changes(p.ParameterType));
        if (!touches) return mr;
        var rebuilt = new MethodReference(mr.Name, mapper.Map(mr.ReturnType), mapper.Map(mr.DeclaringType))
        {
            HasThis = mr.HasThis, ExplicitThis = mr.ExplicitThis, CallingConvention = mr.CallingConvention,
        };
        foreach (var g in mr.GenericParameters) rebuilt.GenericParameters.Add(new GenericParameter(g.Name, rebuilt));
        foreach (var p in mr.Parameters) rebuilt.Parameters.Add(new ParameterDefinition(p.Name, p.Attributes, mapper.Map(p.ParameterType)));
        return rebuilt;
    }
}
