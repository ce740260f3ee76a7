using NUnit.Framework;
using Target;

namespace Detour.Host.Tests;

/// <summary>Superseded generations are unloaded once nothing can run them; what can still run them keeps them.</summary>
[NonParallelizable]
public class GenerationTests : SessionFixture
{
    static string LabPath => Source("Lab.cs");
    static string WaiterPath => Source("Waiter.cs");

    /// <summary>Full collections until no released generation is left to free (or the tries run out).</summary>
    Channel.GenerationCounts Collected()
    {
        for (int i = 0; i < 20 && Agent.Generations.Releasing > 0; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        return Agent.Generations;
    }

    [Test]
    public void SupersededGenerations_AreUnloaded_TheCurrentOneStays_RevertFreesIt()
    {
        for (int i = 1; i <= 6; i++)
        {
            AssertApplied(Edit(LabPath, ("\"start\"", $"\"v{i}\"")));
            Assert.That(Lab.Run(), Is.EqualTo($"v{i}"));
        }
        var counts = Collected();
        Assert.That((counts.Loaded, counts.Releasing, counts.Collected), Is.EqualTo((1, 0, 5)));
        Assert.That(Lab.Run(), Is.EqualTo("v6"), "the current generation survives the collections");

        Session.Revert();
        counts = Collected();
        Assert.That((counts.Loaded, counts.Releasing, counts.Collected), Is.EqualTo((0, 0, 6)));
        Assert.That(Lab.Run(), Is.EqualTo("start"));
    }

    [Test]
    public void AFrameStillRunningAnOldGeneration_KeepsItLoaded_UntilItReturns()
    {
        AssertApplied(Edit(WaiterPath, ("return 1;", "return 2;")));
        using var entered = new ManualResetEventSlim();
        using var go = new ManualResetEventSlim();
        int oldFrameResult = 0;
        var thread = new Thread(() => oldFrameResult = Waiter.Hold(entered, go));
        thread.Start();
        Assert.That(entered.Wait(TimeSpan.FromSeconds(10)), "the thread entered the first generation's body");

        AssertApplied(Edit(WaiterPath, ("return 1;", "return 3;")));
        var counts = Collected();
        Assert.That(counts.Releasing, Is.EqualTo(1), "a frame of the first generation is on the thread's stack");
        using (var now = new ManualResetEventSlim(true))
            Assert.That(Waiter.Hold(now, now), Is.EqualTo(3), "new calls run the second generation");

        go.Set();
        Assert.That(thread.Join(TimeSpan.FromSeconds(10)));
        Assert.That(oldFrameResult, Is.EqualTo(2), "the old frame finished its own body");
        counts = Collected();
        Assert.That((counts.Loaded, counts.Releasing, counts.Collected), Is.EqualTo((1, 0, 1)));
    }

    [Test]
    public void AGenerationThatAddedAMember_StaysLoaded_ForTheEditsThatCallIt()
    {
        AssertApplied(Edit(LabPath, ("public static string Run() => \"start\";", "public static string Run() => Helper();\n    static string Helper() => \"helped\";")));
        AssertApplied(Edit(LabPath, ("public static string Run() => \"start\";", "public static string Run() => Helper() + \"!\";\n    static string Helper() => \"helped\";")));
        AssertApplied(Edit(LabPath, ("public static string Run() => \"start\";", "public static string Run() => Helper() + \"?\";\n    static string Helper() => \"helped\";")));
        var counts = Collected();
        Assert.That(Lab.Run(), Is.EqualTo("helped?"));
        Assert.That(counts.Loaded, Is.EqualTo(2), "the helper's home and the current generation");
        Assert.That(counts.Collected, Is.EqualTo(1));
    }
}
