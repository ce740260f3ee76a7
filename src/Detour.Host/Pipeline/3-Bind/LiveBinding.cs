using System.Reflection;
using Detour.Host.Model;
using Mono.Cecil;

namespace Detour.Host.Binding;

/// <summary>Which live type, method and field each type and member of a delta stands for. A type binds by name, a
/// closure class only when it captures what the live one captures (so delegates made before the edit can run its new
/// lambdas), a method by name and signature, and a member an earlier edit added to the generation that is its home.</summary>
internal sealed class LiveBinding
{
    const BindingFlags Nested = BindingFlags.Public | BindingFlags.NonPublic;
    const BindingFlags NestedInstance = Nested | BindingFlags.Instance;
    readonly Dictionary<TypeDefinition, Type> _types = new();
    readonly HashSet<TypeDefinition> _closures = new();
    readonly Dictionary<MethodDefinition, MethodBase?> _methods = new();
    readonly Dictionary<FieldDefinition, FieldInfo?> _fields = new();
    readonly Dictionary<TypeDefinition, Type> _closuresThatDiffer = new(); // in the order found
    readonly List<(TypeDefinition StateMachine, Type Live, string Why)> _stateMachinesThatDiffer = new();
    readonly Func<string, LiveProgram?> _referencedProject;

    /// <param name="referencedProject">The live program of a referenced project by assembly name, if it runs under
    /// Detour: members and types edits added there are bound to their homes.</param>
    /// <param name="texts">The IL text of each member as the program runs it now, and as the delta has it: a state
    /// machine binds to the live one only when its MoveNext suspends at as many points.</param>
    public LiveBinding(ModuleDefinition module, LiveProgram live, Func<string, LiveProgram?> referencedProject,
        (IReadOnlyDictionary<MemberKey, string> Previous, IReadOnlyDictionary<MemberKey, string> Current)? texts = null)
    {
        Module = module;
        Live = live;
        _referencedProject = referencedProject;
        DeltaTypes = ModuleTypes.All(module).Where(t => !IsInfrastructure(t)).ToList();
        foreach (var t in DeltaTypes.Where(t => !CompilerNames.IsGenerated(t)))
            if (live.FindType(t.FullName) is { } liveType) _types[t] = liveType;
        BindClosures();
        if (texts is { } known) BindStateMachines(known.Previous, known.Current);
        foreach (var (t, liveType) in _types)
        {
            foreach (var m in t.Methods)
                // A generic method added by an earlier edit is added afresh each time: generics cannot be detoured,
                // and its callers are recompiled with it (files with added members are always in the compile set).
                _methods[m] = FindLiveMethod(liveType, m) ?? (m.HasGenericParameters ? null : live.AddedMethods.GetValueOrDefault(MemberKey.Of(m)));
            foreach (var f in t.Fields)
                _fields[f] = LiveProgram.FieldOf(liveType, f.Name) ?? live.AddedFields.GetValueOrDefault(MemberKey.Of(f));
        }
    }

    public ModuleDefinition Module { get; }
    public LiveProgram Live { get; }

    /// <summary>The delta's own types, without the compiler's bookkeeping (&lt;Module&gt;, the access declaration).</summary>
    public IReadOnlyList<TypeDefinition> DeltaTypes { get; }

    /// <summary>Delta types that exist live, closure classes included.</summary>
    public IReadOnlyDictionary<TypeDefinition, Type> Types => _types;

    /// <summary>Closure classes of live types whose captures differ from the live one's: their lambdas cannot follow.</summary>
    public IReadOnlyDictionary<TypeDefinition, Type> ClosuresThatDiffer => _closuresThatDiffer;

    /// <summary>State machines of live async methods and iterators whose fields or suspension points differ from the
    /// live one's: calls running now cannot continue in the new body.</summary>
    public IReadOnlyList<(TypeDefinition StateMachine, Type Live, string Why)> StateMachinesThatDiffer => _stateMachinesThatDiffer;

