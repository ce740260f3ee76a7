using System.Diagnostics;
using Detour.Channel;
using Detour.Host.Binding;
using Detour.Host.Compiling;
using Detour.Host.Diffing;
using Detour.Host.Model;
using Detour.Host.Planning;
using Detour.Host.Relinking;
using Detour.Host.Rules;
using Detour.Host.Sources;
using Microsoft.CodeAnalysis;

namespace Detour.Host.Sessions;

/// <summary>Everything an edit is before anything of it is relinked or sent: compiled, bound to the live program,
/// diffed with the previous generation and decided by the rules.</summary>
internal sealed record PreparedEdit(CompiledDelta Delta, LiveBinding Binding, LambdaMatch Lambdas, ChangeSet Changes, RuleDecisions Decisions,
    IReadOnlyDictionary<MemberKey, StaticInitializer> NewInitializers);

/// <summary>Reloads edited source files of one project into the running program. Each call to <see cref="Apply"/> is
/// one transaction: all of the edit lands, or none of it. An edit passes the pipeline's stages in order: Sources (the
/// files to compile), Compiling, Binding, Diffing, Rules, Relinking and Planning, then the app.</summary>
public sealed class ReloadSession
{
    readonly CSharpProject _csharp;
    readonly AppliedSources _sources;
    readonly CompileSetBuilder _sets;
    readonly RazorViews _razor;
    readonly DeltaCompiler _compiler;
    readonly BaselineTexts _baselines;
    readonly LiveProgram _live;
    readonly AssemblyResolver _resolver;
    readonly RuntimeUpdates _runtimeUpdates;
    readonly EditTransaction _transaction;
    readonly BrokenCallers _brokenCallers;
    readonly OutOfDateClosures _outOfDate = new();
    readonly ProjectSessions? _projects;
    readonly EditsInFlight _edits;
    readonly object _gate = new();
    (int Generation, MetadataReference? Reference)? _surface;
    /// <summary>A compile made before its edit came to be applied: at the save (<see cref="CompileAhead"/>), or of an edit
    /// held for the safe point. Keyed by the texts and the generation they were compiled at.</summary>
    (string Key, CompiledDelta Delta)? _compiledAhead;
    List<string>? _recent; // found by FindRecentFiles

    /// <summary>Test seam: throwing from it simulates a fault after the edit started to apply.</summary>
    internal Action<FaultStage>? FaultInjection = InjectedFaults.OfThisProcess;

    /// <param name="view">The app as metadata: where this project's live types and members are found.</param>
    /// <param name="target">Where plans go: the app's agent, through the channel.</param>
    /// <param name="projects">The sessions of the other projects of the same app: edits here then compile
    /// against, and bind to, what edits there added.</param>
    public ReloadSession(ProjectModel project, LiveView view, IPatchTarget target, ProjectSessions? projects = null)
    {
        Project = project;
        _live = new LiveProgram(view.Load(project.AssemblyName), view);
        _projects = projects;
        _edits = projects?.Edits ?? new EditsInFlight();
        projects?.Add(this);
        _csharp = new CSharpProject(project) { ReferencedProjectSurface = name => _projects?.Find(name)?.Surface() };
        _sources = new AppliedSources(project);
        _sets = new CompileSetBuilder(_csharp, _sources);
        _razor = new RazorViews(_csharp, _sets);
        _compiler = new DeltaCompiler(_csharp);
        _resolver = new AssemblyResolver(project, AllPrograms);
        _baselines = new BaselineTexts(project, _compiler, _sets, _sources, _resolver);
        _runtimeUpdates = new RuntimeUpdates(_csharp, () => _sources.BuiltViews.Count == 0
            ? _sources.BuiltTexts
            : _sources.BuiltTexts.Concat(_razor.AsBuilt(_sources)).ToDictionary(), everyMethod: view.NativeEngineOff);
        _transaction = new EditTransaction(project, _live, target, _runtimeUpdates, AllPrograms);
        _brokenCallers = new BrokenCallers(_compiler, _sets);
    }

    public ProjectModel Project { get; }

    public int Generation { get { lock (_gate) return _transaction.Generation; } }

    /// <summary>A snapshot of the methods this session has detoured in the app.</summary>
    public IReadOnlyList<PatchedMethod> Patched { get { lock (_gate) return _transaction.Patched; } }

