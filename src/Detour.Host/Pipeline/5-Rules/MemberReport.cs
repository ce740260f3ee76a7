using Detour.Host.Diffing;

namespace Detour.Host.Rules;

public enum MemberStatus { Patched, Added, Removed, Skipped, Failed }

/// <summary>One line of an edit's report: a member, what happened to it, and why.</summary>
public sealed record MemberReport(string Member, MemberKind Kind, MemberStatus Status, string Reason)
{
    /// <summary>Added, and callable from new code, but frameworks that discover members by reflection on the running
    /// types and assemblies do not see it; a restart publishes it.</summary>
    public bool HiddenFromReflection { get; init; }

    /// <summary>Applied, but part of it takes effect only at a restart (the reason says which part).</summary>
    public bool RestartToSee { get; init; }
}
