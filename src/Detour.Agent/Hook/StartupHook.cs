using System.Diagnostics;
using System.Reflection;
using System.Runtime.Loader;
using Detour.Agent;

/// <summary>The .NET startup-hook entry (DOTNET_STARTUP_HOOKS, or the app's runtimeconfig). It must be in the
/// global namespace. On the app's main thread it only decides whether this process is the app Detour was asked to
/// patch, puts the %-line filter in front of Console.In (so even the app's first ReadLine goes through it) and starts
/// a thread. That thread loads the agent into a private load context, so the app's own copies of any library are
/// never disturbed.</summary>
internal static class StartupHook
{
    public static void Initialize()
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            if (!Activation.IsTheApp(out _)) return;
            string? socket = Environment.GetEnvironmentVariable(Detour.Channel.AgentSettings.HostVariable);
            Activation.HideFromChildren();
            var filter = CommandFilter.Wanted() ? CommandFilter.Install() : null;
            string here = Path.GetDirectoryName(typeof(StartupHook).Assembly.Location)!;
            double mainThreadMs = 0;
            var thread = new Thread(() => StartAgent(here, socket, filter, mainThreadMs)) { IsBackground = true, Name = "detour agent" };
            mainThreadMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            thread.Start();
        }
        catch (Exception e)
        {
            Inactive(e);
        }
    }

    static void StartAgent(string here, string? socket, CommandFilter? filter, double mainThreadMs)
    {
        try
        {
            if (!Activation.ParentDidNotClaimIt())
            {
                if (filter is not null) filter.PassThrough = true; // a child of the app: not the app, and silent
                return;
            }
            var context = new AgentLoadContext(here);
            var agent = context.LoadFromAssemblyPath(Path.Combine(here, "Detour.Agent.dll"));
            Action<Action<string>>? attachCommands = filter is null ? null : sink => filter.Sink = sink;
            agent.GetType("Detour.Agent.AgentMain", throwOnError: true)!.GetMethod("Run", BindingFlags.Public | BindingFlags.Static)!
                 .Invoke(null, [socket, attachCommands, mainThreadMs]);
        }
        catch (Exception e)
        {
            Inactive(e is TargetInvocationException { InnerException: { } inner } ? inner : e);
        }
    }

    /// <summary>Nothing of Detour's may reach the app: one line, and the app runs on unpatched.</summary>
    static void Inactive(Exception e)
    {
        try { Console.Error.WriteLine($"detour: inactive: the agent could not start ({e.GetType().Name}: {e.Message})"); } catch { }
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
