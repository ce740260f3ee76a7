using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Detour.Channel;
using Detour.Host.Sessions;
using Detour.Host.Watching;
using Detour.Host.Serving;
using Detour.Tool.Terminal;

namespace Detour.Tool;

/// <summary>`dotnet detour run`: builds the project in Debug, hosts its compile host in this process (warm before the
/// app's first line, and across restarts), and runs the app with the agent attached through DOTNET_STARTUP_HOOKS,
/// set on the app's process only. On a terminal the app gets a pseudo-terminal of its own (Terminal/); otherwise it
/// shares the tool's handles. The tool exits with the app's exit code.</summary>
/// <param name="launchProfile">The launch profile `dotnet run` would apply (--launch-profile, or the default one); null
/// with --no-launch-profile or when the project has none.</param>
public sealed class RunCommand(string project, bool restartOnRude, ToolOutput output, string[] appArguments, LaunchProfile? launchProfile)
{
    public static string TargetsFile => Path.Combine(AppContext.BaseDirectory, "build", "Detour.Manifest.targets");
    static string AgentFile => Path.Combine(AppContext.BaseDirectory, "agent", "Detour.Agent.dll");

    readonly object _gate = new();
    PosixSignalRegistration[] _endSignals = []; // kept: a collected registration stops handling its signal
    IRunningApp? _app;
    bool _restarting;
    TerminalRelay? _terminal;
    HostServer? _server;
    IReadOnlyCollection<string>? _watchedAtRestart;

