using System.Diagnostics;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using Detour.Agent.Apply;
using Detour.Channel;

namespace Detour.Agent;

/// <summary>The agent inside the app: connects to the compile host, applies its plans, answers with what
/// happened, and passes %-lines typed in the app's terminal to it. All of it on its own thread; nothing of it
/// ever throws into the app.</summary>
public static class AgentMain
{
    static readonly PlanApplier Applier = new();
    static Stream? _host;
    static bool _printsReports;

    static double _startupMilliseconds;

    /// <summary>Called by the startup hook, on the app's main thread: only installs the %-line filter and starts a thread.</summary>
    /// <param name="hookStarted">Stopwatch timestamp at which the startup hook began.</param>
    public static void Start(long hookStarted)
    {
        string? socketPath = Environment.GetEnvironmentVariable(AgentSettings.HostVariable);
        Activation.HideFromChildren();
        var entry = Assembly.GetEntryAssembly()!;
        if (!Engine.ReplacementCheck.IsJitOptimizationDisabled(entry))
        {
            Say($"inactive: {entry.GetName().Name} is an optimized build; hot patching needs a Debug build");
            return;
        }
        _printsReports = string.IsNullOrEmpty(socketPath); // `dotnet detour run` prints reports in its own terminal
        if (CommandFilter.Wanted()) CommandFilter.Install(SendCommand);
        new Thread(() => Run(entry, socketPath)) { IsBackground = true, Name = "detour agent" }.Start();
        _startupMilliseconds = Stopwatch.GetElapsedTime(hookStarted).TotalMilliseconds;
    }

    static void Run(Assembly entry, string? socketPath)
    {
        try
        {
            if (string.IsNullOrEmpty(socketPath)) socketPath = HostLauncher.SocketOfProject();
            using var socket = HostLauncher.Connect(socketPath, startIfAbsent: _printsReports);
            using var stream = new NetworkStream(socket, ownsSocket: false);
            Frames.Write(stream, HelloOf(entry, _printsReports));
            if (Frames.Read(stream) is not Welcome { Accepted: true } welcome)
            {
                Say("inactive: the compile host refused this app");
                return;
            }
            _host = stream;
            Serve(stream);
            _host = null;
            Say("the compile host went away; the app runs on with the code it has, and takes no more edits");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _host = null;
            Say($"inactive: {e.Message}; the app runs on unpatched");
        }
    }

    static void Serve(Stream stream)
    {
        while (true)
        {
            Message? message;
            try { message = Frames.Read(stream); }
            catch (Exception e) when (e is IOException or ChannelException or SocketException) { return; }
            switch (message)
            {
                case null: return;
                case PatchPlan plan: Frames.Write(stream, Applier.Apply(plan)); break;
                case RevertRequest revert: Frames.Write(stream, Applier.Revert(revert)); break;
                case Say say: foreach (var line in say.Lines) Say(line); break;
                case Done: break;
            }
        }
    }

    /// <summary>What the host needs to know of the app: its assemblies as loaded, by file and module version id.</summary>
    internal static Hello HelloOf(Assembly entry, bool printsReports)
    {
        var assemblies = AppDomain.CurrentDomain.GetAssemblies()
            .Where(a => !a.IsDynamic && !string.IsNullOrEmpty(a.Location) && AssemblyLoadContext.GetLoadContext(a) == AssemblyLoadContext.Default)
            .Select(a => new LoadedAssembly(a.GetName().Name!, a.Location, a.ManifestModule.ModuleVersionId, Engine.ReplacementCheck.IsJitOptimizationDisabled(a)))
            .ToList();
        return new Hello(Frames.Version, PeerRole.Agent, Environment.ProcessId, entry.Location, RuntimeEnvironment.GetRuntimeDirectory(), assemblies, printsReports, _startupMilliseconds);
    }

    /// <summary>A %-line from the app's terminal; the host answers with Say messages on the same stream.</summary>
    static void SendCommand(string line)
    {
        try
        {
            if (_host is { } host) Frames.Write(host, new CommandRequest(line));
            else Say("not connected to a compile host (yet): the command was not run");
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException) { Say("the compile host went away"); }
    }

    /// <summary>Detour's lines go to stderr, never to the app's stdout.</summary>
    internal static void Say(string line)
    {
        try
        {
            string start = Console.IsErrorRedirected ? "" : "\r\u001b[K"; // an app redrawing its line with '\r' keeps its own
            Console.Error.WriteLine(start + "detour: " + line);
        }
        catch { }
    }

    /// <summary>For tests and %status: what the agent has applied.</summary>
    public static int ActiveDetours => Applier.Detours.Count;
}
