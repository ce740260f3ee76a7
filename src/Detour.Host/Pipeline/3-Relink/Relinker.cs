using System.Reflection;
using Mono.Cecil;
using Mono.Cecil.Cil;
using MethodAttributes = Mono.Cecil.MethodAttributes;
using TypeAttributes = Mono.Cecil.TypeAttributes;
using FieldAttributes = Mono.Cecil.FieldAttributes;

namespace Detour.Host;

internal enum ChangeKind { Changed, Added, Removed, Unchanged }

/// <summary>Facts the relinker finds that the running program cannot take; the rules table has a row for each.</summary>
internal enum RestartNeeded
{
    BaseTypeChanged, InterfaceAdded, InterfaceRemoved, GenericEdited, AddedToGenericType, VirtualAdded, InterfaceMemberAdded,
    ConstructorAdded, InterfaceMemberEdited, HiddenBufferReturn, FieldTypeChanged, InstanceFieldAdded, AutoPropertyAdded,
}

/// <summary>One member of the delta compared with the previous generation and bound to the live program.</summary>
internal sealed record MemberChange(string Key, string TypeName, string MemberName, ChangeKind Kind, MemberKind Category)
{
    public MethodDefinition? Method { get; init; }
    public MethodBase? Live { get; init; }
    public FieldDefinition? Field { get; init; }
    public FieldInfo? LiveField { get; init; }
    /// <summary>Why the running program cannot take this change (the rules table words it); null when it can.</summary>
    public RestartNeeded? NeedsRestart { get; init; }
    /// <summary>The name a restart message needs besides the member's own: an interface, a struct, "virtual" or "abstract".</summary>
    public string Detail { get; init; } = "";
    public bool InitializerChanged { get; init; }
    public bool KeepValue { get; init; }
    /// <summary>Set when an added member and a removed one are a method turned into a property, or back.</summary>
    public string? Reshaped { get; init; }
    /// <summary>The body is the same; only the member's own attributes changed.</summary>
    public bool AttributesOnly { get; init; }
    /// <summary>Why delegates made before the edit keep the old bodies of this closure's lambdas.</summary>
    public string? ClosureNotUpdated { get; init; }
    public bool StaticConstructorChanged { get; init; }
    /// <summary>A generic body the app's runtime can replace itself, through a metadata update.</summary>
    public bool RuntimeCanUpdate { get; init; }

    /// <summary>An addition the running program takes (no restart needed).</summary>
    public bool IsTakenAddition => Kind == ChangeKind.Added && NeedsRestart is null;

    /// <summary>A taken addition that later edits bind to, so its generation is its home for good. Not a lambda or
    /// local function: later edits compile their own.</summary>
    public bool NeedsAHome => IsTakenAddition && !(Method is { } m && IlText.IsGenerated(m));

    /// <summary>"Ns.Type.Member", or the type's name for a change to the type itself: how reports name it.</summary>
    public string DisplayName => MemberName.Length > 0 ? TypeName + "." + MemberName : TypeName;

    /// <summary>The type's own name, without namespace or outer types ("Square" for "Shapes.Square").</summary>
    public string ShortTypeName => TypeName[(TypeName.LastIndexOfAny(['.', '/']) + 1)..];
}

/// <summary>Binds a freshly compiled delta to the live program (Cecil IL rewriting): a type that
/// exists live becomes a holder of static methods taking the instance first, and every reference
/// to it or its members points at the live ones.</summary>
internal sealed class Relinker
{
    const System.Reflection.BindingFlags Nested = System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic;
    const System.Reflection.BindingFlags NestedInstance = Nested | System.Reflection.BindingFlags.Instance;
    readonly ModuleDefinition _module;
    readonly LiveProgram _live;
    readonly Dictionary<TypeDefinition, Type> _mapped = new();
    readonly HashSet<TypeDefinition> _closures = new();
    readonly Dictionary<MethodDefinition, MethodBase?> _methodHome = new();
    readonly Dictionary<FieldDefinition, FieldInfo?> _fieldHome = new();
    readonly TypeMapper _mapper;
    IReadOnlyDictionary<string, StaticInitializer> _newInitializers = new Dictionary<string, StaticInitializer>();
    public readonly List<MemberChange> Changes = new();

