using System.Diagnostics;
using System.Text.Json;
using Detour.Channel;
using Detour.Host;
using Detour.Host.Serving;

namespace Detour.Tool;

/// <summary>`dotnet detour run`: builds the project in Debug, hosts its compile host in this process (warm before the
/// app's first line, and across restarts), and runs the app with the agent attached through DOTNET_STARTUP_HOOKS,
/// set on the app's process only. The app keeps the terminal; the tool exits with the app's exit code.</summary>
public sealed class RunCommand(string project, bool restartOnRude, ToolOutput output, string[] appArguments)
{
    public static string TargetsFile => Path.Combine(AppContext.BaseDirectory, "build", "Detour.Manifest.targets");
    static string AgentFile => Path.Combine(AppContext.BaseDirectory, "agent", "Detour.Agent.dll");

    readonly object _gate = new();
    Process? _app;
    bool _restarting;

    public int Execute()
    {
        var warm = new Thread(WarmUpCompiler) { IsBackground = true, Name = "detour warm-up" };
        warm.Start();
        using var server = StartHost();
        server.AppConnected += reloader => reloader.Reported += report =>
        {
            if (report.Succeeded && report.Members.Any(m => m.HiddenFromReflection) && !restartOnRude)
                output.Info("what this edit added is hidden from reflection until a restart: type %restart in the app, or run `dotnet detour restart`");
            if (!report.NeedsRestart) return;
            if (restartOnRude) { output.Info("restarting the app (--restart-on-rude)"); Restart(); }
            else output.Error("this edit needs a restart: type %restart in the app, or run `dotnet detour restart` in another terminal");
        };
        server.RestartRequested = _ => Restart();
        Console.CancelKeyPress += (_, e) => e.Cancel = true; // Ctrl+C is the app's; the tool ends when the app does
        // Ended any other way (SIGTERM, say), the tool takes its app with it, as `dotnet watch` does.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { lock (_gate) { _restarting = false; Kill(_app); } };

        while (true)
        {
            DotnetCli.Build(project, TargetsFile, output);
            var info = DotnetCli.GetRunInfo(project);
            WarmUpProject(info.TargetPath, warm);
            var app = Start(info, server.SocketPath);
            lock (_gate) { _app = app; _restarting = false; }
            app.WaitForExit();
            lock (_gate)
            {
                if (!_restarting)
                {
                    output.Verbose($"the app exited with {app.ExitCode}");
                    return app.ExitCode;
                }
            }
            output.Info("restarting: building the app again");
        }
    }

    HostServer StartHost()
    {
        string socket = UserSocket.PathFor(project);
        // A background host of the Detour package may hold the project's socket: it steps aside for this one.
        if (File.Exists(socket)) ChannelClient.Send(socket, "shutdown", out _);
        for (int attempt = 0; ; attempt++)
        {
            try { return new HostServer(socket, TargetsFile, output.Host, project); }
            catch (ChannelException) when (attempt < 50) { Thread.Sleep(100); }
        }
    }

    Process Start(DotnetCli.RunInfo info, string socket)
    {
        var start = new ProcessStartInfo(info.Command) { UseShellExecute = false, WorkingDirectory = info.WorkingDirectory };
        foreach (var a in SplitArguments(info.Arguments)) start.ArgumentList.Add(a);
        foreach (var a in appArguments) start.ArgumentList.Add(a);
        // The Detour package's agent is already the app's startup hook; a second copy must not be added.
        if (!StartsItsOwnAgent(info.TargetPath))
            start.Environment["DOTNET_STARTUP_HOOKS"] = AgentFile;
        start.Environment[AgentSettings.HostVariable] = socket;
        start.Environment[AgentSettings.AppVariable] = info.TargetPath;
        start.Environment[AgentSettings.ParentVariable] = Environment.ProcessId.ToString();
        output.Verbose($"starting {info.Command} {info.Arguments}");
        return Process.Start(start) ?? throw new ToolException($"could not start {info.Command}");
    }

    static bool StartsItsOwnAgent(string targetPath)
    {
        string config = Path.ChangeExtension(targetPath, ".runtimeconfig.json");
        if (!File.Exists(config)) return false;
        using var json = JsonDocument.Parse(File.ReadAllText(config));
        return json.RootElement.TryGetProperty("runtimeOptions", out var options) &&
               options.TryGetProperty("configProperties", out var properties) &&
               properties.TryGetProperty(AgentSettings.ProjectSetting, out _);
    }

    void Restart()
    {
        lock (_gate)
        {
            if (_app is null || _restarting) return;
            _restarting = true;
            Kill(_app);
        }
    }

    static void Kill(Process? app)
    {
        try { if (app is { HasExited: false }) app.Kill(entireProcessTree: true); }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception) { }
    }

    /// <summary>RunArguments as MSBuild writes them: space-separated, double quotes around arguments with spaces.</summary>
    static IEnumerable<string> SplitArguments(string arguments)
    {
        var current = new System.Text.StringBuilder();
        bool quoted = false, any = false;
        foreach (char c in arguments)
        {
            if (c == '"') { quoted = !quoted; any = true; }
            else if (c == ' ' && !quoted) { if (any) yield return current.ToString(); current.Clear(); any = false; }
            else { current.Append(c); any = true; }
        }
        if (any) yield return current.ToString();
    }

    /// <summary>The host is warm before the app's first line: the project's references are read and one of its files
    /// compiled (a few hundred milliseconds, once per tool run; restarts find it done).</summary>
    void WarmUpProject(string targetPath, Thread compilerWarmUp)
    {
        if (_projectWarm) return;
        var clock = Stopwatch.StartNew();
        compilerWarmUp.Join();
        try { HostWarmUp.Project(targetPath, TargetsFile); }
        catch (Exception e) { output.Verbose($"warm-up of the project failed: {e.Message}"); }
        _projectWarm = true;
        output.Verbose($"compile host warm in {clock.ElapsedMilliseconds} ms");
    }

    bool _projectWarm;

    /// <summary>Roslyn, Cecil and the metadata reader are JIT-compiled while the app builds and starts.</summary>
    public static void WarmUpCompiler()
    {
        try { HostWarmUp.Run(); }
        catch (Exception) { /* only a warm-up */ }
    }
}