    /// <summary>A closure class or state machine bound to the live one: its instance methods run on the live objects.</summary>
    public bool IsMappedClosure(TypeDefinition type) => _closures.Contains(type);

    public bool IsMappedStateMachine(TypeDefinition type) => _closures.Contains(type) && CompilerNames.IsStateMachine(type.Name);

    public MethodBase? LiveMethod(MethodDefinition method) => _methods.GetValueOrDefault(method);

    public FieldInfo? LiveField(FieldDefinition field) => _fields.GetValueOrDefault(field);

    public LiveProgram? ReferencedProject(string assemblyName) => _referencedProject(assemblyName);

    static bool IsInfrastructure(TypeDefinition t) =>
        t.Name is "<Module>" or "IgnoresAccessChecksToAttribute" || t.Name.StartsWith("<PrivateImplementationDetails>") || t.Namespace == "Microsoft.CodeAnalysis";

    /// <summary>Closure classes of live types map onto the live ones when they capture the same variables.</summary>
    void BindClosures()
    {
        foreach (var t in DeltaTypes.Where(t => t.Name.StartsWith(CompilerNames.LambdaClass) && t.DeclaringType is { } d && _types.ContainsKey(d)))
        {
            if (_types[t.DeclaringType].GetNestedType(t.Name, Nested) is not { } liveClosure) continue;
            // A closure of generic code is never mapped: its lambdas change only with their method, through the
            // runtime's update, and the rules table words what that means for old delegates.
            if (t.HasGenericParameters && Live.View.MetadataUpdates) continue;
            if (SameCaptures(t, liveClosure))
            {
                _types[t] = liveClosure;
                _closures.Add(t);
            }
            else _closuresThatDiffer[t] = liveClosure;
        }
    }

    /// <summary>The state machine of an async method or iterator maps onto the live one when it has the same fields (the
    /// same hoisted locals and awaiters) and its MoveNext suspends at as many points: a call suspended at its n-th await
    /// then resumes at the n-th await of the new body (a worker's endless loop takes the edit at its next turn).
    /// Otherwise the running calls finish on the old body, and new calls run the new one.</summary>
    void BindStateMachines(IReadOnlyDictionary<MemberKey, string> previous, IReadOnlyDictionary<MemberKey, string> current)
    {
        foreach (var t in DeltaTypes.Where(t => CompilerNames.IsStateMachine(t.Name) && t.DeclaringType is { } d && _types.ContainsKey(d) && !t.HasGenericParameters))
        {
            if (_types[t.DeclaringType].GetNestedType(t.Name, Nested) is not { } live) continue;
            if (t.Methods.FirstOrDefault(m => m.Name == "MoveNext") is not { } moveNext) continue;
            var key = MemberKey.Of(moveNext);
            // Nothing known of what runs: the kickoff method's detour still covers new calls.
            if (previous.GetValueOrDefault(key) is not { } before || current.GetValueOrDefault(key) is not { } now) continue;
            string? why = !SameCaptures(t, live) ? "its hoisted locals or awaiters changed"
                : StateMachines.SuspensionPoints(before) != StateMachines.SuspensionPoints(now) ? "it awaits or yields at a different number of points"
                : null;
            if (why is not null) { _stateMachinesThatDiffer.Add((t, live, why)); continue; }
            _types[t] = live;
            _closures.Add(t);
        }
    }

    /// <summary>A closure class maps onto the live one when it captures the same variables (same instance fields) and
    /// keeps the live static fields; added lambdas and delegate caches become added members.</summary>
    bool SameCaptures(TypeDefinition generated, Type live)
    {
        var liveFields = live.GetFields(NestedInstance).ToDictionary(f => f.Name);
        var fields = generated.Fields.Where(f => !f.IsStatic).ToList();
        if (liveFields.Count != fields.Count) return false;
        foreach (var f in fields)
            if (!liveFields.TryGetValue(f.Name, out var lf) || ToLive(f.FieldType) != lf.FieldType) return false;
        foreach (var lf in live.GetFields(Nested | BindingFlags.Static))
            if (generated.Fields.FirstOrDefault(f => f.IsStatic && f.Name == lf.Name) is not { } f || ToLive(f.FieldType) != lf.FieldType) return false;
        return true;
    }