    readonly Func<string, LiveProgram?> _referencedProject;

    /// <param name="referencedProject">The live program of a referenced project by assembly name, if it runs
    /// under Detour: members and types edits added there are bound to their homes.</param>
    public Relinker(ModuleDefinition module, LiveProgram live, Func<string, LiveProgram?>? referencedProject = null)
    {
        _module = module;
        _live = live;
        _referencedProject = referencedProject ?? (_ => null);
        _import = new LiveImporter(module);
        _mapper = new TypeMapper(d => _mapped.TryGetValue(d, out var t) ? _import.Type(t) : null, AddedInReferencedProject);
    }

    readonly LiveImporter _import;

    /// <summary>Added instance fields of classes: the accessor of each one's storage (this generation's or its home's).</summary>
    readonly Dictionary<FieldDefinition, MethodReference> _addedFieldAccess = new();

    /// <summary>Instance fields this generation adds, by member key: the name of the type holding each one's accessor.</summary>
    public readonly Dictionary<string, string> AddedFieldAccessors = new();

    static string? ScopeName(TypeReference t) => t.Scope switch
    {
        AssemblyNameReference a => a.Name,
        ModuleDefinition md => md.Assembly.Name.Name,
        _ => null,
    };

    /// <summary>A type an edit added to a referenced project lives in that project's generation assembly.</summary>
    TypeReference? AddedInReferencedProject(TypeReference type) =>
        ScopeName(type) is { } scope && _referencedProject(scope) is { } project &&
        project.AddedTypes.TryGetValue(type.FullName, out var home) ? _import.Type(home) : null;

    static bool IsInfrastructure(TypeDefinition t) =>
        t.Name is "<Module>" or "IgnoresAccessChecksToAttribute" || t.Name.StartsWith("<PrivateImplementationDetails>") || t.Namespace == "Microsoft.CodeAnalysis";

    /// <summary>Classifies, diffs and binds; <paramref name="previous"/> maps member keys to IL text of the last generation.</summary>
    public void Bind(IReadOnlyDictionary<string, string> previous, IReadOnlyDictionary<string, string> current,
                     IReadOnlyDictionary<string, StaticInitializer> oldInitializers, IReadOnlyDictionary<string, StaticInitializer> newInitializers)
    {
        _newInitializers = newInitializers;
        var types = TypeMapper.AllTypes(_module).Where(t => !IsInfrastructure(t)).ToList();
        foreach (var t in types.Where(t => !IlText.IsGenerated(t)))
            if (_live.FindType(t.FullName) is { } liveType) _mapped[t] = liveType;
        MapClosures(types);

        foreach (var t in types)
        {
            if (!_mapped.TryGetValue(t, out var liveType))
            {
                if (!IlText.IsGenerated(t))
                    Changes.Add(new MemberChange(t.FullName, t.FullName, "", ChangeKind.Added, MemberKind.Type));
                continue;
            }
            CheckTypeShape(t, liveType);
            string cctor = $"{t.FullName}::.cctor";
            if (!_closures.Contains(t) && oldInitializers.GetValueOrDefault(cctor)?.Text != newInitializers.GetValueOrDefault(cctor)?.Text)
                Changes.Add(new MemberChange(cctor, t.FullName, ".cctor", ChangeKind.Changed, MemberKind.StaticConstructor) { StaticConstructorChanged = true });
            foreach (var m in t.Methods) BindMethod(t, liveType, m, previous, current);
            foreach (var f in t.Fields) BindField(t, liveType, f, oldInitializers, newInitializers);
        }
        // Members of the previous generation the delta no longer has.
        var present = current.Keys.ToHashSet();
        foreach (var key in previous.Keys.Where(k => !present.Contains(k) && !k.Contains('<')))
        {
            string name = NameOf(key);
            Changes.Add(new MemberChange(key, key[..key.IndexOf("::", StringComparison.Ordinal)], name, ChangeKind.Removed,
                name.StartsWith("get_") || name.StartsWith("set_") ? MemberKind.Accessor : MemberKind.Method));
        }
        PairReshapedMembers();
    }

