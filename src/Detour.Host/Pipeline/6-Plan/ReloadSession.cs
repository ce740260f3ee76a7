using System.Diagnostics;
using System.Reflection;
using Detour.Channel;
using Microsoft.CodeAnalysis;
using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Detour.Host;

/// <summary>Reloads edited source files of one project into the running program. Each call to
/// <see cref="Apply"/> is one transaction: all of the edit lands, or none of it.</summary>
public sealed class ReloadSession
{
    readonly ProjectModel _project;
    readonly DeltaCompiler _compiler;
    readonly LiveProgram _live;
    readonly AssemblyResolver _resolver;
    readonly Dictionary<string, string> _applied = new();   // path -> text the program now runs (C#; a view's as generated)
    readonly Dictionary<string, string> _views = new();     // .cshtml/.razor path -> text the program now runs
    readonly HashSet<string> _sticky = new();               // files with added types or members
    readonly HashSet<string> _unknownBaseline = new();      // saved after the build: what the app runs is not this text
    readonly Dictionary<string, (string Key, Dictionary<string, string> Texts, Dictionary<string, LambdaSite> Lambdas)> _lastTexts = new();
    /// <summary>By lambda group: the renames the last applied compile of its text needed (LambdaMatcher), to give a
    /// fresh compile of that text the names the running program has.</summary>
    readonly Dictionary<string, IReadOnlyDictionary<string, string>> _lambdaNames = new();
    readonly Dictionary<MethodHandleRef, PatchedMethod> _patched = new();   // originals the app runs detoured
    readonly object _gate = new();
    readonly ProjectSessions? _projects;
    (int Generation, MetadataReference? Reference)? _surface;

    /// <summary>Test seam: throwing from it simulates a fault after the edit started to apply.</summary>
    internal Action<string>? FaultInjection = InjectedFaults.OfThisProcess;

    /// <param name="view">The app as metadata: where this project's live types and members are found.</param>
    /// <param name="target">Where plans go: the app's agent, through the channel.</param>
    /// <param name="projects">The sessions of the other projects of the same app: edits here then compile
    /// against, and bind to, what edits there added.</param>
    public ReloadSession(ProjectModel project, LiveView view, IPatchTarget target, ProjectSessions? projects = null)
    {
        _project = project;
        _live = new LiveProgram(view.Load(project.AssemblyName), view);
        _target = target;
        _compiler = new DeltaCompiler(project);
        _projects = projects;
        projects?.Add(this);
        _compiler.ReferencedProjectSurface = name => _projects?.Find(name)?.Surface();
        _resolver = new AssemblyResolver(project, () => AllPrograms());
        foreach (var path in project.Sources.Where(File.Exists)) _applied[path] = File.ReadAllText(path);
        foreach (var path in project.Views.Where(File.Exists)) _views[path] = File.ReadAllText(path);
        _razor = new RazorViews(_compiler);
        _runtimeUpdates = new RuntimeUpdates(project, _compiler, new Dictionary<string, string>(_applied));
    }

    readonly RuntimeUpdates _runtimeUpdates;

    readonly RazorViews _razor;

    readonly IPatchTarget _target;
    static int _nextPlanId;

    /// <summary>Names this host's generations apart from those of a host the app had before (one that died): the agent
    /// keeps theirs loaded, and resolves generations by name.</summary>
    static readonly string HostRun = Guid.NewGuid().ToString("N")[..6];

    public ProjectModel Project => _project;

    public int Generation { get; private set; }

    LiveProgram? ReferencedProject(string assemblyName) => _projects?.Find(assemblyName)?._live;

    /// <summary>This project's metadata with what edits added, for the projects that reference it; null while
    /// nothing was added (they compile against the build's assembly then).</summary>
    MetadataReference? Surface()
    {
        lock (_gate)
        {
            if (_live.AddedMethods.Count + _live.AddedFields.Count + _live.AddedTypes.Count == 0) return null;
            if (_surface is { } known && known.Generation == Generation) return known.Reference;
            var reference = _compiler.CompileSurface(_applied.Select(f => _compiler.Parse(f.Key, f.Value)));
            _surface = (Generation, reference);
            return reference;
        }
    }

    /// <summary>Closures whose delegates made by the running program keep old bodies until a restart, as the last
    /// applied edit of their file reported them (with its reason).</summary>
    public IReadOnlyList<MemberReport> OutOfDate
    {
        get { lock (_gate) return _outOfDate.SelectMany(o => o.Members).ToList(); }
    }

    /// <summary>By the files of the edit that reported them: a later edit of any of those files reports them afresh.</summary>
    readonly List<(HashSet<string> Files, List<MemberReport> Members)> _outOfDate = new();

