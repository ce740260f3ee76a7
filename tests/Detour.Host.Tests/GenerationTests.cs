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

/// <summary>Issue 9 item 2: instance fields and auto-properties added to an existing class.</summary>
[NonParallelizable]
public class AddedInstanceFieldTests : SessionFixture
{
    static string CreaturePath => Source("Creature.cs");

    [Test]
    public void AddedField_OldObjectsSeeTheDefault_NewOnesTheInitializer_EachKeepsItsOwnValue_AcrossEdits()
    {
        var old = new Creature();
        Assert.That(old.Describe(), Is.EqualTo("c"));

        var report = Edit(CreaturePath, ("public string Describe() => Name;", "int lives = 3;\n    public string Describe() { lives++; return Name + lives; }"));
        AssertApplied(report);
        Assert.That(report.Members.Single(m => m.Member == "Target.Creature.lives").Reason, Does.Contain("objects made before the edit read its default value"));
        var young = new Creature();
        Assert.That((old.Describe(), old.Describe()), Is.EqualTo(("c1", "c2")), "made before: the default, then its own value");
        Assert.That((young.Describe(), young.Describe()), Is.EqualTo(("c4", "c5")), "made after: the initializer ran");

        // A second edit binds to the same storage, and adds an auto-property beside it.
        AssertApplied(Edit(CreaturePath, ("public string Describe() => Name;",
            "int lives = 3;\n    public int Age { get; set; } = 7;\n    public string Describe() => Name + \":\" + lives + \":\" + Age;")));
        Assert.That(old.Describe(), Is.EqualTo("c:2:0"));
        Assert.That(young.Describe(), Is.EqualTo("c:5:0"), "made before the property was added");
        Assert.That(new Creature().Describe(), Is.EqualTo("c:3:7"));

        // A third: the values stay where they were.
        AssertApplied(Edit(CreaturePath, ("public string Describe() => Name;",
            "int lives = 3;\n    public int Age { get; set; } = 7;\n    public string Describe() => $\"{Name} lives={lives} age={Age}\";")));
        Assert.That(old.Describe(), Is.EqualTo("c lives=2 age=0"));
        Assert.That(young.Describe(), Is.EqualTo("c lives=5 age=0"));
    }
}

[NonParallelizable]
public class AddedRecordPropertyTests : SessionFixture
{
    [Test]
    public void AddedRecordProperty_TakesPartInCopiesAndEquality_OfObjectsOldAndNew()
    {
        var old = new Pet("rex");
        Assert.That(old.Show(), Is.EqualTo("rex"));
        AssertApplied(Edit(Source("Creature.cs"), ("public string Show() => Name;", "public int Age { get; init; } = 2;\n    public string Show() => Name + Age;")));
        Assert.That(old.Show(), Is.EqualTo("rex0"));
        var young = new Pet("rex");
        Assert.That(young.Show(), Is.EqualTo("rex2"));
        Assert.That(old, Is.Not.EqualTo(young), "equality now compares the added property");
        Assert.That((young with { Name = "max" }).Show(), Is.EqualTo("max2"), "a copy carries the added value");
        AssertApplied(Edit(Source("Creature.cs"), ("public string Show() => Name;", "public int Age { get; init; } = 2;\n    public string Show() => Name + \"/\" + Age;")));
        Assert.That((old.Show(), young.Show()), Is.EqualTo(("rex/0", "rex/2")));
    }
}
