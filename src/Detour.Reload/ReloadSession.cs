using System.Diagnostics;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using Detour.Engine;
using Microsoft.CodeAnalysis;
using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Detour.Reload;

/// <summary>Reloads edited source files of one project into the running program. Each call to
/// <see cref="Apply"/> is one transaction: all of the edit lands, or none of it.</summary>
public sealed class ReloadSession
{
    readonly ProjectModel _project;
    readonly DeltaCompiler _compiler;
    readonly LiveProgram _live;
    readonly AssemblyResolver _resolver;
    readonly Dictionary<string, string> _applied = new();   // path -> text the program now runs
    readonly HashSet<string> _sticky = new();               // files with added types or members
    readonly HashSet<string> _unknownBaseline = new();      // saved after the build: what the app runs is not this text
    readonly Dictionary<string, (string Key, Dictionary<string, string> Texts)> _lastTexts = new();
    readonly Dictionary<MethodBase, MethodDetour> _detours = new();
    readonly object _gate = new();
    readonly ProjectSessions? _projects;
    (int Generation, MetadataReference? Reference)? _surface;

    /// <summary>Test seam: throwing from it simulates a fault after the edit started to apply.</summary>
    internal Action<string>? FaultInjection;

    /// <param name="projects">The sessions of the other projects of the same app: edits here then compile
    /// against, and bind to, what edits there added.</param>
    public ReloadSession(ProjectModel project, Assembly liveAssembly, ProjectSessions? projects = null)
    {
        _project = project;
        _live = new LiveProgram(liveAssembly);
        _compiler = new DeltaCompiler(project);
        _projects = projects;
        projects?.Add(this);
        _compiler.ReferencedProjectSurface = name => _projects?.Find(name)?.Surface();
        _resolver = new AssemblyResolver(project, () => AllPrograms());
        foreach (var path in project.Sources.Where(File.Exists)) _applied[path] = File.ReadAllText(path);
    }

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

    /// <summary>A snapshot of this session's detours.</summary>
    public IReadOnlyList<MethodDetour> Detours
    {
        get { lock (_gate) return _detours.Values.ToList(); }
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
        lock (_gate) return !_unknownBaseline.Contains(path) && _applied.TryGetValue(path, out var applied) && applied == text;
    }

    string Baseline(string path) => _unknownBaseline.Contains(path) ? "" : _applied.GetValueOrDefault(path, "");

    /// <summary>Gets the first edit ready: warms the compiler and compiles the current generation of the
    /// files saved most recently (the likeliest to be edited next), so their first edit compiles once.
    /// Takes the session's lock per file, so an edit arriving meanwhile waits for one file at most.</summary>
    public void WarmUp(int recentFiles = 8)
    {
        var recent = _applied.Keys.Where(File.Exists).OrderByDescending(File.GetLastWriteTimeUtc).Take(recentFiles).ToList();
        foreach (var path in recent)
            lock (_gate)
            {
                var set = CompileSet([path], new Dictionary<string, string>(_applied));
                PreviousTexts(set, new List<string>());
                if (path == recent[0]) DryRun(set);
            }
        EngineWarmUp.Ensure();
    }

    /// <summary>Relinks, writes and loads the current code of the files as if all of it had changed, then
    /// unloads it: the relinker, Cecil's writer and the loader are compiled by the JIT before the first edit.</summary>
    void DryRun(List<string> set)
    {
        var delta = _compiler.Compile(set.Select(p => _compiler.Parse(p, _applied[p])).ToList(), new List<string>(), GlobalUsingsOutside(set, _applied));
        if (delta is null) return;
        var module = ReadModule(delta);
        var none = new Dictionary<string, StaticInitializer>();
        var relinker = new Relinker(module, _live, ReferencedProject);
        relinker.Bind(new Dictionary<string, string>(), MemberTexts(module), none, none);
        if (relinker.Changes.Any(c => c.RudeReason is not null)) return;
        relinker.Rewrite();
        var (assembly, context, _) = LoadGeneration(module, $"{_project.AssemblyName}.Detour.WarmUp");
        foreach (var change in relinker.Changes.Where(c => c.Method is not null && c.Live is not null).Take(4))
            RuntimeHelpers.PrepareMethod(assembly.ManifestModule.ResolveMethod(change.Method!.MetadataToken.ToInt32())!.MethodHandle);
        context.Unload();
    }

