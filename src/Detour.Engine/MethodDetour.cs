using System.Reflection;

namespace Detour.Engine;

/// <summary>A detour installed on one original method. Holding the replacement keeps its
/// (possibly collectible) assembly alive; retargeting or undoing lets it go.</summary>
public sealed class MethodDetour
{
    internal MethodDetour(MethodBase original, IRedirect redirect)
    {
        Original = original;
        Redirect = redirect;
    }

    internal IRedirect Redirect { get; }

    public MethodBase Original { get; }

    /// <summary>The method callers reach now; null once undone.</summary>
    public MethodBase? Replacement { get; internal set; }

    public bool IsActive => Replacement is not null;

    /// <summary>Sends calls to a newer replacement (the next edit of the same method).</summary>
    public void Retarget(MethodBase replacement) => new DetourTransaction().Retarget(this, replacement).Commit();

    /// <summary>Lets the original code run again.</summary>
    public void Undo() => new DetourTransaction().Undo(this).Commit();

    public override string ToString() =>
        $"{MethodNames.Describe(Original)} -> {(Replacement is null ? "(original)" : MethodNames.Describe(Replacement))}";
}
