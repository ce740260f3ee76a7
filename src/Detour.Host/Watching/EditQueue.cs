using Detour.Channel;
using Detour.Host.Commands;
using Detour.Host.Diffing;
using Detour.Host.Model;
using Detour.Host.Rules;
using Detour.Host.Sessions;

namespace Detour.Host.Watching;

/// <summary>Saved files on their way into the app: each is read, held back when the mode or the skip marks say so, and
/// applied in one transaction per project with the other files of the same save. A file that failed is tried again
/// only when its text changes, or with a later edit it may have waited for. Called under the reloader's lock.</summary>
internal sealed class EditQueue(AppProjects projects, IPatchTarget target, Action<string> say)
{
    public const string KeepsLastGoodCode = "the app keeps running its last good code";

    readonly Dictionary<string, string> _failed = new();       // path -> text that failed (not retried until it changes)
    readonly Dictionary<string, IReadOnlyList<string>> _lastErrors = new();
    readonly HashSet<string> _pending = new();                 // edits held back by the mode or skip marks
    readonly HashSet<string> _awaitingSafePoint = new();       // mode 3: checked edits waiting for the app's safe point
    bool _atSafePoint;

    /// <summary>The test seam of the fault suite.</summary>
    internal Action<FaultStage>? FaultInjection = InjectedFaults.OfThisProcess;

    /// <summary>Whether the watcher has seen the file saved again since it was taken: then the text just read may be a
    /// write caught half-way (a truncating open that came after the look for writers), and the newer save reloads it.</summary>
    internal Func<string, bool>? SavedAgain;

    public ReloadMode Mode { get; set; } = ReloadMode.AllButSkipped;
    public ModuleMarks Marks { get; } = new();

    /// <summary>After every reload attempt, with what it did.</summary>
    public event Action<ReloadReport>? Reported;

    public IReadOnlyDictionary<string, IReadOnlyList<string>> LastErrors => _lastErrors;
    public IReadOnlyCollection<string> Pending => _pending;
    public IReadOnlyCollection<string> AwaitingSafePoint => _awaitingSafePoint;

    /// <param name="force">Apply even unchanged files, and whatever the mode and the marks say (%reload, %autoreload).</param>
    /// <param name="savedAt">When the watcher saw the save: the timeline of each report starts there.</param>
    public void Reload(IReadOnlyCollection<string> paths, bool force, DateTime? savedAt = null)
    {
        var read = System.Diagnostics.Stopwatch.StartNew();
        var settle = savedAt is { } saved ? DateTime.UtcNow - saved : TimeSpan.Zero;
        var coming = paths.Select(projects.For).OfType<ReloadSession>().Distinct().Select(s => s.EditComing()).ToList();
        try { ReloadNow(paths, force, savedAt is not null, settle, read); }
        finally { foreach (var edit in coming) edit.Dispose(); }
    }

    void ReloadNow(IReadOnlyCollection<string> paths, bool force, bool timed, TimeSpan settle, System.Diagnostics.Stopwatch read)
    {
        var byProject = new Dictionary<ReloadSession, Dictionary<string, string>>();
        foreach (var path in paths.Order())
        {
            if (projects.For(path) is not { } session) continue;
            if (session.Project.BuildInputs.Contains(path)) BuildInputSaved(path, session);
            else if (ReadForReload(path, session, force) is { } text)
            {
                if (!byProject.TryGetValue(session, out var changes)) byProject[session] = changes = new();
                changes[path] = text;
            }
        }
        bool hold = Mode == ReloadMode.AtSafePoint && !_atSafePoint;
        // "watch": from the save to its reload: the watcher's settle time, and any wait for the host's warm-up.
        StageTime[] before = timed ? [new("watch", settle), new("read", read.Elapsed)] : [];
        foreach (var (session, texts) in byProject.OrderByDescending(p => projects.Order(p.Key)))
        {
            Apply(session, texts, force, hold, before);
            before = []; // a second project's edit starts when the first one's ends
        }
        if (hold && _awaitingSafePoint.Count > 0) target.WantSafePoint(true);
    }

    /// <summary>A file just saved is compiled while the watcher waits for the rest of its save (the other files, the end of
    /// a write in place). The reload that follows uses that compile if the save was this file alone and it reads the
    /// same then; a half-written read is just not used. Says nothing and changes nothing: the reload reads, checks and
    /// reports as always.</summary>
    public void CompileAhead(string path)
    {
        if (Mode == ReloadMode.Off || projects.For(path) is not { } session || session.Project.BuildInputs.Contains(path) || ViewFiles.IsView(path)) return;
        // A file of the project that failed joins its next edit (Apply), which is then not this file alone.
        if (_failed.Keys.Any(f => projects.For(f) == session)) return;
        if (SettledReads.ReadNow(path) is not { } text || text.Contains('\0') || session.Runs(path, text) ||
            !Marks.Allows(Mode, session.Project.AssemblyName, session.TypesDeclaredIn(path, text))) return;
        session.CompileAhead(new Dictionary<string, string> { [path] = text });
    }