    /// <summary>Closures whose delegates made by the running program keep old bodies until a restart.</summary>
    public IReadOnlyList<MemberReport> OutOfDate { get { lock (_gate) return _outOfDate.All; } }

    /// <summary>Files that no longer compile with the applied edits (they name removed members), with their errors.</summary>
    public IReadOnlyList<string> BrokenCallers { get { lock (_gate) return _brokenCallers.All; } }

    /// <summary>The file was saved after the app was built, so the text the app runs is unknown: its next reload
    /// compares against nothing and applies every member of the file.</summary>
    public void AssumeChangedSinceBuild(string path)
    {
        lock (_gate)
        {
            _sources.AssumeChangedSinceBuild(path);
            _baselines.Forget(path);
        }
    }

    /// <summary>The edit of a file only the build reads (the project file, a .proto): a report that it needs a restart,
    /// or null when the file reads as the app was built from it.</summary>
    public ReloadReport? BuildInputEdited(string path, string? text)
    {
        lock (_gate)
            if (!_sources.BuildInputChanged(path, text)) return null;
        string why = path.EndsWith(".proto", StringComparison.OrdinalIgnoreCase)
            ? "the build compiles .proto files (protoc), so the new contract needs a restart"
            : "the project file is read by the build (packages, references, properties), so its change needs a restart";
        return new ReloadReport(Generation, [path], [], [$"{path}(1,1): rude edit: {why}"], TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero) { NeedsRestart = true };
    }

    /// <summary>Whether the program already runs this text of the file (a save without changes, say).</summary>
    public bool Runs(string path, string text) { lock (_gate) return _sources.Runs(path, text); }

    /// <summary>Full names of the top-level types a source file declares.</summary>
    public IReadOnlyList<string> TypesDeclaredIn(string path, string text) =>
        ViewFiles.IsView(path) ? [] : SyntaxNames.DeclaredTypes(_csharp.Parse(path, text)).ToList();

    /// <summary>Applies new texts of files (path to full text). Files not given keep their current text.</summary>
    /// <param name="hold">Compile and check the edit, and stop short of applying it (mode 3 until the app's safe point).</param>
    public ReloadReport Apply(IReadOnlyDictionary<string, string> changed, Func<string, bool>? isSkipped = null, bool hold = false)
    {
        lock (_gate)
        {
            var files = changed.Keys.ToList();
            try
            {
                var stages = new StageClock();
                var views = changed.Where(c => ViewFiles.IsView(c.Key)).ToDictionary(c => c.Key, c => c.Value);
                var csharp = changed;
                if (views.Count > 0)
                {
                    var errors = new List<string>();
                    if (_razor.Generate(changed, _sources, errors) is not { } generated) return Failed(files, errors, TimeSpan.Zero);
                    csharp = changed.Where(c => !views.ContainsKey(c.Key)).Concat(generated).ToDictionary(c => c.Key, c => c.Value);
                    stages.Done("razor");
                }
                var report = ApplyLocked(csharp, files, isSkipped ?? (_ => false), hold, stages);
                if (report.Succeeded && !report.Held) _sources.CommitViews(views);
                return report;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Everything before the apply step only reads; a failure there changed nothing live.
                return Failed(files, [$"{files.FirstOrDefault()}: error: Detour could not process this edit, nothing was applied " +
                                      $"({e.GetType().Name}: {e.Message}){Failures.Trace(e)}"], TimeSpan.Zero);
            }
        }
    }

    /// <summary>Compiles an edit before it is applied, with nothing applied: the edit applied next with the same texts
    /// uses this compile. Whatever fails here is left for that edit to report.</summary>
    public void CompileAhead(IReadOnlyDictionary<string, string> changed)
    {
        using var coming = EditComing(); // the warm-up yields to it, as to the edit itself
        lock (_gate)
        {
            try
            {
                var set = _sets.For(changed.Keys, _sources.With(changed));
                string key = AheadKey(set);
                if (_compiledAhead?.Key == key) return;
                var delta = _compiler.Compile(set, []);
                _compiledAhead = delta is null ? null : (key, delta);
                if (delta is not null) _baselines.For(set, [], out _);
            }
            catch (Exception e) when (e is not OutOfMemoryException) { _compiledAhead = null; }
        }
    }

