using Detour.Host.Commands;

namespace Detour.Host.Watching;

/// <summary>What the commands do to one app: each takes the reloader's lock, as the watcher's reloads do, so no save
/// falls between a command's look at the queue and its action.</summary>
internal sealed class CommandOperations(AppReloader app, EditQueue queue, AppProjects projects, SourceWatcher watcher) : ICommandTarget
{
    public void Say(string line) => app.Say(line);

    public void SetMode(ReloadMode mode)
    {
        lock (app.Gate)
        {
            queue.Mode = mode;
            Say($"autoreload mode {(int)mode}");
            if (mode == ReloadMode.AtSafePoint || queue.AwaitingSafePoint.Count == 0) return;
            // Leaving mode 3: what waited for a safe point is reloaded as the new mode says.
            queue.Reload(queue.TakeAwaitingSafePoint(), force: false);
        }
    }

    /// <summary>%autoreload with no argument: reload everything that changed, now.</summary>
    public void ReloadNow()
    {
        if (!app.WaitUntilReady()) return;
        lock (app.Gate)
        {
            var all = queue.Pending.Concat(watcher.TakeDirty()).Distinct().ToList();
            if (all.Count == 0) { Say("nothing changed"); return; }
            queue.Reload(all, force: true);
        }
    }

    public void Mark(string module) { lock (app.Gate) queue.Marks.Mark(module); Say($"marked {module}"); }

    public void Skip(string module) { lock (app.Gate) queue.Marks.Skip(module); Say($"skipping {module}: its edits are not applied"); }

    public void ListModules()
    {
        lock (app.Gate) Say($"marked: {StatusReport.Join(queue.Marks.Marked)}; skipped: {StatusReport.Join(queue.Marks.Skipped)}");
    }

    /// <summary>%reload X: recompile and re-apply the files that declare X, even if unchanged.</summary>
    public void ForceReload(string module)
    {
        if (!app.WaitUntilReady()) return;
        lock (app.Gate)
        {
            var files = projects.Files.Where(s => File.Exists(s.Key) &&
                    s.Value.TypesDeclaredIn(s.Key, File.ReadAllText(s.Key)).Any(t => ModuleMarks.Matches(module, s.Value.Project.AssemblyName, t)))
                .Select(s => s.Key).ToList();
            if (files.Count == 0) { Say($"no source declares {module}"); return; }
            queue.Reload(files, force: true);
        }
    }

    public void Revert(string? module)
    {
        if (!app.WaitUntilReady()) return;
        lock (app.Gate)
        {
            int count = projects.Sessions.Sum(session =>
                session.Revert(module is null ? null : type => ModuleMarks.Matches(module, session.Project.AssemblyName, type),
                    warning => Say("warning: " + warning)));
            Say($"reverted {count} method{(count == 1 ? "" : "s")}; the original code runs again");
        }
    }

    public void Status()
    {
        lock (app.Gate) foreach (var line in app.StatusLines()) Say(line);
    }

    public void Restart() => app.RequestRestart();
}
