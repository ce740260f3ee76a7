using Mono.Cecil;

namespace Detour.Host.Compiling;

/// <summary>Rewrites type references anywhere in a signature through one mapping of type definitions, and
/// optionally one of references to other assemblies.</summary>
internal sealed class TypeMapper(Func<TypeDefinition, TypeReference?> map, Func<TypeReference, TypeReference?>? external = null)
{
    public TypeReference Map(TypeReference type) => type switch
    {
        null => null!,
        GenericParameter => type,
        ArrayType a => Rebuild(a, a.ElementType, e => WithDimensionsOf(a, new ArrayType(e, a.Rank))),
        ByReferenceType b => Rebuild(b, b.ElementType, e => new ByReferenceType(e)),
        PointerType p => Rebuild(p, p.ElementType, e => new PointerType(e)),
        PinnedType p => Rebuild(p, p.ElementType, e => new PinnedType(e)),
        RequiredModifierType r => Rebuild(r, r.ElementType, e => new RequiredModifierType(Map(r.ModifierType), e)),
        OptionalModifierType o => Rebuild(o, o.ElementType, e => new OptionalModifierType(Map(o.ModifierType), e)),
        GenericInstanceType g => MapGenericInstance(g),
        TypeDefinition d => map(d) ?? d,
        _ => external?.Invoke(type) ?? type,
    };

    /// <summary>C# gives multi-dimensional arrays lower bounds of 0 ("int[0...,0...]"), and the runtime compares bounds
    /// when it matches a member's signature: a rebuilt array keeps the original's dimensions exactly.</summary>
    static ArrayType WithDimensionsOf(ArrayType original, ArrayType made)
    {
        if (original.IsVector) return made;
        made.Dimensions.Clear();
        foreach (var d in original.Dimensions) made.Dimensions.Add(new ArrayDimension(d.LowerBound, d.UpperBound));
        return made;
    }

    TypeReference Rebuild(TypeReference original, TypeReference element, Func<TypeReference, TypeReference> make)
    {
        var mapped = Map(element);
        return ReferenceEquals(mapped, element) ? original : make(mapped);
    }

    TypeReference MapGenericInstance(GenericInstanceType g)
    {
        var element = Map(g.ElementType);
        var args = g.GenericArguments.Select(Map).ToList();
        if (ReferenceEquals(element, g.ElementType) && args.SequenceEqual(g.GenericArguments, ReferenceEqualityComparer.Instance)) return g;
        var made = new GenericInstanceType(element);
        foreach (var a in args) made.GenericArguments.Add(a);
        return made;
    }

    public bool Changes(TypeReference type) => !ReferenceEquals(Map(type), type);

    /// <summary>Rewrites the signatures a type declares: base, interfaces, fields, methods, properties, events.</summary>
    public void MapSignatures(TypeDefinition type)
    {
        if (type.BaseType is not null) type.BaseType = Map(type.BaseType);
        foreach (var i in type.Interfaces) i.InterfaceType = Map(i.InterfaceType);
        foreach (var f in type.Fields) f.FieldType = Map(f.FieldType);
        foreach (var p in type.Properties) p.PropertyType = Map(p.PropertyType);
        foreach (var e in type.Events) e.EventType = Map(e.EventType);
        foreach (var g in type.GenericParameters) MapConstraints(g);
        foreach (var m in type.Methods)
        {
            m.ReturnType = Map(m.ReturnType);
            foreach (var p in m.Parameters) p.ParameterType = Map(p.ParameterType);
            foreach (var g in m.GenericParameters) MapConstraints(g);
            if (m.HasBody) foreach (var v in m.Body.Variables) v.VariableType = Map(v.VariableType);
        }
    }

    void MapConstraints(GenericParameter g)
    {
        foreach (var c in g.Constraints) c.ConstraintType = Map(c.ConstraintType);
    }
}
