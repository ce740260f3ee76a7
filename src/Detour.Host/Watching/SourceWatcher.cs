using System.Collections.Concurrent;
using Detour.Host.Model;

namespace Detour.Host.Watching;

/// <summary>Watches the sources and views of an app's projects and collects the files saved. A save settles before it
/// is reported: several quick saves, of one file or several, become one reload.</summary>
internal sealed class SourceWatcher : IDisposable
{
    /// <summary>A file renamed into place is complete, and waits only for the other files of the same save. One written
    /// in place (how VS Code saves) may be half-written: where the watcher sees a file's writers (Linux, through /proc)
    /// it waits as briefly, then until no process has the file open for writing, looking again every
    /// <see cref="WriterRecheckMs"/>; elsewhere it waits until the writes have paused for 40 ms.</summary>
    const int RenameSettleMs = 10, WriterRecheckMs = 10;
    static readonly int InPlaceSettleMs = OperatingSystem.IsLinux() ? 10 : 40;

    readonly ConcurrentDictionary<string, DateTime> _dirty = new();
    readonly List<FileSystemWatcher> _watchers = new();
    readonly Timer _settled;
    readonly object _gate = new();
    HashSet<string> _watched = new();
    DateTime _lastInPlaceWrite;

    readonly Action<string>? _saved;
    readonly CloseWrites? _closeWrites;

    /// <param name="settled">Called on a timer thread once saves may have settled; <see cref="TakeSettled"/> has them.</param>
    /// <param name="saved">Called on the watcher's thread at each event of a watched file that is there, before the save
    /// settles: the file may be compiled meanwhile, as it reads then (perhaps half-written). It must return at once.</param>
    public SourceWatcher(Action settled, Action<string>? saved = null)
    {
        _saved = saved;
        _closeWrites = CloseWrites.Start(IsWatched, path => _saved?.Invoke(path));
        _settled = new Timer(_ =>
        {
            // Nothing is due now, so a recheck scheduled from the callback arms the timer again: the timer can fire a
            // moment before _due by the wall clock, and a deleted file's recheck then looked pending and never came.
            lock (_gate) _due = DateTime.MinValue;
            settled();
        });
    }

    public IReadOnlyCollection<string> Watched { get { lock (_gate) return _watched.ToList(); } }

    public bool IsWatched(string path) { lock (_gate) return _watched.Contains(path); }

    /// <summary>Files saved and not yet taken.</summary>
    public IReadOnlyCollection<string> Dirty => _dirty.Keys.ToList();

    public bool IsDirty(string path) => _dirty.ContainsKey(path);

    public List<string> TakeDirty()
    {
        var paths = _dirty.Keys.ToList();
        foreach (var p in paths) _dirty.TryRemove(p, out _);
        return paths;
    }

    /// <summary>A file changed before the watcher saw it (saved after the build, or deleted): reported with the next save.</summary>
    public void MarkDirty(string path) => _dirty[path] = DateTime.UtcNow;

    /// <summary>How long a file must stay deleted before its deletion is reported: editors that save by deleting and
    /// writing the file anew are seen as one save.</summary>
    static readonly TimeSpan DeletionSettles = TimeSpan.FromSeconds(1);
    readonly Dictionary<string, DateTime> _missingSince = new();

    /// <summary>Files whose last event was a write in place, with its time: only those can be half-written.</summary>
    readonly ConcurrentDictionary<string, DateTime> _writtenInPlace = new();

    /// <summary>The saved files that have settled, taken from the dirty set: not still open for writing, and not deleted
    /// just now. The others stay dirty, and are looked at again when they may have settled.</summary>
    public List<string> TakeSettled()
    {
        var savedAt = _dirty.ToArray().ToDictionary(d => d.Key, d => d.Value);
        var inPlace = _writtenInPlace.ToArray().ToDictionary(w => w.Key, w => w.Value);
        var paths = TakeDirty();
        var now = DateTime.UtcNow;
        // Looking for writers costs milliseconds (every descriptor of the user's processes): only for writes in place.
        // A file its writer closed (and nobody wrote since) is whole: only the others are looked for.
        var writing = OpenWriters.Among(paths.Where(p => _writtenInPlace.ContainsKey(p) && File.Exists(p) && _closeWrites?.WasClosed(p) != true).ToList());
        var settled = new List<string>();
        TimeSpan? recheck = null;
        foreach (var path in paths)
        {
            TimeSpan wait;
            if (File.Exists(path))
            {
                _missingSince.Remove(path);
                wait = writing.Contains(path) ? TimeSpan.FromMilliseconds(WriterRecheckMs) : TimeSpan.Zero;
            }
            else wait = DeletionSettles - (now - (_missingSince.TryGetValue(path, out var since) ? since : _missingSince[path] = now));
            if (wait <= TimeSpan.Zero)
            {
                settled.Add(path);
                // Only the write looked at: one that came during this look (a truncating open, say) is not done.
                if (inPlace.TryGetValue(path, out var writtenAt)) _writtenInPlace.TryRemove(new(path, writtenAt));
                continue;
            }
            MarkDirty(path);
            recheck = recheck is { } r && r < wait ? r : wait;
        }
        if (recheck is { } due) Schedule((int)Math.Ceiling(due.TotalMilliseconds));
        FirstSaveSeen = settled.Select(p => savedAt.GetValueOrDefault(p, now)).DefaultIfEmpty(now).Min();
        return settled;
    }

