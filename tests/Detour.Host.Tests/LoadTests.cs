using NUnit.Framework;
using Target;

namespace Detour.Host.Tests;

/// <summary>Issue 10's CPU-bound load, short: the benchmark's `load` verb runs 10,000 retargets.</summary>
[NonParallelizable]
public class LoadTests : SessionFixture
{
    [Test]
    public void TwoThreadsCallingAsFastAsTheyCan_WhileEditsRetargetAndUnload_SeeOnlyAppliedValues()
    {
        var result = RetargetUnderLoad.Run(Session, Agent, Source("Racing.cs"), edits: 100);
        TestContext.Out.WriteLine(result);
        Assert.That(result.Wrong, Is.Zero, "no call saw a value not yet applied");
        Assert.That(result.Stale, Is.Zero, "no call that started after an edit returned saw an older one");
        Assert.That(result.Calls, Is.GreaterThan(result.Edits * 10L), "the threads really ran between the edits");
        Assert.That(Racing.Value(), Is.EqualTo(100));
        Assert.That(result.Collected, Is.GreaterThan(0), "generations were unloaded while the threads ran");
    }
}
