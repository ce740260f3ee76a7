using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using Detour.Engine;
using Detour.Engine.Tests;

namespace Detour.Benchmarks;

public class CallTargets
{
    public int Field = 1;
    [MethodImpl(MethodImplOptions.NoInlining)] public int Direct(int x) => x + Field;
    [MethodImpl(MethodImplOptions.NoInlining)] public int Detoured(int x) => x - Field;
    public static int DetouredReplacement(CallTargets self, int x) => x + self.Field;
    public virtual int VirtualDirect(int x) => x + Field;
    public virtual int VirtualDetoured(int x) => x - Field;
    public static int VirtualReplacement(CallTargets self, int x) => x + self.Field;
}

public static class ColdTargets
{
    // Fresh methods for cold installs: never called before the install.
    public static int C0(int x) => x; public static int C1(int x) => x; public static int C2(int x) => x;
    public static int C3(int x) => x; public static int C4(int x) => x; public static int C5(int x) => x;
    public static int C6(int x) => x; public static int C7(int x) => x; public static int C8(int x) => x;
    public static int C9(int x) => x;
    public static int Replacement(int x) => x + 1;
}

public static class EngineBenchmark
{
    const int Calls = 50_000_000;

    public static void Run()
    {
        Console.WriteLine("== detour engine ==");
        var t = typeof(CallTargets);
        Detours.Install(t.GetMethod(nameof(CallTargets.Detoured))!, t.GetMethod(nameof(CallTargets.DetouredReplacement))!);
        Detours.Install(t.GetMethod(nameof(CallTargets.VirtualDetoured))!, t.GetMethod(nameof(CallTargets.VirtualReplacement))!);
        var target = new CallTargets();
        PerCall("non-virtual", () => LoopDirect(target), () => LoopDetoured(target));
        PerCall("virtual", () => LoopVirtualDirect(target), () => LoopVirtualDetoured(target));
        InstallTimes();
        Concurrency();
    }

    static void PerCall(string kind, Func<long> direct, Func<long> detoured)
    {
        // Both loops sum x + Field: a detoured loop that sums anything else ran the original, and its time means nothing.
        if (direct() != detoured()) Console.WriteLine($"per call, {kind}: THE DETOURED LOOP RAN THE ORIGINAL");
        var d = new List<double>(); var x = new List<double>();
        for (int round = 0; round < 5; round++)
        {
            d.Add(Time(direct));
            x.Add(Time(detoured));
        }
        double dm = Figures.Percentile(d, 50), xm = Figures.Percentile(x, 50);
        Console.WriteLine($"per call, {kind,-11}: direct {dm:F3} ns, detoured {xm:F3} ns, ratio {xm / dm:F3}x (median of 5 x {Calls:N0} calls)");
    }

    static double Time(Func<long> loop)
    {
        var clock = Stopwatch.StartNew();
        loop();
        return clock.Elapsed.TotalNanoseconds / Calls;
    }

    static long LoopDirect(CallTargets t) { long s = 0; for (int i = 0; i < Calls; i++) s += t.Direct(i); return s; }
    static long LoopDetoured(CallTargets t) { long s = 0; for (int i = 0; i < Calls; i++) s += t.Detoured(i); return s; }
    static long LoopVirtualDirect(CallTargets t) { long s = 0; for (int i = 0; i < Calls; i++) s += t.VirtualDirect(i); return s; }
    static long LoopVirtualDetoured(CallTargets t) { long s = 0; for (int i = 0; i < Calls; i++) s += t.VirtualDetoured(i); return s; }

    static void InstallTimes()
    {
        var replacement = typeof(ColdTargets).GetMethod(nameof(ColdTargets.Replacement))!;
        var cold = new List<double>();
        for (int i = 0; i < 10; i++)
        {
            var method = typeof(ColdTargets).GetMethod("C" + i)!;
            var clock = Stopwatch.StartNew();
            Detours.Install(method, replacement);
            cold.Add(clock.Elapsed.TotalMicroseconds);
        }
        Console.WriteLine($"install, cold (method never compiled): median {Figures.Percentile(cold, 50):F1} us over {cold.Count}");

        foreach (var (kind, original, repl) in new[]
        {
            ("non-virtual", typeof(Racer).GetMethod(nameof(Racer.Get))!, typeof(Racer).GetMethod(nameof(Racer.GetNew))!),
            ("virtual", typeof(Racer).GetMethod(nameof(Racer.GetVirtual))!, typeof(Racer).GetMethod(nameof(Racer.GetVirtualNew))!),
        })
        {
            Detours.Install(original, repl).Undo(); // first write and JIT happen here
            var warm = new List<double>();
            for (int i = 0; i < 2000; i++)
            {
                var clock = Stopwatch.StartNew();
                var detour = Detours.Install(original, repl);
                warm.Add(clock.Elapsed.TotalMicroseconds);
                detour.Undo();
            }
            warm.Sort();
            Console.WriteLine($"install, warm, {kind,-11}: median {Figures.Percentile(warm, 50):F2} us, p90 {Figures.Percentile(warm, 90):F2} us over {warm.Count}");
        }
    }

    static void Concurrency()
    {
        foreach (var (kind, original, repl, call) in new (string, MethodInfo, MethodInfo, Func<Racer, int>)[]
        {
            ("non-virtual", typeof(Racer).GetMethod(nameof(Racer.Get))!, typeof(Racer).GetMethod(nameof(Racer.GetNew))!, r => r.Get()),
            ("virtual", typeof(Racer).GetMethod(nameof(Racer.GetVirtual))!, typeof(Racer).GetMethod(nameof(Racer.GetVirtualNew))!, r => r.GetVirtual()),
        })
        {
            var result = StressRun.Run(original, repl, call, flips: 200_000, callers: 2);
            Console.WriteLine($"concurrency, {kind,-11}: {result}");
        }
        // More callers than cores: threads get paused mid-method, which is what the first write must survive.
        var hot = typeof(HotVirtuals).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => m.Name.StartsWith("Hot")).OrderBy(m => m.Name).ToList();
        var firstWrites = FirstWriteRun.Run(hot, typeof(HotVirtuals).GetMethod(nameof(HotVirtuals.Replacement))!, callers: 2 * Environment.ProcessorCount);
        Console.WriteLine($"first write, {2 * Environment.ProcessorCount} callers: {firstWrites}");
    }
}
