namespace Detour.Channel;

/// <summary>How an app is told to run its agent, and where its compile host is: the contract between the tool,
/// the Detour package's build targets and the agent.</summary>
public static class AgentSettings
{
    /// <summary>Set by `dotnet detour run` on the app's process only: the socket of its compile host, the app's
    /// assembly, and the tool's pid (the app's parent).</summary>
    public const string HostVariable = "DETOUR_HOST", AppVariable = "DETOUR_APP", ParentVariable = "DETOUR_APP_PARENT";

    /// <summary>Set with DOTNET_MODIFIABLE_ASSEMBLIES when Detour, not the user, turned the runtime's metadata updates
    /// on: the agent then clears both, so the app's own child processes start as they would without Detour.</summary>
    public const string ModifiableVariable = "DETOUR_MODIFIABLE";

    /// <summary>Written by the Detour package's build targets into a Debug app's runtimeconfig.</summary>
    public const string ProjectSetting = "Detour.Project", HostPathSetting = "Detour.HostPath";
}
