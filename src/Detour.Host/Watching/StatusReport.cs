using Detour.Channel;
using Detour.Host.Sessions;

namespace Detour.Host.Watching;

/// <summary>The %status text of one app: the truth about its state, then each project's generation, patched and out of
/// date members, failed files, and what waits.</summary>
internal static class StatusReport
{
    public static IEnumerable<string> Lines(Hello app, string state, EditQueue queue, AppProjects projects, SourceWatcher watcher,
        GenerationCounts? generations, string? host)
    {
        yield return $"mode {(int)queue.Mode}, {state} (app process {app.ProcessId}; the agent took {app.StartupMilliseconds:F1} ms of its main thread at startup)";
        if (app.NativeEngine.Length > 0) yield return $"  native engine: {app.NativeEngine}";
        if (host is not null) yield return host;
        foreach (var session in projects.Sessions)
        {
            yield return $"  {session.Project.AssemblyName}: generation {session.Generation}";
            foreach (var p in session.Patched) yield return $"    patched {p.Name}";
            foreach (var o in session.OutOfDate) yield return $"    out of date {o.Member}: {o.Reason}";
            foreach (var e in session.BrokenCallers) yield return $"    does not compile with the edits: {e}";
        }
        if (generations is { } g)
            yield return $"  generations in the app: {g.Loaded} loaded, {g.Releasing} unloading, {g.Collected} unloaded";
        foreach (var (path, errors) in queue.LastErrors)
        {
            yield return $"  failed {path}";
            foreach (var e in errors) yield return "    " + e;
        }
        if (queue.Pending.Count > 0) yield return $"  held by the mode or skip marks (%autoreload applies them): {Join(FileNames(queue.Pending))}";
        if (queue.AwaitingSafePoint.Count > 0)
            yield return $"  compiled, waiting for the app's next Detour.HotPatch.SafePoint(): {Join(FileNames(queue.AwaitingSafePoint))}";
        if (watcher.Dirty.Count > 0) yield return $"  saved, not applied yet: {Join(FileNames(watcher.Dirty))}";
        yield return $"  skipped modules: {Join(queue.Marks.Skipped)}";
    }

    static IEnumerable<string> FileNames(IEnumerable<string> paths) => paths.Select(Path.GetFileName).OfType<string>();

    public static string Join(IEnumerable<string> items) => items.Any() ? string.Join(", ", items) : "(none)";
}
