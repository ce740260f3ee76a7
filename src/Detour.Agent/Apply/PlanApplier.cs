using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using Detour.Channel;
using Detour.Engine;

namespace Detour.Agent.Apply;

/// <summary>Applies the compile host's plans to the running program, each all-or-nothing: the delta is
/// loaded into a collectible context of its own, new static initializers run into the delta's holder
/// fields, every detour lands in one engine transaction, and only then are live fields set. A failure
/// at any step undoes the steps before it.</summary>
public sealed class PlanApplier
{
    readonly Dictionary<MethodBase, MethodDetour> _detours = new();
    readonly Dictionary<string, Generation> _generations = new(); // read by the loader on any thread: under its own lock
    readonly object _gate = new();
    readonly UpdateHandlers _updateHandlers;
    readonly GenerationReaper _reaper = new();
    readonly LiveHandles _live;

    /// <param name="say">Prints a line of Detour's in the app (a failure that surfaces after a plan's answer was sent).</param>
    public PlanApplier(Action<string>? say = null)
    {
        _live = new LiveHandles(GenerationNamed);
        _updateHandlers = new UpdateHandlers(say);
    }

    /// <summary>An applied delta. <paramref name="AddsMembers"/>: later edits bind to what it declares, so it stays loaded.</summary>
    sealed record Generation(Assembly Assembly, GenerationContext Context, bool AddsMembers);

    /// <summary>Test seam: throwing from it simulates a fault at the named step.</summary>
    internal Action<FaultStage>? FaultInjection = InjectedFaults.OfThisProcess;

    /// <summary>The active detours, for status and tests.</summary>
    public IReadOnlyList<MethodDetour> Detours
    {
        get
        {
            lock (_gate)
            {
                var active = new List<MethodDetour>();
                foreach (var d in _detours.Values) if (d.IsActive) active.Add(d);
                return active;
            }
        }
    }

    /// <summary>Installs, calls and undoes one detour on a method of a small Debug-built assembly shipped beside the
    /// agent, so the engine's code is compiled by the JIT before the first edit. Only a warm-up: failures are ignored.</summary>
    public void WarmUp()
    {
        if (!Engine.Detours.Available) return;
        try
        {
            var target = typeof(WarmUp.WarmUpTarget);
            var original = target.GetMethod(nameof(Detour.Agent.WarmUp.WarmUpTarget.Original))!;
            var detour = Engine.Detours.Install(original, target.GetMethod(nameof(Detour.Agent.WarmUp.WarmUpTarget.Replacement))!);
            original.Invoke(null, [1]);
            new DetourTransaction().Undo(detour).Commit();
            _ = Frames.Encode(new PatchResult(0, true, null));
            lock (_gate) _updateHandlers.Discover();
            // The apply path, compiled now rather than on the first edit (about 4 ms of it); compiled, not run.
            foreach (var (type, name) in ApplyPath)
                RuntimeHelpers.PrepareMethod(type.GetMethod(name, BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)!.MethodHandle);
        }
        catch (Exception) { }
    }

    static readonly (Type Type, string Name)[] ApplyPath =
    [
        (typeof(PlanApplier), nameof(ApplyLocked)), (typeof(PlanApplier), nameof(ApplyInto)), (typeof(PlanApplier), nameof(CommitWithFaults)),
        (typeof(PlanApplier), nameof(ReleaseUnreachable)), (typeof(PlanApplier), nameof(UpdatedTypes)), (typeof(PlanApplier), nameof(Counts)),
        (typeof(UpdateHandlers), nameof(UpdateHandlers.Notify)), (typeof(GenerationReaper), nameof(GenerationReaper.Release)),
        (typeof(GenerationReaper), nameof(GenerationReaper.Counts)),
    ];

    public PatchResult Apply(PatchPlan plan)
    {
        lock (_gate)
        {
            bool insertsApplied = false;
            try
            {
                if (plan.DryRun) { DryRun(plan); return new PatchResult(plan.Id, true, null); }
                // What the edit adds comes first, through the runtime: the delta's code calls it. It cannot be taken
                // back, and stays unused if a later step fails.
                if (plan.RuntimeInserts is { } inserts) { ApplyRuntimeUpdate(inserts); insertsApplied = true; }
                ApplyLocked(plan);
                ReleaseUnreachable();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                var reason = Failures.Unwrap(e);
                return new PatchResult(plan.Id, false, reason.Message + Failures.Trace(reason), InsertsApplied: insertsApplied);
            }
            // Applied: from here on nothing undoes it, as with .NET's own handlers.
            IReadOnlyList<string>? warnings;
            try
            {
                FaultInjection?.Invoke(FaultStage.Handlers);
                warnings = _updateHandlers.Notify(UpdatedTypes(plan), typesChanged: plan.RuntimeInserts is not null);
            }
            catch (Exception e) when (e is not OutOfMemoryException) { warnings = ["update handlers: " + e.Message]; }
            return new PatchResult(plan.Id, true, null, warnings, Counts());
        }
    }

