using System.Reflection;
using Mono.Cecil;
using Mono.Cecil.Cil;
using MethodAttributes = Mono.Cecil.MethodAttributes;
using TypeAttributes = Mono.Cecil.TypeAttributes;
using FieldAttributes = Mono.Cecil.FieldAttributes;

namespace Detour.Reload;

internal enum ChangeKind { Changed, Added, Removed, Unchanged }

/// <summary>One member of the delta compared with the previous generation and bound to the live program.</summary>
internal sealed record MemberChange(string Key, string TypeName, string MemberName, ChangeKind Kind, string Category)
{
    public MethodDefinition? Method { get; init; }
    public MethodBase? Live { get; init; }
    public FieldDefinition? Field { get; init; }
    public FieldInfo? LiveField { get; init; }
    public string? RudeReason { get; init; }
    public bool InitializerChanged { get; init; }
    public bool KeepValue { get; init; }
}

/// <summary>Binds a freshly compiled delta to the live program (Cecil IL rewriting): a type that
/// exists live becomes a holder of static methods taking the instance first, and every reference
/// to it or its members points at the live ones.</summary>
internal sealed class Relinker
{
    const System.Reflection.BindingFlags Nested = System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic;
    readonly ModuleDefinition _module;
    readonly LiveProgram _live;
    readonly Dictionary<TypeDefinition, Type> _mapped = new();
    readonly HashSet<TypeDefinition> _closures = new();
    readonly Dictionary<MethodDefinition, MethodBase?> _methodHome = new();
    readonly Dictionary<FieldDefinition, FieldInfo?> _fieldHome = new();
    readonly TypeMapper _mapper;
    public readonly List<MemberChange> Changes = new();

    public Relinker(ModuleDefinition module, LiveProgram live)
    {
        _module = module;
        _live = live;
        _mapper = new TypeMapper(d => _mapped.TryGetValue(d, out var t) ? _module.ImportReference(t) : null);
    }

    public IReadOnlyDictionary<TypeDefinition, Type> Mapped => _mapped;

    static bool IsInfrastructure(TypeDefinition t) =>
        t.Name is "<Module>" or "IgnoresAccessChecksToAttribute" || t.Name.StartsWith("<PrivateImplementationDetails>") || t.Namespace == "Microsoft.CodeAnalysis";

    /// <summary>Classifies, diffs and binds; <paramref name="previous"/> maps member keys to IL text of the last generation.</summary>
    public void Bind(IReadOnlyDictionary<string, string> previous, IReadOnlyDictionary<string, string> current,
                     IReadOnlyDictionary<string, string> oldInitializers, IReadOnlyDictionary<string, string> newInitializers)
    {
        var types = TypeMapper.AllTypes(_module).Where(t => !IsInfrastructure(t)).ToList();
        foreach (var t in types.Where(t => !IlText.IsGenerated(t)))
            if (_live.FindType(t.FullName) is { } liveType) _mapped[t] = liveType;
        foreach (var t in types.Where(t => t.Name.StartsWith("<>c") && t.DeclaringType is { } d && _mapped.ContainsKey(d)))
            if (_mapped[t.DeclaringType].GetNestedType(t.Name, Nested) is { } liveClosure && SameShape(t, liveClosure))
            {
                _mapped[t] = liveClosure;
                _closures.Add(t);
            }

        foreach (var t in types)
        {
            if (!_mapped.TryGetValue(t, out var liveType))
            {
                if (!IlText.IsGenerated(t))
                    Changes.Add(new MemberChange(t.FullName, t.FullName, "", ChangeKind.Added, "type"));
                continue;
            }
            CheckTypeShape(t, liveType);
            foreach (var m in t.Methods) BindMethod(t, liveType, m, previous, current);
            foreach (var f in t.Fields) BindField(t, liveType, f, oldInitializers, newInitializers);
        }
        // Members of the previous generation the delta no longer has.
        var present = current.Keys.ToHashSet();
        foreach (var key in previous.Keys.Where(k => !present.Contains(k) && !k.Contains('<')))
            Changes.Add(new MemberChange(key, key[..key.IndexOf("::", StringComparison.Ordinal)], key, ChangeKind.Removed, "member"));
    }

