using System.Diagnostics;
using Detour.Channel;
using Detour.Host.Commands;
using Detour.Host.Model;
using Detour.Host.Sessions;

namespace Detour.Host.Watching;

/// <summary>Hot patches one running app from the compile host: opens a reload session for its project and each project
/// it references, watches their sources, sends each save through the edit queue, and runs the commands. Detour's lines
/// go to <c>say</c>, or to the client that ran the command.</summary>
public sealed class AppReloader : IDisposable
{
    readonly Hello _app;
    readonly string? _servedProject;
    readonly Action<string> _say;
    readonly string _targetsFile;
    readonly Func<string>? _describeHost;
    readonly IPatchTarget _target;
    readonly AppProjects _projects = new();
    readonly EditQueue _queue;
    readonly SourceWatcher _watcher;
    readonly CommandOperations _commands;
    readonly ManualResetEventSlim _ready = new();
    readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _compilingAhead = new();
    LiveView? _view;
    TimeSpan _warmUp;
    string? _startFailure;
    bool _disposed;

    /// <summary>Taken by every reload and command: the watcher's saves and the commands change the same queue.</summary>
    internal readonly object Gate = new();

    /// <param name="app">What the agent said of the app when it connected.</param>
    /// <param name="say">Where Detour's lines for the user go.</param>
    /// <param name="targetsFile">Detour.targets, imported into a design-time build for projects without a manifest.</param>
    /// <param name="servedProject">The project the host serves; null: whichever the app's is.</param>
    public AppReloader(Hello app, IPatchTarget target, Action<string> say, string targetsFile, Func<string>? describeHost = null, string? servedProject = null)
    {
        _servedProject = servedProject;
        _describeHost = describeHost;
        _app = app;
        _target = target;
        _say = say;
        _targetsFile = targetsFile;
        _watcher = new SourceWatcher(Flush, CompileAhead);
        _queue = new EditQueue(_projects, target, Say) { SavedAgain = _watcher.IsDirty };
        _commands = new CommandOperations(this, _queue, _projects, _watcher);
    }

    public int ProcessId => _app.ProcessId;

    public ReloadMode Mode => _queue.Mode;

    /// <summary>Raised once the app's projects are watched and warm (or failed to be).</summary>
    public event Action? Ready;

    /// <summary>After every reload attempt.</summary>
    public event Action<ReloadReport>? Reported
    {
        add => _queue.Reported += value;
        remove => _queue.Reported -= value;
    }

    /// <summary>%restart, from the app's terminal or another: the tool that started the app restarts it.</summary>
    public event Action<AppReloader>? RestartRequested;

    /// <summary>The sources and views the reloader watches.</summary>
    public IReadOnlyCollection<string> WatchedFiles => _watcher.Watched;

    /// <summary>Reads the projects, starts watching and warms the compiler, all in the background.</summary>
    public void Start() => new Thread(StartNow) { IsBackground = true, Name = "detour start " + _app.ProcessId }.Start();

    void StartNow()
    {
        var clock = Stopwatch.StartNew();
        try
        {
            _queue.FaultInjection?.Invoke(FaultStage.Start);
            _view = new LiveView(_app);
            var project = ProjectModel.LoadOrDiscover(_app.EntryAssembly, _targetsFile);
            // A peer names its app's assembly; the host compiles only for the project it was started for.
            if (_servedProject is not null && Path.GetFullPath(project.ProjectPath) != Path.GetFullPath(_servedProject))
                throw new ReloadException($"this compile host serves {_servedProject}, and the app is of {project.ProjectPath}");
            var projects = project.WithReferencedProjects().ToList();
            foreach (var p in projects) _watcher.Watch(p);
            foreach (var p in projects) Open(p);
            Say($"watching {string.Join(", ", projects.Select(p => Path.GetFileName(p.ProjectPath)))} " +
                $"({_watcher.Watched.Count(f => !projects.Any(p => p.BuildInputs.Contains(f)))} files), mode {(int)Mode}" + CommandsHint);
            foreach (var p in projects)
            foreach (var path in p.OutsideTree)
                Say($"{path}: outside {p.TreeRoot} (the tree of {Path.GetFileName(p.ProjectPath)}); Detour does not read or compile it, so its edits need a restart");
            // Before the host is ready, one dry run: in the project saved most recently, the likeliest to be edited first.
            Sessions().MaxBy(session => session.FindRecentFiles())?.WarmUp();
        }
        catch (Exception e)
        {
            _startFailure = e is ReloadException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            Say($"could not start: {_startFailure}; the app runs on unpatched");
        }
        _warmUp = clock.Elapsed;
        _ready.Set();
        Ready?.Invoke();
        Flush();
        try
        {
            // The projects saved most recently first: the likeliest to be edited next.
            foreach (var session in Sessions().OrderByDescending(session => session.NewestSave)) session.WarmUpMore();
        }
        catch (Exception) { /* only a warm-up */ }
    }

    /// <summary>Where the commands are, for an app whose own terminal shows Detour's lines (the package route): typed in
    /// the app if it reads lines, or given from another terminal. The tool says where they are in its own terminal.</summary>
    string CommandsHint => _app.PrintsReports ? "; %help in the app (if it reads lines), or `dotnet detour --help` from another terminal, for the commands" : "";

    List<ReloadSession> Sessions() { lock (Gate) return _projects.Sessions.ToList(); }

