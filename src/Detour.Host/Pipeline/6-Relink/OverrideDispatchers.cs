using Detour.Host.Binding;
using Detour.Host.Diffing;
using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Detour.Host.Relinking;

/// <summary>An override added to a class of the running program cannot take a vtable slot (native-notes/added-overrides.md).
/// The method whose slot it would take is redirected instead to a dispatcher: an object of the class, or of a subclass
/// that does not override it, runs the new override; any other runs the method's own body (the edit's copy of it).</summary>
internal static class OverrideDispatchers
{
    /// <summary>Writes a dispatcher for each method the edit's added overrides override into the delta (after holder
    /// conversion), and keeps the base calls of overrides an earlier edit added, now edited, on the base body; returns
    /// the redirects to make, each from the live method to its dispatcher.</summary>
    public static List<MemberChange> Define(LiveBinding binding, LiveImporter import, IReadOnlyList<MemberChange> overrides, IEnumerable<MemberChange> changes)
    {
        foreach (var edited in changes.Where(c => c.Kind == ChangeKind.Changed && c.BaseCopy is not null))
        {
            KeepBaseCallsOnTheBaseBody(edited.Method!, edited.Overrides!, edited.BaseCopy!);
            MakePublic(edited.BaseCopy!);
        }
        var redirects = new List<MemberChange>();
        foreach (var group in overrides.GroupBy(c => c.BaseCopy!))
        {
            var baseCopy = group.Key; // a holder method now: the instance comes first
            var dispatcher = new MethodDefinition("<Detour>Dispatch_" + baseCopy.Name,
                MethodAttributes.Public | MethodAttributes.Static | MethodAttributes.HideBySig, baseCopy.ReturnType);
            foreach (var p in baseCopy.Parameters) dispatcher.Parameters.Add(new ParameterDefinition(p.Name, p.Attributes, p.ParameterType));
            var il = dispatcher.Body.GetILProcessor();
            // A class deeper in the hierarchy is asked about before its base class.
            foreach (var c in group.OrderByDescending(c => Depth(binding.Types[c.Method!.DeclaringType])))
            {
                var next = Instruction.Create(OpCodes.Nop);
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Isinst, import.Type(binding.Types[c.Method!.DeclaringType]));
                il.Emit(OpCodes.Brfalse, next);
                CallWithAllArguments(il, dispatcher, c.Method);
                il.Append(next);
                KeepBaseCallsOnTheBaseBody(c.Method, c.Overrides!, baseCopy);
            }
            CallWithAllArguments(il, dispatcher, baseCopy);
            baseCopy.DeclaringType.Methods.Add(dispatcher);
            foreach (var target in group.Select(c => c.Method!).Append(baseCopy)) MakePublic(target);
            var first = group.First();
            redirects.Add(new MemberChange(first.BaseKey!.Value, first.Overrides!.DeclaringType!.FullName!, first.Overrides.Name, ChangeKind.Changed, MemberKind.Method)
                { Method = dispatcher, Live = first.Overrides });
        }
        return redirects;
    }

    /// <summary>A protected override or base body is a family method of another holder, which neither the dispatcher nor
    /// the override's holder derives from.</summary>
    static void MakePublic(MethodDefinition method) =>
        method.Attributes = (method.Attributes & ~MethodAttributes.MemberAccessMask) | MethodAttributes.Public;

    static void CallWithAllArguments(ILProcessor il, MethodDefinition dispatcher, MethodReference target)
    {
        foreach (var p in dispatcher.Parameters) il.Emit(OpCodes.Ldarg, p);
        il.Emit(OpCodes.Call, target);
        il.Emit(OpCodes.Ret);
    }

    /// <summary>`base.M()` in the new override names the live method, which now leads to the dispatcher and back to the
    /// override: it calls the base body's copy instead.</summary>
    static void KeepBaseCallsOnTheBaseBody(MethodDefinition @override, System.Reflection.MethodInfo overridden, MethodDefinition baseCopy)
    {
        foreach (var instruction in @override.Body.Instructions)
            if (instruction.OpCode == OpCodes.Call && instruction.Operand is MethodReference called && called.HasThis && called.Name == overridden.Name &&
                called.Parameters.Count == overridden.GetParameters().Length &&
                called.DeclaringType.FullName.Replace('/', '+') == overridden.DeclaringType!.FullName)
                instruction.Operand = baseCopy;
    }

    static int Depth(Type type)
    {
        int depth = 0;
        for (var t = type.BaseType; t is not null; t = t.BaseType) depth++;
        return depth;
    }
}