    void NoteOutOfDate(List<string> set, IEnumerable<MemberReport> members)
    {
        _outOfDate.RemoveAll(o => o.Files.Overlaps(set));
        var stale = members.Where(m => m.Kind == MemberKind.Closure && m.Status == MemberStatus.Skipped).ToList();
        if (stale.Count > 0) _outOfDate.Add((set.ToHashSet(), stale));
    }

    /// <summary>A snapshot of the methods this session has detoured in the app.</summary>
    public IReadOnlyList<PatchedMethod> Patched
    {
        get { lock (_gate) return _patched.Values.ToList(); }
    }

    /// <summary>The file was saved after the app was built, so the text the app runs is unknown: its next
    /// reload compares against nothing and applies every member of the file.</summary>
    public void AssumeChangedSinceBuild(string path)
    {
        lock (_gate)
        {
            _unknownBaseline.Add(path);
            _lastTexts.Remove(path);
        }
    }

    /// <summary>Whether the program already runs this text of the file (a save without changes, say).</summary>
    public bool Runs(string path, string text)
    {
        lock (_gate)
            return RazorViews.IsView(path)
                ? _views.TryGetValue(path, out var view) && view == text
                : !_unknownBaseline.Contains(path) && _applied.TryGetValue(path, out var applied) && applied == text;
    }

    string Baseline(string path) => _unknownBaseline.Contains(path) ? "" : _applied.GetValueOrDefault(path, "");

    /// <summary>Gets the first edit ready: warms the compiler and compiles the current generation of the
    /// files saved most recently (the likeliest to be edited next), so their first edit compiles once.
    /// Takes the session's lock per file, so an edit arriving meanwhile waits for one file at most.</summary>
    public void WarmUp(int recentFiles = 8)
    {
        _recent = _applied.Keys.Where(File.Exists).OrderByDescending(File.GetLastWriteTimeUtc).Take(recentFiles).ToList();
        if (_recent.Count > 0) lock (_gate) WarmUpFile(_recent[0], inTheApp: true);
    }

    List<string> _recent = [];

    /// <summary>After <see cref="WarmUp"/>, with the session already taking edits: the other recent files too, so each
    /// has its baseline and the live types it binds to are read before its first edit. One file per lock.</summary>
    public void WarmUpMore()
    {
        foreach (var path in _recent.Skip(1))
            lock (_gate)
                if (_applied.ContainsKey(path)) WarmUpFile(path, inTheApp: false);
        // The build's compilation and baseline, for the first edit of generic code.
        if (_live.View.MetadataUpdates) lock (_gate) _runtimeUpdates.WarmUp();
    }

    /// <summary>The file's baseline IL texts, then a dry run. When the app runs exactly the file's current text, the
    /// baseline compile is the dry run's delta: one compile, not two.</summary>
    void WarmUpFile(string path, bool inTheApp)
    {
        var set = CompileSet([path], new Dictionary<string, string>(_applied));
        PreviousTexts(set, [], out var baseline, out var lambdas);
        DryRun(set, inTheApp, set.Any(_unknownBaseline.Contains) ? null : baseline, lambdas);
    }

    /// <summary>Relinks and writes the current code of the files as if all of it had changed, and throws it away: the
    /// relinker and Cecil's writer are compiled by the JIT, and the live types those files bind to are read, before the
    /// first edit. <paramref name="inTheApp"/>: the agent also loads it, JIT-compiles a few methods and unloads it.</summary>
    /// <param name="compiled">The files' current text, compiled already; null to compile it here.</param>
    /// <param name="lambdas">The lambdas of that text: matching them against themselves warms the matcher too.</param>
    void DryRun(List<string> set, bool inTheApp, CompiledDelta? compiled, Dictionary<string, LambdaSite> lambdas)
    {
        var trees = set.Select(p => _compiler.Parse(p, _applied[p])).ToList();
        var delta = compiled ?? _compiler.Compile(trees, new List<string>(), GlobalUsingsOutside(set, _applied));
        if (delta is null) return;
        var module = ReadModule(delta);
        var none = new Dictionary<string, StaticInitializer>();
        var relinker = new Relinker(module, _live, ReferencedProject);
        relinker.MatchLambdas(trees, lambdas);
        relinker.Bind(new Dictionary<string, string>(), MemberTexts(module), none, none);
        if (relinker.Changes.Any(c => c.NeedsRestart is not null)) return;
        relinker.Rewrite();
        string name = $"{_project.AssemblyName}.Detour.WarmUp";
        var (image, symbols) = WriteGeneration(module, name);
        if (!inTheApp) return;
        var redirects = relinker.Changes.Where(c => c.Method is not null && c.Live is not null && !c.Method.HasGenericParameters).Take(4)
            .Select(c => new Redirect(HandleOf(c.Live!), c.Method!.MetadataToken.ToInt32(), c.DisplayName)).ToList();
        _target.Apply(new PatchPlan(Interlocked.Increment(ref _nextPlanId), name, image, symbols, redirects, [], DryRun: true));
    }