    public int Execute()
    {
        var warm = new Thread(WarmUpCompiler) { IsBackground = true, Name = "detour warm-up" };
        warm.Start();
        using var server = StartHost();
        _server = server;
        // On a terminal, the app gets a pseudo-terminal of its own, so the tool sees the keys first.
        _terminal = TerminalRelay.Wanted() ? TerminalRelay.TryStart(server.Run, () => Restart(null), () => Environment.Exit(130)) : null;
        if (_terminal is not null) output.Terminal = _terminal.Say;
        string RestartHint() => _terminal is null
            ? "type %restart in the app, or run `dotnet detour restart` in another terminal"
            : $"press {KeyRouter.RestartKeyName} to restart, or type %restart at the Detour prompt ({KeyRouter.EscapeKeyName})";
        server.AppConnected += reloader => reloader.Reported += report =>
        {
            if (report.Stages.Count > 0) output.Verbose(report.Timeline());
            if (!report.RestartWanted) return;
            if (restartOnRude && report.NeedsRestart) { output.Info("restarting the app (--restart-on-rude)"); Restart(reloader); return; }
            _terminal?.ArmRestartKey();
            if (report.NeedsRestart) output.Error(report.RestartLine(RestartHint())!);
            else if (!restartOnRude) output.Info(report.RestartLine(RestartHint())!);
        };
        server.RestartRequested = Restart;
        Console.CancelKeyPress += (_, e) => e.Cancel = true; // Ctrl+C is the app's; the tool ends when the app does
        // Ended any other way, the tool takes its app with it, as `dotnet watch` does. SIGTERM and SIGHUP need
        // registrations of their own: unhandled, their default action ends the process without ProcessExit.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => EndTheApp();
        if (!OperatingSystem.IsWindows())
            _endSignals = [PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => EndTheApp()),
                           PosixSignalRegistration.Create(PosixSignal.SIGHUP, _ => EndTheApp())];
        try
        {
            return RunUntilTheAppEnds(server.SocketPath, warm);
        }
        finally
        {
            _terminal?.Dispose();
        }
    }

    void EndTheApp()
    {
        lock (_gate) { _restarting = false; _app?.Kill(); }
        _terminal?.Dispose();
    }

    int RunUntilTheAppEnds(string socket, Thread warm)
    {
        if (launchProfile is not null) output.Info($"launch profile '{launchProfile.Name}' of {Path.GetRelativePath(Path.GetDirectoryName(Path.GetFullPath(project))!, launchProfile.FilePath)}");
        output.Info(_terminal is not null
            ? $"{KeyRouter.EscapeKeyName} opens the Detour prompt: status, reload, revert, restart, help"
            : "%help in the app (if it reads lines), or `dotnet detour --help` from another terminal, for Detour's commands");
        while (true)
        {
            var sources = SourceStamps.Of(_watchedAtRestart);
            if (!DotnetCli.Build(project, TargetsFile, output))
            {
                // A restart whose build fails waits for the fix, as `dotnet watch` does; a first build has nothing to wait on.
                string failed = $"the build of {Path.GetFileName(project)} failed; fix the errors above";
                if (sources.IsEmpty) throw new ToolException(failed + " and run again");
                output.Error(failed + " and save: the app starts again then");
                sources.WaitForASave();
                continue;
            }
            var info = DotnetCli.GetRunInfo(project);
            WarmUpProject(info.TargetPath, warm);
            using var app = Start(info, socket);
            lock (_gate) { _app = app; _restarting = false; }
            app.WaitForExit();
            if (app is PseudoTerminalApp onTerminal) _terminal?.Detach(onTerminal);
            lock (_gate)
            {
                _app = null;
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
        if (File.Exists(socket)) ChannelClient.Shutdown(socket);
        for (int attempt = 0; ; attempt++)
        {
            try { return new HostServer(socket, TargetsFile, output.Host, project); }
            catch (ChannelException) when (attempt < 50) { Thread.Sleep(100); }
            catch (ChannelException)
            {
                // Another `dotnet detour run` of the project holds the socket, and keeps it: its app needs it.
                throw new ToolException($"another `dotnet detour run` of {Path.GetFileName(project)} is running; stop it first, or run `dotnet detour status` to see it");
            }
        }
    }

    IRunningApp Start(DotnetCli.RunInfo info, string socket)
    {
        var launchArguments = appArguments.Length == 0 && launchProfile?.CommandLineArgs is { } profileArguments ? SplitArguments(profileArguments) : appArguments;
        var arguments = SplitArguments(info.Arguments).Concat(launchArguments).ToList();
        var environment = new Dictionary<string, string?>();
        // As `dotnet run` applies its launch profile: over the tool's own environment, under Detour's variables.
        foreach (var (name, value) in launchProfile?.Environment ?? new Dictionary<string, string>()) environment[name] = value;
        // The Detour package's agent is already the app's startup hook; a second copy must not be added.
        if (!StartsItsOwnAgent(info.TargetPath))
            environment["DOTNET_STARTUP_HOOKS"] = AgentFile;
        environment[AgentSettings.HostVariable] = socket;
        environment[AgentSettings.AppVariable] = info.TargetPath;
        environment[AgentSettings.ParentVariable] = Environment.ProcessId.ToString();
        // The runtime's own metadata updates, as `dotnet watch` enables them: Detour sends what a detour cannot do there
        // (edits of generic code, added types and members). A value the user set (none, or debug) is theirs.
        if ((environment.GetValueOrDefault("DOTNET_MODIFIABLE_ASSEMBLIES") ?? Environment.GetEnvironmentVariable("DOTNET_MODIFIABLE_ASSEMBLIES")) is null)
        {
            environment["DOTNET_MODIFIABLE_ASSEMBLIES"] = "debug";
            environment[AgentSettings.ModifiableVariable] = "1";
        }
        output.Verbose($"starting {info.Command} {info.Arguments}");
        if (_terminal is { } terminal)
        {
            var all = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
                .ToDictionary(e => (string)e.Key, e => (string?)e.Value);
            foreach (var (name, value) in environment) all[name] = value;
            try
            {
                var app = PseudoTerminalApp.Start(info.Command, arguments, info.WorkingDirectory, all, terminal.UserModes, terminal.Output);
                terminal.Attach(app);
                return app;
            }
            catch (Exception e) when (e is ToolException or EntryPointNotFoundException or DllNotFoundException)
            {
                // A libc without what the pty needs: the app shares the tool's terminal, without Ctrl+] and Ctrl+R.
                output.Info($"no terminal of its own for the app ({e.Message}); it shares this one, without {KeyRouter.EscapeKeyName} and {KeyRouter.RestartKeyName}");
                terminal.Dispose();
                _terminal = null;
            }
        }
        var start = new ProcessStartInfo(info.Command) { UseShellExecute = false, WorkingDirectory = info.WorkingDirectory };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        return new SharedTerminalApp(Process.Start(start) ?? throw new ToolException($"could not start {info.Command}"));
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

    void Restart(AppReloader? reloader)
    {
        lock (_gate)
        {
            if (_app is null || _restarting) return;
            _restarting = true;
            _watchedAtRestart = reloader?.WatchedFiles ?? _server?.Apps.FirstOrDefault()?.WatchedFiles;
            _app.Kill();
        }
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

/// <summary>When each of a set of files was last written: a save is any change of them.</summary>
sealed class SourceStamps(Dictionary<string, DateTime> stamps)
{
    public static SourceStamps Of(IEnumerable<string>? files) => new((files ?? []).ToDictionary(f => f, Stamp));

    public bool IsEmpty => stamps.Count == 0;

    /// <summary>Until one of the files changes, appears or goes since the stamps were taken.</summary>
    public void WaitForASave()
    {
        while (stamps.All(s => Stamp(s.Key) == s.Value)) Thread.Sleep(200);
        Thread.Sleep(100); // the rest of the same save
    }

    static DateTime Stamp(string file) => File.Exists(file) ? File.GetLastWriteTimeUtc(file) : DateTime.MinValue;
}
