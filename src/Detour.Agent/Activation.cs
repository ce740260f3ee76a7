using System.Reflection;
using static Detour.Channel.AgentSettings;

namespace Detour.Agent;

/// <summary>Whether this process is the user's app, and how to reach its compile host. Everything else (the
/// dotnet CLI, MSBuild, the compilers, child processes the app starts) is left alone, silently.</summary>
public static class Activation
{
    public static bool IsTheApp(out string why)
    {
        why = "";
        if (Environment.GetEnvironmentVariable("DETOUR_DISABLE") == "1") { why = "DETOUR_DISABLE=1"; return false; }
        var entry = Assembly.GetEntryAssembly();
        if (entry is null || string.IsNullOrEmpty(entry.Location)) return false;
        string? app = Environment.GetEnvironmentVariable(AppVariable);
        if (!string.IsNullOrEmpty(app))
            return string.Equals(Path.GetFullPath(app), entry.Location, StringComparison.Ordinal) && ParentDidNotClaimIt();
        // Zero-config: the app's own runtimeconfig names its project; no other process has that setting.
        return AppContext.GetData(ProjectSetting) is string project && project.Length > 0;
    }

    /// <summary>A child process the app started inherits the app's environment, including the startup hook; it is
    /// the app only if it is the process the tool started (the tool names its pid once it has one).</summary>
    static bool ParentDidNotClaimIt() =>
        Environment.GetEnvironmentVariable(ParentVariable) is not { Length: > 0 } parent ||
        (int.TryParse(parent, out int pid) && ParentProcessId() == pid);

    static int ParentProcessId()
    {
        try
        {
            // /proc/self/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ')'.
            string stat = File.ReadAllText("/proc/self/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]);
        }
        catch (Exception) { return -1; }
    }

    /// <summary>Children the app starts must not take themselves for the app.</summary>
    public static void HideFromChildren()
    {
        foreach (var name in new[] { "DOTNET_STARTUP_HOOKS", HostVariable, AppVariable, ParentVariable })
            Environment.SetEnvironmentVariable(name, null);
    }


    /// <summary>Detour's lines go to stderr, never to the app's stdout; on a terminal the app's current line
    /// (which it may be redrawing with '\r') is cleared first, so the message gets a line of its own.</summary>
    public static void Say(string line)
    {
        try
        {
            string start = Console.IsErrorRedirected ? "" : "\r\u001b[K";
            Console.Error.WriteLine(start + "detour: " + line);
        }
        catch { }
    }
}
