using System.Net.Sockets;
using Detour.Channel;
using Detour.Host.Watching;

namespace Detour.Host.Serving;

/// <summary>The compile host of one project, on its user-only socket: every app of the project that connects gets
/// its own reloader (and its own generations); clients in other terminals send commands to all of them. It stays
/// warm for the next app: Roslyn and the project's compilations outlive each app.</summary>
public sealed class HostServer : IDisposable
{
    readonly string _socketPath;
    readonly string _targetsFile;
    readonly string? _servedProject;
    readonly Action<string> _output;
    readonly ChannelListener _listener;
    readonly List<(AgentConnection Agent, AppReloader Reloader)> _apps = new();
    readonly CancellationTokenSource _stopping = new();
    DateTime _idleSince = DateTime.UtcNow;
    readonly DateTime _started = DateTime.UtcNow;
    int _served;

    /// <summary>For %status: which host this is, and whether it stayed warm across runs of the app.</summary>
    string Describe() => $"compile host {Environment.ProcessId}, up {(DateTime.UtcNow - _started).TotalSeconds:F0} s, {_served} app{(_served == 1 ? "" : "s")} served";

    /// <param name="output">Where Detour's lines go besides the agents that print them (the tool's terminal, or the host's log).</param>
    /// <param name="servedProject">The project this host is for: an app of any other project is not patched by it.</param>
    public HostServer(string socketPath, string targetsFile, Action<string> output, string? servedProject = null)
    {
        _servedProject = servedProject;
        _socketPath = socketPath;
        _targetsFile = targetsFile;
        _output = output;
        _listener = ChannelListener.Listen(socketPath);
        new Thread(AcceptLoop) { IsBackground = true, Name = "detour host" }.Start();
    }

    public string SocketPath => _socketPath;

    /// <summary>An app connected and its reloader was made (not yet ready).</summary>
    public event Action<AppReloader>? AppConnected;

    /// <summary>A client asked this host to stop (another host is taking over the project).</summary>
    public event Action? StopRequested;

    public IReadOnlyList<AppReloader> Apps
    {
        get { lock (_apps) return _apps.Where(a => !a.Agent.IsClosed).Select(a => a.Reloader).ToList(); }
    }

    /// <summary>How long no app has been connected (zero while one is).</summary>
    public TimeSpan Idle
    {
        get { lock (_apps) return _apps.Any(a => !a.Agent.IsClosed) ? TimeSpan.Zero : DateTime.UtcNow - _idleSince; }
    }

    void AcceptLoop()
    {
        while (!_stopping.IsCancellationRequested)
        {
            if (_listener.Accept() is not { } peer) return;
            new Thread(() => Serve(peer)) { IsBackground = true, Name = "detour peer" }.Start();
        }
    }

    /// <summary>One connection: the peer's uid first, then its hello, then its role's conversation. A peer that breaks
    /// the protocol is dropped; nothing it sent reaches a reloader.</summary>
    void Serve(AcceptedPeer peer)
    {
        var stream = peer.Stream;
        try
        {
            if (!peer.IsSameUser)
            {
                _output($"refused a connection from {peer.Who}: only this user may use the channel");
                stream.Dispose();
                return;
            }
            if (Frames.Read(stream) is not Hello hello) { stream.Dispose(); return; }
            if (hello.Version != Frames.Version)
            {
                Frames.Write(stream, new Welcome(false, $"protocol version {hello.Version} is not {Frames.Version}; use one Detour version for the tool and the app"));
                stream.Dispose();
                return;
            }
            Frames.Write(stream, new Welcome(true, "ok"));
            if (hello.Role == PeerRole.Agent) ServeAgent(stream, hello);
            else ServeClient(stream);
        }
        catch (Exception e) when (e is IOException or SocketException or ChannelException or ObjectDisposedException)
        {
            stream.Dispose();
        }
    }

    void ServeAgent(Stream stream, Hello hello)
    {
        var agent = new AgentConnection(stream, hello);
        void Say(string line)
        {
            _output(line);
            agent.Say(line);
        }
        Interlocked.Increment(ref _served);
        var reloader = new AppReloader(hello, agent, Say, _targetsFile, Describe, _servedProject);
        if (RestartRequested is { } restart) reloader.RestartRequested += restart;
        agent.CommandReceived += line => ThreadPool.QueueUserWorkItem(_ => reloader.Run(line));
        // Not on the reading thread: the edits it applies wait for answers that thread reads.
        agent.SafePointReached += id => ThreadPool.QueueUserWorkItem(_ =>
        {
            try { reloader.AtSafePoint(); }
            finally { agent.SafePointDone(id); }
        });
        lock (_apps) _apps.Add((agent, reloader));
        AppConnected?.Invoke(reloader);
        reloader.Start();
        agent.ReadUntilClosed();
        lock (_apps)
        {
            _apps.RemoveAll(a => a.Agent == agent);
            if (_apps.Count == 0) _idleSince = DateTime.UtcNow;
        }
        reloader.Dispose();
        agent.Dispose();
    }

    /// <summary>Set by `dotnet detour run`: %restart (or `dotnet detour restart`) restarts the app.</summary>
    public Action<AppReloader>? RestartRequested { get; set; }

    /// <summary>Commands from another terminal: each line runs on every connected app, and its lines come back.</summary>
    void ServeClient(Stream stream)
    {
        using (stream)
            while (Frames.Read(stream) is { } message)
            {
                switch (message)
                {
                    case Shutdown:
                        Frames.Write(stream, new Done());
                        StopRequested?.Invoke();
                        return;
                    case CommandRequest request:
                        Frames.Write(stream, new Say(Run(request.Line)));
                        Frames.Write(stream, new Done());
                        break;
                    default:
                        return;
                }
            }
    }

    /// <summary>Runs a %-line on every connected app and gives back what they answered, each line marked with its
    /// app when there are several: for another terminal, and for the tool's own prompt.</summary>
    public IReadOnlyList<string> Run(string commandLine)
    {
        var lines = new List<string>();
        var apps = Apps;
        if (apps.Count == 0) lines.Add("no app is running under this compile host");
        foreach (var app in apps)
            app.Run(commandLine, line => lines.Add(apps.Count > 1 ? $"app {app.ProcessId}: {line}" : line));
        return lines;
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _listener.Dispose();
        try { File.Delete(_socketPath); } catch (IOException) { }
        lock (_apps)
            foreach (var (agent, reloader) in _apps)
            {
                reloader.Dispose();
                agent.Dispose();
            }
    }
}
