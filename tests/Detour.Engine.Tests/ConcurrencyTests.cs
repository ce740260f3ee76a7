using System.Reflection;
using NUnit.Framework;

namespace Detour.Engine.Tests;

/// <summary>Callers hammer a method while the main thread flips it between two bodies. Every
/// result must be the old (1) or the new (2) one. The benchmark runs the long version.</summary>
[NonParallelizable]
public class ConcurrencyTests
{
    const int Flips = 10_000;

    [Test]
    public void NonVirtual_RetargetAndUndoUnderLoad() =>
        Hammer(typeof(Racer).GetMethod(nameof(Racer.Get))!, typeof(Racer).GetMethod(nameof(Racer.GetNew))!, r => r.Get());

    [Test]
    public void Virtual_RetargetAndUndoUnderLoad() =>
        Hammer(typeof(Racer).GetMethod(nameof(Racer.GetVirtual))!, typeof(Racer).GetMethod(nameof(Racer.GetVirtualNew))!, r => r.GetVirtual());

    static void Hammer(MethodInfo original, MethodInfo replacement, Func<Racer, int> call)
    {
        var result = StressRun.Run(original, replacement, call, Flips, callers: 2);
        TestContext.Out.WriteLine(result);
        Assert.That(result.WrongResults, Is.Zero);
        Assert.That(result.SawOld && result.SawNew, Is.True, "both bodies ran during the run");
        Assert.That(call(new Racer()), Is.EqualTo(1), "the original runs again at the end");
    }
}

/// <summary>Shared with the benchmark, which runs it longer.</summary>
public static class StressRun
{
    public sealed record Result(int Flips, long Calls, long WrongResults, bool SawOld, bool SawNew, TimeSpan Elapsed)
    {
        public override string ToString() =>
            $"{Flips} flips, {Calls:N0} calls, {WrongResults} wrong results, {Elapsed.TotalMilliseconds:F0} ms";
    }

    public static Result Run(MethodInfo original, MethodInfo replacement, Func<Racer, int> call, int flips, int callers)
    {
        var racer = new Racer();
        long calls = 0, wrong = 0, olds = 0, news = 0;
        var stop = false;
        var threads = Enumerable.Range(0, callers).Select(_ => new Thread(() =>
        {
            long localCalls = 0, localWrong = 0, localOld = 0, localNew = 0;
            while (!Volatile.Read(ref stop))
            {
                int r = call(racer);
                if (r == 1) localOld++; else if (r == 2) localNew++; else localWrong++;
                localCalls++;
            }
            Interlocked.Add(ref calls, localCalls);
            Interlocked.Add(ref wrong, localWrong);
            Interlocked.Add(ref olds, localOld);
            Interlocked.Add(ref news, localNew);
        }) { IsBackground = true }).ToList();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        threads.ForEach(t => t.Start());
        Thread.Sleep(20);
        // The first install writes the method's code while both callers run it; every flip after it is a pointer swap.
        var detour = Detours.Install(original, replacement);
        for (int i = 0; i < flips; i++)
        {
            if (i % 2 == 0) detour.Undo();
            else detour = Detours.Install(original, replacement);
            if (i % 100 == 0) Thread.Yield();
        }
        if (detour.IsActive) detour.Undo();
        Volatile.Write(ref stop, true);
        threads.ForEach(t => t.Join());
        return new Result(flips, calls, wrong, olds > 0, news > 0, clock.Elapsed);
    }
}