    /// <summary>When the watcher saw the first event of the files <see cref="TakeSettled"/> last returned.</summary>
    public DateTime FirstSaveSeen { get; private set; }

    /// <summary>The settled callback runs after <paramref name="ms"/>, or sooner if already due sooner.</summary>
    void Schedule(int ms)
    {
        lock (_gate)
            if (!(_due > DateTime.UtcNow && _due <= DateTime.UtcNow.AddMilliseconds(ms))) Debounce(ms);
    }

    /// <summary>A save: the callback waits <paramref name="ms"/> from now, however soon it was due, so quick saves become one.</summary>
    void Debounce(int ms)
    {
        lock (_gate)
        {
            _due = DateTime.UtcNow.AddMilliseconds(ms);
            _settled.Change(ms, Timeout.Infinite);
        }
    }

    DateTime _due;

    public void Watch(ProjectModel project)
    {
        var watched = project.Sources.Where(s => !project.Unwatched.Contains(s)).Concat(project.Views).Concat(project.BuildInputs).ToHashSet();
        lock (_gate) _watched = _watched.Union(watched).ToHashSet();
        var folders = watched.Select(Path.GetDirectoryName).Distinct().OfType<string>().Where(Directory.Exists).ToList();
        foreach (var folder in folders) _closeWrites?.Watch(folder);
        // One watcher per top folder of the project's sources (sources outside the project folder included).
        foreach (var folder in folders.Where(f => !folders.Any(o => o != f && f.StartsWith(o + Path.DirectorySeparatorChar))))
        {
            var watcher = new FileSystemWatcher(folder)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size,
            };
            watcher.Filters.Add("*.cs");
            if (project.Views.Count > 0) { watcher.Filters.Add("*.cshtml"); watcher.Filters.Add("*.razor"); }
            foreach (var name in project.BuildInputs.Select(Path.GetFileName).OfType<string>().Distinct()) watcher.Filters.Add(name);
            void Touched(string? path, bool inPlace)
            {
                if (path is null) return;
                lock (watched) // events arrive on several threads
                    if (!watched.Contains(path) && !(IsNewSource(project, path) && watched.Add(path))) return;
                lock (_gate) _watched.Add(path);
                var now = DateTime.UtcNow;
                _dirty.TryAdd(path, now); // the first event of a save: where its timeline starts
                int settleMs = inPlace ? InPlaceSettleMs : RenameSettleMs;
                // An in-place write still settling keeps its longer wait.
                if (inPlace) { _lastInPlaceWrite = now; _writtenInPlace[path] = now; }
                else
                {
                    _writtenInPlace.TryRemove(path, out _);
                    if ((now - _lastInPlaceWrite).TotalMilliseconds < InPlaceSettleMs) settleMs = InPlaceSettleMs;
                }
                Debounce(settleMs);
                // A file written in place is compiled ahead once its writer closes it, where that can be seen.
                if (File.Exists(path) && (!inPlace || _closeWrites is null)) _saved?.Invoke(path);
            }
            watcher.Changed += (_, e) => Touched(e.FullPath, inPlace: true);
            watcher.Created += (_, e) => Touched(e.FullPath, inPlace: true);
            watcher.Renamed += (_, e) =>
            {
                Touched(e.FullPath, inPlace: false);
                Touched(e.OldFullPath, inPlace: false); // renamed away (to a backup name, say): gone, and said so
            };
            watcher.Deleted += (_, e) => Touched(e.FullPath, inPlace: true);
            // Too many changes at once (a branch switch): events were lost, so every file is looked at;
            // those whose text the app already runs are passed over.
            watcher.Error += (_, _) => { lock (watched) foreach (var path in watched.ToList()) Touched(path, inPlace: true); };
            watcher.EnableRaisingEvents = true;
            _watchers.Add(watcher);
        }
    }

    /// <summary>A .cs file created in the project folder, outside bin/ and obj/, is a source the SDK's default
    /// globs would compile: it joins the project; so does a view in a project with views. (Projects with their own
    /// Compile globs are not consulted.)</summary>
    static bool IsNewSource(ProjectModel project, string path)
    {
        bool source = path.EndsWith(".cs", StringComparison.OrdinalIgnoreCase) || project.Views.Count > 0 && ViewFiles.IsView(path);
        // Editors' lock and backup files (".#Scene.cs") are hidden; they are never sources.
        if (!source || Path.GetFileName(path).StartsWith('.') || !File.Exists(path)) return false;
        var relative = Path.GetRelativePath(project.ProjectDirectory, path).Replace('\\', '/');
        return !relative.StartsWith("../") && !ProjectModel.IsUnderBuildOutput(path, project.ProjectDirectory) &&
               !Path.IsPathRooted(relative) && !project.Unwatched.Contains(path) && SourceTree.Contains(project.TreeRoot, path);
    }

    public void Dispose()
    {
        foreach (var watcher in _watchers) watcher.Dispose();
        _closeWrites?.Dispose();
        _settled.Dispose();
    }
}
