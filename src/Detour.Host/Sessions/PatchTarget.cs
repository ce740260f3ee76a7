using Detour.Channel;

namespace Detour.Host.Sessions;

/// <summary>Where a session's plans are applied: the app, through its agent.</summary>
public interface IPatchTarget
{
    PatchResult Apply(PatchPlan plan);
    RevertResult Revert(RevertRequest request);

    /// <summary>Mode 3: whether edits wait for the app's next <c>Detour.HotPatch.SafePoint()</c>.</summary>
    void WantSafePoint(bool wanted) { }

    /// <summary>The generations the app held after its latest plan, when it said.</summary>
    GenerationCounts? Generations => null;
}

/// <summary>A method of the app that runs a replacement.</summary>
public sealed record PatchedMethod(MethodHandleRef Original, string TypeName, string Name);

/// <summary>The agent rolled the plan back; the message is its reason.</summary>
internal sealed class PlanRolledBack(string message) : Exception(message);
