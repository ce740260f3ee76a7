using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using Detour.Reload;

namespace Detour.Agent;

/// <summary>Runs inside the app: watches its sources, drives the reload pipeline on every save, and
/// takes %-commands. The same operations are public methods, for use from C#.</summary>
public sealed class DetourAgent
{
    static DetourAgent? _current;
    readonly Assembly _app;
    readonly TextWriter _out;
    ReloadSession? _session;
    readonly ModuleMarks _marks = new();
    readonly Dictionary<string, string> _failed = new();       // path -> text that failed (not retried until it changes)
    readonly Dictionary<string, IReadOnlyList<string>> _lastErrors = new();
    readonly HashSet<string> _pending = new();                 // edits held back by the mode or skip marks
    readonly ConcurrentDictionary<string, DateTime> _dirty = new();
    readonly ManualResetEventSlim _ready = new();
    readonly object _gate = new();
    Timer? _debounce;
    public ReloadMode Mode { get; private set; } = ReloadMode.AllButSkipped;
    public static DetourAgent? Current => _current;

    DetourAgent(Assembly app, TextWriter output) { _app = app; _out = output; }

    /// <summary>Starts the agent for the app's entry assembly, unless it is optimized or disabled.</summary>
    public static void StartForEntryAssembly()
    {
        var app = Assembly.GetEntryAssembly();
        if (app is null || _current is not null) return;
        if (Environment.GetEnvironmentVariable("DETOUR_DISABLE") == "1") return;
        if (app.GetCustomAttribute<DebuggableAttribute>() is not { IsJITOptimizerDisabled: true })
        {
            Console.Error.WriteLine($"detour: inactive: {app.GetName().Name} is an optimized build; hot patching needs a Debug build");
            return;
        }
        _current = new DetourAgent(app, Console.Out);
        _current.Start();
    }

    void Start()
    {
        ProjectModel project;
        try { project = ProjectModel.Load(_app.Location); }
        catch (ReloadException e) { Say(e.Message); return; }
        Say($"watching {Path.GetFileName(project.ProjectPath)} ({project.Sources.Count} files), mode {(int)Mode}; type %help for commands");
        foreach (var dir in project.Sources.Select(Path.GetDirectoryName).Distinct().Where(Directory.Exists).Cast<string>()
                     .Where(d => !project.Sources.Any(s => d != Path.GetDirectoryName(s) && d.StartsWith(Path.GetDirectoryName(s)! + Path.DirectorySeparatorChar))))
            Watch(dir, project);
        CommandConsole.Install(this);
        // Roslyn loads and warms in the background; edits saved meanwhile wait in _dirty.
        new Thread(() =>
        {
            try
            {
                var session = new ReloadSession(project, _app);
                session.WarmUp();
                _session = session;
            }
            catch (Exception e) { Say($"could not start: {e.Message}"); }
            _ready.Set();
            Flush();
        }) { IsBackground = true, Name = "detour warm-up" }.Start();
    }

    void Watch(string directory, ProjectModel project)
    {
        var watched = project.Sources.Where(s => !project.Unwatched.Contains(s)).ToHashSet();
        var watcher = new FileSystemWatcher(directory, "*.cs") { IncludeSubdirectories = true, NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size };
        void Touched(string? path)
        {
            if (path is null || !watched.Contains(path)) return;
            _dirty[path] = DateTime.UtcNow;
            _debounce ??= new Timer(_ => Flush());
            _debounce.Change(40, Timeout.Infinite); // several quick saves become one reload
        }
        watcher.Changed += (_, e) => Touched(e.FullPath);
        watcher.Created += (_, e) => Touched(e.FullPath);
        watcher.Renamed += (_, e) => Touched(e.FullPath);
        watcher.Deleted += (_, e) => Touched(e.FullPath);
        watcher.EnableRaisingEvents = true;
        GC.KeepAlive(watcher);
        _watchers.Add(watcher);
    }

    readonly List<FileSystemWatcher> _watchers = new();

    void Flush()
    {
        if (!_ready.IsSet || _session is null) return;
        var paths = _dirty.Keys.ToList();
        foreach (var p in paths) _dirty.TryRemove(p, out _);
        if (paths.Count == 0) return;
        lock (_gate) Reload(paths, force: false);
    }

    /// <summary>Reads a file that an editor may be writing right now: retries a vanished or locked file.</summary>
    static string? ReadSettled(string path)
    {
        for (int attempt = 0; attempt < 25; attempt++)
        {
            try
            {
                if (File.Exists(path)) return File.ReadAllText(path);
            }
            catch (IOException) { }
            Thread.Sleep(20);
        }
        return null;
    }

