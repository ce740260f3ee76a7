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
    readonly System.Collections.Concurrent.ConcurrentDictionary<string, Assembly> _generations = new(); // read by the loader on any thread
    readonly object _gate = new();

    /// <summary>Test seam: throwing from it simulates a fault at the named step.</summary>
    internal Action<string>? FaultInjection;

    /// <summary>The active detours, for status and tests.</summary>
    public IReadOnlyList<MethodDetour> Detours
    {
        get { lock (_gate) return _detours.Values.Where(d => d.IsActive).ToList(); }
    }

    /// <summary>Installs, calls and undoes one detour on a method of a small Debug-built assembly shipped beside the
    /// agent, so the engine's code is compiled by the JIT before the first edit. Only a warm-up: failures are ignored.</summary>
    public void WarmUp()
    {
        try
        {
            var target = typeof(WarmUp.WarmUpTarget);
            var original = target.GetMethod(nameof(Detour.Agent.WarmUp.WarmUpTarget.Original))!;
            var detour = Engine.Detours.Install(original, target.GetMethod(nameof(Detour.Agent.WarmUp.WarmUpTarget.Replacement))!);
            original.Invoke(null, [1]);
            new DetourTransaction().Undo(detour).Commit();
            _ = Frames.Encode(new PatchResult(0, true, null));
        }
        catch (Exception) { }
    }

    public PatchResult Apply(PatchPlan plan)
    {
        lock (_gate)
        {
            try
            {
                ApplyLocked(plan);
                return new PatchResult(plan.Id, true, null);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                var reason = e is TargetInvocationException or TypeInitializationException ? e.InnerException ?? e : e;
                return new PatchResult(plan.Id, false, reason.Message + Trace(reason));
            }
        }
    }

    void ApplyLocked(PatchPlan plan)
    {
        var context = new GenerationContext(plan.AssemblyName, this);
        var generation = context.LoadFromStream(new MemoryStream(plan.Image), new MemoryStream(plan.Symbols));
        FaultInjection?.Invoke("loaded");

        // Static initializers run first, into the holders' own fields: nothing live changes yet.
        var newValues = new List<(FieldInfo Live, object? Value)>();
        foreach (var init in plan.Reinitializations)
        {
            var holder = generation.ManifestModule.ResolveType(init.HolderTypeToken);
            RuntimeHelpers.RunClassConstructor(holder.TypeHandle);
            var shadow = holder.GetField(init.ShadowField, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
                         ?? throw new InvalidOperationException($"{init.Name}: the delta has no field {init.ShadowField}");
            newValues.Add((ResolveField(init.LiveField), shadow.GetValue(null)));
        }

        var transaction = new DetourTransaction();
        var touched = new List<(MethodBase Original, MethodDetour? Before)>();
        foreach (var redirect in plan.Redirects)
        {
            var replacement = generation.ManifestModule.ResolveMethod(redirect.ReplacementToken)!;
            var original = ResolveMethod(redirect.Original);
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
        foreach (var (detour, (original, _)) in made.Zip(touched)) _detours[original] = detour;
        _generations[plan.AssemblyName] = generation;
    }

    public RevertResult Revert(RevertRequest request)
    {
        lock (_gate)
        {
            try
            {
                var chosen = request.Originals is null
                    ? _detours.Where(d => d.Value.IsActive).ToList()
                    : request.Originals.Select(ResolveMethod).Where(m => _detours.TryGetValue(m, out var d) && d.IsActive)
                             .Select(m => new KeyValuePair<MethodBase, MethodDetour>(m, _detours[m])).ToList();
                var undo = new DetourTransaction();
                foreach (var (_, detour) in chosen) undo.Undo(detour);
                undo.Commit();
                foreach (var (original, _) in chosen) _detours.Remove(original);
                return new RevertResult(request.Id, chosen.Count, null);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return new RevertResult(request.Id, 0, e.Message);
            }
        }
    }

    /// <summary>An assembly the app runs, or a generation applied before.</summary>
    Assembly AssemblyNamed(string name) =>
        _generations.GetValueOrDefault(name)
        ?? AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == name && AssemblyLoadContext.GetLoadContext(a) == AssemblyLoadContext.Default)
        ?? throw new InvalidOperationException($"the app has not loaded the assembly {name}");

    MethodBase ResolveMethod(MethodHandleRef method) =>
        AssemblyNamed(method.Assembly).ManifestModule.ResolveMethod(method.Token) ?? throw new InvalidOperationException($"no method {method.Token:x8} in {method.Assembly}");

    FieldInfo ResolveField(FieldHandleRef field) =>
        AssemblyNamed(field.Assembly).ManifestModule.ResolveField(field.Token) ?? throw new InvalidOperationException($"no field {field.Token:x8} in {field.Assembly}");

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

    /// <summary>DETOUR_TRACE=1 adds the stack trace of a failure inside Detour, for a bug report.</summary>
    static string Trace(Exception e) => Environment.GetEnvironmentVariable("DETOUR_TRACE") == "1" ? "\n" + e : "";

    /// <summary>Generations resolve each other by name (across the app's projects); everything else comes
    /// from the app's default context.</summary>
    sealed class GenerationContext(string name, PlanApplier owner) : AssemblyLoadContext(name, isCollectible: true)
    {
        protected override Assembly? Load(AssemblyName assemblyName) =>
            assemblyName.Name is { } n ? owner._generations.GetValueOrDefault(n) : null;
    }
}
