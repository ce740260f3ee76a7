using System.Globalization;
using Detour.Channel;
using Detour.Host.Diffing;
using Detour.Host.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;

namespace Detour.Host.Planning;

/// <summary>What of an edit the runtime applies itself: the types and members it adds (applied first, since the
/// detoured code calls them), and the bodies it replaces (applied last, so that a refusal undoes the rest).</summary>
internal sealed record RuntimeEdit(MetadataUpdate? Inserts, MetadataUpdate? Updates)
{
    /// <summary>What the user should know of how the running program takes the updates.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>Edits written as the runtime's own metadata updates of the project's assembly (Roslyn's EmitDifference,
/// chained from the build; applied in the app by MetadataUpdater.ApplyUpdate). The runtime can do two things a detour
/// cannot: replace shared generic code, for every instantiation (native-notes/generics.md), and add types and members
/// to the live assembly, where reflection and the frameworks find them (native-notes/runtime-additions.md).</summary>
/// <param name="builtSources">The C# the build compiled, views' generated C# included; asked for once, when the
/// baseline is first needed.</param>
/// <param name="everyMethod">The app patches no native code, so any method's body may go through the runtime; else
/// only generic code and what the runtime added do.</param>
internal sealed class RuntimeUpdates(CSharpProject project, Func<IReadOnlyDictionary<string, string>> builtSources, bool everyMethod = false)
{
    IReadOnlyDictionary<string, string>? _builtTexts;
    /// <summary>Read under the session's lock: views are generated for it.</summary>
    public IReadOnlyDictionary<string, string> BuiltTexts => _builtTexts ??= builtSources();
    readonly object _prepareGate = new();
    (CSharpCompilation Compilation, EmitBaseline Baseline)? _prepared;
    CSharpCompilation? _built;      // the build's sources and references
    CSharpCompilation? _current;    // what the runtime's metadata of the assembly holds now
    EmitBaseline? _baseline;
    Step? _pendingInserts, _pendingUpdates;
    readonly List<string> _pendingWarnings = new();
    readonly HashSet<string> _added = new();                       // declaration ids of the types and members the runtime added
    readonly Dictionary<string, UpdatedMethod> _updated = new();   // by declaration id: the bodies the runtime has new

    static readonly IReadOnlySet<string> NothingAdded = new HashSet<string>();

    /// <summary>A method whose body the runtime replaced: where it is declared, and its type's metadata name.</summary>
    sealed record UpdatedMethod(string File, string TypeName, bool BackAsBuilt);

    /// <summary>One emitted update: the compilation and baseline it leaves the runtime with, once applied.</summary>
    sealed record Step(CSharpCompilation Compilation, EmitBaseline Baseline, Dictionary<string, UpdatedMethod> Methods, IReadOnlySet<string> Added);

    /// <summary>The runtime's part of an edit of the files <paramref name="changed"/>: <paramref name="inserts"/> (what the
    /// rules send to the runtime to add) and the bodies of <paramref name="updated"/> (generic code, or members the runtime
    /// added: Cecil's type names and metadata member names; a lambda stands for the method that declares it). Null,
    /// with <paramref name="error"/> set, when it cannot be made; <see cref="RuntimeEdit.Updates"/> is null when none of
    /// the updated members is there.</summary>
    public RuntimeEdit? Emit(IReadOnlyDictionary<string, string> changed, IReadOnlyList<MemberChange> inserts,
        IEnumerable<(string TypeName, string Member)> updated, out string? error)
    {
        Discard();
        if (!Ready(out error)) return null;
        // A referenced project's members that its own runtime updates added are named as they now are.
        var compilation = WithTexts(_current!, changed, out var trees).WithReferences(project.CurrentReferences);
        var (previous, baseline) = (_current!, _baseline!);
        MetadataUpdate? inserted = null;
        if (inserts.Count > 0)
        {
            inserted = EmitInserts(compilation, inserts, out error);
            if (inserted is null) return null;
            (previous, baseline) = (compilation, _pendingInserts!.Baseline);
            trees = trees.Select(t => t with { Old = t.New }).ToList(); // the chained update starts where the inserts left off
        }
        var wanted = updated.Select(m => (CompilerNames.OwningType(m.TypeName), CompilerNames.OwningMethod(m.Member))).ToHashSet();
        var updates = wanted.Count == 0 ? null
            : EmitUpdates(previous, baseline, compilation, trees, m => wanted.Contains((RuntimeSymbols.CecilName(m.ContainingType), m.MetadataName)), out error);
        if (error is not null) { Discard(); return null; }
        return new RuntimeEdit(inserted, updates) { Warnings = [.. _pendingWarnings] };
    }

