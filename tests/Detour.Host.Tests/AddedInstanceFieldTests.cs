using NUnit.Framework;
using Target;

namespace Detour.Host.Tests;

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

/// <summary>Issue 9 item 2, for records: an added property takes part in equality and copies.</summary>
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
