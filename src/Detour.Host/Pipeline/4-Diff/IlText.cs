using System.Text;
using Detour.Host.Model;
using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Detour.Host.Diffing;

/// <summary>A method's IL as text independent of metadata tokens and of which generation compiled
/// it, so two compiles of the same source compare equal. Compiler-generated code it reaches
/// (lambdas, closures, state machines) is folded in, so editing a lambda changes its owner too.</summary>
internal static class IlText
{
    /// <summary>The text of every method of the module, its attributes included; the entry point's own statements under
    /// <see cref="MemberKey.Statements"/>.</summary>
    public static Dictionary<MemberKey, string> MemberTexts(ModuleDefinition module)
    {
        var texts = new Dictionary<MemberKey, string>();
        foreach (var t in ModuleTypes.All(module))
        {
            if (!CompilerNames.IsGenerated(t)) texts[MemberKey.ForType(t.FullName)] = AttributesOfType(t);
            foreach (var m in t.Methods)
                texts[MemberKey.Of(m)] = WithAttributes(m);
        }
        if (module.EntryPoint is { } main) texts[MemberKey.Of(main).Statements] = Of(main, foldLambdas: false);
        return texts;
    }

    /// <param name="foldLambdas">false: lambdas and local functions the method reaches are left out (they are members of
    /// their own), state machines are still folded in. What the method's own statements do.</param>
    public static string Of(MethodDefinition method, bool foldLambdas = true)
    {
        var text = new StringBuilder();
        var seen = new HashSet<MethodDefinition>();
        Append(method, text, seen, foldLambdas);
        return text.ToString();
    }

    static void Append(MethodDefinition method, StringBuilder text, HashSet<MethodDefinition> seen, bool foldLambdas)
    {
        if (!seen.Add(method)) return;
        text.Append(MemberKey.Of(method)).Append(' ').Append(method.Attributes).Append('\n');
        if (!method.HasBody) return;
        var body = method.Body;
        var index = body.Instructions.Select((ins, i) => (ins, i)).ToDictionary(p => p.ins, p => p.i);
        foreach (var v in body.Variables) text.Append("local ").Append(v.VariableType.FullName).Append('\n');
        var reached = new List<MethodDefinition>();
        foreach (var ins in body.Instructions)
        {
            text.Append(ins.OpCode.Name).Append(' ');
            switch (ins.Operand)
            {
                case Instruction target: text.Append('@').Append(index[target]); break;
                case Instruction[] targets: text.Append(string.Join(",", targets.Select(t => index[t]))); break;
                case MethodReference m:
                    text.Append(MemberKey.Of(m));
                    if (CompilerNames.IsGenerated(m) && InModule(m.DeclaringType, method.Module) && m.Resolve() is { } md && (foldLambdas || !CompilerNames.IsLambdaOrLocalFunction(md.Name)))
                    {
                        reached.Add(md);
                        if (FoldsWhole(md.DeclaringType)) reached.AddRange(md.DeclaringType.Methods);
                    }
                    break;
                case FieldReference f:
                    text.Append(f.DeclaringType.FullName).Append("::").Append(f.Name);
                    if (CompilerNames.IsGenerated(f.DeclaringType) && InModule(f.DeclaringType, method.Module) && f.DeclaringType.Resolve() is { } owner && FoldsWhole(owner))
                        reached.AddRange(owner.Methods);
                    break;
                case TypeReference t:
                    text.Append(t.FullName);
                    if (CompilerNames.IsGenerated(t) && InModule(t, method.Module) && t.Resolve() is { } td) reached.AddRange(td.Methods);
                    break;
                case VariableDefinition v: text.Append('v').Append(v.Index); break;
                case ParameterDefinition p: text.Append('p').Append(p.Index); break;
                case string s: text.Append('"').Append(s).Append('"'); break;
                case null: break;
                default: text.Append(ins.Operand); break;
            }
            text.Append('\n');
        }
        foreach (var h in body.ExceptionHandlers)
            text.Append($"try {index[h.TryStart]} {h.HandlerType} {h.CatchType?.FullName}\n");
        foreach (var r in reached) Append(r, text, seen, foldLambdas);
    }