    void CheckTypeShape(TypeDefinition t, Type liveType)
    {
        string? reason = null;
        if (t.HasGenericParameters) return; // its changed members are reported one by one
        var baseNow = t.BaseType is null ? null : ToLive(t.BaseType);
        if (!t.IsInterface && baseNow != liveType.BaseType && !(t.IsValueType && liveType.IsValueType))
            reason = $"changing the base type of {t.Name} needs a restart";
        foreach (var i in t.Interfaces)
            if (ToLive(i.InterfaceType) is { } li && !li.IsAssignableFrom(liveType))
                reason = $"adding the interface {i.InterfaceType.Name} to {t.Name} needs a restart";
        if (reason is not null)
            Changes.Add(new MemberChange(t.FullName, t.FullName, "", ChangeKind.Changed, "type") { RudeReason = reason });
    }

    void BindMethod(TypeDefinition t, Type liveType, MethodDefinition m, IReadOnlyDictionary<string, string> previous, IReadOnlyDictionary<string, string> current)
    {
        string key = IlText.Key(m);
        var live = FindLiveMethod(liveType, m) ?? _live.AddedMethods.GetValueOrDefault(key);
        _methodHome[m] = live;
        bool changed = !previous.TryGetValue(key, out var before) || before != current.GetValueOrDefault(key);
        var kind = live is null ? ChangeKind.Added : changed ? ChangeKind.Changed : ChangeKind.Unchanged;
        if (m.IsConstructor && m.IsStatic) return; // static initializers are handled per field
        if (_closures.Contains(t) && m.IsConstructor) return;
        string? rude = null;
        if (kind != ChangeKind.Unchanged && (m.HasGenericParameters || t.HasGenericParameters || liveType.IsGenericType))
            rude = $"editing the generic {(m.HasGenericParameters ? "method" : "type")} {t.Name}.{m.Name} needs a restart (generics are not patched yet)";
        else if (kind == ChangeKind.Added && (m.IsVirtual || m.IsAbstract) && !t.IsInterface)
            rude = $"adding the {(m.IsAbstract ? "abstract" : "virtual")} method {t.Name}.{m.Name} needs a restart";
        else if (kind == ChangeKind.Added && t.IsInterface)
            rude = $"adding the interface member {t.Name}.{m.Name} needs a restart";
        else if (kind == ChangeKind.Added && m.IsConstructor)
            rude = $"adding a constructor to {t.Name} needs a restart";
        else if (kind == ChangeKind.Changed && t.IsInterface)
            rude = $"editing the interface member {t.Name}.{m.Name} needs a restart";
        else if (kind == ChangeKind.Changed && !m.IsStatic && live is MethodInfo { IsStatic: false } mi
                 && Detour.Engine.ReplacementCheck.ReturnsThroughHiddenBuffer(mi.ReturnType))
            rude = $"{t.Name}.{m.Name} returns the struct {mi.ReturnType.Name} through a hidden buffer; patching it needs a restart";
        if (kind == ChangeKind.Unchanged && rude is null) return;
        Changes.Add(new MemberChange(key, t.FullName, m.Name, kind, Category(m)) { Method = m, Live = live, RudeReason = rude });
    }

    static string Category(MethodDefinition m) =>
        m.Name.Contains("g__") ? "local function" :
        m.Name.Contains("b__") ? "lambda" :
        m.IsConstructor ? "constructor" :
        m.IsGetter || m.IsSetter ? "accessor" :
        m.Name.StartsWith("op_") ? "operator" : "method";

    void BindField(TypeDefinition t, Type liveType, FieldDefinition f, IReadOnlyDictionary<string, string> oldInit, IReadOnlyDictionary<string, string> newInit)
    {
        string key = $"{t.FullName}::{f.Name}";
        var live = LiveProgram.FieldOf(liveType, f.Name) ?? _live.AddedFields.GetValueOrDefault(key);
        _fieldHome[f] = live;
        if (IlText.IsGenerated(f) && !f.IsStatic) return; // backing fields follow their property
        if (f.HasConstant) return;
        if (live is not null && ToLive(f.FieldType) is { } ft && ft != live.FieldType)
        {
            Changes.Add(new MemberChange(key, t.FullName, f.Name, ChangeKind.Changed, "field") { Field = f, LiveField = live, RudeReason = $"changing the type of the field {t.Name}.{f.Name} needs a restart" });
            return;
        }
        if (live is null && !f.IsStatic)
        {
            if (_closures.Contains(t)) return;
            Changes.Add(new MemberChange(key, t.FullName, f.Name, ChangeKind.Added, "field") { Field = f, RudeReason = $"adding the instance field {t.Name}.{f.Name} changes the object layout and needs a restart" });
            return;
        }
        if (!f.IsStatic || _closures.Contains(t)) return;
        bool keep = f.CustomAttributes.Any(a => a.AttributeType.Name == "KeepValueOnReloadAttribute");
        string initKey = $"{t.FullName}::{f.Name}";
        bool initChanged = live is not null && oldInit.TryGetValue(initKey, out var o) && newInit.TryGetValue(initKey, out var n) && o != n;
        if (live is null)
            Changes.Add(new MemberChange(key, t.FullName, f.Name, ChangeKind.Added, "static field") { Field = f });
        else if (initChanged)
            Changes.Add(new MemberChange(key, t.FullName, f.Name, ChangeKind.Changed, "static field") { Field = f, LiveField = live, InitializerChanged = true, KeepValue = keep });
    }