    record struct ChangedTree(string Path, string Text, SyntaxTree? Old, SyntaxTree New);

    CSharpCompilation WithTexts(CSharpCompilation compilation, IReadOnlyDictionary<string, string> changed, out List<ChangedTree> trees)
    {
        trees = new List<ChangedTree>();
        foreach (var (path, text) in changed)
        {
            var oldTree = compilation.SyntaxTrees.FirstOrDefault(t => t.FilePath == path);
            var newTree = project.Parse(path, text);
            compilation = oldTree is null ? compilation.AddSyntaxTrees(newTree) : compilation.ReplaceSyntaxTree(oldTree, newTree);
            trees.Add(new ChangedTree(path, text, oldTree, newTree));
        }
        return compilation;
    }

    MetadataUpdate? EmitInserts(CSharpCompilation compilation, IReadOnlyList<MemberChange> inserts, out string? error)
    {
        error = null;
        var insertedTypes = inserts.Where(c => c.Type is not null).Select(c => c.TypeName).ToHashSet();
        var symbols = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        foreach (var change in inserts)
        {
            var symbol = RuntimeSymbols.Inserted(compilation, change, insertedTypes, out var unmapped);
            if (unmapped is not null)
            {
                error = $"the runtime's update cannot name the added {unmapped} in the compiled source";
                return null;
            }
            if (symbol is not null) symbols.Add(symbol);
        }
        var ids = symbols.Select(RuntimeSymbols.Id).ToHashSet();
        foreach (var symbol in symbols)
            if (RuntimeSymbols.UsesWhatTheRuntimeLacks(compilation, symbol, used => Known(used, ids)) is { } missing)
            {
                error = $"the added {symbol.ToDisplayString()} uses {missing}, which the runtime's metadata does not have";
                return null;
            }
        bool IsAdded(ISymbol s) => symbols.Contains(s) || s.ContainingType is { } owner && IsAdded(owner);
        var edits = symbols.Select(s => new SemanticEdit(SemanticEditKind.Insert, null, s)).ToList();
        var result = EmitDifference(compilation, _baseline!, edits, IsAdded, out var update, out error);
        if (result is null) return null;
        _pendingInserts = new Step(compilation, result, [], ids);
        return update;
    }

    /// <summary>Whether the runtime's metadata has this member or type of the project: the build declared it, or the
    /// runtime added it (or its type), or this update adds it.</summary>
    bool Known(ISymbol used, IReadOnlySet<string> addedNow)
    {
        for (ISymbol? s = used; s is not null; s = s.ContainingType)
        {
            var id = RuntimeSymbols.Id(s);
            if (_added.Contains(id) || addedNow.Contains(id)) return true;
        }
        var usedId = RuntimeSymbols.Id(used);
        return usedId.Length > 0 && DocumentationCommentId.GetFirstSymbolForDeclarationId(usedId, _built!) is not null;
    }