    /// <summary>Closure classes of live types map onto the live ones when they capture the same variables, so
    /// delegates made before the edit run the new lambda bodies; otherwise the report says why they do not.</summary>
    void MapClosures(List<TypeDefinition> types)
    {
        foreach (var t in types.Where(t => t.Name.StartsWith("<>c") && t.DeclaringType is { } d && _mapped.ContainsKey(d)))
        {
            if (_mapped[t.DeclaringType].GetNestedType(t.Name, Nested) is not { } liveClosure) continue;
            // A closure of generic code is never mapped: its lambdas change only with their method, through the
            // runtime's update, and the rules table words what that means for old delegates.
            if (t.HasGenericParameters && _live.View.MetadataUpdates) continue;
            if (SameCaptures(t, liveClosure))
            {
                _mapped[t] = liveClosure;
                _closures.Add(t);
            }
            else
                Changes.Add(new MemberChange(t.FullName, t.DeclaringType.FullName, t.Name, ChangeKind.Changed, MemberKind.Closure)
                    { ClosureNotUpdated = CapturesDiffer(t, liveClosure) });
        }

        foreach (var gone in Lambdas.Unmatched)
        {
            string owner = gone.Group[..gone.Group.LastIndexOf("::", StringComparison.Ordinal)], method = gone.Group[(owner.Length + 2)..];
            Changes.Add(new MemberChange($"{owner}/{gone.Closure}::{gone.Name}", owner, method, ChangeKind.Changed, MemberKind.Closure)
                { ClosureNotUpdated = $"out of date until a restart: a lambda of {method} ({gone.Name}) was removed, or the code around it changed past " +
                                      "recognition, so delegates the running program made of it keep their old body" });
        }
    }

    /// <summary>A method X that became a property X (accessor get_X), or the reverse, is one added and one
    /// removed member; both say what happened.</summary>
    void PairReshapedMembers()
    {
        static string? PropertyOf(string name) => name.StartsWith("get_") || name.StartsWith("set_") ? name[4..] : null;
        for (int i = 0; i < Changes.Count; i++)
        {
            var c = Changes[i];
            if (c.Kind is not (ChangeKind.Added or ChangeKind.Removed) || c.Method is null && c.Kind == ChangeKind.Added) continue;
            var other = c.Kind == ChangeKind.Added ? ChangeKind.Removed : ChangeKind.Added;
            bool IsCounterpart(MemberChange o) => o.Kind == other && o.TypeName == c.TypeName &&
                (PropertyOf(o.MemberName) == c.MemberName || PropertyOf(c.MemberName) == o.MemberName);
            var counterpart = Changes.FirstOrDefault(IsCounterpart);
            if (counterpart is null) continue;
            var removed = c.Kind == ChangeKind.Removed ? c : counterpart;
            string? property = PropertyOf(removed.MemberName);
            string what = property is null
                ? $"method {removed.MemberName}() turned into a property"
                : $"property {property} turned into a method";
            Changes[i] = c with { Reshaped = what };
        }
    }

    /// <summary>Renames the delta's lambdas to the names of the previous generation's lambdas they match, so that delegates
    /// made of them follow; called before the delta's texts are taken.</summary>
    public void MatchLambdas(IReadOnlyList<Microsoft.CodeAnalysis.SyntaxTree> trees, IReadOnlyDictionary<string, LambdaSite> previous)
    {
        Lambdas = LambdaMatcher.Match(_module, trees, previous,
            closure => _live.FindType(closure) is { } live ? live.GetMembers(NestedInstance | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.DeclaredOnly).Select(m => m.Name) : []);
    }

    static string NameOf(string key)
    {
        int colons = key.IndexOf("::", StringComparison.Ordinal);
        return key[(colons + 2)..key.IndexOf('(', colons)];
    }