    (byte[] Image, byte[] Symbols) WriteGeneration(ModuleDefinition module, string name)
    {
        module.Assembly.Name.Name = name;
        module.Name = name + ".dll";
        IgnoreAccessChecksToEarlierGenerations(module);
        using var pe = new MemoryStream();
        using var pdb = new MemoryStream();
        module.Write(pe, new WriterParameters { WriteSymbols = true, SymbolStream = pdb, SymbolWriterProvider = new PortablePdbWriterProvider() });
        return (pe.ToArray(), pdb.ToArray());
    }

    /// <summary>Applies new texts of files (path to full text). Files not given keep their current text.</summary>
    /// <param name="hold">Compile and check the edit, and stop short of applying it (mode 3 until the app's safe point).</param>
    public ReloadReport Apply(IReadOnlyDictionary<string, string> changed, Func<string, bool>? isSkipped = null, bool hold = false)
    {
        lock (_gate)
        {
            try
            {
                var views = changed.Where(c => RazorViews.IsView(c.Key)).ToDictionary(c => c.Key, c => c.Value);
                if (views.Count == 0) return ApplyLocked(changed, changed.Keys.ToList(), isSkipped ?? (_ => false), hold);
                var errors = new List<string>();
                var generated = GenerateViews(views, changed, errors);
                if (generated is null) return Failed(changed.Keys.ToList(), errors, TimeSpan.Zero);
                var report = ApplyLocked(changed.Where(c => !views.ContainsKey(c.Key)).Concat(generated).ToDictionary(c => c.Key, c => c.Value),
                    changed.Keys.ToList(), isSkipped ?? (_ => false), hold);
                if (report.Succeeded && !report.Held)
                    foreach (var (path, text) in views) _views[path] = text;
                return report;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Everything before the apply step only reads; a failure there changed nothing live.
                return Failed(changed.Keys.ToList(), [$"{changed.Keys.FirstOrDefault()}: error: Detour could not process this edit, " +
                                                      $"nothing was applied ({e.GetType().Name}: {e.Message}){Trace(e)}"], TimeSpan.Zero);
            }
        }
    }

    (string Key, List<SyntaxTree> Trees, CompiledDelta Delta)? _held;

    /// <summary>The C# of edited views, by the path it is kept under; null when a view does not generate (its errors
    /// are added). The first edit of a view also generates the C# the program runs, from the view as it was.</summary>
    Dictionary<string, string>? GenerateViews(Dictionary<string, string> views, IReadOnlyDictionary<string, string> changed, List<string> errors)
    {
        var unknown = views.Keys.Where(v => !_applied.ContainsKey(RazorViews.GeneratedPath(v))).ToList();
        if (unknown.Count > 0)
        {
            var baseline = _razor.Generate(_applied, _views, unknown, errors);
            if (errors.Count > 0)
            {
                errors.Insert(0, "the views as they were before this edit do not generate; was the app built from them?");
                return null;
            }
            foreach (var (view, text) in baseline) _applied[RazorViews.GeneratedPath(view)] = text;
        }
        var csharp = new Dictionary<string, string>(_applied);
        foreach (var (path, text) in changed.Where(c => !views.ContainsKey(c.Key))) csharp[path] = text;
        var now = new Dictionary<string, string>(_views);
        foreach (var (path, text) in views) now[path] = text;
        var generated = _razor.Generate(csharp, now, views.Keys, errors);
        return errors.Count > 0 ? null : generated.ToDictionary(g => RazorViews.GeneratedPath(g.Key), g => g.Value);
    }

