using NUnit.Framework;
using Target;

namespace Detour.Host.Tests;

/// <summary>Issue 17 item 3: an override added to a class of the running program. Circle inherits Shape.Describe; an edit
/// gives it an override, which objects made before the edit must run, through every way of calling it.</summary>
public class AddedOverrideTests : SessionFixture
{
    static string ShapesPath => Source("Shapes.cs");

    const string CircleMember = "    public int CompareTo(Circle? other)";

    [Test]
    public void AnOverrideAddedToAClass_ReachesObjectsMadeBeforeTheEdit_ThroughEveryCall_AndRevertTakesItAway()
    {
        Shape circle = new Circle(), ring = new Ring(), dot = new Dot(), round = new Round(), square = new Square(2);
        IDescribed viaInterface = circle;
        Func<string> delegateMadeBefore = circle.Describe;
        Assert.That(circle.Describe(), Is.EqualTo("shape"));

        var report = Edit(ShapesPath, (CircleMember, "    public override string Describe() => \"circle of \" + base.Describe();\n\n" + CircleMember));
        AssertApplied(report);
        Assert.That(With(report, MemberStatus.Added), Does.Contain("Target.Circle.Describe"));
        Assert.That(circle.Describe(), Is.EqualTo("circle of shape"), "an object made before the edit; base.Describe() inside reaches Shape's body");
        Assert.That(ring.Describe(), Is.EqualTo("circle of shape"), "a subclass that does not override it, loaded before the edit");
        Assert.That(dot.Describe(), Is.EqualTo("dot/circle of shape"), "base.Describe() compiled before the edit, in a subclass");
        Assert.That(viaInterface.Describe(), Is.EqualTo("circle of shape"), "an interface call");
        Assert.That(delegateMadeBefore(), Is.EqualTo("circle of shape"), "a delegate made before the edit");
        Assert.That(new[] { circle }.Select(s => s.Describe()).Single(), Is.EqualTo("circle of shape"), "a call from framework code");
        Assert.That(round.Describe(), Is.EqualTo("shape"), "a sibling class keeps the base body");
        Assert.That(square.Describe(), Is.EqualTo("square"), "a class with its own override keeps it");

        // The override edited again: its new body, still dispatched to.
        AssertApplied(Edit(ShapesPath, (CircleMember, "    public override string Describe() => \"disc of \" + base.Describe();\n\n" + CircleMember)));
        Assert.That(circle.Describe(), Is.EqualTo("disc of shape"));
        Assert.That(dot.Describe(), Is.EqualTo("dot/disc of shape"));

        // The method that dispatches cannot change under the dispatcher: the edit says so, and nothing changes.
        var baseEdited = Edit(ShapesPath, (CircleMember, "    public override string Describe() => \"disc of \" + base.Describe();\n\n" + CircleMember),
            ("public virtual string Describe() => \"shape\";", "public virtual string Describe() => \"form\";"));
        Assert.That(baseEdited.Errors.Single(), Does.Contain("rude edit: editing Shape.Describe needs a restart: it dispatches to an override"));
        Assert.That(round.Describe(), Is.EqualTo("shape"));

        Session.Revert();
        Assert.That(circle.Describe(), Is.EqualTo("shape"), "the build's dispatch again");
        Assert.That(dot.Describe(), Is.EqualTo("dot/shape"));
    }

    [Test]
    public void AnOverrideOfAMethodDeclaredInAnotherFile_BringsThatFileIntoTheEdit()
    {
        Animal dog = new Dog(), animal = new Animal();
        var report = Edit(Source("Dogs.cs"), ("public string Name = \"rex\";", "public string Name = \"rex\";\n\n    public override string Speak() => Name + \" says woof, not \" + base.Speak();"));
        AssertApplied(report);
        Assert.That(dog.Speak(), Is.EqualTo("rex says woof, not ..."));
        Assert.That(animal.Speak(), Is.EqualTo("..."));
    }

    [Test]
    public void ASecondOverrideOfAMethodThatDispatches_AddedByALaterEdit_NeedsARestart()
    {
        const string circleOverride = "    public override string Describe() => \"circle\";\n\n" + CircleMember;
        AssertApplied(Edit(ShapesPath, (CircleMember, circleOverride)));
        var second = Edit(ShapesPath, (CircleMember, circleOverride),
            ("public override double Area() => 0;", "public override double Area() => 0;\n    public override string Describe() => \"round\";"));
        Assert.That(second.Errors.Single(), Does.Contain("rude edit: adding the virtual method Round.Describe needs a restart"));
        Assert.That(new Round().Describe(), Is.EqualTo("shape"));
        Assert.That(new Circle().Describe(), Is.EqualTo("circle"));
    }

    [Test]
    public void AProtectedOverride_IsReachedFromTheDispatcher()
    {
        Animal dog = new Dog();
        AssertApplied(Edit(Source("Dogs.cs"), ("public string Name = \"rex\";", "public string Name = \"rex\";\n\n    protected override string Noise() => \"grr, not \" + base.Noise();")));
        Assert.That(dog.Growl(), Is.EqualTo("grr, not silence"));
        Assert.That(new Animal().Growl(), Is.EqualTo("silence"));
        // Edited again: its base call still reaches the protected base body.
        AssertApplied(Edit(Source("Dogs.cs"), ("public string Name = \"rex\";", "public string Name = \"rex\";\n\n    protected override string Noise() => \"grrr, not \" + base.Noise();")));
        Assert.That(dog.Growl(), Is.EqualTo("grrr, not silence"));
    }
}