    (Assembly Assembly, AssemblyLoadContext Context, byte[] Image) LoadGeneration(ModuleDefinition module, string name)
    {
        module.Assembly.Name.Name = name;
        module.Name = name + ".dll";
        IgnoreAccessChecksToEarlierGenerations(module);
        using var pe = new MemoryStream();
        using var pdb = new MemoryStream();
        module.Write(pe, new WriterParameters { WriteSymbols = true, SymbolStream = pdb, SymbolWriterProvider = new PortablePdbWriterProvider() });
        pe.Position = 0;
        pdb.Position = 0;
        var context = new GenerationContext(name, AllPrograms().ToList());
        return (context.LoadFromStream(pe, pdb), context, pe.ToArray());
    }

    /// <summary>Applies new texts of files (path to full text). Files not given keep their current text.</summary>
    public ReloadReport Apply(IReadOnlyDictionary<string, string> changed, Func<string, bool>? isSkipped = null)
    {
        lock (_gate)
        {
            try
            {
                return ApplyLocked(changed, isSkipped ?? (_ => false));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Everything before the apply step only reads; a failure there changed nothing live.
                return Failed(changed.Keys.ToList(), [$"{changed.Keys.FirstOrDefault()}: error: Detour could not process this edit, " +
                                                      $"nothing was applied ({e.GetType().Name}: {e.Message}){Trace(e)}"], TimeSpan.Zero);
            }
        }
    }

    ReloadReport ApplyLocked(IReadOnlyDictionary<string, string> changed, Func<string, bool> isSkipped)
    {
        var clock = Stopwatch.StartNew();
        var files = changed.Keys.ToList();
        var texts = new Dictionary<string, string>(_applied);
        foreach (var (path, text) in changed) texts[path] = text;
        var set = CompileSet(changed.Keys, texts);
        var newTrees = set.Select(p => _compiler.Parse(p, texts[p])).ToList();
        var errors = new List<string>();
        var delta = _compiler.Compile(newTrees, errors, GlobalUsingsOutside(set, texts));
        if (delta is null) return Failed(files, errors, clock.Elapsed);
        var previous = PreviousTexts(set, errors);
        if (previous is null) return Failed(files, errors, clock.Elapsed);
        var compileTime = clock.Elapsed;

        clock.Restart();
        var module = ReadModule(delta);
        var current = MemberTexts(module);
        var oldTrees = set.Select(p => _compiler.Parse(p, Baseline(p))).ToList();
        var relinker = new Relinker(module, _live, ReferencedProject);
        relinker.Bind(previous, current, DeltaCompiler.StaticInitializers(oldTrees), DeltaCompiler.StaticInitializers(newTrees));
        var plan = UpdateRules.Plan(relinker.Changes);
        if (plan.Rude.Count > 0)
            return Failed(files, plan.Rude.Select(r => $"{Where(delta.Compilation, r)}: rude edit: {r.RudeReason}").ToList(), compileTime, clock.Elapsed,
                plan.Rude.Select(r => new MemberReport(r.DisplayName, r.Category, MemberStatus.Failed, r.RudeReason!)));
        var skipped = plan.Detour.Where(c => isSkipped(c.TypeName)).ToList();
        foreach (var s in skipped) plan.Detour.Remove(s);
        plan.Reinitialize.RemoveAll(c => isSkipped(c.TypeName));
        relinker.Rewrite();
        FaultInjection?.Invoke("relinked");
        var relinkTime = clock.Elapsed;

        clock.Restart();
        var members = plan.Report.Where(r => !skipped.Any(s => r.Member == s.DisplayName)).ToList();
        members.AddRange(skipped.Select(s => new MemberReport(s.DisplayName, s.Category, MemberStatus.Skipped, "module skipped")));
        if (plan.Detour.Count == 0 && plan.Reinitialize.Count == 0 && !relinker.Changes.Any(c => c.Kind == ChangeKind.Added))
        {
            Commit(texts, set, current, relinker, null);
            return new ReloadReport(Generation, files, members, [], compileTime, relinkTime, clock.Elapsed);
        }
        try
        {
            ApplyToProcess(module, relinker, plan, texts, set, current);
        }
        catch (Exception e)
        {
            var reason = e is TargetInvocationException or TypeInitializationException ? e.InnerException ?? e : e;
            return Failed(files, [$"{files.FirstOrDefault()}: error: the edit was rolled back: {reason.Message}{Trace(reason)}"], compileTime, relinkTime,
                members.Select(m => m with { Status = MemberStatus.Failed, Reason = "rolled back: " + reason.Message }));
        }
        return new ReloadReport(Generation, files, members, [], compileTime, relinkTime, clock.Elapsed);
    }