    /// <param name="files">The files the user saved, as the report names them (a view, not its generated C#).</param>
    ReloadReport ApplyLocked(IReadOnlyDictionary<string, string> changed, List<string> files, Func<string, bool> isSkipped, bool hold)
    {
        var clock = Stopwatch.StartNew();
        var texts = new Dictionary<string, string>(_applied);
        foreach (var (path, text) in changed) texts[path] = text;
        var set = CompileSet(changed.Keys, texts);
        var errors = new List<string>();
        // An edit held for the safe point was compiled then; the same texts at the safe point are not compiled again.
        string heldKey = string.Join("\0", set.Select(p => p + "\0" + texts[p])) + "\0" + Generation;
        List<SyntaxTree> newTrees;
        CompiledDelta? delta;
        if (_held is { } held && held.Key == heldKey) (newTrees, delta) = (held.Trees, held.Delta);
        else
        {
            newTrees = set.Select(p => _compiler.Parse(p, texts[p])).ToList();
            delta = _compiler.Compile(newTrees, errors, GlobalUsingsOutside(set, texts));
        }
        _held = null;
        if (delta is null) return Failed(files, errors, clock.Elapsed);
        FaultInjection?.Invoke("compiled");
        if (hold) _held = (heldKey, newTrees, delta);
        var previous = PreviousTexts(set, errors, out _, out var previousLambdas);
        if (previous is null) return Failed(files, errors, clock.Elapsed);
        var compileTime = clock.Elapsed;

        clock.Restart();
        var module = ReadModule(delta);
        var relinker = new Relinker(module, _live, ReferencedProject);
        relinker.MatchLambdas(newTrees, previousLambdas);
        var current = MemberTexts(module);
        var oldTrees = set.Select(p => _compiler.Parse(p, Baseline(p))).ToList();
        relinker.Bind(previous, current, DeltaCompiler.StaticInitializers(oldTrees), DeltaCompiler.StaticInitializers(newTrees));
        var plan = UpdateRules.Plan(relinker.Changes);
        if (plan.Rude.Count > 0)
            return Failed(files, plan.Rude.Select(r => $"{Where(delta.Compilation, r.Change)}: rude edit: {r.Reason}").ToList(), compileTime, clock.Elapsed,
                plan.Rude.Select(r => new MemberReport(r.Change.DisplayName, r.Change.Category, MemberStatus.Failed, r.Reason))) with { NeedsRestart = true };
        var skipped = plan.Detour.Where(c => isSkipped(c.TypeName)).ToList();
        foreach (var s in skipped) plan.Detour.Remove(s);
        plan.Reinitialize.RemoveAll(c => isSkipped(c.TypeName));
        var members = plan.Report.Where(r => !skipped.Any(s => r.Member == s.DisplayName)).ToList();
        members.AddRange(skipped.Select(s => new MemberReport(s.DisplayName, s.Category, MemberStatus.Skipped, "module skipped")));
        if (hold) return new ReloadReport(Generation, files, members, [], compileTime, clock.Elapsed, TimeSpan.Zero) { Held = true };
        MetadataUpdate? runtimeUpdate = null;
        if (plan.RuntimeUpdate.Count > 0)
        {
            runtimeUpdate = _runtimeUpdates.Emit(set.ToDictionary(p => p, p => texts[p]), plan.RuntimeUpdate.Select(c => (c.TypeName, c.MemberName)), out var why);
            if (runtimeUpdate is null && why is null)
                why = $"{plan.RuntimeUpdate[0].DisplayName} changed, but the runtime's update found no method of the build to give the new body to (restart)";
            if (why is not null)
                return Failed(files, [$"{Where(delta.Compilation, plan.RuntimeUpdate[0])}: rude edit: {why}"], compileTime, clock.Elapsed,
                    plan.RuntimeUpdate.Select(c => new MemberReport(c.DisplayName, c.Category, MemberStatus.Failed, why))) with { NeedsRestart = true };
        }
        relinker.Rewrite();
        FaultInjection?.Invoke("relinked");
        var relinkTime = clock.Elapsed;

        clock.Restart();
        if (plan.Detour.Count == 0 && plan.Reinitialize.Count == 0 && runtimeUpdate is null && !relinker.Changes.Any(c => c.Kind == ChangeKind.Added))
        {
            Commit(texts, set, current, relinker, null);
            NoteOutOfDate(set, members);
            return new ReloadReport(Generation, files, members, [], compileTime, relinkTime, clock.Elapsed) { Warnings = CallersBrokenBy(relinker, set, texts) };
        }
        IReadOnlyList<string> warnings;
        try
        {
            warnings = ApplyToProcess(module, relinker, plan, texts, set, current, runtimeUpdate);
        }
        catch (Exception e)
        {
            _runtimeUpdates.Discard();
            var reason = e is TargetInvocationException or TypeInitializationException ? e.InnerException ?? e : e;
            string trace = reason is PlanRolledBack ? "" : Trace(reason);
            return Failed(files, [$"{files.FirstOrDefault()}: error: the edit was rolled back: {reason.Message}{trace}"], compileTime, relinkTime,
                members.Select(m => m with { Status = MemberStatus.Failed, Reason = "rolled back: " + reason.Message }));
        }
        NoteOutOfDate(set, members);
        return new ReloadReport(Generation, files, members, [], compileTime, relinkTime, clock.Elapsed)
        {
            Warnings = [.. warnings.Select(w => $"{files.FirstOrDefault()}: warning: {w}"), .. CallersBrokenBy(relinker, set, texts)],
        };
    }

