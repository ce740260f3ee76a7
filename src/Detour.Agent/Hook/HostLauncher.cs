using System.Diagnostics;
using Detour.Channel;

namespace Detour.Agent;

/// <summary>Finds the compile host of the app's project, or starts one: a background process per user and
/// project that outlives the app for a while, so the next run finds it warm.</summary>
internal static class HostLauncher
{
    public static string SocketOfProject() =>
        UserSocket.PathFor(AppContext.GetData(AgentSettings.ProjectSetting) as string ?? throw new InvalidOperationException("no project named"));

    /// <param name="restarted">A host of this app died: the new one is not given the faults injected into the first.</param>
    public static Stream Connect(string socketPath, bool startIfAbsent, bool restarted = false)
    {
        if (UserSocket.TryConnectStream(socketPath) is { } stream) return stream;
        if (!startIfAbsent) throw new InvalidOperationException($"no compile host at {socketPath}");
        StartHost(restarted);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (UserSocket.TryConnectStream(socketPath) is { } started) return started;
            Thread.Sleep(50);
        }
        throw new InvalidOperationException("the compile host did not start within 30 s");
    }

    /// <summary>dotnet &lt;host&gt; serve --project P, detached from the app: its own session, no terminal, and
    /// no startup hook of its own.</summary>
    static void StartHost(bool restarted)
    {
        string host = AppContext.GetData(AgentSettings.HostPathSetting) as string ?? throw new InvalidOperationException("no compile host named in the runtimeconfig");
        string project = (string)AppContext.GetData(AgentSettings.ProjectSetting)!;
        // A session of its own, so Ctrl+C in the app's terminal does not reach it; no terminal for its input or output.
        // Windows: a hidden console of its own does both.
        var (file, arguments) = OperatingSystem.IsWindows()
            ? (DotnetExecutable.Path, new[] { host, "serve", "--project", project })
            : ("setsid", ["sh", "-c", "exec \"$@\" </dev/null >/dev/null 2>&1", "sh", DotnetExecutable.Path, host, "serve", "--project", project]);
        var start = new ProcessStartInfo(file) { UseShellExecute = false, CreateNoWindow = OperatingSystem.IsWindows() };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment.Remove("DOTNET_STARTUP_HOOKS");
        if (restarted) start.Environment.Remove(InjectedFaults.Variable);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the compile host");
    }
}
