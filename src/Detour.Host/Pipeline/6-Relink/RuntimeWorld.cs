using Detour.Host.Binding;
using Detour.Host.Compiling;
using Detour.Host.Diffing;
using Detour.Host.Model;
using Mono.Cecil;

namespace Detour.Host.Relinking;

/// <summary>The delta's types and members that live in the live assembly itself, added by the runtime's own update
/// (by this edit, or an earlier one): the delta's code reaches them by name there, and the delta keeps no copy of them.
/// The live file the host reads does not have them, so there is nothing to import them from.</summary>
internal sealed class RuntimeWorld
{
    readonly HashSet<TypeDefinition> _types = new();
    readonly HashSet<IMemberDefinition> _members = new();
    readonly LiveBinding _binding;
    readonly LiveImporter _import;
    AssemblyNameReference? _live;

    public RuntimeWorld(LiveBinding binding, ChangeSet changes, LiveImporter import)
    {
        _binding = binding;
        _import = import;
        foreach (var t in binding.DeltaTypes.Where(t => binding.Live.RuntimeTypes.Contains(t.FullName))) AddType(t);
        foreach (var c in changes.Changes.Where(c => c.ThroughRuntime && c.Kind == ChangeKind.Added))
        {
            if (c.Type is { } type) AddType(type);
            if (c.Method is { } method) _members.Add(method);
            if (c.Field is { } field) _members.Add(field);
        }
        foreach (var (t, _) in binding.Types)
        foreach (var member in t.Methods.Cast<IMemberDefinition>().Concat(t.Fields))
            if (binding.Live.RuntimeMembers.Contains(member is MethodDefinition m ? MemberKey.Of(m) : MemberKey.Of((FieldDefinition)member)))
                _members.Add(member);
    }

    void AddType(TypeDefinition type)
    {
        _types.Add(type);
        foreach (var nested in type.NestedTypes) AddType(nested);
    }

    public bool Contains(TypeDefinition type) => _types.Contains(type);

    public bool Contains(IMemberDefinition member) => _members.Contains(member) || member.DeclaringType is { } owner && _types.Contains(owner);

    /// <summary>The live assembly's type of this name.</summary>
    public TypeReference Reference(TypeDefinition type)
    {
        var scope = _live ??= LiveAssembly(type.Module);
        var made = new TypeReference(type.Namespace, type.Name, type.Module, scope, type.IsValueType);
        if (type.DeclaringType is { } outer) made.DeclaringType = Owner(outer);
        return made;
    }

    /// <summary>The live method of this name and signature.</summary>
    public MethodReference Reference(MethodDefinition method, TypeMapper mapper)
    {
        var made = new MethodReference(method.Name, method.Module.TypeSystem.Void, Owner(method.DeclaringType))
        {
            HasThis = method.HasThis, ExplicitThis = method.ExplicitThis, CallingConvention = method.CallingConvention,
        };
        foreach (var g in method.GenericParameters) made.GenericParameters.Add(new GenericParameter(g.Name, made));
        TypeReference Signature(TypeReference t) =>
            t is GenericParameter { Type: GenericParameterType.Method } g && g.Owner == method ? made.GenericParameters[g.Position] : mapper.Map(t);
        made.ReturnType = Signature(method.ReturnType);
        foreach (var p in method.Parameters) made.Parameters.Add(new ParameterDefinition(p.Name, p.Attributes, Signature(p.ParameterType)));
        return made;
    }

    public FieldReference Reference(FieldDefinition field, TypeMapper mapper) => new(field.Name, mapper.Map(field.FieldType), Owner(field.DeclaringType));

    /// <summary>A member's owner: the live type (from the live file), or a type the runtime added (by name).</summary>
    TypeReference Owner(TypeDefinition type) =>
        _binding.Types.TryGetValue(type, out var live) ? _import.Type(live) : Reference(type);

    AssemblyNameReference LiveAssembly(ModuleDefinition module)
    {
        var name = _binding.Live.Original.GetName();
        return module.AssemblyReferences.FirstOrDefault(a => a.Name == name.Name) ?? Added(module, new AssemblyNameReference(name.Name, name.Version)
        {
            PublicKeyToken = name.GetPublicKeyToken() ?? [],
        });
    }

    static AssemblyNameReference Added(ModuleDefinition module, AssemblyNameReference reference)
    {
        module.AssemblyReferences.Add(reference);
        return reference;
    }

    /// <summary>Takes the runtime's types and methods out of the delta, once nothing in it names them any more.
    /// Static fields stay: a holder computes an added field's initial value into its own, for the agent to copy.</summary>
    public void RemoveFrom(ModuleDefinition module)
    {
        foreach (var type in _types.Where(t => t.DeclaringType is null || !_types.Contains(t.DeclaringType)).ToList())
            if (type.DeclaringType is { } outer) outer.NestedTypes.Remove(type);
            else module.Types.Remove(type);
        foreach (var method in _members.OfType<MethodDefinition>().ToList())
            method.DeclaringType?.Methods.Remove(method);
    }
}