    /// <summary>When the edit removed members (or changed their signatures), the other files that name one are compiled with
    /// it, not applied: their errors are what the next build will say, and until they are fixed they run the old member.</summary>
    List<string> CallersBrokenBy(Relinker relinker, List<string> set, Dictionary<string, string> texts)
    {
        foreach (var path in set) _brokenCallers.Remove(path); // just compiled with the rest, and applied
        var names = relinker.Changes.Where(c => c.Kind == ChangeKind.Removed).Select(SourceName).Where(n => n.Length > 0).ToHashSet();
        if (names.Count == 0) return [];
        var edited = set.ToHashSet();
        var suspects = texts.Where(f => !edited.Contains(f.Key) && names.Any(f.Value.Contains)).Select(f => f.Key).ToHashSet();
        if (suspects.Count == 0) return [];
        var trees = texts.Select(f => _compiler.Parse(f.Key, f.Value)).ToList();
        var errors = _compiler.ErrorsIn(trees, suspects)
            .Select(e => $"{e} (this file still uses what the edit removed; it runs the old member until it is fixed)").ToList();
        foreach (var path in suspects)
        {
            var own = errors.Where(e => e.StartsWith(path + "(", StringComparison.Ordinal)).ToList();
            if (own.Count > 0) _brokenCallers[path] = own;
            else _brokenCallers.Remove(path);
        }
        return errors;
    }

    readonly Dictionary<string, List<string>> _brokenCallers = new();

    /// <summary>Files that no longer compile with the applied edits (they name removed members), with their errors.</summary>
    public IReadOnlyList<string> BrokenCallers
    {
        get { lock (_gate) return _brokenCallers.Values.SelectMany(e => e).ToList(); }
    }

    /// <summary>The name source code uses for a removed member: "Label" for get_Label, the type's for a constructor.</summary>
    static string SourceName(MemberChange c)
    {
        string name = c.MemberName.Length == 0 || c.MemberName is ".ctor" or ".cctor" ? c.ShortTypeName : c.MemberName;
        foreach (var prefix in (string[])["get_", "set_", "add_", "remove_", "op_"])
            if (name.StartsWith(prefix)) { name = name[prefix.Length..]; break; }
        int tick = name.IndexOf('`');
        return (tick >= 0 ? name[..tick] : name).TrimStart('<');
    }

    /// <summary>Sends the edit to the app as a plan; on the agent's word that all of it applied, the edit becomes
    /// the current generation here too. A plan the agent rolled back leaves this session as it was.</summary>
    IReadOnlyList<string> ApplyToProcess(ModuleDefinition module, Relinker relinker, ApplyPlan plan, Dictionary<string, string> texts, List<string> set,
        Dictionary<string, string> current, MetadataUpdate? runtimeUpdate)
    {
        int generation = Generation + 1;
        string name = $"{_project.AssemblyName}.Detour.{HostRun}-{generation}";
        var (image, symbols) = WriteGeneration(module, name);
        FaultInjection?.Invoke("written");
        var redirects = plan.Detour.Select(c => new Redirect(HandleOf(c.Live!), c.Method!.MetadataToken.ToInt32(), c.DisplayName)).ToList();
        var reinitializations = plan.Reinitialize.Select(c => new Reinitialization(c.Field!.DeclaringType.MetadataToken.ToInt32(), c.Field.Name,
            new FieldHandleRef(c.LiveField!.Module.Assembly.GetName().Name!, c.LiveField.MetadataToken), c.DisplayName)).ToList();
        bool addsMembers = relinker.Changes.Any(c => c.NeedsAHome);
        var result = _target.Apply(new PatchPlan(Interlocked.Increment(ref _nextPlanId), name, image, symbols, redirects, reinitializations,
            UpdatedTypes: UpdatedTypes(module, relinker, plan, name), AddsMembers: addsMembers, RuntimeUpdate: runtimeUpdate));
        if (!result.Applied) throw new PlanRolledBack(result.Error ?? "the agent did not say why");

        _runtimeUpdates.Commit();
        foreach (var (change, redirect) in plan.Detour.Zip(redirects))
            _patched[redirect.Original] = new PatchedMethod(redirect.Original, change.Live!.DeclaringType?.FullName ?? "", change.DisplayName);
        foreach (var change in plan.RuntimeUpdate.Where(c => c.Live is not null))
            _patched[HandleOf(change.Live!)] = new PatchedMethod(HandleOf(change.Live!), change.Live!.DeclaringType?.FullName ?? "", change.DisplayName);
        Generation = generation;
        // Only a generation that declares what later edits bind to is read again; the agent unloads the others once
        // nothing leads into them, so nothing may name them from here on.
        Assembly? assembly = null;
        if (addsMembers)
        {
            assembly = _live.View.LoadGeneration(name, image);
            _live.Generations.Add(assembly);
            _live.GenerationImages[name] = image;
        }
        Commit(texts, set, current, relinker, assembly);
        return result.Warnings ?? [];
    }