    string AheadKey(CompileSet set) => set.TextsKey + "\0" + _transaction.Generation;

    /// <param name="files">The files the user saved, as the report names them (a view, not its generated C#).</param>
    ReloadReport ApplyLocked(IReadOnlyDictionary<string, string> changed, List<string> files, Func<string, bool> isSkipped, bool hold, StageClock stages)
    {
        var clock = Stopwatch.StartNew();
        var set = _sets.For(changed.Keys, _sources.With(changed));
        var errors = new List<string>();
        // The same texts compiled ahead (at the save, or when the edit was held for the safe point) are not compiled again.
        string key = AheadKey(set);
        var ahead = _compiledAhead is { } made && made.Key == key && _compiler.IsCurrent(made.Delta) ? made.Delta : null;
        var delta = ahead ?? _compiler.Compile(set, errors);
        _compiledAhead = null;
        if (delta is null) return Failed(files, errors, clock.Elapsed);
        stages.Done(ahead is null ? "compile" : "compile (done ahead)");
        FaultInjection?.Invoke(FaultStage.Compiled);
        if (hold) _compiledAhead = (key, delta);
        var baseline = _baselines.For(set, errors, out _);
        if (baseline is null) return Failed(files, errors, clock.Elapsed);
        stages.Done("baseline");
        var compileTime = clock.Elapsed;

        clock.Restart();
        var edit = Prepare(delta, baseline, dryRun: false);
        var decisions = edit.Decisions;
        stages.Done("bind, diff, rules");
        if (decisions.Rude.Count > 0)
            return NeedsRestart(files, delta, decisions.Rude, compileTime, clock.Elapsed);
        var members = decisions.WithoutSkipped(isSkipped);
        if (hold) return new ReloadReport(Generation, files, members, [], compileTime, clock.Elapsed, TimeSpan.Zero) { Held = true, Stages = stages.Stages };
        RuntimeEdit? runtimeEdit = null;
        if (decisions.RuntimeUpdate.Count > 0 || decisions.RuntimeInsert.Count > 0)
        {
            runtimeEdit = _runtimeUpdates.Emit(set.Paths.ToDictionary(p => p, p => set.Texts[p]), decisions.RuntimeInsert,
                decisions.RuntimeUpdate.Select(c => (c.TypeName, c.MemberName)), out var why);
            if (runtimeEdit is null)
                return NeedsRestart(files, delta, [(decisions.RuntimeInsert.Concat(decisions.RuntimeUpdate).First(), $"{why} (restart)")], compileTime, clock.Elapsed);
            if (runtimeEdit.Updates is null && decisions.RuntimeUpdate.Count > 0)
                return NeedsRestart(files, delta, [(decisions.RuntimeUpdate[0], $"{decisions.RuntimeUpdate[0].DisplayName} changed, but the runtime's update " +
                                                    "found no method of the build to give the new body to (restart)")], compileTime, clock.Elapsed);
            stages.Done("runtime update");
        }
        var relinked = Relinker.Relink(edit.Binding, edit.Changes, edit.NewInitializers, decisions.Dispatch);
        stages.Done("relink");
        FaultInjection?.Invoke(FaultStage.Relinked);
        var relinkTime = clock.Elapsed;

        clock.Restart();
        IReadOnlyList<string> warnings = [];
        if (decisions.Detour.Count > 0 || decisions.Reinitialize.Count > 0 || runtimeEdit is not null || edit.Changes.Changes.Any(c => c.Kind == ChangeKind.Added))
        {
            try { warnings = _transaction.Apply(edit, relinked, runtimeEdit, FaultInjection); }
            catch (Exception e)
            {
                var reason = Failures.Unwrap(e);
                string trace = reason is PlanRolledBack ? "" : Failures.Trace(reason);
                return Failed(files, [$"{files.FirstOrDefault()}: error: the edit was rolled back: {reason.Message}{trace}"], compileTime, relinkTime,
                    members.Select(m => m with { Status = MemberStatus.Failed, Reason = "rolled back: " + reason.Message }));
            }
        }
        stages.Done("apply in the app");
        _sources.Commit(set.Paths, set.Texts, addedMembers: edit.Changes.DeclaresAdditions);
        _baselines.Remember(set, new Baseline(edit.Changes.Texts, edit.Lambdas.Sites), edit.Lambdas);
        _outOfDate.Note(set.Paths, members);
        var brokenCallers = _brokenCallers.After(edit.Changes, set);
        stages.Done("record");
        return new ReloadReport(Generation, files, members, [], compileTime, relinkTime, clock.Elapsed)
        {
            Warnings = [.. warnings.Concat(runtimeEdit?.Warnings ?? []).Select(w => $"{files.FirstOrDefault()}: warning: {w}"), .. brokenCallers],
            Stages = stages.Stages,
        };
    }

