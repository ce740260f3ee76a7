using System.Reflection;
using NUnit.Framework;

namespace Detour.Engine.Tests;

[NonParallelizable]
public class TransactionTests
{
    static MethodInfo M(Type t, string name, params Type[] args) => t.GetMethod(name, args)!;

    [TearDown]
    public void ClearFault() => DetourTransaction.BeforeStepApplies = null;

    [Test]
    public void InjectedFailureMidBatch_RollsBackEverythingAlreadyApplied()
    {
        var add = M(typeof(StaticTarget), nameof(StaticTarget.Add), typeof(int), typeof(int));
        var area = M(typeof(Square), nameof(Square.Area));
        var read = M(typeof(Counter), nameof(Counter.Read));
        var greet = M(typeof(Greeter), nameof(Greeter.Greet), typeof(string));
        // The third step fails after two have written.
        DetourTransaction.BeforeStepApplies = m => { if (m == read) throw new IOException("injected fault"); };

        var transaction = new DetourTransaction()
            .Install(add, M(typeof(StaticTarget), nameof(StaticTarget.AddTimesTen), typeof(int), typeof(int)))
            .Install(area, M(typeof(Square), nameof(Square.AreaReplacement), typeof(Square)))
            .Install(read, M(typeof(Counter), nameof(Counter.ReadPlusHundred), typeof(Counter)))
            .Install(greet, M(typeof(Greeter), nameof(Greeter.GreetReplacement), typeof(Greeter), typeof(string)));
        var e = Assert.Throws<DetourException>(() => transaction.Commit())!;

        Assert.That(e.Message, Does.Contain("Counter.Read").And.Contain("injected fault"));
        Assert.That(StaticTarget.Add(1, 2), Is.EqualTo(3));
        Assert.That(((Shape)new Square(2)).Area(), Is.EqualTo(4));
        Assert.That(new Counter().Read(), Is.EqualTo(5));
        Assert.That(((IGreeter)new Greeter()).Greet("a"), Is.EqualTo("hello a"));
        Assert.That(Detours.Active, Is.Empty);
    }

    [Test]
    public void InvalidReplacementMidBatch_RollsBackRetargetsAndInstalls()
    {
        var add = M(typeof(StaticTarget), nameof(StaticTarget.Add), typeof(int), typeof(int));
        var read = M(typeof(Counter), nameof(Counter.Read));
        var existing = Detours.Install(read, M(typeof(Counter), nameof(Counter.ReadPlusHundred), typeof(Counter)));
        try
        {
            var transaction = new DetourTransaction()
                .Retarget(existing, M(typeof(Counter), nameof(Counter.ReadPlusThousand), typeof(Counter)))
                .Install(add, M(typeof(StaticTarget), nameof(StaticTarget.AddTimesTen), typeof(int), typeof(int)))
                .Install(M(typeof(StaticTarget), nameof(StaticTarget.NeverCalled), typeof(int)), M(typeof(StaticTarget), nameof(StaticTarget.Wrong), typeof(int), typeof(int)));
            var e = Assert.Throws<DetourException>(() => transaction.Commit())!;
            Assert.That(e.Message, Does.Contain("StaticTarget.NeverCalled"));
            Assert.That(new Counter().Read(), Is.EqualTo(105), "the retarget was rolled back to the previous replacement");
            Assert.That(StaticTarget.Add(1, 2), Is.EqualTo(3));
            Assert.That(existing.Replacement!.Name, Is.EqualTo(nameof(Counter.ReadPlusHundred)));
        }
        finally { existing.Undo(); }
    }

    [Test]
    public void SuccessfulBatch_AppliesAllAndUndoesInOneGo()
    {
        var add = M(typeof(StaticTarget), nameof(StaticTarget.Add), typeof(int), typeof(int));
        var area = M(typeof(Square), nameof(Square.Area));
        var made = new DetourTransaction()
            .Install(add, M(typeof(StaticTarget), nameof(StaticTarget.AddTimesTen), typeof(int), typeof(int)))
            .Install(area, M(typeof(Square), nameof(Square.AreaReplacement), typeof(Square)))
            .Commit();
        Assert.That(StaticTarget.Add(1, 2), Is.EqualTo(30));
        Assert.That(((Shape)new Square(2)).Area(), Is.EqualTo(-2));
        var undo = new DetourTransaction();
        foreach (var d in made) undo.Undo(d);
        undo.Commit();
        Assert.That(StaticTarget.Add(1, 2), Is.EqualTo(3));
        Assert.That(((Shape)new Square(2)).Area(), Is.EqualTo(4));
    }
}