    public LambdaMatch Lambdas { get; private set; } = new(new Dictionary<string, IReadOnlyDictionary<string, string>>(), [], new());

    /// <summary>Where this delta's lambdas sit, under the names matching gave them.</summary>
    public Dictionary<string, LambdaSite> LambdaSites => Lambdas.Sites;

    void CheckTypeShape(TypeDefinition t, Type liveType)
    {
        (RestartNeeded Fact, string Detail)? found = null;
        if (t.HasGenericParameters) return; // its changed members are reported one by one
        var baseNow = t.BaseType is null ? null : ToLive(t.BaseType);
        if (!t.IsInterface && baseNow != liveType.BaseType && !(t.IsValueType && liveType.IsValueType))
            found = (RestartNeeded.BaseTypeChanged, "");
        foreach (var i in t.Interfaces)
            if (ToLive(i.InterfaceType) is { } li && !li.IsAssignableFrom(liveType))
                found = (RestartNeeded.InterfaceAdded, i.InterfaceType.Name);
        var declared = t.Interfaces.Select(i => ToLive(i.InterfaceType)).ToHashSet();
        var inherited = liveType.BaseType?.GetInterfaces() ?? [];
        foreach (var li in liveType.GetInterfaces().Except(inherited))
            if (!declared.Contains(li) && !declared.Any(d => d is not null && li.IsAssignableFrom(d)))
                found = (RestartNeeded.InterfaceRemoved, li.Name);
        if (found is { } f)
            Changes.Add(new MemberChange(t.FullName, t.FullName, "", ChangeKind.Changed, MemberKind.Type) { NeedsRestart = f.Fact, Detail = f.Detail });
    }

    void BindMethod(TypeDefinition t, Type liveType, MethodDefinition m, IReadOnlyDictionary<string, string> previous, IReadOnlyDictionary<string, string> current)
    {
        string key = IlText.Key(m);
        // A generic method added by an earlier edit is added afresh each time: generics cannot be detoured,
        // and its callers are recompiled with it (files with added members are always in the compile set).
        var live = FindLiveMethod(liveType, m) ?? (m.HasGenericParameters ? null : _live.AddedMethods.GetValueOrDefault(key));
        _methodHome[m] = live;
        var now = current.GetValueOrDefault(key) ?? "";
        bool changed = !previous.TryGetValue(key, out var before) || before != now;
        bool attributesOnly = changed && live is not null && before is not null && !IlText.BodiesDiffer(before, now);
        var kind = live is null ? ChangeKind.Added : changed ? ChangeKind.Changed : ChangeKind.Unchanged;
        // The running entry point changed only through its lambdas or local functions: those are patched as members of
        // their own, and Main's own statements are what they were.
        if (kind == ChangeKind.Changed && live is MethodInfo entry && entry == entry.Module.Assembly.EntryPoint &&
            previous.TryGetValue(IlText.StatementsKey(key), out var statementsBefore) &&
            current.TryGetValue(IlText.StatementsKey(key), out var statementsNow) && statementsBefore == statementsNow)
            kind = ChangeKind.Unchanged;
        if (m.IsConstructor && m.IsStatic) return; // static initializers are handled per field
        if (_closures.Contains(t) && m.IsConstructor) return;
        (RestartNeeded Fact, string Detail)? rude = null;
        if (kind == ChangeKind.Changed && (m.HasGenericParameters || t.HasGenericParameters || liveType.IsGenericType))
            rude = (RestartNeeded.GenericEdited, m.HasGenericParameters ? "method" : "type");
        else if (kind == ChangeKind.Added && (t.HasGenericParameters || liveType.IsGenericType))
            rude = (RestartNeeded.AddedToGenericType, "");
        else if (kind == ChangeKind.Added && (m.IsVirtual || m.IsAbstract) && !t.IsInterface)
            rude = (RestartNeeded.VirtualAdded, m.IsAbstract ? "abstract" : "virtual");
        else if (kind == ChangeKind.Added && t.IsInterface)
            rude = (RestartNeeded.InterfaceMemberAdded, "");
        else if (kind == ChangeKind.Added && m.IsConstructor)
            rude = (RestartNeeded.ConstructorAdded, "");
        else if (kind == ChangeKind.Changed && t.IsInterface && !m.HasBody) // a default implementation's body is patched like any other
            rude = (RestartNeeded.InterfaceMemberEdited, "");
        else if (kind == ChangeKind.Changed && !m.IsStatic && live is MethodInfo { IsStatic: false } mi
                 && StructReturn.ThroughHiddenBuffer(mi.ReturnType))
            rude = (RestartNeeded.HiddenBufferReturn, mi.ReturnType.Name);
        if (kind == ChangeKind.Unchanged && rude is null) return;
        Changes.Add(new MemberChange(key, t.FullName, m.Name, kind, Category(m))
            { Method = m, Live = live, NeedsRestart = rude?.Fact, Detail = rude?.Detail ?? "", AttributesOnly = attributesOnly && rude is null,
              RuntimeCanUpdate = rude?.Fact == RestartNeeded.GenericEdited && _live.View.MetadataUpdates });
    }