    /// <summary>Binding, diffing and deciding. A dry run compares with nothing, so every member counts as changed.</summary>
    PreparedEdit Prepare(CompiledDelta delta, Baseline baseline, bool dryRun)
    {
        var module = DeltaModule.Read(delta, _resolver);
        var lambdas = LambdaMatcher.Match(module, delta.Set.Trees, baseline.Lambdas, _live.MemberNamesOf);
        var texts = IlText.MemberTexts(module);
        var none = new Dictionary<MemberKey, StaticInitializer>();
        var previous = dryRun ? new Dictionary<MemberKey, string>() : baseline.Texts;
        var binding = new LiveBinding(module, _live, name => _projects?.Find(name)?._live, (previous, texts));
        var oldInitializers = dryRun ? none : StaticInitializer.In(_sets.Baseline(delta.Set.Paths).Trees);
        var newInitializers = dryRun ? none : StaticInitializer.In(delta.Set.Trees);
        var changes = new ChangeClassifier(binding, previous, texts, oldInitializers, newInitializers).Classify(lambdas);
        return new PreparedEdit(delta, binding, lambdas, changes, UpdateRules.Decide(changes.Changes), newInitializers);
    }

    ReloadReport NeedsRestart(List<string> files, CompiledDelta delta, IReadOnlyList<(MemberChange Change, string Reason)> rude, TimeSpan compile, TimeSpan relink) =>
        Failed(files, rude.Select(r => $"{DiagnosticText.Where(delta.Compilation, r.Change.TypeName, r.Change.MemberName.Length == 0 ? null : r.Change.MemberName)}: " +
                                       $"rude edit: {r.Reason}").ToList(), compile, relink,
            rude.Select(r => new MemberReport(r.Change.DisplayName, r.Change.Category, MemberStatus.Failed, r.Reason))) with { NeedsRestart = true };

    ReloadReport Failed(List<string> files, List<string> errors, TimeSpan compile, TimeSpan relink = default, IEnumerable<MemberReport>? members = null) =>
        new(Generation, files, members?.ToList() ?? [], errors, compile, relink, TimeSpan.Zero);

    /// <summary>The project's files saved most recently, newest first (the likeliest to be edited next), and when the
    /// newest was saved.</summary>
    public DateTime FindRecentFiles(int recentFiles = 8)
    {
        var stamps = _sources.Texts.Keys.Where(File.Exists).Select(path => (Path: path, Saved: File.GetLastWriteTimeUtc(path)))
            .OrderByDescending(file => file.Saved).Take(recentFiles).ToList();
        _recent = stamps.Select(file => file.Path).ToList();
        return NewestSave = stamps.Count > 0 ? stamps[0].Saved : DateTime.MinValue;
    }

    /// <summary>When the project's newest file was saved, as <see cref="FindRecentFiles"/> last found.</summary>
    public DateTime NewestSave { get; private set; }

    bool _firstFileWarm;

    /// <summary>Gets the first edit ready: a dry run of the file saved most recently, so the compiler, the relinker and
    /// the agent's loader are compiled by the JIT before the first edit. The host does it in one project before it is
    /// ready; the others' wait for <see cref="WarmUpMore"/> (50 projects took 1.5 s to be ready when all did it first).</summary>
    public void WarmUp()
    {
        if (_recent is null) FindRecentFiles();
        if (_recent!.Count == 0) return;
        lock (_gate) DryRun(_recent[0], inTheApp: true);
        _firstFileWarm = true;
    }