    void ApplyToProcess(ModuleDefinition module, Relinker relinker, ApplyPlan plan, Dictionary<string, string> texts, List<string> set, Dictionary<string, string> current)
    {
        int generation = Generation + 1;
        var (assembly, _, image) = LoadGeneration(module, $"{_project.AssemblyName}.Detour.{generation}");
        FaultInjection?.Invoke("loaded");

        // Static initializers run first, into the holders' own fields: nothing live changes yet.
        var newValues = new List<(FieldInfo Live, object? Value)>();
        foreach (var change in plan.Reinitialize)
        {
            var holder = assembly.ManifestModule.ResolveType(change.Field!.DeclaringType.MetadataToken.ToInt32());
            RuntimeHelpers.RunClassConstructor(holder.TypeHandle);
            var shadow = holder.GetField(change.Field.Name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)!;
            newValues.Add((change.LiveField!, shadow.GetValue(null)));
        }

        var transaction = new DetourTransaction();
        var touched = new List<(MethodBase Original, MethodDetour? Before)>();
        foreach (var change in plan.Detour)
        {
            var replacement = assembly.ManifestModule.ResolveMethod(change.Method!.MetadataToken.ToInt32())!;
            var original = change.Live!;
            if (_detours.TryGetValue(original, out var existing) && existing.IsActive) transaction.Retarget(existing, replacement);
            else transaction.Install(original, replacement);
            touched.Add((original, existing));
        }
        FaultInjection?.Invoke("detours");
        var made = transaction.Commit();

        var oldValues = new List<(FieldInfo Field, object? Value)>();
        try
        {
            FaultInjection?.Invoke("fields");
            foreach (var (field, value) in newValues)
            {
                oldValues.Add((field, field.GetValue(null)));
                SetStatic(field, value);
            }
        }
        catch
        {
            foreach (var (field, value) in oldValues) SetStatic(field, value);
            var undo = new DetourTransaction();
            foreach (var (detour, (_, before)) in made.Zip(touched))
                if (before?.Replacement is { } previousReplacement && before == detour) undo.Retarget(detour, previousReplacement);
                else undo.Undo(detour);
            undo.Commit();
            throw;
        }
        foreach (var (detour, (original, before)) in made.Zip(touched)) _detours[original] = detour;
        Generation = generation;
        _live.Generations.Add(assembly);
        _live.GenerationImages[assembly.GetName().Name!] = image;
        Commit(texts, set, current, relinker, assembly);
    }

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