    /// <summary>The file's text when it is to be applied; null when it is not (gone, unreadable, unchanged, held back).</summary>
    string? ReadForReload(string path, ReloadSession session, bool force)
    {
        string? text;
        try { text = SettledReads.Read(path, FaultInjection); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not read, so not compared: the next save of the file is tried afresh.
            Failed(path, null, $"could not be read ({e.Message})");
            return null;
        }
        if (text is null)
        {
            say($"{path}: file deleted; {KeepsLastGoodCode}");
            return null;
        }
        if (!force && _failed.TryGetValue(path, out var failedText) && failedText == text) return null;
        if (!force && SavedAgain?.Invoke(path) == true) return null;
        if (text.Contains('\0'))
        {
            // Not source at all (an image saved over it, a corrupt write): one line, not a compiler error per byte.
            Failed(path, text, "not C# text (it holds binary content)");
            _pending.Remove(path);
            _awaitingSafePoint.Remove(path);
            return null;
        }
        if (!force && session.Runs(path, text))
        {
            // Back to a text the app runs: whatever failed of it before no longer stands.
            _pending.Remove(path);
            _failed.Remove(path);
            _lastErrors.Remove(path);
            return null;
        }
        if (!force && !Marks.Allows(Mode, session.Project.AssemblyName, session.TypesDeclaredIn(path, text)))
        {
            _pending.Add(path);
            return null;
        }
        return text;
    }

    /// <summary>A file only the build reads: a restart is offered while it differs from what the app was built from.</summary>
    void BuildInputSaved(string path, ReloadSession session)
    {
        if (session.BuildInputEdited(path, SettledReads.ReadNow(path)) is not { } report)
        {
            _lastErrors.Remove(path);
            return;
        }
        if (_lastErrors.ContainsKey(path)) return; // said once; it stays true until the restart
        _lastErrors[path] = report.Errors;
        Tell(report);
        Reported?.Invoke(report);
    }

    void Failed(string path, string? text, string why)
    {
        say($"{path}: {why}; {KeepsLastGoodCode}");
        if (text is not null) _failed[path] = text;
        _lastErrors[path] = [$"{path}(1,1): error: {why}"];
    }

    void Apply(ReloadSession session, Dictionary<string, string> saved, bool force, bool hold, StageTime[] before)
    {
        bool IsSkipped(string type) => !force && Marks.IsSkipped(session.Project.AssemblyName, type);
        var changes = saved;
        // A file that failed may have failed for want of this edit (a caller saved before its callee):
        // it is tried again with the edit, and if they fail together the edit is tried alone.
        var failedBefore = _failed.Where(f => !saved.ContainsKey(f.Key) && projects.For(f.Key) == session && SettledReads.ReadNow(f.Key) == f.Value)
                                  .ToDictionary(f => f.Key, f => f.Value);
        ReloadReport? report = null;
        if (failedBefore.Count > 0)
        {
            var together = saved.Concat(failedBefore).ToDictionary();
            report = session.Apply(together, IsSkipped, hold);
            if (report.Succeeded) changes = together;
        }
        if (report is not { Succeeded: true }) report = session.Apply(saved, IsSkipped, hold);
        report = report with { Stages = [.. before, .. report.Stages] };
        foreach (var path in changes.Keys)
        {
            _pending.Remove(path);
            if (report.Succeeded) { _failed.Remove(path); _lastErrors.Remove(path); }
            else { _failed[path] = changes[path]; _lastErrors[path] = report.Errors; }
            if (report is { Held: true, Succeeded: true }) _awaitingSafePoint.Add(path);
            else _awaitingSafePoint.Remove(path);
        }
        Tell(report);
        Reported?.Invoke(report);
    }

    void Tell(ReloadReport report)
    {
        say(report.Summary());
        // What did not simply apply gets a line of its own: skipped, removed, or patched but not yet running.
        foreach (var member in report.Members.Where(m => m.Status is MemberStatus.Skipped or MemberStatus.Removed || m.RestartToSee || m.HiddenFromReflection))
            say($"  {member.Status.ToString().ToLowerInvariant()} {member.Member}: {member.Reason}");
        foreach (var warning in report.Warnings) say(warning);
        const int Shown = 10; // a stray brace can cascade into dozens of errors; the first ones matter
        foreach (var error in report.Errors.Take(Shown)) say(error);
        if (report.Errors.Count > Shown) say($"... and {report.Errors.Count - Shown} more errors");
    }

    /// <summary>A thread of the app waits at its safe point: what waits for it is applied now (as the files read now; the
    /// session reuses the compile it made at the save when they read the same).</summary>
    public void AtSafePoint()
    {
        var files = TakeAwaitingSafePoint();
        if (files.Count == 0 || Mode != ReloadMode.AtSafePoint) return;
        _atSafePoint = true;
        try { Reload(files, force: false); }
        finally { _atSafePoint = false; }
    }

    /// <summary>The files waiting for a safe point, which no longer wait; the agent stops offering one.</summary>
    public List<string> TakeAwaitingSafePoint()
    {
        target.WantSafePoint(false);
        var files = _awaitingSafePoint.ToList();
        _awaitingSafePoint.Clear();
        return files;
    }
}