    /// <summary>After <see cref="WarmUp"/>, with the session already taking edits: the other recent files too, so each
    /// has its baseline and the live types it binds to are read before its first edit. One file per lock.</summary>
    public void WarmUpMore()
    {
        // Views first: in an app that has them, they are what is edited most, and their generator is the coldest step.
        if (_sources.Views.Count > 0) WarmUpStep(() => _razor.WarmUp(_sources));
        var recent = _recent ?? [];
        if (recent.Count > 0) WarmUpStep(() => RehearseEdit(recent[0]));
        foreach (var path in recent.Skip(_firstFileWarm ? 1 : 0))
            WarmUpStep(() => { if (_sources.Texts.ContainsKey(path)) DryRun(path, inTheApp: false); });
        // The build's compilation and baseline, for the first edit the runtime takes.
        if (_live.View.MetadataUpdates && recent.Count > 0)
        {
            WarmUpStep(() => _ = _runtimeUpdates.BuiltTexts);
            _runtimeUpdates.PrepareBaseline();
            _runtimeUpdates.WarmUp(recent[0]);
        }
    }

    /// <summary>An edit of this project is being read: the warm-up steps of every project of the app wait for it.</summary>
    public IDisposable EditComing() => _edits.Begin();

    void WarmUpStep(Action step)
    {
        while (_edits.Any) Thread.Sleep(10);
        lock (_gate) step();
    }

    /// <summary>The file's baseline, then the edit's path as if all of its code had changed, thrown away at the end.
    /// <paramref name="inTheApp"/>: the agent also loads it, JIT-compiles a few methods and unloads it. When the app runs
    /// exactly the file's text, the baseline compile is the dry run's delta: one compile, not two.</summary>
    void DryRun(string path, bool inTheApp)
    {
        var set = _sets.For([path], _sources.Texts);
        var baseline = _baselines.For(set, [], out var compiled);
        if (baseline is null) return;
        var delta = (set.Paths.Any(_sources.IsUnknown) ? null : compiled) ?? _compiler.Compile(set, []);
        if (delta is null) return;
        var edit = Prepare(delta, baseline, dryRun: true);
        if (edit.Changes.AnyNeedsRestart) return;
        _transaction.DryRun(edit, Relinker.Relink(edit.Binding, edit.Changes, edit.NewInitializers), inTheApp);
    }

    /// <summary>An edit's steps up to the plan, for a text that differs from the file's only by a line break at its end:
    /// the same program, so nothing changes and nothing is applied. The dry run compares with nothing; this pays the
    /// first-use costs of what a real edit does beyond it (the new text's parse, the changed-values scan, the diff
    /// against the baseline, the initializers' comparison), about 10 ms of the first edit.</summary>
    void RehearseEdit(string path)
    {
        if (!_sources.Texts.TryGetValue(path, out var text)) return;
        var set = _sets.For([path], _sources.With([new(path, text + "\n")]));
        var delta = _compiler.Compile(set, []);
        var baseline = _baselines.For(set, [], out _);
        if (delta is not null && baseline is not null) _ = Prepare(delta, baseline, dryRun: false).Decisions;
        _ = _sets.Parse(path, text); // the parse cache holds the text the app runs again, as the next edit expects
    }

    /// <summary>Undoes every patch (or those of types the filter selects): the original code runs again.</summary>
    public int Revert(Func<string, bool>? select = null, Action<string>? warn = null)
    {
        lock (_gate)
        {
            _compiledAhead = null;
            return _transaction.Revert(select, warn);
        }
    }

    /// <summary>This project's metadata with what edits added, for the projects that reference it; null while
    /// nothing was added (they compile against the build's assembly then).</summary>
    MetadataReference? Surface()
    {
        lock (_gate)
        {
            if (_live.AddedMethods.Count + _live.AddedFields.Count + _live.AddedTypes.Count + _live.RuntimeTypes.Count + _live.RuntimeMembers.Count == 0) return null;
            if (_surface is { } known && known.Generation == Generation) return known.Reference;
            var reference = _compiler.Surface(_sources.Texts.Select(f => _sets.Parse(f.Key, f.Value)));
            _surface = (Generation, reference);
            return reference;
        }
    }

    /// <summary>This project's live program and those of the other projects of the app.</summary>
    IEnumerable<LiveProgram> AllPrograms() => _projects?.All().Select(s => s._live).Prepend(_live).Distinct() ?? [_live];
}