    /// <summary>After the result is sent: frees what earlier plans released, off the caller's thread.</summary>
    public void CollectReleased() => _reaper.CollectWhenDue();

    public GenerationCounts Counts()
    {
        lock (_generations) return _reaper.Counts(_generations.Count);
    }

    /// <summary>Unloads each generation that no active detour leads into and that declares nothing later edits bind
    /// to: its methods can then only run in frames and delegates made before, which keep it alive until they end.</summary>
    void ReleaseUnreachable()
    {
        var targeted = new HashSet<Assembly>();
        foreach (var d in _detours.Values)
            if (d.Replacement is { } r) targeted.Add(r.Module.Assembly);
        var released = new List<KeyValuePair<string, Generation>>();
        lock (_generations)
        {
            foreach (var entry in _generations)
                if (!entry.Value.AddsMembers && !targeted.Contains(entry.Value.Assembly)) released.Add(entry);
            foreach (var entry in released) _generations.Remove(entry.Key);
        }
        foreach (var entry in released) _reaper.Release(entry.Value.Context);
    }

    Type[]? UpdatedTypes(PatchPlan plan)
    {
        if (plan.UpdatedTypes is not { Count: > 0 } handles) return null;
        var types = new List<Type>();
        foreach (var handle in handles)
            try { types.Add(_live.Type(handle)); }
            catch (Exception) { return null; } // not knowing every type, the handlers are told "all"
        return types.ToArray();
    }

    /// <summary>Loads the plan's delta into a context of its own, resolves and JIT-compiles what it names, and unloads it:
    /// nothing was detoured to it, so nothing can reach it.</summary>
    void DryRun(PatchPlan plan)
    {
        var context = new GenerationContext(plan.AssemblyName, this);
        try
        {
            var generation = context.LoadFromStream(new MemoryStream(plan.Image), new MemoryStream(plan.Symbols));
            foreach (var redirect in plan.Redirects)
            {
                RuntimeHelpers.PrepareMethod(generation.ManifestModule.ResolveMethod(redirect.ReplacementToken)!.MethodHandle);
                _ = _live.Method(redirect.Original);
            }
        }
        finally
        {
            context.Unload();
        }
    }

    void ApplyLocked(PatchPlan plan)
    {
        var context = new GenerationContext(plan.AssemblyName, this);
        try { ApplyInto(context, plan); }
        catch
        {
            // Rolled back: nothing leads into the context. (Were a detour left, the engine's hold on its replacement
            // would keep the context alive.)
            _reaper.Release(context);
            throw;
        }
    }