    /// <summary>Static readonly fields refuse FieldInfo.SetValue once initialized; a stsfld does not.</summary>
    static void SetStatic(FieldInfo field, object? value)
    {
        if (!field.IsInitOnly) { field.SetValue(null, value); return; }
        var setter = new DynamicMethod("set_" + field.Name, null, [typeof(object)], field.Module, skipVisibility: true);
        var il = setter.GetILGenerator();
        il.Emit(System.Reflection.Emit.OpCodes.Ldarg_0);
        il.Emit(field.FieldType.IsValueType ? System.Reflection.Emit.OpCodes.Unbox_Any : System.Reflection.Emit.OpCodes.Castclass, field.FieldType);
        il.Emit(System.Reflection.Emit.OpCodes.Stsfld, field);
        il.Emit(System.Reflection.Emit.OpCodes.Ret);
        setter.Invoke(null, [value]);
    }

    void Commit(Dictionary<string, string> texts, List<string> set, Dictionary<string, string> current, Relinker relinker, Assembly? assembly)
    {
        foreach (var path in set) _applied[path] = texts[path];
        _unknownBaseline.ExceptWith(set);
        foreach (var path in set) _lastTexts[path] = (SetKey(set), current);
        if (assembly is null) return;
        // Added types and members keep the home they get now.
        foreach (var change in relinker.Changes.Where(c => c.Kind == ChangeKind.Added && c.RudeReason is null))
        {
            if (change.Category == "type")
            {
                var type = assembly.GetType(change.TypeName.Replace('/', '+'));
                if (type is not null) _live.AddedTypes[change.TypeName] = type;
            }
            else if (change.Method is not null && !IlText.IsGenerated(change.Method))
                _live.AddedMethods[change.Key] = (MethodInfo)assembly.ManifestModule.ResolveMethod(change.Method.MetadataToken.ToInt32())!;
            else if (change.Field is not null)
                _live.AddedFields[change.Key] = assembly.ManifestModule.ResolveField(change.Field.MetadataToken.ToInt32())!;
        }
        if (relinker.Changes.Any(c => c.Kind == ChangeKind.Added && c.RudeReason is null)) _sticky.UnionWith(set);
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
    Dictionary<string, string>? PreviousTexts(List<string> set, List<string> errors)
    {
        string key = SetKey(set);
        if (set.All(p => _lastTexts.TryGetValue(p, out var known) && known.Key == key))
            return _lastTexts[set[0]].Texts;
        var before = _compiler.Compile(set.Select(p => _compiler.Parse(p, Baseline(p))).ToList(), errors, GlobalUsingsOutside(set, _applied));
        if (before is null)
        {
            errors.Insert(0, "the source as it was before this edit does not compile; was the app built from it?");
            return null;
        }
        var texts = MemberTexts(ReadModule(before));
        foreach (var path in set) _lastTexts[path] = (key, texts);
        return texts;
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
            var chosen = _detours.Where(d => d.Value.IsActive && (select?.Invoke(d.Key.DeclaringType?.FullName ?? "") ?? true)).ToList();
            var undo = new DetourTransaction();
            foreach (var (_, detour) in chosen) undo.Undo(detour);
            undo.Commit();
            foreach (var (original, _) in chosen) _detours.Remove(original);
            return chosen.Count;
        }
    }

    /// <summary>Full names of the top-level types a source file declares.</summary>
    public IReadOnlyList<string> TypesDeclaredIn(string path, string text) =>
        DeltaCompiler.DeclaredTypes(_compiler.Parse(path, text)).ToList();

    /// <summary>Delta generations resolve each other; everything else comes from the default context.</summary>
    sealed class GenerationContext(string name, IEnumerable<LiveProgram> programs) : AssemblyLoadContext(name, isCollectible: true)
    {
        protected override Assembly? Load(AssemblyName assemblyName) =>
            programs.SelectMany(p => p.Generations).FirstOrDefault(a => a.GetName().Name == assemblyName.Name);
    }

    /// <summary>This project's live program and those of the other projects of the app.</summary>
    IEnumerable<LiveProgram> AllPrograms() => _projects?.All().Select(s => s._live).Prepend(_live).Distinct() ?? [_live];
}
