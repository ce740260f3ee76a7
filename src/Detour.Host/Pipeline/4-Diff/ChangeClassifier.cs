using System.Reflection;
using Detour.Host.Binding;
using Detour.Host.Model;
using Mono.Cecil;

namespace Detour.Host.Diffing;

/// <summary>Compares a bound delta with the previous generation, member by member: what changed, was added or was
/// removed, and what of it the running program cannot take (a fact the rules table words as a restart).</summary>
internal sealed class ChangeClassifier(LiveBinding binding, IReadOnlyDictionary<MemberKey, string> previous, IReadOnlyDictionary<MemberKey, string> current,
    IReadOnlyDictionary<MemberKey, StaticInitializer> oldInitializers, IReadOnlyDictionary<MemberKey, StaticInitializer> newInitializers)
{
    const BindingFlags NestedInstance = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance;
    readonly List<MemberChange> _changes = new();

    public ChangeSet Classify(LambdaMatch lambdas)
    {
        foreach (var (closure, live) in binding.ClosuresThatDiffer)
            _changes.Add(new MemberChange(MemberKey.ForType(closure.FullName), closure.DeclaringType.FullName, closure.Name, ChangeKind.Changed, MemberKind.Closure)
                { ClosureNotUpdated = CapturesDiffer(closure, live) });
        foreach (var (machine, _, why) in binding.StateMachinesThatDiffer)
            _changes.Add(new MemberChange(MemberKey.ForType(machine.FullName), machine.DeclaringType.FullName, CompilerNames.OwningMethod(machine.Name),
                    ChangeKind.Changed, MemberKind.StateMachine)
                { RunningCallsStay = $"calls running now keep the old body until they return ({why}); new calls run the new one" });
        foreach (var gone in lambdas.Unmatched)
            _changes.Add(new MemberChange(new MemberKey(gone.Group.TypeName + "/" + gone.Closure, gone.Name), gone.Group.TypeName, gone.Group.Name, ChangeKind.Changed, MemberKind.Closure)
                { ClosureNotUpdated = $"out of date until a restart: a lambda of {gone.Group.Name} ({gone.Name}) was removed, or the code around it changed past " +
                                      "recognition, so delegates the running program made of it keep their old body" });
        foreach (var t in binding.DeltaTypes)
        {
            if (!binding.Types.TryGetValue(t, out var liveType))
            {
                if (CompilerNames.IsGenerated(t)) continue;
                if (binding.Live.RuntimeTypes.Contains(t.FullName)) ClassifyRuntimeType(t);
                else _changes.Add(new MemberChange(MemberKey.ForType(t.FullName), t.FullName, "", ChangeKind.Added, MemberKind.Type)
                    { Type = t, ThroughRuntime = Runtime.Can("NewTypeDefinition") });
                continue;
            }
            CheckTypeShape(t, liveType);
            var typeKey = MemberKey.ForType(t.FullName);
            if (previous.TryGetValue(typeKey, out var attributesBefore) && current.TryGetValue(typeKey, out var attributesNow) && attributesBefore != attributesNow)
                _changes.Add(new MemberChange(typeKey, t.FullName, "", ChangeKind.Changed, MemberKind.Type) { AttributesOnly = true });
            var cctor = MemberKey.StaticConstructorOf(t.FullName);
            if (!binding.IsMappedClosure(t) && oldInitializers.GetValueOrDefault(cctor)?.Text != newInitializers.GetValueOrDefault(cctor)?.Text)
                _changes.Add(new MemberChange(cctor, t.FullName, ".cctor", ChangeKind.Changed, MemberKind.StaticConstructor) { StaticConstructorChanged = true });
            foreach (var m in t.Methods) ClassifyMethod(t, liveType, m);
            foreach (var f in t.Fields) ClassifyField(t, liveType, f);
        }
        // Members of the previous generation the delta no longer has.
        var present = current.Keys.ToHashSet();
        foreach (var key in previous.Keys.Where(k => !present.Contains(k) && k.Name.Length > 0 && !CompilerNames.IsGenerated(k.TypeName) && !CompilerNames.IsGenerated(k.Name)))
            _changes.Add(new MemberChange(key, key.TypeName, key.Name, ChangeKind.Removed,
                CompilerNames.IsPropertyAccessor(key.Name) ? MemberKind.Accessor : MemberKind.Method));
        PairReshapedMembers();
        if (binding.Live.View.NativeEngineOff)
            for (int i = 0; i < _changes.Count; i++) _changes[i] = _changes[i] with { NativeEngineOff = true, RuntimeTakesUpdates = binding.Live.View.MetadataUpdates };
        return new ChangeSet(_changes, current);
    }

    void CheckTypeShape(TypeDefinition t, Type liveType)
    {
        (RestartNeeded Fact, string Detail)? found = null;
        if (t.HasGenericParameters) return; // its changed members are reported one by one
        string kindNow = KindOf(t.IsInterface, t.IsValueType, t.IsAbstract, t.IsSealed), kindBefore = KindOf(liveType);
        if (kindNow != kindBefore)
            _changes.Add(new MemberChange(MemberKey.ForType(t.FullName), t.FullName, "", ChangeKind.Changed, MemberKind.Type)
                { NeedsRestart = RestartNeeded.TypeKindChanged, Detail = $"{kindBefore} to {kindNow}" });
        var baseNow = t.BaseType is null ? null : binding.ToLive(t.BaseType);
        if (!t.IsInterface && baseNow != liveType.BaseType && !(t.IsValueType && liveType.IsValueType))
            found = (RestartNeeded.BaseTypeChanged, "");
        foreach (var i in t.Interfaces)
            if (binding.ToLive(i.InterfaceType) is { } li && !li.IsAssignableFrom(liveType))
                found = (RestartNeeded.InterfaceAdded, i.InterfaceType.Name);
        var declared = t.Interfaces.Select(i => binding.ToLive(i.InterfaceType)).ToHashSet();
        var inherited = liveType.BaseType?.GetInterfaces() ?? [];
        foreach (var li in liveType.GetInterfaces().Except(inherited))
            if (!declared.Contains(li) && !declared.Any(d => d is not null && li.IsAssignableFrom(d)))
                found = (RestartNeeded.InterfaceRemoved, li.Name);
        if (found is { } f)
            _changes.Add(new MemberChange(MemberKey.ForType(t.FullName), t.FullName, "", ChangeKind.Changed, MemberKind.Type) { NeedsRestart = f.Fact, Detail = f.Detail });
    }

    static MemberChange Retyped(TypeDefinition t, FieldDefinition f) =>
        new(MemberKey.Of(f), t.FullName, f.Name, ChangeKind.Changed, MemberKind.Field) { Field = f, NeedsRestart = RestartNeeded.FieldTypeChanged };

    /// <summary>How C# declared the type, as far as the object layout and the ways to make one depend on it.</summary>
    static string KindOf(bool isInterface, bool isValueType, bool isAbstract, bool isSealed) =>
        isInterface ? "an interface" : isValueType ? "a struct" : isAbstract && isSealed ? "a static class" : isAbstract ? "an abstract class" :
        isSealed ? "a sealed class" : "a class";

    static string KindOf(Type live) => KindOf(live.IsInterface, live.IsValueType, live.IsAbstract, live.IsSealed);

    RuntimeAdditions Runtime => new(binding.Live.View);

    /// <summary>A type an earlier edit added through the runtime: its members change, and are added, the same way.</summary>
    void ClassifyRuntimeType(TypeDefinition t)
    {
        foreach (var m in t.Methods.Where(m => !(m.IsConstructor && m.IsStatic)))
        {
            var key = MemberKey.Of(m);
            if (!previous.TryGetValue(key, out var before))
                _changes.Add(new MemberChange(key, t.FullName, m.Name, ChangeKind.Added, Category(m))
                    { Method = m, ThroughRuntime = !m.IsVirtual, NeedsRestart = m.IsVirtual ? RestartNeeded.VirtualAdded : null, Detail = m.IsAbstract ? "abstract" : "virtual" });
            else if (before != current.GetValueOrDefault(key))
                _changes.Add(new MemberChange(key, t.FullName, m.Name, ChangeKind.Changed, Category(m)) { Method = m, ThroughRuntime = true });
        }
        foreach (var f in t.Fields.Where(binding.Live.RuntimeFieldRetyped)) _changes.Add(Retyped(t, f));
        foreach (var f in t.Fields.Where(f => !f.HasConstant && !previous.ContainsKey(MemberKey.Of(f)) && !binding.Live.RuntimeMembers.Contains(MemberKey.Of(f))))
            _changes.Add(new MemberChange(MemberKey.Of(f), t.FullName, f.Name, ChangeKind.Added, f.IsStatic ? MemberKind.StaticField : MemberKind.Field)
                { Field = f, ThroughRuntime = true, InitializerNotRun = f.IsStatic && HasInitializer(f) });
    }

    /// <summary>A constructor of the type stores to the field (its initializer, or an assignment): objects made before
    /// the edit never ran that store.</summary>
    static bool SetByConstructors(TypeDefinition t, FieldDefinition f) =>
        t.Methods.Where(m => m.IsConstructor && !m.IsStatic && m.HasBody).Any(ctor => ctor.Body.Instructions.Any(i =>
            i.OpCode.Code == Mono.Cecil.Cil.Code.Stfld && i.Operand is FieldReference stored && stored.Name == f.Name));

    bool HasInitializer(FieldDefinition f) => newInitializers.TryGetValue(MemberKey.Of(f), out var initializer) && initializer.Text.Length > 0;

    void ClassifyMethod(TypeDefinition t, Type liveType, MethodDefinition m)
    {
        var key = MemberKey.Of(m);
        var live = binding.LiveMethod(m);
        var now = current.GetValueOrDefault(key) ?? "";
        bool changed = !previous.TryGetValue(key, out var before) || before != now;
        // Added through the runtime by an earlier edit: it changes the same way.
        if (live is null && binding.Live.RuntimeMembers.Contains(key))
        {
            if (changed && !(m.IsConstructor && m.IsStatic))
                _changes.Add(new MemberChange(key, t.FullName, m.Name, ChangeKind.Changed, Category(m)) { Method = m, ThroughRuntime = true });
            return;
        }
        bool attributesOnly = changed && live is not null && before is not null && !IlText.BodiesDiffer(before, now);
        var kind = live is null ? ChangeKind.Added : changed ? ChangeKind.Changed : ChangeKind.Unchanged;
        // The running entry point changed only through its lambdas or local functions: those are patched as members of
        // their own, and Main's own statements are what they were.
        if (kind == ChangeKind.Changed && live is MethodInfo entry && entry == entry.Module.Assembly.EntryPoint &&
            previous.TryGetValue(key.Statements, out var statementsBefore) &&
            current.TryGetValue(key.Statements, out var statementsNow) && statementsBefore == statementsNow)
            kind = ChangeKind.Unchanged;
        if (m.IsConstructor && m.IsStatic) return; // static initializers are classified per field
        // Not bound to the live method, whose closure has the old shape: the delta's own runs for new calls of its caller.
        if (live is null && ReshapedClosureTaken(m) is { } closure && LiveProgram.MethodsOf(liveType).Any(l => l.Name == m.Name))
        {
            _changes.Add(new MemberChange(key, t.FullName, m.Name, ChangeKind.Changed, Category(m))
            {
                Method = m,
                ClosureNotUpdated = $"out of date until a restart: the variables the local function {CompilerNames.LocalFunctionName(m.Name)} shares with " +
                                    $"{Owner(m)} changed ({CaptureDifferences(closure.Closure, closure.Live)}); a running {Owner(m)} holds them as they " +
                                    "were, so it keeps calling the old body (new calls of it run the new one)",
            });
            return;
        }
        if (binding.IsMappedClosure(t) && m.IsConstructor) return;
        bool generic = t.HasGenericParameters || liveType.IsGenericType;
        bool insertable = kind == ChangeKind.Added && !CompilerNames.IsGenerated(m) && !binding.IsMappedClosure(t) && Runtime.CanAddMethod(generic);
        var overridden = kind != ChangeKind.Unchanged && m.IsVirtual && !m.IsNewSlot && !m.IsAbstract && !t.IsInterface && !generic
            ? OverriddenInThisProject(liveType, m) : null;
        bool dispatching = overridden is var (_, copy) && binding.Live.DispatchedBases.Contains(MemberKey.Of(copy));
        if (kind == ChangeKind.Added && overridden is var (baseLive, baseCopy) && !dispatching)
        {
            _changes.Add(new MemberChange(key, t.FullName, m.Name, kind, Category(m))
                { Method = m, Overrides = baseLive, BaseCopy = baseCopy, BaseKey = MemberKey.Of(baseCopy), Detail = baseLive.DeclaringType!.Name });
            return;
        }
        if (kind == ChangeKind.Changed && binding.Live.DispatchedBases.Contains(key))
        {
            _changes.Add(new MemberChange(key, t.FullName, m.Name, kind, Category(m)) { Method = m, Live = live, NeedsRestart = RestartNeeded.DispatchedBaseEdited });
            return;
        }
        var rude = Rude(t, generic, m, live, kind, insertable);
        if (kind == ChangeKind.Unchanged && rude is null) return;
        _changes.Add(new MemberChange(key, t.FullName, m.Name, kind, Category(m))
            { Method = m, Live = live, NeedsRestart = rude?.Fact, Detail = rude?.Detail ?? "", AttributesOnly = attributesOnly && rude is null,
              // An override an earlier edit added, edited: its base calls go to the edit's copy of the base body too.
              Overrides = kind == ChangeKind.Changed && dispatching ? overridden!.Value.Overridden : null,
              BaseCopy = kind == ChangeKind.Changed && dispatching ? overridden!.Value.BaseCopy : null,
              RuntimeCanUpdate = rude?.Fact == RestartNeeded.GenericEdited && binding.Live.View.MetadataUpdates,
              ThroughRuntime = insertable && rude is null });
    }

    /// <summary>The live method an override takes the slot of, and the delta's copy of its body: a virtual method with a
    /// body, of a non-generic class of this project whose file the edit compiles (CompileSetBuilder brings it along).
    /// Null otherwise: an added override then needs a restart.</summary>
    (MethodInfo Overridden, MethodDefinition BaseCopy)? OverriddenInThisProject(Type liveType, MethodDefinition m)
    {
        var parameters = m.Parameters.Select(p => binding.ToLive(p.ParameterType)).ToArray();
        if (parameters.Any(p => p is null)) return null;
        for (var type = liveType.BaseType; type is not null; type = type.BaseType)
        {
            if (type.GetMethod(m.Name, BindingFlags.DeclaredOnly | NestedInstance, null, parameters!, null) is not { } candidate) continue;
            if (!candidate.IsVirtual || candidate.IsAbstract || candidate.IsFinal || type.IsGenericType || type.Assembly != liveType.Assembly) return null;
            var copy = binding.Types.FirstOrDefault(p => p.Value == type).Key?.Methods.FirstOrDefault(d =>
                d.Name == m.Name && !d.IsStatic && d.HasBody && d.Parameters.Count == m.Parameters.Count &&
                d.Parameters.Zip(m.Parameters).All(p => p.First.ParameterType.FullName == p.Second.ParameterType.FullName));
            return copy is null ? null : (candidate, copy);
        }
        return null;
    }

    static string Owner(MethodDefinition localFunction) =>
        CompilerNames.OwningMethod(localFunction.Name) is var owner && owner == CompilerNames.TopLevelEntryPoint ? "the top-level program" : owner;

    /// <summary>A closure struct a local function takes by reference, whose captured variables changed: the live
    /// callers pass the old struct, which the new body cannot take.</summary>
    (TypeDefinition Closure, Type Live)? ReshapedClosureTaken(MethodDefinition m)
    {
        foreach (var p in m.Parameters)
            if ((p.ParameterType is ByReferenceType byRef ? byRef.ElementType : p.ParameterType) is TypeDefinition type &&
                binding.ClosuresThatDiffer.TryGetValue(type, out var live))
                return (type, live);
        return null;
    }

    /// <param name="insertable">An addition the runtime's own update can make.</param>
    static (RestartNeeded Fact, string Detail)? Rude(TypeDefinition t, bool generic, MethodDefinition m, MethodBase? live, ChangeKind kind, bool insertable)
    {
        if (kind == ChangeKind.Changed && (m.HasGenericParameters || generic))
            return (RestartNeeded.GenericEdited, m.HasGenericParameters ? "method" : "type");
        if (kind == ChangeKind.Added && (m.IsVirtual || m.IsAbstract) && !t.IsInterface)
            return (RestartNeeded.VirtualAdded, m.IsAbstract ? "abstract" : "virtual");
        if (kind == ChangeKind.Added && t.IsInterface)
            return (RestartNeeded.InterfaceMemberAdded, "");
        if (kind == ChangeKind.Added && generic && !insertable)
            return (RestartNeeded.AddedToGenericType, "");
        if (kind == ChangeKind.Added && m.IsConstructor && !insertable)
            return (RestartNeeded.ConstructorAdded, "");
        if (kind == ChangeKind.Changed && t.IsInterface && !m.HasBody) // a default implementation's body is patched like any other
            return (RestartNeeded.InterfaceMemberEdited, "");
        if (kind == ChangeKind.Changed && !m.IsStatic && live is MethodInfo { IsStatic: false } mi && StructReturns.ThroughHiddenBuffer(mi.ReturnType))
            return (RestartNeeded.HiddenBufferReturn, mi.ReturnType.Name);
        return null;
    }

    static MemberKind Category(MethodDefinition m) =>
        CompilerNames.IsLocalFunction(m.Name) ? MemberKind.LocalFunction :
        CompilerNames.IsLambda(m.Name) ? MemberKind.Lambda :
        CompilerNames.IsStateMachine(m.DeclaringType.Name) ? MemberKind.StateMachine :
        m.IsConstructor ? MemberKind.Constructor :
        m.IsGetter || m.IsSetter ? MemberKind.Accessor :
        m.Name.StartsWith("op_") ? MemberKind.Operator : MemberKind.Method;

    static bool KeepsValue(FieldDefinition f) => f.CustomAttributes.Any(a => a.AttributeType.Name == "KeepValueOnReloadAttribute");

    void ClassifyField(TypeDefinition t, Type liveType, FieldDefinition f)
    {
        var key = MemberKey.Of(f);
        var live = binding.LiveField(f);
        if (f.HasConstant) return;
        if (live is not null && binding.ToLive(f.FieldType) is { } type && type != live.FieldType)
        {
            _changes.Add(Retyped(t, f) with { LiveField = live });
            return;
        }
        if (live is null && binding.Live.RuntimeMembers.Contains(key)) // added through the runtime before
        {
            if (binding.Live.RuntimeFieldRetyped(f)) _changes.Add(Retyped(t, f));
            // Its initializer, edited since: the same re-initialization as a field the build had.
            else if (f.IsStatic && newInitializers.TryGetValue(key, out var now) && oldInitializers.TryGetValue(key, out var before) && before.Text != now.Text)
                _changes.Add(new MemberChange(key, t.FullName, f.Name, ChangeKind.Changed, MemberKind.StaticField)
                    { Field = f, ThroughRuntime = true, InitializerChanged = true, KeepValue = KeepsValue(f) });
            return;
        }
        bool generic = t.HasGenericParameters || liveType.IsGenericType;
        if (live is null && !binding.IsMappedClosure(t) && !(f.IsStatic ? false : liveType.IsValueType) && Runtime.CanAddField(f.IsStatic, generic))
        {
            bool autoProperty = CompilerNames.IsBackingField(f.Name);
            _changes.Add(new MemberChange(key, t.FullName, autoProperty ? CompilerNames.PropertyOfBackingField(f.Name) : f.Name, ChangeKind.Added,
                    f.IsStatic ? MemberKind.StaticField : MemberKind.Field)
                { Field = f, ThroughRuntime = true, InitializerChanged = f.IsStatic && HasInitializer(f), Detail = autoProperty ? f.Name : "",
                  SetByConstructors = !f.IsStatic && SetByConstructors(t, f) });
            return;
        }
        if (live is null && !f.IsStatic)
        {
            if (binding.IsMappedClosure(t) || binding.Live.AddedInstanceFields.ContainsKey(key)) return;
            bool autoProperty = CompilerNames.IsBackingField(f.Name);
            string property = autoProperty ? CompilerNames.PropertyOfBackingField(f.Name) : "";
            // Objects of a class keep their layout, so the field lives beside each of them (Relinking/AddedInstanceFields);
            // a struct's values are copied whole, and cannot.
            _changes.Add(new MemberChange(key, t.FullName, autoProperty && !liveType.IsValueType ? property : f.Name, ChangeKind.Added, MemberKind.Field)
            {
                Field = f, Detail = property,
                NeedsRestart = !liveType.IsValueType ? null : autoProperty ? RestartNeeded.AutoPropertyAdded : RestartNeeded.InstanceFieldAdded,
            });
            return;
        }
        if (!f.IsStatic || binding.IsMappedClosure(t)) return;
        bool keep = KeepsValue(f);
        // An initializer the old text does not have (the text the app runs is unknown, say) counts as changed.
        bool initializerChanged = live is not null && newInitializers.TryGetValue(key, out var n) &&
                                  (oldInitializers.TryGetValue(key, out var o) ? o.Text != n.Text : n.Text.Length > 0);
        if (live is null)
            _changes.Add(new MemberChange(key, t.FullName, f.Name, ChangeKind.Added, MemberKind.StaticField) { Field = f });
        else if (initializerChanged)
            _changes.Add(new MemberChange(key, t.FullName, f.Name, ChangeKind.Changed, MemberKind.StaticField) { Field = f, LiveField = live, InitializerChanged = true, KeepValue = keep });
    }

    /// <summary>Why a closure's old delegates cannot follow, naming the variables and the lambdas: the running program's
    /// closure is the one built at startup, so this stays true at every later edit until the captures match it again.</summary>
    static string CapturesDiffer(TypeDefinition generated, Type live)
    {
        string what = CaptureDifferences(generated, live);
        var lambdas = live.GetMethods(NestedInstance | BindingFlags.DeclaredOnly).Where(m => CompilerNames.IsLambda(m.Name)).Select(m => m.Name).ToList();
        string which = lambdas.Count > 0 ? " (" + string.Join(", ", lambdas) + ")" : "";
        return $"out of date until a restart: its captured variables differ from those of the running program's closure ({what}), " +
               $"so delegates the running program made{which} keep their old bodies; new ones run the new";
    }

    /// <summary>"+b -a" for variables captured now and no longer; "their types" when only types changed.</summary>
    static string CaptureDifferences(TypeDefinition generated, Type live)
    {
        var now = generated.Fields.Where(f => !f.IsStatic).Select(f => f.Name).ToList();
        var running = live.GetFields(NestedInstance).Select(f => f.Name).ToList();
        var differences = now.Except(running).Select(n => "+" + n).Concat(running.Except(now).Select(n => "-" + n)).ToList();
        foreach (var field in generated.Fields.Where(f => !f.IsStatic))
            if (live.GetField(field.Name, NestedInstance) is { } old && old.FieldType.Name != field.FieldType.Name)
                differences.Add($"{field.Name}: {old.FieldType.Name} to {field.FieldType.Name}");
        return differences.Count > 0 ? string.Join(", ", differences) : "their types";
    }

    /// <summary>A method X that became a property X (accessor get_X), or the reverse, is one added and one removed
    /// member; both say what happened.</summary>
    void PairReshapedMembers()
    {
        static string? PropertyOf(string name) => CompilerNames.IsPropertyAccessor(name) ? name[4..] : null;
        for (int i = 0; i < _changes.Count; i++)
        {
            var c = _changes[i];
            if (c.Kind is not (ChangeKind.Added or ChangeKind.Removed) || c.Method is null && c.Kind == ChangeKind.Added) continue;
            var other = c.Kind == ChangeKind.Added ? ChangeKind.Removed : ChangeKind.Added;
            var counterpart = _changes.FirstOrDefault(o => o.Kind == other && o.TypeName == c.TypeName &&
                (PropertyOf(o.MemberName) == c.MemberName || PropertyOf(c.MemberName) == o.MemberName));
            if (counterpart is null) continue;
            var removed = c.Kind == ChangeKind.Removed ? c : counterpart;
            string? property = PropertyOf(removed.MemberName);
            _changes[i] = c with { Reshaped = property is null ? $"method {removed.MemberName}() turned into a property" : $"property {property} turned into a method" };
        }
    }
}