    /// <summary>The types an update handler hears about: the live types whose members changed or gained members (a
    /// compiler-generated nested type counts as the type that declares it), and the types the edit added.</summary>
    List<TypeHandleRef> UpdatedTypes(ModuleDefinition module, Relinker relinker, ApplyPlan plan, string generationName)
    {
        var found = new List<TypeHandleRef>();
        void Add(TypeHandleRef t) { if (!found.Contains(t)) found.Add(t); }
        void AddLive(Type? type)
        {
            while (type is { IsNested: true } && type.Name.StartsWith('<')) type = type.DeclaringType;
            if (type is not null) Add(new TypeHandleRef(type.Assembly.GetName().Name!, type.MetadataToken));
        }
        foreach (var c in plan.Detour) AddLive(c.Live!.DeclaringType);
        foreach (var c in plan.Reinitialize) AddLive(c.LiveField!.DeclaringType);
        foreach (var c in plan.RuntimeUpdate) AddLive(c.Live?.DeclaringType);
        foreach (var c in relinker.Changes.Where(c => c.IsTakenAddition))
        {
            if (_live.FindType(c.TypeName) is { } live) AddLive(live);
            else if (c.Category == MemberKind.Type && module.GetType(c.TypeName) is { } added) Add(new TypeHandleRef(generationName, added.MetadataToken.ToInt32()));
        }
        return found;
    }

    static MethodHandleRef HandleOf(MethodBase live) => new(live.Module.Assembly.GetName().Name!, live.MetadataToken);

    /// <summary>DETOUR_TRACE=1 adds the stack trace of a failure inside Detour, for a bug report.</summary>
    static string Trace(Exception e) => Environment.GetEnvironmentVariable("DETOUR_TRACE") == "1" ? "\n" + e : "";

    /// <summary>Members added by earlier generations live in those generations' assemblies, often private:
    /// the delta declares IgnoresAccessChecksTo for each, as it does for the live assembly.</summary>
    void IgnoreAccessChecksToEarlierGenerations(ModuleDefinition module)
    {
        var attribute = module.GetType("System.Runtime.CompilerServices.IgnoresAccessChecksToAttribute");
        var constructor = attribute?.Methods.FirstOrDefault(m => m.IsConstructor && !m.IsStatic && m.Parameters.Count == 1);
        if (constructor is null) return;
        foreach (var earlier in AllPrograms().SelectMany(p => p.Generations))
        {
            var declaration = new CustomAttribute(constructor);
            declaration.ConstructorArguments.Add(new CustomAttributeArgument(module.TypeSystem.String, earlier.GetName().Name));
            module.Assembly.CustomAttributes.Add(declaration);
        }
    }

    void Commit(Dictionary<string, string> texts, List<string> set, Dictionary<string, string> current, Relinker relinker, Assembly? assembly)
    {
        foreach (var path in set) _applied[path] = texts[path];
        _unknownBaseline.ExceptWith(set);
        foreach (var path in set) _lastTexts[path] = (SetKey(set), current, relinker.LambdaSites);
        foreach (var (group, renames) in relinker.Lambdas.Renames) _lambdaNames[group] = renames;
        // A generation that homes nothing is never read again (ApplyToProcess): it comes as null.
        if (assembly is null) return;
        // Added types and members keep the home they get now.
        foreach (var change in relinker.Changes.Where(c => c.NeedsAHome))
        {
            if (change.Field is { IsStatic: false } && relinker.AddedFieldAccessors.TryGetValue(change.Key, out var holderName))
            {
                if (assembly.GetType(holderName)?.GetMethod(AddedInstanceFields.AccessorName) is { } accessor) _live.AddedInstanceFields[change.Key] = accessor;
                continue;
            }
            var home = assembly.GetType(MetadataNames.ToReflection(change.TypeName));
            if (home is null) continue;
            if (change.Category == MemberKind.Type)
                _live.AddedTypes[change.TypeName] = home;
            else if (change.Method is not null)
                _live.AddedMethods[change.Key] = (MethodInfo)LiveProgram.MethodByToken(home, change.Method.MetadataToken.ToInt32())!;
            else if (change.Field is not null)
                _live.AddedFields[change.Key] = LiveProgram.FieldByToken(home, change.Field.MetadataToken.ToInt32())!;
        }
        _sticky.UnionWith(set);
    }

