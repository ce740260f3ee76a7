using System.Reflection;
using System.Runtime.InteropServices;
using Detour.Engine;

namespace Detour.Windows.Check;

static class EngineChecks
{
    static MethodInfo M(Type type, string name) => type.GetMethod(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)!;

    public static string? PlatformLayer()
    {
        string expected = OperatingSystem.IsWindows() ? "Windows X64:" : $"Linux {RuntimeInformation.ProcessArchitecture}:";
        return Detours.Platform.StartsWith(expected) ? null : $"the engine says '{Detours.Platform}'";
    }

    /// <summary>Installs, checks the new result, undoes, checks the old one.</summary>
    static string? RedirectAndUndo(MethodInfo original, MethodInfo replacement, Func<int> call)
    {
        if (call() != 1) return "the original did not return 1 before the detour";
        var detour = Detours.Install(original, replacement);
        int during = call();
        detour.Undo();
        int after = call();
        return during != 2 ? $"the detoured call returned {during}" : after != 1 ? $"after the undo the call returned {after}" : null;
    }

    public static string? NonVirtual()
    {
        var shape = new Shape();
        return RedirectAndUndo(M(typeof(Shape), nameof(Shape.Plain)), M(typeof(Shape), nameof(Shape.PlainNew)), () => shape.Plain());
    }

    public static string? Virtual()
    {
        Shape shape = new();
        var why = RedirectAndUndo(M(typeof(Shape), nameof(Shape.Sides)), M(typeof(Shape), nameof(Shape.SidesNew)), () => shape.Sides());
        Console.WriteLine($"        site: {DetourRegistry.Redirects.Sites.LastOrDefault()}");
        return why;
    }

    public static string? Interface()
    {
        ICounter counter = new Counter();
        return RedirectAndUndo(M(typeof(Counter), nameof(Counter.Count)), M(typeof(Counter), nameof(Counter.CountNew)), () => counter.Count());
    }

    public static string? Rollback()
    {
        var value = M(typeof(Flipped), nameof(Flipped.Value));
        var other = M(typeof(Flipped), nameof(Flipped.Other));
        // The second step's replacement does not fit (an instance method for a static one), so the commit fails after
        // the first step has written.
        var transaction = new DetourTransaction().Install(value, M(typeof(Flipped), nameof(Flipped.ValueNew)))
            .Install(other, M(typeof(Shape), nameof(Shape.Plain)));
        try
        {
            transaction.Commit();
            return "the commit succeeded";
        }
        catch (DetourException) { }
        if (Flipped.Value() != 1) return "the first step was not rolled back";
        return Detours.Find(value) is null && Detours.Find(other) is null ? null : "a detour is still registered";
    }

    public static string? Flips(bool virtualMethod)
    {
        const int FlipCount = 2000;
        var shape = new Shape();
        var original = virtualMethod ? M(typeof(Shape), nameof(Shape.Sides)) : M(typeof(Flipped), nameof(Flipped.Value));
        var replacement = virtualMethod ? M(typeof(Shape), nameof(Shape.SidesNew)) : M(typeof(Flipped), nameof(Flipped.ValueNew));
        Func<int> call = virtualMethod ? () => shape.Sides() : Flipped.Value;
        long calls = 0, wrong = 0, olds = 0, news = 0, running = 0;
        bool stop = false, sawOld = false, sawNew = false;
        var callers = Enumerable.Range(0, 2).Select(_ => new Thread(() =>
        {
            long c = 0, w = 0, o = 0, n = 0;
            while (!Volatile.Read(ref stop))
            {
                int r = call();
                if (r == 1) { o++; if (o == 1) Volatile.Write(ref sawOld, true); }
                else if (r == 2) { n++; if (n == 1) Volatile.Write(ref sawNew, true); }
                else w++;
                if (++c == 1000) Interlocked.Increment(ref running);
            }
            Interlocked.Add(ref calls, c); Interlocked.Add(ref wrong, w); Interlocked.Add(ref olds, o); Interlocked.Add(ref news, n);
        }) { IsBackground = true }).ToList();
        // Under Wine 8 a garbage collection hangs while another thread runs managed code flat out (one GC.Collect()
        // with one such thread never returned: native-notes/windows.md), so no collection may start during the flips.
        if (!GC.TryStartNoGCRegion(64 << 20)) return "could not hold off garbage collection for the flips";
        callers.ForEach(t => t.Start());
        // Flips start once both callers are calling, and go on until the callers have seen both bodies (on a loaded
        // machine 2,000 flips can end before a caller thread first runs).
        SpinWait.SpinUntil(() => Interlocked.Read(ref running) == 2, TimeSpan.FromSeconds(30));
        var detour = Detours.Install(original, replacement);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int flips = 0;
        for (; flips < FlipCount || (!(Volatile.Read(ref sawOld) && Volatile.Read(ref sawNew)) && clock.Elapsed.TotalSeconds < 30); flips++)
        {
            int i = flips;
            if (i % 2 == 0) detour.Undo();
            else detour = Detours.Install(original, replacement);
            if (i % 100 == 0) Thread.Yield();
        }
        if (detour.IsActive) detour.Undo();
        Volatile.Write(ref stop, true);
        callers.ForEach(t => t.Join());
        if (System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion) GC.EndNoGCRegion();
        Console.WriteLine($"        {flips} flips, {calls:N0} calls, {wrong} wrong results");
        if (wrong != 0) return $"{wrong} wrong results in {calls:N0} calls";
        return olds > 0 && news > 0 ? null : "the callers did not see both bodies";
    }
}