    MethodBase? FindLiveMethod(Type liveType, MethodDefinition m)
    {
        foreach (var candidate in LiveProgram.MethodsOf(liveType))
        {
            if (candidate.Name != m.Name || candidate.IsStatic != m.IsStatic) continue;
            if (candidate.IsGenericMethodDefinition != m.HasGenericParameters ||
                (m.HasGenericParameters && candidate.GetGenericArguments().Length != m.GenericParameters.Count)) continue;
            var parameters = candidate.GetParameters();
            if (parameters.Length != m.Parameters.Count) continue;
            if (!parameters.Select(p => p.ParameterType).Zip(m.Parameters, (live, p) => SameType(p.ParameterType, live)).All(same => same)) continue;
            if (candidate is MethodInfo mi && !SameType(m.ReturnType, mi.ReturnType)) continue;
            return candidate;
        }
        return null;
    }

    /// <summary>Whether a delta signature's type is the live one; a generic parameter matches by position and owner
    /// (the type's or the method's), since it has no live System.Type of its own to map to.</summary>
    bool SameType(TypeReference delta, Type live) => delta switch
    {
        GenericParameter g => live.IsGenericParameter && live.GenericParameterPosition == g.Position &&
                              (g.Type == GenericParameterType.Method) == (live.DeclaringMethod is not null),
        ArrayType a => live.IsArray && live.GetArrayRank() == a.Rank && (a.Rank > 1 || live.IsSZArray) && SameType(a.ElementType, live.GetElementType()!),
        ByReferenceType b => live.IsByRef && SameType(b.ElementType, live.GetElementType()!),
        PointerType p => live.IsPointer && SameType(p.ElementType, live.GetElementType()!),
        RequiredModifierType r => SameType(r.ElementType, live),
        OptionalModifierType o => SameType(o.ElementType, live),
        GenericInstanceType g => live.IsConstructedGenericType && SameType(g.ElementType, live.GetGenericTypeDefinition()) &&
                                 g.GenericArguments.Count == live.GenericTypeArguments.Length &&
                                 g.GenericArguments.Zip(live.GenericTypeArguments, SameType).All(same => same),
        _ => ToLive(delta) is { } mapped && mapped == live,
    };

    /// <summary>The live System.Type a delta type reference stands for, or null.</summary>
    public Type? ToLive(TypeReference t)
    {
        switch (t)
        {
            case GenericParameter: return null;
            case ArrayType a: return ToLive(a.ElementType) is { } e ? (a.Rank == 1 ? e.MakeArrayType() : e.MakeArrayType(a.Rank)) : null;
            case ByReferenceType b: return ToLive(b.ElementType)?.MakeByRefType();
            case PointerType p: return ToLive(p.ElementType)?.MakePointerType();
            case RequiredModifierType r: return ToLive(r.ElementType);
            case OptionalModifierType o: return ToLive(o.ElementType);
            case GenericInstanceType g:
                var args = g.GenericArguments.Select(ToLive).ToArray();
                return args.Any(x => x is null) ? null : ToLive(g.ElementType)?.MakeGenericType(args!);
            case TypeDefinition d:
                // A closure whose captures changed is the delta's own: the live one of the same name has another shape.
                if (_closuresThatDiffer.ContainsKey(d)) return null;
                return _types.TryGetValue(d, out var mapped) ? mapped : Live.FindType(d.FullName);
        }
        if (ScopeName(t) is not { } scope) return null;
        string name = t.FullName; // Cecil already names nested types "Outer/Inner"
        return scope == Live.Original.GetName().Name ? Live.FindType(name) : Live.ResolveExternal(scope, name);
    }

    /// <summary>The assembly a reference points into.</summary>
    public static string? ScopeName(TypeReference t) => t.Scope switch
    {
        AssemblyNameReference a => a.Name,
        ModuleDefinition md => md.Assembly.Name.Name,
        _ => null,
    };
}