    bool SameShape(TypeDefinition generated, Type live)
    {
        var liveFields = live.GetFields(Nested | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Static).ToDictionary(f => f.Name);
        if (liveFields.Count != generated.Fields.Count) return false;
        foreach (var f in generated.Fields)
            if (!liveFields.TryGetValue(f.Name, out var lf) || ToLive(f.FieldType) != lf.FieldType) return false;
        var liveMethods = LiveProgram.MethodsOf(live).ToList();
        if (liveMethods.Count != generated.Methods.Count) return false;
        return generated.Methods.All(m => FindLiveMethod(live, m) is not null);
    }

    MethodBase? FindLiveMethod(Type liveType, MethodDefinition m)
    {
        var parameters = m.Parameters.Select(p => ToLive(p.ParameterType)).ToList();
        if (parameters.Any(p => p is null)) return null;
        var returns = ToLive(m.ReturnType);
        foreach (var candidate in LiveProgram.MethodsOf(liveType))
        {
            if (candidate.Name != m.Name || candidate.IsStatic != m.IsStatic) continue;
            var cp = candidate.GetParameters();
            if (cp.Length != parameters.Count) continue;
            if (!cp.Select(p => p.ParameterType).SequenceEqual(parameters!)) continue;
            if (candidate is MethodInfo mi && mi.ReturnType != returns) continue;
            return candidate;
        }
        return null;
    }

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
        var scope = t.Scope switch
        {
            AssemblyNameReference a => a.Name,
            ModuleDefinition md => md.Assembly.Name.Name,
            _ => null,
        };
        if (scope is null) return null;
        string name = t.DeclaringType is null ? t.FullName : MetadataName(t);
        return scope == _live.Original.GetName().Name ? _live.FindType(name) : _live.ResolveExternal(scope, name);
    }

    static string MetadataName(TypeReference t) => t.DeclaringType is null ? t.FullName : MetadataName(t.DeclaringType) + "/" + t.Name;

    /// <summary>Rewrites IL and converts holders. Call after <see cref="Bind"/> and only when nothing is rude.</summary>
    public void Rewrite()
    {
        foreach (var t in TypeMapper.AllTypes(_module).ToList())
        foreach (var m in t.Methods.Where(m => m.HasBody))
            RewriteBody(t, m);
        foreach (var (t, liveType) in _mapped) ConvertToHolder(t, liveType);
        foreach (var t in TypeMapper.AllTypes(_module).ToList()) _mapper.MapSignatures(t);
    }

    void RewriteBody(TypeDefinition owner, MethodDefinition method)
    {
        bool inHolderInitializer = method.IsConstructor && method.IsStatic && _mapped.ContainsKey(owner) && !_closures.Contains(owner);
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
                        if (inHolderInitializer && fd.DeclaringType == owner && fd.IsStatic) break; // shadow field
                        if (_fieldHome.GetValueOrDefault(fd) is { } liveField) ins.Operand = _module.ImportReference(liveField);
                    }
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
                return live is MethodInfo info ? _module.ImportReference(info) : _module.ImportReference((ConstructorInfo)live);
            // Added in this generation: it becomes a static holder method.
            if (!md.IsStatic && ins.OpCode == OpCodes.Callvirt) ins.OpCode = OpCodes.Call;
            if (ins.OpCode == OpCodes.Ldvirtftn) ins.OpCode = OpCodes.Ldftn;
            return md;
        }
        if (mr is MethodDefinition) return mr;
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
        var self = _module.ImportReference(liveType);
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
