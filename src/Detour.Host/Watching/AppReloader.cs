using System.Collections.Concurrent;
using System.Diagnostics;
using Detour.Channel;

namespace Detour.Host;

/// <summary>Hot patches one running app from the compile host: watches the sources of its project and of the
/// projects it references, compiles each save into a plan for the app's agent, and runs the commands.</summary>
public sealed class AppReloader : IDisposable
{
    readonly Hello _app;
    readonly IPatchTarget _target;
    readonly string? _servedProject;
    readonly Action<string> _say;
    readonly string _targetsFile;
    readonly List<ReloadSession> _sessions = new();
    readonly ProjectSessions _projects = new();
    readonly Dictionary<string, ReloadSession> _sessionOf = new();   // source path -> its project's session
    readonly ModuleMarks _marks = new();
    readonly Dictionary<string, string> _failed = new();       // path -> text that failed (not retried until it changes)
    readonly Dictionary<string, IReadOnlyList<string>> _lastErrors = new();
    readonly HashSet<string> _pending = new();                 // edits held back by the mode or skip marks
    readonly ConcurrentDictionary<string, DateTime> _dirty = new();
    readonly ManualResetEventSlim _ready = new();
    readonly object _gate = new();
    readonly List<FileSystemWatcher> _watchers = new();
    HashSet<string> _watched = new();
    readonly Timer _debounce;
    readonly Func<string>? _describeHost;
    LiveView? _view;
    TimeSpan _warmUp;
    string? _startFailure;
    bool _disposed;
    public ReloadMode Mode { get; private set; } = ReloadMode.AllButSkipped;
    const int InPlaceSettleMs = 40, RenameSettleMs = 10;
    DateTime _lastInPlaceWrite;

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
        _debounce = new Timer(_ => Flush());
    }

    public int ProcessId => _app.ProcessId;

    /// <summary>Raised once the app's projects are watched and warm (or failed to be), and after every reload attempt.</summary>
    public event Action? Ready;
    public event Action<ReloadReport>? Reported;

    /// <summary>Reads the projects, starts watching and warms the compiler, all in the background.</summary>
    public void Start() => new Thread(StartNow) { IsBackground = true, Name = "detour start " + _app.ProcessId }.Start();

    void StartNow()
    {
        var clock = Stopwatch.StartNew();
        try
        {
            _view = new LiveView(_app);
            var project = ProjectModel.LoadOrDiscover(_app.EntryAssembly, _targetsFile);
            // A peer names its app's assembly; the host compiles only for the project it was started for.
            if (_servedProject is not null && Path.GetFullPath(project.ProjectPath) != Path.GetFullPath(_servedProject))
                throw new ReloadException($"this compile host serves {_servedProject}, and the app is of {project.ProjectPath}");
            var projects = project.WithReferencedProjects().ToList();
            foreach (var p in projects) Watch(p);
            foreach (var p in projects) Open(p);
            Say($"watching {string.Join(", ", projects.Select(p => Path.GetFileName(p.ProjectPath)))} " +
                $"({_watched.Count} files), mode {(int)Mode}; type %help for commands");
            foreach (var p in projects)
            foreach (var path in p.OutsideTree)
                Say($"{path}: outside {p.TreeRoot} (the tree of {Path.GetFileName(p.ProjectPath)}); Detour does not read or compile it, so its edits need a restart");
            foreach (var session in _sessions.ToList()) session.WarmUp();
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
            foreach (var session in _sessions.ToList()) session.WarmUpMore();
        }
        catch (Exception) { /* only a warm-up */ }
    }

    public bool IsReady => _ready.IsSet;

    /// <summary>The sources and views the reloader watches.</summary>
    public IReadOnlyCollection<string> WatchedFiles { get { lock (_gate) return _watched.ToList(); } }

    /// <summary>One reload session per project, bound to the assembly the app runs.</summary>
    void Open(ProjectModel project)
    {
        if (_view!.Mismatch(project.AssemblyName) is { } rebuilt) { Say(rebuilt); return; }
        if (!_view.IsDebugBuild(project.AssemblyName))
        {
            Say($"{project.AssemblyName} is an optimized build; its edits are not applied (hot patching needs a Debug build)");
            return;
        }
        var session = new ReloadSession(project, _view, _target, _projects);
        // A file saved after the build (while the app started, or the host loaded) is not lost: it is applied whole.
        var built = File.GetLastWriteTimeUtc(project.TargetPath);
        foreach (var source in project.Sources.Where(s => _watched.Contains(s) && File.Exists(s) && File.GetLastWriteTimeUtc(s) > built))
        {
            session.AssumeChangedSinceBuild(source);
            _dirty[source] = DateTime.UtcNow;
        }
        // One deleted (or replaced by a folder) before the watcher started is said, as a deletion seen later would be.
        foreach (var source in project.Sources.Where(s => _watched.Contains(s) && !File.Exists(s)))
            _dirty[source] = DateTime.UtcNow;
        lock (_gate)
        {
            _sessions.Add(session);
            foreach (var source in project.Sources.Concat(project.Views)) _sessionOf[source] = session;
        }
    }

    void Watch(ProjectModel project)
    {
        var watched = project.Sources.Where(s => !project.Unwatched.Contains(s)).Concat(project.Views).ToHashSet();
        lock (_gate) _watched = _watched.Union(watched).ToHashSet();
        // One watcher per top folder of the project's sources (sources outside the project folder included).
        var folders = watched.Select(Path.GetDirectoryName).Distinct().OfType<string>().Where(Directory.Exists).ToList();
        foreach (var folder in folders.Where(f => !folders.Any(o => o != f && f.StartsWith(o + Path.DirectorySeparatorChar))))
        {
            var watcher = new FileSystemWatcher(folder)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size,
            };
            watcher.Filters.Add("*.cs");
            if (project.Views.Count > 0) { watcher.Filters.Add("*.cshtml"); watcher.Filters.Add("*.razor"); }
            void Touched(string? path, int settleMs)
            {
                if (path is null) return;
                lock (watched) // events arrive on several threads
                    if (!watched.Contains(path) && !(IsNewSource(project, path) && watched.Add(path))) return;
                var now = DateTime.UtcNow;
                _dirty[path] = now;
                // An in-place write still settling keeps its longer wait.
                if (settleMs == InPlaceSettleMs) _lastInPlaceWrite = now;
                else if ((now - _lastInPlaceWrite).TotalMilliseconds < InPlaceSettleMs) settleMs = InPlaceSettleMs;
                _debounce.Change(settleMs, Timeout.Infinite); // several quick saves, of one file or several, become one reload
            }
            // A file written in place may be half-written for a while; one renamed into place (how most editors
            // save) is complete, and waits only for the other files of the same save.
            watcher.Changed += (_, e) => Touched(e.FullPath, InPlaceSettleMs);
            watcher.Created += (_, e) => Touched(e.FullPath, InPlaceSettleMs);
            watcher.Renamed += (_, e) =>
            {
                Touched(e.FullPath, RenameSettleMs);
                Touched(e.OldFullPath, RenameSettleMs); // renamed away (to a backup name, say): gone, and said so
            };
            watcher.Deleted += (_, e) => Touched(e.FullPath, InPlaceSettleMs);
            // Too many changes at once (a branch switch): events were lost, so every file is looked at;
            // those whose text the app already runs are passed over.
            watcher.Error += (_, _) => { lock (watched) foreach (var path in watched.ToList()) Touched(path, InPlaceSettleMs); };
            watcher.EnableRaisingEvents = true;
            _watchers.Add(watcher);
        }
    }

    /// <summary>A .cs file created in the project folder, outside bin/ and obj/, is a source the SDK's default
    /// globs would compile: it joins the project. (Projects with their own Compile globs are not consulted.)</summary>
    static bool IsNewSource(ProjectModel project, string path)
    {
        // Editors' lock and backup files (".#Scene.cs") are hidden; they are never sources.
        if (!path.EndsWith(".cs", StringComparison.OrdinalIgnoreCase) || Path.GetFileName(path).StartsWith('.') || !File.Exists(path)) return false;
        var relative = Path.GetRelativePath(project.ProjectDirectory, path).Replace('\\', '/');
        return !relative.StartsWith("../") && !ProjectModel.IsUnderBuildOutput(path, project.ProjectDirectory) &&
               !Path.IsPathRooted(relative) && !project.Unwatched.Contains(path) && SourceTree.Contains(project.TreeRoot, path);
    }

    /// <summary>The session of the project whose folder holds the file (the innermost, if projects nest).</summary>
    ReloadSession? SessionFor(string path)
    {
        if (_sessionOf.TryGetValue(path, out var known)) return known;
        var owner = _sessions.Where(s => path.StartsWith(s.Project.ProjectDirectory + Path.DirectorySeparatorChar))
                             .MaxBy(s => s.Project.ProjectDirectory.Length);
        if (owner is not null) _sessionOf[path] = owner;
        return owner;
    }

    void Flush()
    {
        if (!_ready.IsSet || _disposed) return;
        try
        {
            // Drained under the lock: %autoreload drains the same sets under it, so no save falls between.
            lock (_gate)
            {
                var paths = _dirty.Keys.ToList();
                foreach (var p in paths) _dirty.TryRemove(p, out _);
                if (paths.Count > 0) Reload(paths, force: false);
            }
        }
        catch (Exception e)
        {
            // Runs on a timer thread: an exception escaping here would end the app.
            Say($"reload failed inside Detour ({e.GetType().Name}: {e.Message}); the app keeps running its last good code");
        }
    }

    /// <summary>Reads a file that an editor may be writing right now: retries a vanished or locked file. Null when it
    /// is gone; throws when it is there but cannot be read (no permission, say), with the last reason.</summary>
    static string? ReadSettled(string path)
    {
        Exception? last = null;
        string? text = null;
        for (int attempt = 0; attempt < 25 && text is null; attempt++)
        {
            try
            {
                if (File.Exists(path)) text = File.ReadAllText(path);
                last = null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { last = e; }
            if (text is null) Thread.Sleep(20);
        }
        if (last is not null) throw last;
        InjectedFaults.OfThisProcess?.Invoke("read"); // after the retries: a read that keeps failing
        return text;
    }

    /// <summary>The file's text, or null if it cannot be read at once. For files nobody saved just now:
    /// a file being written will raise its own event and be read with <see cref="ReadSettled"/>.</summary>
    static string? ReadNow(string path)
    {
        try { return File.Exists(path) ? File.ReadAllText(path) : null; }
        catch (IOException) { return null; }
    }

    /// <summary>One transaction per project: the files of one project saved together land together.</summary>
    void Reload(IReadOnlyCollection<string> paths, bool force)
    {
        var byProject = new Dictionary<ReloadSession, Dictionary<string, string>>();
        foreach (var path in paths.Order())
        {
            if (SessionFor(path) is not { } session) continue;
            string? text;
            try { text = ReadSettled(path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Not read, so not compared: the next save of the file is tried afresh.
                Say($"{path}: could not be read ({e.Message}); the app keeps running its last good code");
                _lastErrors[path] = [$"{path}(1,1): error: could not be read ({e.Message})"];
                continue;
            }
            if (text is null)
            {
                Say($"{path}: file deleted; the app keeps running its last good code");
                continue;
            }
            if (!force && _failed.TryGetValue(path, out var failedText) && failedText == text) continue;
            if (text.Contains('\0'))
            {
                // Not source at all (an image saved over it, a corrupt write): one line, not a compiler error per byte.
                Say($"{path}: not C# text (it holds binary content); the app keeps running its last good code");
                _failed[path] = text;
                _lastErrors[path] = [$"{path}(1,1): error: not C# text (it holds binary content)"];
                _pending.Remove(path);
                _awaitingSafePoint.Remove(path);
                continue;
            }
            if (!force && session.Runs(path, text)) { _pending.Remove(path); continue; }
            var types = session.TypesDeclaredIn(path, text);
            if (!force && !_marks.Allows(Mode, session.Project.AssemblyName, types))
            {
                _pending.Add(path);
                continue;
            }
            if (!byProject.TryGetValue(session, out var changes)) byProject[session] = changes = new();
            changes[path] = text;
        }
        // Referenced projects first (they come after the app in _sessions): the app's edit may use what theirs added.
        bool hold = Mode == ReloadMode.AtSafePoint && !_atSafePoint;
        foreach (var (session, saved) in byProject.OrderByDescending(p => _sessions.IndexOf(p.Key)))
        {
            bool IsSkipped(string type) => !force && _marks.IsSkipped(session.Project.AssemblyName, type);
            var changes = saved;
            // A file that failed may have failed for want of this edit (a caller saved before its callee):
            // it is tried again with the edit, and if they fail together the edit is tried alone.
            var failedBefore = _failed.Where(f => !saved.ContainsKey(f.Key) && SessionFor(f.Key) == session && ReadNow(f.Key) == f.Value)
                                      .ToDictionary(f => f.Key, f => f.Value);
            ReloadReport? report = null;
            if (failedBefore.Count > 0)
            {
                var together = saved.Concat(failedBefore).ToDictionary();
                report = session.Apply(together, IsSkipped, hold);
                if (report.Succeeded) changes = together;
            }
            if (report is not { Succeeded: true }) report = session.Apply(saved, IsSkipped, hold);
            foreach (var path in changes.Keys)
            {
                _pending.Remove(path);
                if (report.Succeeded) { _failed.Remove(path); _lastErrors.Remove(path); }
                else { _failed[path] = changes[path]; _lastErrors[path] = report.Errors; }
                if (report is { Held: true, Succeeded: true }) _awaitingSafePoint.Add(path);
                else _awaitingSafePoint.Remove(path);
            }
            Say(report.Summary());
            // What did not simply apply gets a line of its own: skipped, removed, or patched but not yet running.
            foreach (var member in report.Members.Where(m => m.Status is MemberStatus.Skipped or MemberStatus.Removed || m.Kind == MemberKind.EntryPoint || m.HiddenFromReflection))
                Say($"  {member.Status.ToString().ToLowerInvariant()} {member.Member}: {member.Reason}");
            foreach (var warning in report.Warnings) Say(warning);
            const int shown = 10; // a stray brace can cascade into dozens of errors; the first ones matter
            foreach (var error in report.Errors.Take(shown)) Say(error);
            if (report.Errors.Count > shown) Say($"... and {report.Errors.Count - shown} more errors");
            Reported?.Invoke(report);
        }
        if (hold && _awaitingSafePoint.Count > 0) _target.WantSafePoint(true);
    }

    // Mode 3: checked edits waiting for the app's Detour.HotPatch.SafePoint(), and whether a reload runs at one now.
    readonly HashSet<string> _awaitingSafePoint = new();
    bool _atSafePoint;

    /// <summary>A thread of the app waits at its safe point: what waits for it is applied now (as the files read now; the
    /// session reuses the compile it made at the save when they read the same), and the thread goes on when this returns.</summary>
    public void AtSafePoint()
    {
        if (_disposed) return;
        lock (_gate)
        {
            var files = TakeAwaitingSafePoint();
            if (files.Count == 0 || Mode != ReloadMode.AtSafePoint) return;
            _atSafePoint = true;
            try { Reload(files, force: false); }
            catch (Exception e)
            {
                // Runs on a pool thread, with the app's thread waiting: nothing may escape, and the app goes on.
                Say($"reload failed inside Detour ({e.GetType().Name}: {e.Message}); the app keeps running its last good code");
            }
            finally { _atSafePoint = false; }
        }
    }

    /// <summary>Lines of a command run for a client in another terminal go back to that client only.</summary>
    [ThreadStatic] static Action<string>? _answerTo;

    public void Say(string line) => (_answerTo ?? _say)(line);

    /// <summary>Runs a %-line (or a CLI verb turned into one); with <paramref name="answerTo"/>, its lines go there.</summary>
    public void Run(string line, Action<string>? answerTo = null)
    {
        var before = _answerTo;
        _answerTo = answerTo ?? before;
        try { Commands.Run(this, line); }
        finally { _answerTo = before; }
    }

    // ---- the operations behind the console commands ----

    public void SetMode(ReloadMode mode)
    {
        lock (_gate)
        {
            Mode = mode;
            Say($"autoreload mode {(int)mode}");
            if (mode == ReloadMode.AtSafePoint || _awaitingSafePoint.Count == 0) return;
            // Leaving mode 3: what waited for a safe point is reloaded as the new mode says.
            Reload(TakeAwaitingSafePoint(), force: false);
        }
    }

    /// <summary>The files waiting for a safe point, which no longer wait; the agent stops offering one.</summary>
    List<string> TakeAwaitingSafePoint()
    {
        _target.WantSafePoint(false);
        var files = _awaitingSafePoint.ToList();
        _awaitingSafePoint.Clear();
        return files;
    }

    /// <summary>%autoreload with no argument: reload everything that changed, now.</summary>
    public void ReloadNow()
    {
        _ready.Wait();
        if (_disposed) return;
        lock (_gate)
        {
            var all = _pending.Concat(_dirty.Keys).Distinct().ToList();
            _dirty.Clear();
            if (all.Count == 0) { Say("nothing changed"); return; }
            Reload(all, force: true);
        }
    }

    // The marks and the failure lists are read by reloads on the watcher's thread: changed and read under _gate.
    public void Mark(string module) { lock (_gate) _marks.Mark(module); Say($"marked {module}"); }
    public void Skip(string module) { lock (_gate) _marks.Skip(module); Say($"skipping {module}: its edits are not applied"); }

    /// <summary>%reload X: recompile and re-apply the files that declare X, even if unchanged.</summary>
    public void ForceReload(string module)
    {
        _ready.Wait();
        lock (_gate)
        {
            var files = _sessionOf.Where(s => File.Exists(s.Key) &&
                    s.Value.TypesDeclaredIn(s.Key, File.ReadAllText(s.Key)).Any(t => ModuleMarks.Matches(module, s.Value.Project.AssemblyName, t)))
                .Select(s => s.Key).ToList();
            if (files.Count == 0) { Say($"no source declares {module}"); return; }
            Reload(files, force: true);
        }
    }

    public void Revert(string? module)
    {
        _ready.Wait();
        lock (_gate)
        {
            int count = _sessions.Sum(session =>
                session.Revert(module is null ? null : type => ModuleMarks.Matches(module, session.Project.AssemblyName, type)));
            Say($"reverted {count} method{(count == 1 ? "" : "s")}; the original code runs again");
        }
    }

    public void ListModules()
    {
        lock (_gate) Say($"marked: {Join(_marks.Marked)}; skipped: {Join(_marks.Skipped)}");
    }

    public void Status()
    {
        lock (_gate) StatusLocked();
    }

    /// <summary>The truth: warming up, ready, or not patching and why.</summary>
    string State => !_ready.IsSet ? "warming up"
        : _startFailure is not null ? $"not patching: could not start: {_startFailure}"
        : _sessions.Count == 0 ? "not patching: no project of the app can be patched"
        : $"ready (started in {_warmUp.TotalSeconds:F1} s)";

    void StatusLocked()
    {
        Say($"mode {(int)Mode}, {State} (app process {_app.ProcessId}; the agent took {_app.StartupMilliseconds:F1} ms of its main thread at startup)");
        if (_describeHost is not null) Say(_describeHost());
        foreach (var session in _sessions.ToList())
        {
            Say($"  {session.Project.AssemblyName}: generation {session.Generation}");
            foreach (var p in session.Patched) Say($"    patched {p.Name}");
            foreach (var o in session.OutOfDate) Say($"    out of date {o.Member}: {o.Reason}");
            foreach (var e in session.BrokenCallers) Say($"    does not compile with the edits: {e}");
        }
        if (_target.Generations is { } g)
            Say($"  generations in the app: {g.Loaded} loaded, {g.Releasing} unloading, {g.Collected} unloaded");
        foreach (var (path, errors) in _lastErrors) { Say($"  failed {path}"); foreach (var e in errors) Say("    " + e); }
        if (_pending.Count > 0) Say($"  held by the mode or skip marks (%autoreload applies them): {Join(_pending.Select(Path.GetFileName).OfType<string>())}");
        if (_awaitingSafePoint.Count > 0)
            Say($"  compiled, waiting for the app's next Detour.HotPatch.SafePoint(): {Join(_awaitingSafePoint.Select(Path.GetFileName).OfType<string>())}");
        if (!_dirty.IsEmpty) Say($"  saved, not applied yet: {Join(_dirty.Keys.Select(Path.GetFileName).OfType<string>())}");
        Say($"  skipped modules: {Join(_marks.Skipped)}");
    }

    static string Join(IEnumerable<string> items) => items.Any() ? string.Join(", ", items) : "(none)";

    public void Dispose()
    {
        _disposed = true;
        foreach (var watcher in _watchers) watcher.Dispose();
        _debounce.Dispose();
        _view?.Dispose();
    }
}
