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
            return string.Equals(app, entry.Location, StringComparison.Ordinal); // the tool passes the full path
        // Zero-config: the app's own runtimeconfig names its project; no other process has that setting.
        return AppContext.GetData(ProjectSetting) is string project && project.Length > 0;
    }

    /// <summary>A child process the app started may inherit the app's environment, startup hook included (the agent
    /// clears it for children started through Process, not for those native code starts); it is the app only if its
    /// parent is the tool. Checked on the agent's thread, not the app's main thread.</summary>
    public static bool ParentDidNotClaimIt() =>
        Environment.GetEnvironmentVariable(ParentVariable) is not { Length: > 0 } parent ||
        (int.TryParse(parent, out int pid) && ParentProcessId() == pid);

    /// <summary>getppid(2): no file to read, so no I/O on the app's main thread.</summary>
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "getppid")]
    static extern int GetParentProcessId();

    static int ParentProcessId() => OperatingSystem.IsWindows() ? -1 : GetParentProcessId();

    /// <summary>Children the app starts must not take themselves for the app.</summary>
    public static void HideFromChildren()
    {
        foreach (var name in new[] { "DOTNET_STARTUP_HOOKS", HostVariable, AppVariable, ParentVariable })
            Environment.SetEnvironmentVariable(name, null);
        if (Environment.GetEnvironmentVariable(ModifiableVariable) is not null)
            foreach (var name in new[] { "DOTNET_MODIFIABLE_ASSEMBLIES", ModifiableVariable })
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