    static MemberKind Category(MethodDefinition m) =>
        m.Name.Contains("g__") ? MemberKind.LocalFunction :
        m.Name.Contains("b__") ? MemberKind.Lambda :
        m.IsConstructor ? MemberKind.Constructor :
        m.IsGetter || m.IsSetter ? MemberKind.Accessor :
        m.Name.StartsWith("op_") ? MemberKind.Operator : MemberKind.Method;

    void BindField(TypeDefinition t, Type liveType, FieldDefinition f, IReadOnlyDictionary<string, StaticInitializer> oldInit, IReadOnlyDictionary<string, StaticInitializer> newInit)
    {
        string key = $"{t.FullName}::{f.Name}";
        var live = LiveProgram.FieldOf(liveType, f.Name) ?? _live.AddedFields.GetValueOrDefault(key);
        _fieldHome[f] = live;
        if (f.HasConstant) return;
        if (live is not null && ToLive(f.FieldType) is { } ft && ft != live.FieldType)
        {
            Changes.Add(new MemberChange(key, t.FullName, f.Name, ChangeKind.Changed, MemberKind.Field) { Field = f, LiveField = live, NeedsRestart = RestartNeeded.FieldTypeChanged });
            return;
        }
        if (live is null && !f.IsStatic)
        {
            if (_closures.Contains(t)) return;
            bool autoProperty = f.Name.StartsWith('<') && f.Name.EndsWith(">k__BackingField");
            string detail = autoProperty ? f.Name[1..f.Name.IndexOf('>')] : "";
            if (liveType.IsValueType)
            {
                Changes.Add(new MemberChange(key, t.FullName, f.Name, ChangeKind.Added, MemberKind.Field)
                    { Field = f, NeedsRestart = autoProperty ? RestartNeeded.AutoPropertyAdded : RestartNeeded.InstanceFieldAdded, Detail = detail });
                return;
            }
            // Objects of a class keep their layout: the field lives beside each of them (AddedInstanceFields.cs).
            if (_live.AddedInstanceFields.TryGetValue(key, out var accessor)) _addedFieldAccess[f] = _import.Method(accessor);
            else
            {
                _addedFieldAccess[f] = AddedInstanceFields.DefineAccessor(_module, _mapper.Map(f.FieldType), AddedFieldAccessors.Count);
                AddedFieldAccessors[key] = _addedFieldAccess[f].DeclaringType.FullName;
                Changes.Add(new MemberChange(key, t.FullName, autoProperty ? detail : f.Name, ChangeKind.Added, MemberKind.Field)
                    { Field = f, Detail = detail });
            }
            return;
        }
        if (!f.IsStatic || _closures.Contains(t)) return;
        bool keep = f.CustomAttributes.Any(a => a.AttributeType.Name == "KeepValueOnReloadAttribute");
        string initKey = $"{t.FullName}::{f.Name}";
        // An initializer the old text does not have (the text the app runs is unknown, say) counts as changed.
        bool initChanged = live is not null && newInit.TryGetValue(initKey, out var n) &&
                           (oldInit.TryGetValue(initKey, out var o) ? o.Text != n.Text : n.Text.Length > 0);
        if (live is null)
            Changes.Add(new MemberChange(key, t.FullName, f.Name, ChangeKind.Added, MemberKind.StaticField) { Field = f });
        else if (initChanged)
            Changes.Add(new MemberChange(key, t.FullName, f.Name, ChangeKind.Changed, MemberKind.StaticField) { Field = f, LiveField = live, InitializerChanged = true, KeepValue = keep });
    }

