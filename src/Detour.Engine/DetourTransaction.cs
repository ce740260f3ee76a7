using System.Reflection;
using Detour.Engine.Platform;

namespace Detour.Engine;

/// <summary>Applies several detour steps all-or-nothing: if any step fails, the steps already
/// applied are undone, in reverse, before the error surfaces.</summary>
public sealed class DetourTransaction
{
    readonly List<Step> _steps = new();
    bool _committed;

    abstract record Step(MethodBase Method);
    sealed record InstallStep(MethodBase Method, MethodBase Replacement) : Step(Method);
    sealed record RetargetStep(MethodDetour Detour, MethodBase Replacement) : Step(Detour.Original);
    sealed record UndoStep(MethodDetour Detour) : Step(Detour.Original);

    /// <summary>Test seam: called before each step writes anything; throwing simulates a failure mid-batch.</summary>
    internal static Action<MethodBase>? BeforeStepApplies;

    public DetourTransaction Install(MethodBase original, MethodBase replacement) => Add(new InstallStep(original, replacement));
    public DetourTransaction Retarget(MethodDetour detour, MethodBase replacement) => Add(new RetargetStep(detour, replacement));
    public DetourTransaction Undo(MethodDetour detour) => Add(new UndoStep(detour));

    public int Count => _steps.Count;

    DetourTransaction Add(Step step)
    {
        if (_committed) throw new InvalidOperationException("this transaction was already committed");
        _steps.Add(step);
        return this;
    }

    /// <summary>Applies every step; returns the detours made or changed, in step order.</summary>
    public IReadOnlyList<MethodDetour> Commit()
    {
        _committed = true;
        var results = new List<MethodDetour>();
        // Nothing to write touches no platform layer: where the engine is off, edits without detours still commit.
        if (_steps.Count == 0) return results;
        var rollback = new Stack<Action>();
        lock (DetourRegistry.Gate)
        {
            // The slow part first: compiling the originals and the replacements writes nothing. The writes then land
            // back to back, so code calling two of the methods sees a JIT's time less of a half-applied edit.
            var lookups = new Lookups();
            foreach (var step in _steps) Prepare(step, lookups);
            foreach (var step in _steps)
            {
                try
                {
                    results.Add(Apply(step, rollback, lookups));
                }
                catch (Exception e)
                {
                    var rollbackErrors = new List<Exception>();
                    while (rollback.Count > 0)
                    {
                        try { rollback.Pop()(); }
                        catch (Exception undoError) { rollbackErrors.Add(undoError); }
                    }
                    string reason = e is DetourException ? e.Message : $"{MethodNames.Describe(step.Method)}: {e.Message}";
                    if (rollbackErrors.Count > 0)
                        reason += $" (and rolling back failed: {string.Join("; ", rollbackErrors.ConvertAll(r => r.Message))})";
                    throw new DetourException(reason, e);
                }
            }
        }
        return results;
    }

    /// <summary>Compiles what a step will need. Best effort: a failure here is met again, and reported with the
    /// rollback it needs, when the step applies.</summary>
    static void Prepare(Step step, Lookups lookups)
    {
        try
        {
            switch (step)
            {
                case InstallStep install:
                    lookups.Entry(install.Method);
                    lookups.Target(install.Replacement);
                    break;
                case RetargetStep retarget:
                    lookups.Target(retarget.Replacement);
                    break;
            }
        }
        catch (Exception) { }
    }

    /// <summary>Each method's entry point and target, found once per commit: the preparing pass and the applying one
    /// both need them, and each look-up compiles, reads and decodes code.</summary>
    sealed class Lookups
    {
        readonly Dictionary<RuntimeMethodHandle, EntryPoint> _entries = new();
        readonly Dictionary<RuntimeMethodHandle, nint> _targets = new();

        public EntryPoint Entry(MethodBase method)
        {
            if (!_entries.TryGetValue(method.MethodHandle, out var entry))
                _entries[method.MethodHandle] = entry = CompiledMethod.Locate(method, NativePlatform.Architecture);
            return entry;
        }