    /// <param name="mustCarryOver">An edit: refused when the running code cannot follow it. Else (%revert) it goes on, and
    /// what cannot follow becomes a warning.</param>
    MetadataUpdate? EmitUpdates(CSharpCompilation previous, EmitBaseline baseline, CSharpCompilation compilation, IReadOnlyList<ChangedTree> trees,
        Func<IMethodSymbol, bool> wanted, out string? error, bool mustCarryOver = true)
    {
        error = null;
        var edits = new List<SemanticEdit>();
        var methods = new Dictionary<string, UpdatedMethod>();
        foreach (var (path, text, oldTree, newTree) in trees)
        {
            if (oldTree is null) continue; // a file the runtime has not seen declares nothing it could update
            var before = RuntimeSymbols.UpdatableMembers(previous, oldTree, _added, everyMethod);
            foreach (var (id, method) in RuntimeSymbols.UpdatableMembers(compilation, newTree, _added, everyMethod))
            {
                if (!wanted(method) || !before.TryGetValue(id, out var old)) continue;
                if (RuntimeSymbols.UsesWhatTheRuntimeLacks(compilation, method, used => Known(used, _pendingInserts?.Added ?? NothingAdded)) is { } missing)
                {
                    error = $"the new body of {method.ToDisplayString()} uses {missing}, which the runtime's metadata does not have";
                    return null;
                }
                var map = LambdaSyntaxMap.Between(old, method);
                if (map?.Lost(mustCarryOver ? "the edit" : "the revert") is { } lost)
                {
                    if (!mustCarryOver) _pendingWarnings.Add($"{Name(method)}: {lost}");
                    else
                    {
                        error = $"editing {Name(method)} through the runtime's update needs a restart: {lost}";
                        return null;
                    }
                }
                if (map is not null && mustCarryOver)
                    foreach (var (line, variables) in map.NewCaptures(previous, compilation))
                        _pendingWarnings.Add($"{Name(method)}: the lambda at line {line} now captures {variables}: delegates made before the edit " +
                                             "hold no value for it, and read it as its default (restart to be rid of them)");
                edits.Add(new SemanticEdit(SemanticEditKind.Update, old, method, syntaxMap: map is null ? null : map.Map));
                methods[id] = new UpdatedMethod(path, RuntimeSymbols.ReflectionName(method.ContainingType), text == BuiltTexts.GetValueOrDefault(path));
            }
        }
        if (edits.Count == 0) return null;
        var result = EmitDifference(compilation, baseline, edits, _ => false, out var update, out error);
        if (result is null) return null;
        string names = string.Join(", ", edits.Select(e => Name((IMethodSymbol)e.NewSymbol!)));
        var delta = DeltaFacts.Of(update!);
        if (delta.RetiresCode && !mustCarryOver)
        {
            if (_pendingWarnings.Count == 0) _pendingWarnings.Add($"{names}: the update re-creates a lambda, and delegates made of it before the revert would throw");
        }
        else if (delta.RetiresCode)
        {
            error = $"editing {names} through the runtime's update needs a restart: the update re-creates a lambda (what it captures changed), " +
                    "and delegates made of it before the edit would throw";
            return null;
        }
        _pendingUpdates = new Step(compilation, result, methods, NothingAdded);
        return update;
    }

    static string Name(IMethodSymbol method) => method.Name == WellKnownMemberNames.TopLevelStatementsEntryPointMethodName
        ? "the top-level program" : method.ToDisplayString();

    EmitBaseline? EmitDifference(CSharpCompilation compilation, EmitBaseline baseline, List<SemanticEdit> edits, Func<ISymbol, bool> isAdded,
        out MetadataUpdate? update, out string? error)
    {
        using MemoryStream metadata = new(), il = new(), pdb = new();
        // Roslyn's texts in the update (a retired lambda's exception) in English, which DeltaFacts reads.
        var culture = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
        EmitDifferenceResult result;
        try { result = compilation.EmitDifference(baseline, edits, isAdded, metadata, il, pdb); }
        finally { CultureInfo.CurrentUICulture = culture; }
        if (!result.Success)
        {
            var first = result.Diagnostics.FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error);
            (update, error) = (null, $"the runtime's update does not compile: {(first is null ? "no reason given" : DiagnosticText.Format(first))}");
            return null;
        }
        (update, error) = (new MetadataUpdate(project.Model.AssemblyName, metadata.ToArray(), il.ToArray(), pdb.ToArray()), null);
        return result.Baseline;
    }

    /// <summary>The app applied all of the last edit's update: it is what the runtime holds now.</summary>
    public void Commit()
    {
        CommitInserts();
        if (_pendingUpdates is { } updates)
        {
            (_current, _baseline) = (updates.Compilation, updates.Baseline);
            foreach (var (id, method) in updates.Methods)
                if (method.BackAsBuilt) _updated.Remove(id);
                else _updated[id] = method;
        }
        _pendingUpdates = null;
    }