    /// <summary>Why a closure's old delegates cannot follow, naming the variables and the lambdas: the running program's
    /// closure is the one built at startup, so this stays true at every later edit until the captures match it again.</summary>
    static string CapturesDiffer(TypeDefinition generated, Type live)
    {
        var now = generated.Fields.Where(f => !f.IsStatic).Select(f => f.Name).ToList();
        var running = live.GetFields(NestedInstance).Select(f => f.Name).ToList();
        var differences = now.Except(running).Select(n => "+" + n).Concat(running.Except(now).Select(n => "-" + n)).ToList();
        string what = differences.Count > 0 ? string.Join(" ", differences) : "their types";
        var lambdas = live.GetMethods(NestedInstance | System.Reflection.BindingFlags.DeclaredOnly).Where(m => m.Name.Contains(">b__")).Select(m => m.Name).ToList();
        string which = lambdas.Count > 0 ? " (" + string.Join(", ", lambdas) + ")" : "";
        return $"out of date until a restart: its captured variables differ from those of the running program's closure ({what}), " +
               $"so delegates the running program made{which} keep their old bodies; new ones run the new";
    }

    /// <summary>A closure class maps onto the live one when it captures the same variables (same instance
    /// fields) and keeps the live static fields; added lambdas and delegate caches become added members.</summary>
    bool SameCaptures(TypeDefinition generated, Type live)
    {
        var liveFields = live.GetFields(NestedInstance).ToDictionary(f => f.Name);
        var fields = generated.Fields.Where(f => !f.IsStatic).ToList();
        if (liveFields.Count != fields.Count) return false;
        foreach (var f in fields)
            if (!liveFields.TryGetValue(f.Name, out var lf) || ToLive(f.FieldType) != lf.FieldType) return false;
        foreach (var lf in live.GetFields(Nested | System.Reflection.BindingFlags.Static))
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
            var cp = candidate.GetParameters();
            if (cp.Length != m.Parameters.Count) continue;
            if (!cp.Select(p => p.ParameterType).Zip(m.Parameters, (live, p) => SameType(p.ParameterType, live)).All(same => same)) continue;
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
                return _mapped.TryGetValue(d, out var mt) ? mt : _live.FindType(d.FullName);
        }
        if (ScopeName(t) is not { } scope) return null;
        string name = t.FullName; // Cecil already names nested types "Outer/Inner"
        return scope == _live.Original.GetName().Name ? _live.FindType(name) : _live.ResolveExternal(scope, name);
    }


    /// <summary>Rewrites IL and converts holders. Call after <see cref="Bind"/> and only when nothing is rude.</summary>
    public void Rewrite()
    {
        foreach (var (t, _) in _mapped)
            if (!_closures.Contains(t) && t.Methods.FirstOrDefault(m => m.IsConstructor && m.IsStatic) is { HasBody: true } cctor)
                KeepOnlyInitializersToRun(t, cctor);
        foreach (var t in TypeMapper.AllTypes(_module).ToList())
        foreach (var m in t.Methods.Where(m => m.HasBody))
            RewriteBody(t, m);
        foreach (var (t, liveType) in _mapped) ConvertToHolder(t, liveType);
        foreach (var t in TypeMapper.AllTypes(_module).ToList()) _mapper.MapSignatures(t);
    }

    /// <summary>Static fields whose initializers the holder's static constructor runs: changed or added ones.</summary>
    readonly HashSet<FieldDefinition> _initializedInHolder = new();

    /// <summary>The holder's static constructor runs only the initializers of fields that are re-initialized
    /// or added. Other initializers and the explicit static constructor body ran once in the live type;
    /// running them again would repeat their side effects. Statements are cut by their sequence points.</summary>
    void KeepOnlyInitializersToRun(TypeDefinition holder, MethodDefinition cctor)
    {
        var run = Changes.Where(c => c.Field?.DeclaringType == holder && c.NeedsRestart is null &&
                                     (c.InitializerChanged && !c.KeepValue || c.Kind == ChangeKind.Added))
                         .Select(c => c.Field!).ToList();
        _initializedInHolder.UnionWith(run);
        var spans = run.Select(f => _newInitializers.GetValueOrDefault($"{holder.FullName}::{f.Name}")).OfType<StaticInitializer>().ToList();
        var points = cctor.DebugInformation.SequencePoints.Where(p => !p.IsHidden).OrderBy(p => p.Offset).ToList();
        bool keep = false;
        int next = 0;
        var cut = new HashSet<Instruction>();
        foreach (var ins in cctor.Body.Instructions)
        {
            while (next < points.Count && points[next].Offset <= ins.Offset)
            {
                var p = points[next++];
                keep = spans.Any(s => s.Contains(p.Document.Url, p.StartLine - 1, p.StartColumn - 1));
            }
            if (keep || ins.OpCode == OpCodes.Ret) continue;
            cut.Add(ins);
            ins.OpCode = OpCodes.Nop;
            ins.Operand = null;
        }
        foreach (var h in cctor.Body.ExceptionHandlers.Where(h => cut.Contains(h.TryStart)).ToList())
            cctor.Body.ExceptionHandlers.Remove(h);
    }

    void RewriteBody(TypeDefinition owner, MethodDefinition method)
    {
        bool inHolderInitializer = method.IsConstructor && method.IsStatic && _mapped.ContainsKey(owner) && !_closures.Contains(owner);
        AddedInstanceFields.RewriteAccesses(method, _addedFieldAccess);
        foreach (var ins in method.Body.Instructions)
        {
            switch (ins.Operand)
            {
                case MethodReference mr:
                    ins.Operand = MapMethod(mr, ins);
                    break;
                case FieldReference fr:
                    if (fr is FieldDefinition fd && _mapped.ContainsKey(fd.DeclaringType))
                    {
                        // The initializers that run write and read their own shadow fields; the rest is live.
                        if (inHolderInitializer && fd.DeclaringType == owner && _initializedInHolder.Contains(fd)) break;
                        if (_fieldHome.GetValueOrDefault(fd) is { } liveField) ins.Operand = _import.Field(liveField);
                    }
                    else if (fr is not FieldDefinition && ScopeName(fr.DeclaringType) is { } scope && _referencedProject(scope) is { } project &&
                             project.AddedFields.TryGetValue($"{fr.DeclaringType.FullName}::{fr.Name}", out var addedField))
                        ins.Operand = _import.Field(addedField);
                    else if (fr is not FieldDefinition && (_mapper.Changes(fr.DeclaringType) || _mapper.Changes(fr.FieldType)))
                        ins.Operand = new FieldReference(fr.Name, _mapper.Map(fr.FieldType), _mapper.Map(fr.DeclaringType));
                    break;
                case TypeReference tr:
                    ins.Operand = _mapper.Map(tr);
                    break;
            }
        }
        foreach (var h in method.Body.ExceptionHandlers)
            if (h.CatchType is not null) h.CatchType = _mapper.Map(h.CatchType);
    }

    MethodReference MapMethod(MethodReference mr, Instruction ins)
    {
        if (mr is GenericInstanceMethod gim)
        {
            var element = MapMethod(gim.ElementMethod, ins);
            var args = gim.GenericArguments.Select(_mapper.Map).ToList();
            if (ReferenceEquals(element, gim.ElementMethod) && args.SequenceEqual(gim.GenericArguments, ReferenceEqualityComparer.Instance)) return gim;
            var made = new GenericInstanceMethod(element);
            foreach (var a in args) made.GenericArguments.Add(a);
            return made;
        }
        if (mr is MethodDefinition md && _mapped.ContainsKey(md.DeclaringType))
        {
            if (_methodHome.GetValueOrDefault(md) is { } live)
                return _import.Method(live);
            // Added in this generation: it becomes a static holder method.
            if (!md.IsStatic && ins.OpCode == OpCodes.Callvirt) ins.OpCode = OpCodes.Call;
            if (ins.OpCode == OpCodes.Ldvirtftn) ins.OpCode = OpCodes.Ldftn;
            return md;
        }
        if (mr is MethodDefinition) return mr;
        // A method an edit added to a referenced project: its home is a static method taking the instance first.
        if (ScopeName(mr.DeclaringType) is { } scope && _referencedProject(scope) is { } project &&
            project.AddedMethods.TryGetValue(IlText.Key(mr), out var added))
        {
            if (mr.HasThis && ins.OpCode == OpCodes.Callvirt) ins.OpCode = OpCodes.Call;
            return _import.Method(added);
        }
        bool touches = _mapper.Changes(mr.DeclaringType) || _mapper.Changes(mr.ReturnType) || mr.Parameters.Any(p => _mapper.Changes(p.ParameterType));
        if (!touches) return mr;
        var rebuilt = new MethodReference(mr.Name, _mapper.Map(mr.ReturnType), _mapper.Map(mr.DeclaringType))
        {
            HasThis = mr.HasThis, ExplicitThis = mr.ExplicitThis, CallingConvention = mr.CallingConvention,
        };
        foreach (var g in mr.GenericParameters) rebuilt.GenericParameters.Add(new GenericParameter(g.Name, rebuilt));
        foreach (var p in mr.Parameters) rebuilt.Parameters.Add(new ParameterDefinition(p.Name, p.Attributes, _mapper.Map(p.ParameterType)));
        return rebuilt;
    }

    void ConvertToHolder(TypeDefinition t, Type liveType)
    {
        var self = _import.Type(liveType);
        TypeReference thisType = liveType.IsValueType ? new ByReferenceType(self) : self;
        foreach (var m in t.Methods.ToList())
        {
            if (!m.HasBody) { t.Methods.Remove(m); continue; }
            if (m.IsStatic)
            {
                if (m.IsConstructor && _closures.Contains(t)) t.Methods.Remove(m);
                continue;
            }
            var explicitThis = new ParameterDefinition("this", Mono.Cecil.ParameterAttributes.None, thisType);
            var implicitThis = m.Body.ThisParameter;
            foreach (var ins in m.Body.Instructions)
                if (ReferenceEquals(ins.Operand, implicitThis)) ins.Operand = explicitThis;
            m.HasThis = false;
            m.Attributes = (m.Attributes | MethodAttributes.Static) &
                           ~(MethodAttributes.Virtual | MethodAttributes.Abstract | MethodAttributes.NewSlot | MethodAttributes.Final |
                             MethodAttributes.RTSpecialName | MethodAttributes.SpecialName | MethodAttributes.CheckAccessOnOverride);
            if (m.Name == ".ctor") m.Name = "ctor";
            m.Overrides.Clear();
            m.Parameters.Insert(0, explicitThis);
        }
        foreach (var f in t.Fields.Where(f => !f.IsStatic).ToList()) t.Fields.Remove(f);
        t.Properties.Clear();
        t.Events.Clear();
        t.Interfaces.Clear();
        t.BaseType = _module.TypeSystem.Object;
        t.Attributes = (t.Attributes & ~(TypeAttributes.LayoutMask | TypeAttributes.Interface | TypeAttributes.Abstract)) | TypeAttributes.Sealed;
        t.ClassSize = -1;
        t.PackingSize = -1;
        t.GenericParameters.Clear();
    }
}