    /// <summary>Between a member's IL and its attributes in <see cref="WithAttributes"/>.</summary>
    public const string AttributeSeparator = "\n@attributes\n";

    /// <summary>IL text followed by the member's own custom attributes (those a user writes).</summary>
    public static string WithAttributes(MethodDefinition method) => Of(method) + AttributeSeparator + AttributesOf(method);

    public static bool BodiesDiffer(string before, string now) => BodyOf(before) != BodyOf(now);

    static string BodyOf(string text) => text.IndexOf(AttributeSeparator, StringComparison.Ordinal) is var at and >= 0 ? text[..at] : text;

    // Bookkeeping the compiler writes; they follow the code, not the user's intent.
    static readonly HashSet<string> CompilerAttributes =
    [
        "System.Runtime.CompilerServices.CompilerGeneratedAttribute", "System.Runtime.CompilerServices.AsyncStateMachineAttribute",
        "System.Runtime.CompilerServices.IteratorStateMachineAttribute", "System.Runtime.CompilerServices.AsyncIteratorStateMachineAttribute",
        "System.Runtime.CompilerServices.NullableAttribute", "System.Runtime.CompilerServices.NullableContextAttribute",
        "System.Diagnostics.DebuggerStepThroughAttribute", "System.Diagnostics.DebuggerHiddenAttribute",
    ];

    /// <summary>A type's own attributes ([Flags], a component's [Route]); the build's bookkeeping (nullability, Razor's
    /// checksums) is left out.</summary>
    static string AttributesOfType(TypeDefinition type)
    {
        var text = new StringBuilder();
        foreach (var a in type.CustomAttributes.Where(a => !CompilerAttributes.Contains(a.AttributeType.FullName) &&
                                                           a.AttributeType.Namespace != "Microsoft.AspNetCore.Razor.Hosting"))
            AppendAttribute(text, "type", a);
        return text.ToString();
    }

    static void AppendAttribute(StringBuilder text, string where, CustomAttribute a) =>
        text.Append(where).Append(' ').Append(a.AttributeType.FullName).Append('(')
            .Append(string.Join(",", a.ConstructorArguments.Select(Value)))
            .Append(string.Join(",", a.Properties.Concat(a.Fields).Select(n => n.Name + "=" + Value(n.Argument))))
            .Append(")\n");

    static string AttributesOf(MethodDefinition method)
    {
        var text = new StringBuilder();
        void Add(string where, ICustomAttributeProvider provider)
        {
            foreach (var a in provider.CustomAttributes.Where(a => !CompilerAttributes.Contains(a.AttributeType.FullName)))
                AppendAttribute(text, where, a);
        }
        Add("method", method);
        Add("return", method.MethodReturnType);
        foreach (var p in method.Parameters) Add("parameter " + p.Index, p);
        return text.ToString();
    }

    static string Value(CustomAttributeArgument argument) => argument.Value switch
    {
        TypeReference t => t.FullName,
        CustomAttributeArgument[] items => "[" + string.Join(",", items.Select(Value)) + "]",
        CustomAttributeArgument inner => Value(inner),
        var v => v?.ToString() ?? "null",
    };

    /// <summary>Resolving a reference into another assembly would load it; generated code is always local.</summary>
    static bool InModule(TypeReference t, ModuleDefinition module) => t.Scope == module;

    /// <summary>Generated code reached only in part through its references is folded in whole: a state
    /// machine's MoveNext is called through an interface, and a source generator's helper type (a regex
    /// runner, say) through virtual calls. Lambda classes are not: they are shared by every lambda of a
    /// type, and each lambda is folded into the methods that reach it.</summary>
    static bool FoldsWhole(TypeDefinition t) => CompilerNames.IsGenerated(t) && !t.Name.StartsWith(CompilerNames.LambdaClass);
}