        public nint Target(MethodBase replacement)
        {
            if (!_targets.TryGetValue(replacement.MethodHandle, out var target))
                _targets[replacement.MethodHandle] = target = TargetOf(replacement);
            return target;
        }
    }

    static MethodDetour Apply(Step step, Stack<Action> rollback, Lookups lookups)
    {
        switch (step)
        {
            case InstallStep install:
            {
                var original = install.Method;
                if (DetourRegistry.Active.ContainsKey(original.MethodHandle))
                    throw new DetourException($"{MethodNames.Describe(original)}: already detoured; retarget the existing detour instead");
                ReplacementCheck.EnsurePatchable(original);
                ReplacementCheck.EnsureCompatible(original, install.Replacement);
                var entry = lookups.Entry(original);
                nint target = lookups.Target(install.Replacement);
                var redirect = DetourRegistry.Redirects.For(original, entry);
                var detour = new MethodDetour(original, redirect);
                BeforeStepApplies?.Invoke(original);
                redirect.Point(target);
                detour.Replacement = install.Replacement;
                DetourRegistry.Active[original.MethodHandle] = detour;
                rollback.Push(() =>
                {
                    redirect.Restore();
                    detour.Replacement = null;
                    DetourRegistry.Active.Remove(original.MethodHandle);
                });
                return detour;
            }
            case RetargetStep retarget:
            {
                var detour = retarget.Detour;
                if (!detour.IsActive)
                    throw new DetourException($"{MethodNames.Describe(detour.Original)}: the detour was undone; install a new one instead");
                if (retarget.Replacement.MethodHandle == detour.Original.MethodHandle)
                    throw new DetourException($"{MethodNames.Describe(detour.Original)}: cannot be its own replacement; undo the detour instead");
                ReplacementCheck.EnsureCompatible(detour.Original, retarget.Replacement);
                nint target = lookups.Target(retarget.Replacement);
                var previous = detour.Replacement!;
                nint previousTarget = lookups.Target(previous);
                BeforeStepApplies?.Invoke(detour.Original);
                detour.Redirect.Point(target);
                detour.Replacement = retarget.Replacement;
                rollback.Push(() =>
                {
                    detour.Redirect.Point(previousTarget);
                    detour.Replacement = previous;
                });
                return detour;
            }
            case UndoStep undo:
            {
                var detour = undo.Detour;
                if (!detour.IsActive) return detour;
                var previous = detour.Replacement!;
                nint previousTarget = lookups.Target(previous);
                BeforeStepApplies?.Invoke(detour.Original);
                detour.Redirect.Restore();
                detour.Replacement = null;
                DetourRegistry.Active.Remove(detour.Original.MethodHandle);
                rollback.Push(() =>
                {
                    detour.Redirect.Point(previousTarget);
                    detour.Replacement = previous;
                    DetourRegistry.Active[detour.Original.MethodHandle] = detour;
                });
                return detour;
            }
            default:
                throw new InvalidOperationException(step.GetType().Name);
        }
    }

    /// <summary>Where callers should land: the replacement's code itself when it is Debug-built
    /// (its code never changes), else its entry point, which follows the runtime's re-JITs.</summary>
    static nint TargetOf(MethodBase replacement)
    {
        if (ReplacementCheck.IsJitOptimizationDisabled(replacement.Module.Assembly))
        {
            var entry = CompiledMethod.Locate(replacement, NativePlatform.Architecture);
            CompiledMethod.EnsureKnownPrologue(replacement, entry.Code, NativePlatform.Architecture);
            return entry.Code;
        }
        System.Runtime.CompilerServices.RuntimeHelpers.PrepareMethod(replacement.MethodHandle);
        return replacement.MethodHandle.GetFunctionPointer();
    }
}

/// <summary>Process-wide engine state. One lock serialises every write the engine makes.</summary>
internal static class DetourRegistry
{
    public static readonly object Gate = new();
    // Keyed by handle: two MethodInfos of one method differ when reflected from different types.
    public static readonly Dictionary<RuntimeMethodHandle, MethodDetour> Active = new();
    public static readonly RedirectFactory Redirects = new(NativePlatform.Architecture, NativePlatform.Memory);
}
