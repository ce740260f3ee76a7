using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using Detour.Agent.Apply;
using Detour.Channel;

namespace Detour.Agent;

/// <summary>The agent inside the app, on its own thread: connects to the compile host, applies its plans, answers
/// with what happened, and passes %-lines typed in the app's terminal to it. Nothing of it ever throws into the app.</summary>
public static class AgentMain
{
    static readonly PlanApplier Applier = new(Say);
    static readonly SafePointGate SafePoints = new(id => Send(new SafePointReached(id)));
    static readonly object WriteLock = new(); // the agent's thread, the %-line reader and a thread at a safe point all write
    static Stream? _host;
    static bool _printsReports;
    static double _startupMilliseconds;

    /// <param name="socketPath">The host's socket, from `dotnet detour run`; null in the Detour package's zero-config route.</param>
    /// <param name="attachCommands">Hands the %-line filter (installed before Main) the sink for its commands.</param>
    /// <param name="mainThreadMs">Time the startup hook spent on the app's main thread.</param>
    public static void Run(string? socketPath, Action<Action<string>>? attachCommands, double mainThreadMs)
    {
        _startupMilliseconds = mainThreadMs;
        _printsReports = string.IsNullOrEmpty(socketPath); // `dotnet detour run` prints reports in its own terminal
        try
        {
            var entry = Assembly.GetEntryAssembly()!;
            if (!Engine.ReplacementCheck.IsJitOptimizationDisabled(entry))
            {
                Say($"inactive: {entry.GetName().Name} is an optimized build; hot patching needs a Debug build");
                return;
            }
            // The zero-config route starts its own host, so it can start another when that one dies (killed or crashed).
            // Under `dotnet detour run` the host is the tool itself.
            bool ownsHost = string.IsNullOrEmpty(socketPath);
            if (ownsHost) socketPath = HostLauncher.SocketOfProject();
            for (int restarts = 0; ; restarts++)
            {
                bool served = false;
                try
                {
                    if (!ServeOneHost(entry, socketPath!, restarted: restarts > 0, attachCommands)) return; // refused: stays inactive
                    served = true;
                }
                // A host that was still dying accepted the new connection, then dropped it: try again.
                catch (Exception e) when (restarts > 0 && e is IOException or ChannelException) { }
                _host = null;
                SafePoints.Release();
                if (restarts >= MaxHostRestarts || (served && !ownsHost))
                {
                    Say("the compile host went away; the app runs on with the code it has, and takes no more edits");
                    return;
                }
                if (served) Say("the compile host went away; starting a new one (the app keeps the edits it has)");
                Thread.Sleep(100 * (restarts + 1));
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _host = null;
            SafePoints.Release();
            Say($"inactive: {e.Message}; the app runs on unpatched");
        }
    }

    static void Serve(Stream stream)
    {
        while (true)
        {
            Message? message;
            try { message = Frames.Read(stream); }
            catch (Exception e) when (e is IOException or ChannelException) { return; }
            switch (message)
            {
                case null: return;
                case PatchPlan plan: Send(Applier.Apply(plan)); Applier.CollectReleased(); break;
                case RevertRequest revert: Send(Applier.Revert(revert)); Applier.CollectReleased(); break;
                case Say say: foreach (var line in say.Lines) Say(line); break;
                case SafePointWanted wanted: SafePoints.Want(wanted.Wanted); break;
                case SafePointDone done: SafePoints.Done(done.Id); break;
            }
        }
    }

    const int MaxHostRestarts = 5; // a host that dies at every start must not turn the agent into a loop

    /// <summary>Connects, says hello and applies the host's plans until it goes away (true). Returns false, without
    /// serving, when the host refused the app: the agent then stays inactive.</summary>
    static bool ServeOneHost(Assembly entry, string socketPath, bool restarted, Action<Action<string>>? attachCommands)
    {
        using var stream = HostLauncher.Connect(socketPath, startIfAbsent: _printsReports, restarted);
        Frames.Write(stream, HelloOf(entry, _printsReports));
        if (Frames.Read(stream) is not Welcome { Accepted: true })
        {
            Say("inactive: the compile host refused this app");
            return false;
        }
        _host = stream;
        if (!restarted)
        {
            attachCommands?.Invoke(SendCommand);
            Applier.WarmUp();
        }
        Serve(stream);
        return true;
    }

    /// <summary>What the host needs to know of the app: its assemblies as loaded, by file and module version id.</summary>
    internal static Hello HelloOf(Assembly entry, bool printsReports)
    {
        var assemblies = new List<LoadedAssembly>();
        foreach (var a in AssemblyLoadContext.Default.Assemblies) // loops, not LINQ: each assembly the agent touches costs the app memory
            if (!a.IsDynamic && !string.IsNullOrEmpty(a.Location))
                assemblies.Add(new LoadedAssembly(a.GetName().Name!, a.Location, a.ManifestModule.ModuleVersionId, Engine.ReplacementCheck.IsJitOptimizationDisabled(a)));
        var folders = new List<string>();
        if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string trusted)
            foreach (var path in trusted.Split(Path.PathSeparator))
                if (Path.GetDirectoryName(path) is { Length: > 0 } folder && !folders.Contains(folder)) folders.Add(folder);
        return new Hello(Frames.Version, PeerRole.Agent, Environment.ProcessId, entry.Location, RuntimeEnvironment.GetRuntimeDirectory(), assemblies,
                         printsReports, _startupMilliseconds, folders, System.Reflection.Metadata.MetadataUpdater.IsSupported, UpdateCapabilities(),
                         Engine.Detours.Platform);
    }

    /// <summary>What the runtime's metadata updates can do, as it says itself (what `dotnet watch` asks it too); CoreLib
    /// keeps the method internal, so it is found by name, and an answer of none means nothing is known.</summary>
    static string UpdateCapabilities()
    {
        if (!System.Reflection.Metadata.MetadataUpdater.IsSupported) return "";
        try
        {
            return typeof(System.Reflection.Metadata.MetadataUpdater).GetMethod("GetCapabilities", BindingFlags.NonPublic | BindingFlags.Static)
                ?.Invoke(null, null) as string ?? "";
        }
        catch (Exception) { return ""; }
    }

    /// <summary>A %-line from the app's terminal; the host answers with Say messages on the same stream.</summary>
    static void SendCommand(string line)
    {
        try
        {
            if (_host is not null) Send(new CommandRequest(line));
            else Say("not connected to a compile host: the command was not run");
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException) { Say("the compile host went away"); }
    }

    /// <summary>One message to the host; IO failures are the caller's to handle.</summary>
    static void Send(Message message)
    {
        lock (WriteLock) Frames.Write(_host ?? throw new IOException("not connected to the compile host"), message);
    }

    /// <summary>Detour's lines go to stderr, never to the app's stdout.</summary>
    internal static void Say(string line) => Activation.Say(line);
}
