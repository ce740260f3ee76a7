using Mono.Cecil;

namespace Detour.Host.Model;

/// <summary>Names one member of the program the same way in every generation: its type's metadata name
/// ("Ns.Outer/Inner"), its name, and for a method the signature that tells overloads apart. A type itself has an
/// empty <see cref="Name"/>.</summary>
public readonly record struct MemberKey(string TypeName, string Name, string Signature = "")
{
    public static MemberKey Of(MethodReference method) =>
        new(method.DeclaringType.FullName, method.Name,
            $"({string.Join(",", method.Parameters.Select(p => p.ParameterType.FullName))}){method.ReturnType.FullName}");

    public static MemberKey Of(FieldReference field) => new(field.DeclaringType.FullName, field.Name);

    public static MemberKey ForType(string typeName) => new(typeName, "");

    public static MemberKey StaticConstructorOf(string typeName) => new(typeName, ".cctor");

    public bool IsType => Name.Length == 0;

    /// <summary>The entry point's own statements, without the lambdas and local functions it holds.</summary>
    public MemberKey Statements => this with { Signature = Signature + "#statements" };

    /// <summary>"Ns.Type::Name(params)Return", or the type's name.</summary>
    public override string ToString() => IsType ? TypeName : $"{TypeName}::{Name}{Signature}";
}
