using System.Reflection;
using Detour.Channel;
using Detour.Host.Diffing;
using Detour.Host.Model;
using Detour.Host.Planning;
using Detour.Host.Relinking;
using Detour.Host.Rules;

namespace Detour.Host.Sessions;

/// <summary>Sends an edit to the app as one plan, and on the agent's word that all of it applied makes it the project's
/// current generation: its detoured methods, and the homes of what it added. A plan the agent rolled back changes
/// nothing here.</summary>
internal sealed class EditTransaction(ProjectModel project, LiveProgram live, IPatchTarget target, RuntimeUpdates runtimeUpdates,
    Func<IEnumerable<LiveProgram>> allPrograms)
{
    static int _nextPlanId;

    /// <summary>Names this host's generations apart from those of a host the app had before (one that died): the agent
    /// keeps theirs loaded, and resolves generations by name.</summary>
    static readonly string HostRun = Guid.NewGuid().ToString("N")[..6];

    readonly Dictionary<MethodHandleRef, PatchedMethod> _patched = new();

    public static int NextPlanId() => Interlocked.Increment(ref _nextPlanId);

    public int Generation { get; private set; }

    /// <summary>The methods this session has detoured in the app.</summary>
    public IReadOnlyList<PatchedMethod> Patched => _patched.Values.ToList();

    /// <summary>Applies the edit in the app; returns the agent's warnings. Throws <see cref="PlanRolledBack"/> when the
    /// agent rolled it back.</summary>
    /// <param name="fault">The fault suite's seam, reached once the generation is written.</param>
    public IReadOnlyList<string> Apply(PreparedEdit edit, RelinkedDelta relinked, RuntimeEdit? runtimeEdit, Action<FaultStage>? fault)
    {
        int generation = Generation + 1;
        string name = $"{project.AssemblyName}.Detour.{HostRun}-{generation}";
        var (image, symbols) = GenerationWriter.Write(relinked.Module, name, allPrograms().SelectMany(p => p.Generations));
        fault?.Invoke(FaultStage.Written);
        var decisions = edit.Decisions;
        var detoured = decisions.Detour.Concat(relinked.Dispatchers).ToList();
        var redirects = PlanBuilder.Redirects(detoured);
        bool addsMembers = edit.Changes.AddsMembers;
        var result = target.Apply(new PatchPlan(NextPlanId(), name, image, symbols, redirects,
            PlanBuilder.Reinitializations(decisions.Reinitialize, project.AssemblyName),
            UpdatedTypes: PlanBuilder.UpdatedTypes(relinked.Module, edit.Changes, decisions, live, name), AddsMembers: addsMembers,
            RuntimeUpdate: runtimeEdit?.Updates, RuntimeInserts: runtimeEdit?.Inserts));
        if (!result.Applied)
        {
            // What the runtime added stays in the app, unused: later edits must know it is there.
            if (result.InsertsApplied) { runtimeUpdates.CommitInserts(); RememberRuntimeAdditions(decisions.RuntimeInsert); }
            else runtimeUpdates.Discard();
            throw new PlanRolledBack(result.Error ?? "the agent did not say why");
        }

        runtimeUpdates.Commit();
        RememberRuntimeAdditions(decisions.RuntimeInsert);
        foreach (var (change, redirect) in detoured.Zip(redirects)) Remember(redirect.Original, change);
        foreach (var change in decisions.Dispatch) live.DispatchedBases.Add(change.BaseKey!.Value);
        foreach (var change in decisions.RuntimeUpdate.Where(c => c.Live is not null)) Remember(PlanBuilder.HandleOf(change.Live!), change);
        Generation = generation;
        // Only a generation that declares what later edits bind to is read again; the agent unloads the others once
        // nothing leads into them, so nothing may name them from here on.
        if (addsMembers) HomeAdditions(edit.Changes, relinked, live.View.LoadGeneration(name, image), name, image);
        return result.Warnings ?? [];
    }

    void RememberRuntimeAdditions(IEnumerable<MemberChange> inserted)
    {
        // A type comes with its members: later edits compare them with what it was added with.
        void AddType(Mono.Cecil.TypeDefinition type)
        {
            live.RuntimeTypes.Add(type.FullName);
            foreach (var field in type.Fields) AddField(MemberKey.Of(field), field);
            foreach (var nested in type.NestedTypes) AddType(nested);
        }
        // The change's key: relinking may have taken the field out of its type.
        void AddField(MemberKey key, Mono.Cecil.FieldDefinition field)
        {
            live.RuntimeMembers.Add(key);
            live.RuntimeFieldTypes[key] = field.FieldType.FullName;
        }
        foreach (var change in inserted)
            if (change.Type is { } type) AddType(type);
            else if (change.Field is { } field) AddField(change.Key, field);
            else live.RuntimeMembers.Add(change.Key);
    }

    void Remember(MethodHandleRef original, MemberChange change) =>
        _patched[original] = new PatchedMethod(original, change.Live!.DeclaringType?.FullName ?? "", change.DisplayName);

    /// <summary>Added types and members keep the home they get now.</summary>
    void HomeAdditions(ChangeSet changes, RelinkedDelta relinked, Assembly generation, string name, byte[] image)
    {
        live.Generations.Add(generation);
        live.GenerationImages[name] = image;
        foreach (var change in changes.Changes.Where(c => c.NeedsAHome))
        {
            if (change.Field is { IsStatic: false } && relinked.AddedFieldAccessors.TryGetValue(change.Key, out var holderName))
            {
                if (generation.GetType(holderName)?.GetMethod(AddedInstanceFields.AccessorName) is { } accessor) live.AddedInstanceFields[change.Key] = accessor;
                continue;
            }
            var home = generation.GetType(MetadataNames.ToReflection(change.TypeName));
            if (home is null) continue;
            if (change.Category == MemberKind.Type)
                live.AddedTypes[change.TypeName] = home;
            else if (change.Method is not null)
                live.AddedMethods[change.Key] = (MethodInfo)LiveProgram.MethodByToken(home, change.Method.MetadataToken.ToInt32())!;
            else if (change.Field is not null)
                live.AddedFields[change.Key] = LiveProgram.FieldByToken(home, change.Field.MetadataToken.ToInt32())!;
        }
    }

    /// <summary>A warm-up: the agent loads the delta, JIT-compiles a few of its methods and throws it all away.</summary>
    public void DryRun(PreparedEdit edit, RelinkedDelta relinked, bool inTheApp)
    {
        string name = $"{project.AssemblyName}.Detour.WarmUp";
        var (image, symbols) = GenerationWriter.Write(relinked.Module, name, allPrograms().SelectMany(p => p.Generations));
        if (!inTheApp) return;
        var redirects = PlanBuilder.Redirects(edit.Changes.Changes.Where(c => c.Method is not null && c.Live is not null && !c.Method.HasGenericParameters).Take(4));
        target.Apply(new PatchPlan(NextPlanId(), name, image, symbols, redirects, [], DryRun: true));
    }

    /// <summary>Undoes every patch (or those of types the filter selects): the original code runs again.</summary>
    /// <param name="warn">Told what the running code cannot follow (a lambda an edit added, whose delegates would throw).</param>
    public int Revert(Func<string, bool>? select, Action<string>? warn = null)
    {
        var chosen = _patched.Values.Where(p => select?.Invoke(p.TypeName) ?? true).ToList();
        if (chosen.Count == 0) return 0;
        // Generic bodies go back through the runtime, as they came: an update to the build's text.
        var runtimeUpdate = runtimeUpdates.Revert(select, out var why, out var warnings);
        if (why is not null) throw new ReloadException("the generic bodies cannot be put back: " + why);
        var result = target.Revert(new RevertRequest(NextPlanId(), chosen.Select(p => p.Original).ToList(), runtimeUpdate));
        if (result.Error is not null) { runtimeUpdates.Discard(); throw new ReloadException("revert failed in the app: " + result.Error); }
        runtimeUpdates.Commit();
        live.DispatchedBases.RemoveWhere(key => select?.Invoke(MetadataNames.ToReflection(key.TypeName)) ?? true);
        foreach (var warning in warnings) warn?.Invoke(warning);
        foreach (var p in chosen) _patched.Remove(p.Original);
        return chosen.Count;
    }
}
