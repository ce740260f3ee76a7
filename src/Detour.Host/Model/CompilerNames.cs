using Mono.Cecil;

namespace Detour.Host.Model;

/// <summary>How the C# compiler names what it generates: lambdas "&lt;M&gt;b__1_0", local functions "&lt;M&gt;g__F|1_0",
/// the lambda class "&lt;&gt;c" and display classes "&lt;&gt;c__DisplayClass1_0", delegate caches "&lt;&gt;9__1_0" and
/// backing fields "&lt;P&gt;k__BackingField". Nothing a user writes contains '&lt;'.</summary>
public static class CompilerNames
{
    public const string LambdaClass = "<>c";
    public const string DisplayClassPrefix = "<>c__DisplayClass";
    const string LambdaMarker = ">b__", LocalFunctionMarker = ">g__", BackingFieldSuffix = ">k__BackingField";

    public static bool IsGenerated(string name) => name.Contains('<');

    /// <summary>The member, or the type that declares it, is the compiler's.</summary>
    public static bool IsGenerated(MemberReference member) =>
        IsGenerated(member.Name) || (member.DeclaringType is { } owner && IsGenerated(owner));

    public static bool IsLambda(string name) => name.Contains(LambdaMarker, StringComparison.Ordinal);

    public static bool IsLocalFunction(string name) => name.Contains(LocalFunctionMarker, StringComparison.Ordinal);

    /// <summary>The name a local function was written with: "Draw" for "&lt;&lt;Main&gt;$&gt;g__Draw|0_0".</summary>
    public static string LocalFunctionName(string name)
    {
        int start = name.IndexOf(LocalFunctionMarker, StringComparison.Ordinal);
        if (start < 0) return name;
        start += LocalFunctionMarker.Length;
        int bar = name.IndexOf('|', start);
        return bar > start ? name[start..bar] : name[start..];
    }

    public static bool IsLambdaOrLocalFunction(string name) => IsLambda(name) || IsLocalFunction(name);

    /// <summary>The class of an async method or iterator: "&lt;ExecuteAsync&gt;d__1".</summary>
    public static bool IsStateMachine(string typeName) => typeName.StartsWith('<') && typeName.Contains(">d__", StringComparison.Ordinal);

    public static bool IsClosureClass(string typeName) => typeName == LambdaClass || IsDisplayClass(typeName);

    public static bool IsDisplayClass(string typeName) => typeName.StartsWith(DisplayClassPrefix, StringComparison.Ordinal);

    /// <summary>"Ns.Owner/&lt;&gt;c__DisplayClass1_0" and the like: a closure class nested in a user type.</summary>
    public static bool IsClosureOf(string nestedTypeName) => nestedTypeName.Contains("/<>c", StringComparison.Ordinal);

    /// <summary>The method the compiler makes of a top-level program's statements.</summary>
    public const string TopLevelEntryPoint = "<Main>$";

    /// <summary>The method a lambda or local function was written in: "Twice" for "&lt;Twice&gt;b__1_0"; the name
    /// itself for anything else.</summary>
    public static string OwningMethod(string name)
    {
        if (!name.StartsWith('<') || name == TopLevelEntryPoint) return name;
        // The '>' that closes the first '<': a top-level program's "<<Main>$>b__0_0" belongs to "<Main>$".
        for (int i = 1, depth = 1; i < name.Length; i++)
        {
            if (name[i] == '<') depth++;
            else if (name[i] == '>' && --depth == 0) return i > 1 ? name[1..i] : name;
        }
        return name;
    }

    /// <summary>The type a closure class's members belong to: "Ns.Owner" for "Ns.Owner/&lt;&gt;c".</summary>
    public static string OwningType(string typeName)
    {
        int closure = typeName.IndexOf("/<", StringComparison.Ordinal);
        return closure >= 0 ? typeName[..closure] : typeName;
    }

    /// <summary>The text after a lambda's marker: "5_0" in "&lt;M&gt;b__5_0", or null for a name that is no lambda.</summary>
    public static string? LambdaOrdinals(string name)
    {
        int at = name.LastIndexOf(LambdaMarker, StringComparison.Ordinal);
        return name.StartsWith('<') && at >= 0 ? name[(at + LambdaMarker.Length)..] : null;
    }

    public static string Lambda(string method, string ordinals) => $"<{method}>{LambdaMarker[1..]}{ordinals}";

    /// <summary>The static field of "&lt;&gt;c" that caches a lambda's delegate: "&lt;&gt;9__5_0" for "&lt;M&gt;b__5_0".</summary>
    public static string DelegateCacheOf(string lambda) => "<>9__" + LambdaOrdinals(lambda);

    public static bool IsBackingField(string name) => name.StartsWith('<') && name.EndsWith(BackingFieldSuffix, StringComparison.Ordinal);

    /// <summary>"P" for "&lt;P&gt;k__BackingField".</summary>
    public static string PropertyOfBackingField(string name) => name[1..name.IndexOf('>')];

    public static string BackingFieldOf(string property) => $"<{property}{BackingFieldSuffix}";

    /// <summary>The name source code uses for an accessor's property or event: "Label" for get_Label.</summary>
    public static string WithoutAccessorPrefix(string name)
    {
        foreach (var prefix in AccessorPrefixes)
            if (name.StartsWith(prefix, StringComparison.Ordinal)) return name[prefix.Length..];
        return name;
    }

    public static bool IsPropertyAccessor(string name) => name.StartsWith("get_", StringComparison.Ordinal) || name.StartsWith("set_", StringComparison.Ordinal);

    static readonly string[] AccessorPrefixes = ["get_", "set_", "add_", "remove_", "op_"];
}