    void Reload(IReadOnlyCollection<string> paths, bool force)
    {
        var session = _session!;
        var changes = new Dictionary<string, string>();
        foreach (var path in paths)
        {
            var text = ReadSettled(path);
            if (text is null)
            {
                Say($"{path}: file deleted; the app keeps running its last good code");
                continue;
            }
            if (!force && _failed.TryGetValue(path, out var failedText) && failedText == text) continue;
            var types = session.TypesDeclaredIn(path, text);
            if (!force && !_marks.Allows(Mode, session.Project.AssemblyName, types))
            {
                _pending.Add(path);
                continue;
            }
            changes[path] = text;
        }
        if (changes.Count == 0) return;
        var report = session.Apply(changes, type => !force && _marks.Skipped.Any(m => ModuleMarks.Matches(m, session.Project.AssemblyName, type)));
        foreach (var path in changes.Keys)
        {
            _pending.Remove(path);
            if (report.Succeeded) { _failed.Remove(path); _lastErrors.Remove(path); }
            else { _failed[path] = changes[path]; _lastErrors[path] = report.Errors; }
        }
        Say(report.Summary());
        foreach (var error in report.Errors) Say(error + (error.Contains("rude edit") ? " (restart the app to apply it)" : ""));
        Reported?.Invoke(report);
    }

    /// <summary>Raised after every reload attempt.</summary>
    public event Action<ReloadReport>? Reported;

    void Say(string line)
    {
        lock (_out) _out.WriteLine("[detour] " + line);
    }

    // ---- the operations behind the console commands ----

    public void SetMode(ReloadMode mode) { Mode = mode; Say($"autoreload mode {(int)mode}"); }

    /// <summary>%autoreload with no argument: reload everything that changed, now.</summary>
    public void ReloadNow()
    {
        _ready.Wait();
        lock (_gate)
        {
            var all = _pending.Concat(_dirty.Keys).Distinct().ToList();
            _dirty.Clear();
            if (all.Count == 0) { Say("nothing changed"); return; }
            Reload(all, force: true);
        }
    }

    public void Mark(string module) { _marks.Mark(module); Say($"marked {module}"); }
    public void Skip(string module) { _marks.Skip(module); Say($"skipping {module}: its edits are not applied"); }

    /// <summary>%reload X: recompile and re-apply the files that declare X, even if unchanged.</summary>
    public void ForceReload(string module)
    {
        _ready.Wait();
        lock (_gate)
        {
            var session = _session!;
            var files = session.Project.Sources.Where(p => File.Exists(p) &&
                session.TypesDeclaredIn(p, File.ReadAllText(p)).Any(t => ModuleMarks.Matches(module, session.Project.AssemblyName, t))).ToList();
            if (files.Count == 0) { Say($"no source declares {module}"); return; }
            Reload(files, force: true);
        }
    }

    public void Revert(string? module)
    {
        _ready.Wait();
        lock (_gate)
        {
            var session = _session!;
            int count = session.Revert(module is null ? null : type => ModuleMarks.Matches(module, session.Project.AssemblyName, type));
            Say($"reverted {count} method{(count == 1 ? "" : "s")}; the original code runs again");
        }
    }

    public void ListModules() =>
        Say($"marked: {Join(_marks.Marked)}; skipped: {Join(_marks.Skipped)}");

    public void Status()
    {
        Say($"mode {(int)Mode}, generation {_session?.Generation ?? 0}, {(_ready.IsSet ? "ready" : "warming up")}");
        foreach (var d in _session?.Detours.Where(d => d.IsActive) ?? []) Say($"  patched {Detour.Engine.MethodNames.Describe(d.Original)}");
        foreach (var (path, errors) in _lastErrors) { Say($"  failed {path}"); foreach (var e in errors) Say("    " + e); }
        Say($"  skipped modules: {Join(_marks.Skipped)}");
    }

    static string Join(IEnumerable<string> items) => items.Any() ? string.Join(", ", items) : "(none)";

    public void Help()
    {
        foreach (var line in new[]
        {
            "%autoreload        reload everything that changed, now",
            "%autoreload 0|1|2  off | only modules marked with %aimport | all but skipped (default)",
            "%aimport           list marked and skipped modules",
            "%aimport X         mark module X;  %aimport -X  skip module X",
            "%reload X          recompile and re-apply X even if unchanged",
            "%status            mode, generation, patched members, failed files, skipped modules",
            "%revert [X]        undo all patches (or those of X)",
            "%help              this list",
        }) Say(line);
    }
}