    void ApplyInto(GenerationContext context, PatchPlan plan)
    {
        var generation = context.LoadFromStream(new MemoryStream(plan.Image), new MemoryStream(plan.Symbols));
        FaultInjection?.Invoke(FaultStage.Loaded);

        // Static initializers run first, into the holders' own fields: nothing live changes yet.
        var newValues = new List<(FieldInfo Live, object? Value, bool Added)>();
        foreach (var init in plan.Reinitializations)
        {
            var holder = generation.ManifestModule.ResolveType(init.HolderTypeToken);
            RuntimeHelpers.RunClassConstructor(holder.TypeHandle);
            var shadow = holder.GetField(init.ShadowField, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
                         ?? throw new InvalidOperationException($"{init.Name}: the delta has no field {init.ShadowField}");
            newValues.Add((_live.Field(init.LiveField), shadow.GetValue(null), init.Added));
        }
        FaultInjection?.Invoke(FaultStage.Initializers);
        var oldValues = new List<(FieldInfo Field, object? Value)>();
        void SetFields(bool addedByThePlan)
        {
            foreach (var (field, value, added) in newValues)
                if (added == addedByThePlan)
                {
                    oldValues.Add((field, field.GetValue(null)));
                    SetStatic(field, value);
                }
        }
        // Fields this plan adds are set now: nothing reads them until the new code runs.
        SetFields(addedByThePlan: true);

        var transaction = new DetourTransaction();
        var touched = new List<(MethodBase Original, MethodDetour? Before)>();
        foreach (var redirect in plan.Redirects)
        {
            var replacement = generation.ManifestModule.ResolveMethod(redirect.ReplacementToken)!;
            var original = _live.Method(redirect.Original);
            if (_detours.TryGetValue(original, out var existing) && existing.IsActive) transaction.Retarget(existing, replacement);
            else transaction.Install(original, replacement);
            touched.Add((original, existing));
        }
        FaultInjection?.Invoke(FaultStage.Detours);
        IReadOnlyList<MethodDetour> made;
        try { made = CommitWithFaults(transaction); }
        catch
        {
            RollBack(oldValues, [], touched);
            throw;
        }

        try
        {
            FaultInjection?.Invoke(FaultStage.Fields);
            SetFields(addedByThePlan: false);
            // Last: the runtime checks the whole update before it changes anything, and cannot take it back.
            FaultInjection?.Invoke(FaultStage.RuntimeUpdate);
            if (plan.RuntimeUpdate is { } update) ApplyRuntimeUpdate(update);
        }
        catch
        {
            RollBack(oldValues, made, touched);
            throw;
        }
        for (int i = 0; i < made.Count; i++) _detours[touched[i].Original] = made[i];
        lock (_generations) _generations[plan.AssemblyName] = new Generation(generation, context, plan.AddsMembers);
    }

    /// <summary>Puts back the fields a failed plan set and the detours it made. Its own method, not loops inside
    /// <see cref="ApplyInto"/>'s handlers: a loop in a handler makes the JIT compile the whole method fully optimized,
    /// about 9 ms on the app's first edit (native-notes/host-tiering.md).</summary>
    static void RollBack(List<(FieldInfo Field, object? Value)> oldValues, IReadOnlyList<MethodDetour> made,
        List<(MethodBase Original, MethodDetour? Before)> touched)
    {
        foreach (var (field, value) in oldValues) SetStatic(field, value);
        if (made.Count == 0) return;
        var undo = new DetourTransaction();
        for (int i = 0; i < made.Count; i++)
            if (touched[i].Before?.Replacement is { } previousReplacement && touched[i].Before == made[i]) undo.Retarget(made[i], previousReplacement);
            else undo.Undo(made[i]);
        undo.Commit();
    }

    /// <summary>With faults injected, the detour write fails between two of the transaction's writes (before its last
    /// one), so the engine's own rollback of the writes already made is what is tested.</summary>
    IReadOnlyList<MethodDetour> CommitWithFaults(DetourTransaction transaction)
    {
        if (FaultInjection is not { } inject) return transaction.Commit();
        int step = 0;
        DetourTransaction.BeforeStepApplies = _ => { if (++step == Math.Max(transaction.Count, 1)) inject(FaultStage.DetourWrite); };
        try { return transaction.Commit(); }
        finally { DetourTransaction.BeforeStepApplies = null; }
    }

    public RevertResult Revert(RevertRequest request)
    {
        lock (_gate)
        {
            try
            {
                var chosen = new List<KeyValuePair<MethodBase, MethodDetour>>();
                if (request.Originals is null)
                {
                    foreach (var d in _detours) if (d.Value.IsActive) chosen.Add(d);
                }
                else
                    foreach (var handle in request.Originals)
                        if (_live.Method(handle) is var m && _detours.TryGetValue(m, out var d) && d.IsActive) chosen.Add(new(m, d));
                if (request.RuntimeUpdate is { } update) ApplyRuntimeUpdate(update);
                var undo = new DetourTransaction();
                foreach (var (_, detour) in chosen) undo.Undo(detour);
                undo.Commit();
                foreach (var (original, _) in chosen) _detours.Remove(original);
                ReleaseUnreachable();
                return new RevertResult(request.Id, chosen.Count, null);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return new RevertResult(request.Id, 0, e.Message);
            }
        }
    }

    /// <summary>Generic bodies, replaced by the runtime itself: shared code, every value-type instantiation, and those
    /// the JIT makes later all run the new IL (native-notes/generics.md).</summary>
    void ApplyRuntimeUpdate(MetadataUpdate update) =>
        System.Reflection.Metadata.MetadataUpdater.ApplyUpdate(_live.Assembly(update.Assembly), update.Metadata, update.IL, update.Pdb);

    Assembly? GenerationNamed(string name)
    {
        lock (_generations) return _generations.GetValueOrDefault(name)?.Assembly;
    }

    /// <summary>Static readonly fields refuse FieldInfo.SetValue once initialized; a stsfld does not.</summary>
    static void SetStatic(FieldInfo field, object? value)
    {
        if (!field.IsInitOnly) { field.SetValue(null, value); return; }
        var setter = new DynamicMethod("set_" + field.Name, null, [typeof(object)], field.Module, skipVisibility: true);
        var il = setter.GetILGenerator();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(field.FieldType.IsValueType ? OpCodes.Unbox_Any : OpCodes.Castclass, field.FieldType);
        il.Emit(OpCodes.Stsfld, field);
        il.Emit(OpCodes.Ret);
        setter.Invoke(null, [value]);
    }

    /// <summary>Generations resolve each other by name (across the app's projects); everything else comes
    /// from the app's default context.</summary>
    sealed class GenerationContext(string name, PlanApplier owner) : AssemblyLoadContext(name, isCollectible: true)
    {
        protected override Assembly? Load(AssemblyName assemblyName) =>
            assemblyName.Name is { } n ? owner.GenerationNamed(n) : null;
    }
}