    /// <summary>The changed files, the other parts of their partial types, the files that embed a constant,
    /// enum member or default value the edit changed, and files that earlier edits gave added members
    /// (the live assembly does not have those).</summary>
    List<string> CompileSet(IEnumerable<string> changed, Dictionary<string, string> texts)
    {
        var set = new HashSet<string>(changed);
        var partials = set.SelectMany(p => DeltaCompiler.PartialTypes(_compiler.Parse(p, texts[p]))).ToHashSet();
        if (partials.Count > 0)
            foreach (var (path, text) in texts)
                if (!set.Contains(path) && partials.Any(p => text.Contains(p[(p.LastIndexOf('.') + 1)..].Split('`')[0])) &&
                    DeltaCompiler.PartialTypes(_compiler.Parse(path, text)).Any(partials.Contains))
                    set.Add(path);
        AddFilesEmbeddingChangedValues(set, texts);
        set.UnionWith(_sticky);
        return set.Order().ToList();
    }

    void AddFilesEmbeddingChangedValues(HashSet<string> set, Dictionary<string, string> texts)
    {
        var names = new HashSet<string>();
        foreach (var path in set.ToList())
            if (_applied.TryGetValue(path, out var before) && before != texts[path])
                names.UnionWith(EmbeddedValues.ChangedNames(_compiler.Parse(path, before), _compiler.Parse(path, texts[path])));
        while (names.Count > 0)
        {
            var derived = new HashSet<string>();
            foreach (var (path, text) in texts)
            {
                if (set.Contains(path) || !EmbeddedValues.Uses(text, () => _compiler.Parse(path, text), names)) continue;
                set.Add(path);
                derived.UnionWith(EmbeddedValues.DerivedFrom(_compiler.Parse(path, text), names));
            }
            names = derived;
        }
    }

    SyntaxTree? GlobalUsingsOutside(List<string> set, Dictionary<string, string> texts)
    {
        var inSet = set.ToHashSet();
        return _compiler.GlobalUsingsOf(texts.Where(t => !inSet.Contains(t.Key)));
    }

    static string SetKey(IEnumerable<string> set) => string.Join("|", set.Order());

    /// <summary>IL texts of the previous generation of the set's members: cached from the last edit of
    /// the same files, or compiled from the text the program now runs.</summary>
    /// <param name="compiled">The baseline compile, when this call made one (null when the texts were cached).</param>
    /// <param name="lambdas">Where the previous generation's lambdas sit, under the names the running program gave them.</param>
    Dictionary<string, string>? PreviousTexts(List<string> set, List<string> errors, out CompiledDelta? compiled, out Dictionary<string, LambdaSite> lambdas)
    {
        compiled = null;
        string key = SetKey(set);
        if (set.All(p => _lastTexts.TryGetValue(p, out var known) && known.Key == key))
        {
            lambdas = _lastTexts[set[0]].Lambdas;
            return _lastTexts[set[0]].Texts;
        }
        var trees = set.Select(p => _compiler.Parse(p, Baseline(p))).ToList();
        var before = compiled = _compiler.Compile(trees, errors, GlobalUsingsOutside(set, _applied));
        if (before is null)
        {
            errors.Insert(0, "the source as it was before this edit does not compile; was the app built from it?");
            lambdas = new();
            return null;
        }
        var module = ReadModule(before);
        LambdaMatcher.Rename(module, _lambdaNames.Values.SelectMany(r => r).ToDictionary(r => r.Key, r => r.Value));
        var texts = MemberTexts(module);
        // A file saved before this host saw it: its old text is unknown, but the app's own PDB says which of the running
        // members it declared. They count as changed, and as removed when the new text lacks them.
        foreach (var member in BuiltMembersOf(set.Where(_unknownBaseline.Contains).ToList()))
            texts.TryAdd(member, "(the text the app was built from)");
        lambdas = LambdaMatcher.Sites(module, trees);
        foreach (var path in set) _lastTexts[path] = (key, texts, lambdas);
        return texts;
    }

