using System.Reflection;
using System.Runtime.Loader;

/// <summary>The .NET startup-hook entry (DOTNET_STARTUP_HOOKS). Must be in the global namespace.</summary>
internal static class StartupHook
{
    public static void Initialize()
    {
        // An app that does not reference Detour cannot resolve the agent's own dependencies.
        string here = Path.GetDirectoryName(typeof(StartupHook).Assembly.Location)!;
        AssemblyLoadContext.Default.Resolving += (context, name) =>
        {
            string candidate = Path.Combine(here, name.Name + ".dll");
            return File.Exists(candidate) ? context.LoadFromAssemblyPath(candidate) : null;
        };
        Detour.Agent.DetourAgent.StartForEntryAssembly();
    }
}