    /// <summary>One reload session per project, bound to the assembly the app runs.</summary>
    void Open(ProjectModel project)
    {
        if (_view!.Mismatch(project.AssemblyName) is { } rebuilt) { Say(rebuilt); return; }
        if (!_view.IsDebugBuild(project.AssemblyName))
        {
            Say($"{project.AssemblyName} is an optimized build; its edits are not applied (hot patching needs a Debug build)");
            return;
        }
        var session = new ReloadSession(project, _view, _target, _projects.Registry);
        // A file saved after the build (while the app started, or the host loaded) is not lost: it is applied whole.
        var built = File.GetLastWriteTimeUtc(project.TargetPath);
        foreach (var source in project.Sources.Where(s => _watcher.IsWatched(s) && File.Exists(s) && File.GetLastWriteTimeUtc(s) > built))
        {
            session.AssumeChangedSinceBuild(source);
            _watcher.MarkDirty(source);
        }
        // One deleted (or replaced by a folder) before the watcher started is said, as a deletion seen later would be.
        foreach (var source in project.Sources.Where(s => _watcher.IsWatched(s) && !File.Exists(s)))
            _watcher.MarkDirty(source);
        lock (Gate) _projects.Add(session);
    }

    /// <summary>Saves have settled: they are reloaded. Runs on a timer thread, so nothing may escape it.</summary>
    void Flush()
    {
        if (!_ready.IsSet || _disposed) return;
        try
        {
            // Drained under the lock: %autoreload drains the same sets under it, so no save falls between.
            lock (Gate)
            {
                var paths = _watcher.TakeSettled();
                if (paths.Count > 0) _queue.Reload(paths, force: false, savedAt: _watcher.FirstSaveSeen);
            }
        }
        catch (Exception e) { SayFailedInside(e); }
    }

    /// <summary>A file just saved: compiled on a thread of its own while its save settles. The reload of the save waits for this
    /// compile (it takes the same lock), and uses it if the file reads the same then.</summary>
    void CompileAhead(string path)
    {
        // One queued compile per file: the events of one save (a write in place raises several) come to one.
        if (!_ready.IsSet || _disposed || !_compilingAhead.TryAdd(path, 0)) return;
        // A thread of its own, not the pool's: it may wait for the lock while a warm-up step talks to the app, and the
        // settle timer's callback waits for it too; two pool threads blocked on a 2-core machine starved the channel's
        // completions until the pool grew (first edits of 650 ms in the scale benchmark).
        new Thread(() =>
        {
            _compilingAhead.TryRemove(path, out byte _);
            // A compile of one file serves only a save of that file alone (not a Save All, nor a branch switch).
            if (_watcher.Dirty.Count > 1) return;
            // The host's warm-up starts no step from the save to its reload: one started in between held the project
            // when the reload came (first edits of 3 projects: 69 -> 139 ms).
            using var coming = _projects.Registry.Edits.Begin();
            try { lock (Gate) _queue.CompileAhead(path); }
            catch (Exception) { /* only ahead of time: the reload reads and reports the file itself */ }
            SpinWait.SpinUntil(() => _disposed || !_watcher.IsDirty(path), TimeSpan.FromSeconds(1));
        }) { IsBackground = true, Name = "detour compile ahead" }.Start();
    }

    /// <summary>A thread of the app waits at its safe point: what waits for it is applied now, and the thread goes on when
    /// this returns. Runs on a pool thread with the app's thread waiting: nothing may escape, and the app goes on.</summary>
    public void AtSafePoint()
    {
        if (_disposed) return;
        lock (Gate)
        {
            try { _queue.AtSafePoint(); }
            catch (Exception e) { SayFailedInside(e); }
        }
    }

    void SayFailedInside(Exception e) => Say($"reload failed inside Detour ({e.GetType().Name}: {e.Message}); {EditQueue.KeepsLastGoodCode}");

    /// <summary>Lines of a command run for a client in another terminal go back to that client only.</summary>
    [ThreadStatic] static Action<string>? _answerTo;

    public void Say(string line) => (_answerTo ?? _say)(line);

    /// <summary>Runs a %-line (or a CLI verb turned into one); with <paramref name="answerTo"/>, its lines go there.</summary>
    public void Run(string line, Action<string>? answerTo = null)
    {
        var before = _answerTo;
        _answerTo = answerTo ?? before;
        try { Commands.Commands.Run(_commands, line); }
        finally { _answerTo = before; }
    }

    /// <summary>Waits for the start to finish; false once the reloader is disposed.</summary>
    internal bool WaitUntilReady()
    {
        _ready.Wait();
        return !_disposed;
    }

    internal IEnumerable<string> StatusLines() =>
        StatusReport.Lines(_app, State, _queue, _projects, _watcher, _target.Generations, _describeHost?.Invoke());

    /// <summary>The truth: warming up, ready, or not patching and why.</summary>
    string State => !_ready.IsSet ? "warming up"
        : _startFailure is not null ? $"not patching: could not start: {_startFailure}"
        : _projects.Sessions.Count == 0 ? "not patching: no project of the app can be patched"
        : $"ready (started in {_warmUp.TotalSeconds:F1} s)";

    internal void RequestRestart()
    {
        if (RestartRequested is not { } restart) { Say("only `dotnet detour run` can restart the app; this one was started another way"); return; }
        Say("restarting the app");
        restart(this);
    }

    public void Dispose()
    {
        _disposed = true;
        _watcher.Dispose();
        _view?.Dispose();
    }
}