    /// <summary>Member keys of the app's build whose code lies in <paramref name="files"/>, by the build's PDB.</summary>
    List<string> BuiltMembersOf(List<string> files)
    {
        var keys = new List<string>();
        if (files.Count == 0 || !File.Exists(Path.ChangeExtension(_project.TargetPath, ".pdb"))) return keys;
        try
        {
            using var built = ModuleDefinition.ReadModule(_project.TargetPath, new ReaderParameters { ReadSymbols = true, AssemblyResolver = _resolver });
            var wanted = files.Select(Path.GetFullPath).ToHashSet();
            foreach (var type in TypeMapper.AllTypes(built))
            foreach (var method in type.Methods)
                if (method.DebugInformation.SequencePoints.FirstOrDefault() is { } point && wanted.Contains(Path.GetFullPath(point.Document.Url)))
                    keys.Add(IlText.Key(method));
        }
        catch (Exception e) when (e is IOException or BadImageFormatException or InvalidOperationException) { } // then nothing is known, as before
        return keys;
    }

    ModuleDefinition ReadModule(CompiledDelta delta) =>
        ModuleDefinition.ReadModule(new MemoryStream(delta.Image), new ReaderParameters
        {
            AssemblyResolver = _resolver,
            ReadSymbols = true,
            SymbolStream = new MemoryStream(delta.Symbols),
            SymbolReaderProvider = new PortablePdbReaderProvider(),
            ReadingMode = ReadingMode.Immediate,
        });

    static Dictionary<string, string> MemberTexts(ModuleDefinition module)
    {
        var texts = new Dictionary<string, string>();
        foreach (var t in TypeMapper.AllTypes(module))
        foreach (var m in t.Methods)
            texts[IlText.Key(m)] = IlText.WithAttributes(m);
        if (module.EntryPoint is { } main) texts[IlText.StatementsKey(IlText.Key(main))] = IlText.Of(main, foldLambdas: false);
        return texts;
    }

    static string Where(Compilation compilation, MemberChange change)
    {
        var locations = DeltaCompiler.LocationsOf(compilation, change.TypeName, change.MemberName.Length == 0 ? null : change.MemberName);
        var span = locations.FirstOrDefault(l => l.IsInSource)?.GetLineSpan();
        return span is { } s ? $"{s.Path}({s.StartLinePosition.Line + 1},{s.StartLinePosition.Character + 1})" : change.TypeName;
    }

    ReloadReport Failed(List<string> files, List<string> errors, TimeSpan compile, TimeSpan relink = default, IEnumerable<MemberReport>? members = null) =>
        new(Generation, files, members?.ToList() ?? [], errors, compile, relink, TimeSpan.Zero);

    /// <summary>Undoes every patch (or those of types the filter selects): the original code runs again.</summary>
    public int Revert(Func<string, bool>? select = null)
    {
        lock (_gate)
        {
            var chosen = _patched.Values.Where(p => select?.Invoke(p.TypeName) ?? true).ToList();
            if (chosen.Count == 0) return 0;
            // Generic bodies go back through the runtime, as they came: an update to the build's text.
            var runtimeUpdate = _runtimeUpdates.Revert(select, out var why);
            if (why is not null) throw new ReloadException("the generic bodies cannot be put back: " + why);
            var result = _target.Revert(new RevertRequest(Interlocked.Increment(ref _nextPlanId), chosen.Select(p => p.Original).ToList(), runtimeUpdate));
            if (result.Error is not null) { _runtimeUpdates.Discard(); throw new ReloadException("revert failed in the app: " + result.Error); }
            _runtimeUpdates.Commit();
            foreach (var p in chosen) _patched.Remove(p.Original);
            return chosen.Count;
        }
    }

    /// <summary>Full names of the top-level types a source file declares.</summary>
    public IReadOnlyList<string> TypesDeclaredIn(string path, string text) =>
        RazorViews.IsView(path) ? [] : DeltaCompiler.DeclaredTypes(_compiler.Parse(path, text)).ToList();

    /// <summary>This project's live program and those of the other projects of the app.</summary>
    IEnumerable<LiveProgram> AllPrograms() => _projects?.All().Select(s => s._live).Prepend(_live).Distinct() ?? [_live];
}

/// <summary>Where a session's plans are applied: the app, through its agent.</summary>
public interface IPatchTarget
{
    PatchResult Apply(PatchPlan plan);
    RevertResult Revert(RevertRequest request);

    /// <summary>Mode 3: whether edits wait for the app's next <c>Detour.HotPatch.SafePoint()</c>.</summary>
    void WantSafePoint(bool wanted) { }

    /// <summary>The generations the app held after its latest plan, when it said.</summary>
    GenerationCounts? Generations => null;
}

/// <summary>A method of the app that runs a replacement.</summary>
public sealed record PatchedMethod(MethodHandleRef Original, string TypeName, string Name);

/// <summary>The agent rolled the plan back; the message is its reason.</summary>
internal sealed class PlanRolledBack(string message) : Exception(message);
