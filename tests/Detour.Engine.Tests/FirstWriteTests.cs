using System.Reflection;
using NUnit.Framework;

namespace Detour.Engine.Tests;

/// <summary>The first detour of a virtual method writes its code while other threads run that code. Two threads call
/// each of 240 methods flat out; the detour goes in while they do. A thread that ever ran a torn instruction would
/// crash the test process or return a wrong value. The engine's earlier 8-byte write failed about 1 write in 100-200
/// under this load (native-notes/residual-risks.md), so 240 writes would all but surely have caught it.</summary>
[NonParallelizable]
public class FirstWriteTests
{
    [Test]
    public void FirstWrite_OfVirtualMethodsRunningHotOnTwoThreads_NeverTearsAnInstruction()
    {
        var methods = typeof(HotVirtuals).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => m.Name.StartsWith("Hot")).OrderBy(m => m.Name).ToList();
        var replacement = typeof(HotVirtuals).GetMethod(nameof(HotVirtuals.Replacement))!;
        Assume.That(methods, Has.Count.EqualTo(240));
        var result = FirstWriteRun.Run(methods, replacement, callers: 2);
        TestContext.Out.WriteLine(result);
        Assert.That(result.MethodsUnderLoad, Is.EqualTo(methods.Count), "every write landed while both callers were calling");
        Assert.That(result.WrongResults, Is.Zero);
        Assert.That(result.MethodsSwitched, Is.EqualTo(methods.Count), "every caller saw every method's new body");
    }
}

/// <summary>Shared with the benchmark.</summary>
public static class FirstWriteRun
{
    public sealed record Result(int Methods, int MethodsUnderLoad, int MethodsSwitched, long Calls, long WrongResults, IReadOnlyDictionary<string, int> SitesUsed,
        TimeSpan Elapsed)
    {
        public override string ToString() =>
            $"{Methods} first writes ({MethodsUnderLoad} under load), {Calls:N0} calls, {WrongResults} wrong results, {MethodsSwitched} switched, {Elapsed.TotalMilliseconds:F0} ms; sites: "
            + string.Join(", ", SitesUsed.Select(s => $"{s.Key} x{s.Value}"));
    }

    public static Result Run(IReadOnlyList<MethodInfo> methods, MethodInfo replacement, int callers)
    {
        var target = new HotVirtuals();
        long calls = 0, wrong = 0;
        int switched = 0, underLoad = 0;
        int sitesBefore = DetourRegistry.Redirects.Sites.Count;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (var method in methods)
        {
            // An open-instance delegate over a virtual method dispatches through the vtable on every call.
            var call = method.CreateDelegate<Func<HotVirtuals, int, int>>();
            call(target, 1);
            var stop = false;
            var sawNew = new bool[callers];
            var counts = new long[callers];
            var threads = Enumerable.Range(0, callers).Select(t => new Thread(() =>
            {
                long local = 0, localWrong = 0;
                while (!Volatile.Read(ref stop))
                {
                    int r = call(target, 1);
                    if (r == 3) sawNew[t] = true;
                    else if (r != 2) localWrong++;
                    if ((++local & 1023) == 0) Volatile.Write(ref counts[t], local);
                }
                Interlocked.Add(ref calls, local);
                Interlocked.Add(ref wrong, localWrong);
            }) { IsBackground = true }).ToList();
            threads.ForEach(t => t.Start());
            if (SpinWait.SpinUntil(() => Enumerable.Range(0, callers).All(t => Volatile.Read(ref counts[t]) > 20_000), TimeSpan.FromSeconds(30))) underLoad++;
            var detour = Detours.Install(method, replacement);
            SpinWait.SpinUntil(() => sawNew.All(s => s), TimeSpan.FromSeconds(30));
            Volatile.Write(ref stop, true);
            threads.ForEach(t => t.Join());
            if (sawNew.All(s => s)) switched++;
            detour.Undo();
        }
        var sites = DetourRegistry.Redirects.Sites.Skip(sitesBefore)
            .GroupBy(s => s.Split(" (")[0].Split(',')[0]).ToDictionary(g => g.Key, g => g.Count());
        return new Result(methods.Count, underLoad, switched, calls, wrong, sites, clock.Elapsed);
    }
}