    /// <summary>The app took the last edit's inserts, and rolled the rest back: the runtime cannot take them back.</summary>
    public void CommitInserts()
    {
        if (_pendingInserts is { } inserts)
        {
            (_current, _baseline) = (inserts.Compilation, inserts.Baseline);
            _added.UnionWith(inserts.Added);
        }
        _pendingInserts = null;
    }

    public void Discard()
    {
        (_pendingInserts, _pendingUpdates) = (null, null);
        _pendingWarnings.Clear();
    }

    /// <summary>The update that puts the bodies updated so far back as the build had them, in the files that declare a
    /// type <paramref name="select"/> chooses (every file when null): for %revert. What the runtime added stays.</summary>
    public MetadataUpdate? Revert(Func<string, bool>? select, out string? error, out IReadOnlyList<string> warnings)
    {
        var update = RevertUpdate(select, out error);
        warnings = [.. _pendingWarnings];
        return update;
    }

    MetadataUpdate? RevertUpdate(Func<string, bool>? select, out string? error)
    {
        Discard();
        error = null;
        var chosen = _updated.Where(m => !_added.Contains(m.Key) && (select?.Invoke(m.Value.TypeName) ?? true)).ToDictionary(m => m.Key, m => m.Value);
        if (chosen.Count == 0 || !Ready(out error)) return null;
        var texts = chosen.Values.Select(m => m.File).Distinct().ToDictionary(p => p, p => BuiltTexts.GetValueOrDefault(p, ""));
        var compilation = WithTexts(_current!, texts, out var trees);
        return EmitUpdates(_current!, _baseline!, compilation, trees, m => chosen.ContainsKey(RuntimeSymbols.Id(m)), out error, mustCarryOver: false);
    }

    /// <summary>After <see cref="PrepareBaseline"/>, and without the session's lock: does for one method what an edit
    /// of it does (find it, bind its body, emit it as an update) and throws the update away, so the first edit the
    /// runtime takes finds the project bound and Roslyn's Edit and Continue paths compiled by the JIT. It reads only
    /// the build's compilation and baseline, which nothing changes.</summary>
    public void WarmUp(string recentFile)
    {
        try
        {
            (CSharpCompilation Compilation, EmitBaseline Baseline)? start;
            lock (_prepareGate) start = _prepared;
            if (start is not var (built, baseline)) return;
            var tree = built.SyntaxTrees.FirstOrDefault(t => t.FilePath == recentFile) ?? built.SyntaxTrees.FirstOrDefault();
            if (tree is null) return;
            var model = built.GetSemanticModel(tree);
            var method = tree.GetRoot().DescendantNodes().Select(n => model.GetDeclaredSymbol(n)).OfType<IMethodSymbol>()
                .FirstOrDefault(m => m.MethodKind == MethodKind.Ordinary);
            if (method is null) return;
            _ = RuntimeSymbols.UsesWhatTheRuntimeLacks(built, method, used => Known(used, NothingAdded));
            using MemoryStream metadata = new(), il = new(), pdb = new();
            built.EmitDifference(baseline, [new SemanticEdit(SemanticEditKind.Update, method, method)], _ => false, metadata, il, pdb);
        }
        catch (Exception) { /* only a warm-up */ }
    }

    /// <summary>Makes the build's compilation and baseline without the session's lock (seconds, in a large project),
    /// so edits saved meanwhile do not wait for it. <see cref="BuiltTexts"/> must have been read.</summary>
    public void PrepareBaseline()
    {
        lock (_prepareGate)
            if (_baseline is null && _prepared is null && _builtTexts is not null)
                _prepared = BuildBaseline.Create(project, _builtTexts, out _);
    }

    /// <summary>The build's compilation and the baseline of its image and PDB, made on first use.</summary>
    bool Ready(out string? error)
    {
        error = null;
        if (_baseline is not null) return true;
        (CSharpCompilation Compilation, EmitBaseline Baseline)? start;
        lock (_prepareGate)
        {
            start = _prepared ?? BuildBaseline.Create(project, BuiltTexts, out error);
            _prepared = null;
        }
        if (start is not { } made) return false;
        (_built, _current, _baseline) = (made.Compilation, made.Compilation, made.Baseline);
        return true;
    }
}
