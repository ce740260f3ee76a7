using System.Reflection;
using System.Runtime.Loader;

/// <summary>The .NET startup-hook entry (DOTNET_STARTUP_HOOKS, or the app's runtimeconfig). It must be in the
/// global namespace. It decides in microseconds whether this process is the app Detour was asked to patch; if so
/// it loads the agent into a private load context, so the app's own copies of any library are never disturbed.</summary>
internal static class StartupHook
{
    public static void Initialize()
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            if (!Detour.Agent.Activation.IsTheApp(out _)) return;
            string here = Path.GetDirectoryName(typeof(StartupHook).Assembly.Location)!;
            var context = new AgentLoadContext(here);
            var agent = context.LoadFromAssemblyPath(Path.Combine(here, "Detour.Agent.dll"));
            agent.GetType("Detour.Agent.AgentMain", throwOnError: true)!.GetMethod("Start", BindingFlags.Public | BindingFlags.Static)!.Invoke(null, [started]);
        }
        catch (Exception e)
        {
            // Nothing of Detour's may reach the app: one line, and the app runs on unpatched.
            try { Console.Error.WriteLine($"detour: inactive: the agent could not start ({e.GetType().Name}: {e.Message})"); } catch { }
        }
    }

    /// <summary>The agent and its engine, resolved from the agent's own folder and nowhere else.</summary>
    sealed class AgentLoadContext(string folder) : AssemblyLoadContext("Detour.Agent")
    {
        protected override Assembly? Load(AssemblyName name)
        {
            string candidate = Path.Combine(folder, name.Name + ".dll");
            return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
        }
    }
}
