using System.Reflection;
using NUnit.Framework;

namespace Detour.Engine.Tests;

// Each test calls real code before the detour, after it, after a retarget and after undo.
[NonParallelizable]
public class MethodKindTests
{
    static MethodInfo M(Type t, string name, params Type[] args) =>
        t.GetMethod(name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance, args)
        ?? throw new MissingMethodException(t.Name, name);

    [Test]
    public unsafe void StaticMethod_AllCallPaths()
    {
        var add = M(typeof(StaticTarget), nameof(StaticTarget.Add), typeof(int), typeof(int));
        Func<int, int, int> earlyDelegate = StaticTarget.Add;
        delegate*<int, int, int> pointer = &StaticTarget.Add;
        Assert.That(StaticTarget.Add(1, 2), Is.EqualTo(3));

        var detour = Detours.Install(add, M(typeof(StaticTarget), nameof(StaticTarget.AddTimesTen), typeof(int), typeof(int)));
        Assert.That(StaticTarget.Add(1, 2), Is.EqualTo(30), "direct call");
        Assert.That(earlyDelegate(1, 2), Is.EqualTo(30), "delegate made before the detour");
        Func<int, int, int> lateDelegate = StaticTarget.Add;
        Assert.That(lateDelegate(1, 2), Is.EqualTo(30), "delegate made after the detour");
        Assert.That(pointer(1, 2), Is.EqualTo(30), "function pointer");
        Assert.That(add.Invoke(null, [1, 2]), Is.EqualTo(30), "reflection");
        Assert.That(CallerCompiledLater(), Is.EqualTo(30), "caller JIT-compiled after the detour");

        detour.Retarget(M(typeof(StaticTarget), nameof(StaticTarget.AddTimesHundred), typeof(int), typeof(int)));
        Assert.That(StaticTarget.Add(1, 2), Is.EqualTo(300));
        Assert.That(earlyDelegate(1, 2), Is.EqualTo(300));

        detour.Undo();
        Assert.That(StaticTarget.Add(1, 2), Is.EqualTo(3));
        Assert.That(earlyDelegate(1, 2), Is.EqualTo(3));
        Assert.That(pointer(1, 2), Is.EqualTo(3));
        Assert.That(detour.IsActive, Is.False);
        Assert.That(Detours.Find(add), Is.Null);
    }

    static int CallerCompiledLater() => StaticTarget.Add(1, 2);

    [Test]
    public void ClassInstanceMethod_StaticAndInstanceReplacements()
    {
        var c = new Counter { Value = 5 };
        var read = M(typeof(Counter), nameof(Counter.Read));
        Assert.That(c.Read(), Is.EqualTo(5));
        var detour = Detours.Install(read, M(typeof(Counter), nameof(Counter.ReadPlusHundred), typeof(Counter)));
        Assert.That(c.Read(), Is.EqualTo(105));
        detour.Retarget(M(typeof(Counter), nameof(Counter.ReadDoubled)));
        Assert.That(c.Read(), Is.EqualTo(10), "instance replacement with the same signature");
        detour.Retarget(M(typeof(Counter), nameof(Counter.ReadPlusThousand), typeof(Counter)));
        Assert.That(c.Read(), Is.EqualTo(1005));
        detour.Undo();
        Assert.That(c.Read(), Is.EqualTo(5));
    }

    [Test]
    public void StructInstanceMethods_ReceiveThisByReference()
    {
        var p = new Point { X = 3, Y = 4 };
        Assert.That(p.Sum(), Is.EqualTo(7));
        var sum = Detours.Install(M(typeof(Point), nameof(Point.Sum)), M(typeof(Point), nameof(Point.SumReplacement), typeof(Point).MakeByRefType()));
        var move = Detours.Install(M(typeof(Point), nameof(Point.Move), typeof(int)), M(typeof(Point), nameof(Point.MoveReplacement), typeof(Point).MakeByRefType(), typeof(int)));
        Assert.That(p.Sum(), Is.EqualTo(12));
        p.Move(2);
        Assert.That((p.X, p.Y), Is.EqualTo((3, 24)), "the replacement changed the caller's struct through the reference");
        Assert.That(() => sum.Retarget(M(typeof(Point), nameof(Point.Sum))), Throws.TypeOf<DetourException>().With.Message.Contain("its own replacement"));
        sum.Undo();
        move.Undo();
        Assert.That(p.Sum(), Is.EqualTo(27));
        p.Move(1);
        Assert.That(p.X, Is.EqualTo(4));
    }

    [Test]
    public void VirtualOverride_CalledThroughBaseReference()
    {
        Shape shape = new Square(3);
        Assert.That(shape.Area(), Is.EqualTo(9));
        var detour = Detours.Install(M(typeof(Square), nameof(Square.Area)), M(typeof(Square), nameof(Square.AreaReplacement), typeof(Square)));
        Assert.That(shape.Area(), Is.EqualTo(-3), "virtual call through the base type");
        Assert.That(((Square)shape).Area(), Is.EqualTo(-3), "call through the derived type");
        detour.Retarget(M(typeof(Square), nameof(Square.AreaReplacement2), typeof(Square)));
        Assert.That(shape.Area(), Is.EqualTo(-6));
        detour.Undo();
        Assert.That(shape.Area(), Is.EqualTo(9));
        // A second install on the same method reuses its trampoline.
        detour = Detours.Install(M(typeof(Square), nameof(Square.Area)), M(typeof(Square), nameof(Square.AreaReplacement), typeof(Square)));
        Assert.That(shape.Area(), Is.EqualTo(-3));
        detour.Undo();
        Assert.That(shape.Area(), Is.EqualTo(9));
    }

    [Test]
    public void BaseVirtualMethod_WithStaticReplacementTakingBaseType()
    {
        Shape shape = new Square(1);
        var baseName = M(typeof(Square), nameof(Square.Name));
        var detour = Detours.Install(baseName, M(typeof(Square), nameof(Square.NameReplacement), typeof(Shape)));
        Assert.That(shape.Name(), Is.EqualTo("detoured"));
        detour.Undo();
        Assert.That(shape.Name(), Is.EqualTo("square"));
    }

    [Test]
    public void InterfaceImplementation_CalledThroughInterface()
    {
        IGreeter greeter = new Greeter();
        Assert.That(greeter.Greet("x"), Is.EqualTo("hello x"));
        var detour = Detours.Install(M(typeof(Greeter), nameof(Greeter.Greet), typeof(string)), M(typeof(Greeter), nameof(Greeter.GreetReplacement), typeof(Greeter), typeof(string)));
        Assert.That(greeter.Greet("x"), Is.EqualTo("bye x"));
        Assert.That(new Greeter().Greet("y"), Is.EqualTo("bye y"));
        detour.Undo();
        Assert.That(greeter.Greet("x"), Is.EqualTo("hello x"));
    }

    [Test]
    public void Constructor()
    {
        Assert.That(new Built().Origin, Is.EqualTo("original"));
        var detour = Detours.Install(typeof(Built).GetConstructor(Type.EmptyTypes)!, M(typeof(Built), nameof(Built.CtorReplacement), typeof(Built)));
        Assert.That(new Built().Origin, Is.EqualTo("replaced"));
        Assert.That(Activator.CreateInstance<Built>().Origin, Is.EqualTo("replaced"));
        detour.Undo();
        Assert.That(new Built().Origin, Is.EqualTo("original"));
    }

    [Test]
    public void PropertyAccessors_Indexer_Operator()
    {
        var c = new Counter();
        var prop = typeof(Counter).GetProperty(nameof(Counter.Bonus))!;
        Assert.That(c.Bonus, Is.EqualTo(1));
        var getter = Detours.Install(prop.GetMethod!, M(typeof(Counter), nameof(Counter.BonusGetter), typeof(Counter)));
        var setter = Detours.Install(prop.SetMethod!, M(typeof(Counter), nameof(Counter.BonusSetter), typeof(Counter), typeof(int)));
        Assert.That(c.Bonus, Is.EqualTo(42));
        c.Bonus = 2;
        Assert.That(c.Value, Is.EqualTo(6));

        var indexer = typeof(Counter).GetProperties().Single(p => p.GetIndexParameters().Length == 1);
        Assert.That(c[1], Is.EqualTo(20));
        var idx = Detours.Install(indexer.GetMethod!, M(typeof(Counter), nameof(Counter.IndexerReplacement), typeof(Counter), typeof(int)));
        Assert.That(c[1], Is.EqualTo(-1));

        var plus = M(typeof(Counter), "op_Addition", typeof(Counter), typeof(Counter));
        Assert.That((new Counter { Value = 2 } + new Counter { Value = 3 }).Value, Is.EqualTo(5));
        var op = Detours.Install(plus, M(typeof(Counter), nameof(Counter.PlusReplacement), typeof(Counter), typeof(Counter)));
        Assert.That((new Counter { Value = 2 } + new Counter { Value = 3 }).Value, Is.EqualTo(6));

        foreach (var d in new[] { getter, setter, idx, op }) d.Undo();
        Assert.That(c.Bonus, Is.EqualTo(1), "the detoured setter never stored it");
        Assert.That(c[1], Is.EqualTo(20));
        Assert.That((new Counter { Value = 2 } + new Counter { Value = 3 }).Value, Is.EqualTo(5));
    }

    [Test]
    public void MethodNeverCalledBefore()
    {
        var detour = Detours.Install(M(typeof(StaticTarget), nameof(StaticTarget.NeverCalled), typeof(int)),
            M(typeof(StaticTarget), nameof(StaticTarget.NeverCalledReplacement), typeof(int)));
        Assert.That(StaticTarget.NeverCalled(1), Is.EqualTo(1001));
        detour.Undo();
        Assert.That(StaticTarget.NeverCalled(1), Is.EqualTo(2));
    }

    [Test]
    public void FrameRunningOnAnotherThread_FinishesOnOldCode()
    {
        HotLoop.Release = false;
        HotLoop.Entered = false;
        int inFlight = 0;
        var thread = new Thread(() => inFlight = HotLoop.Spin());
        thread.Start();
        Assert.That(SpinWait.SpinUntil(() => HotLoop.Entered, TimeSpan.FromSeconds(30)), "the other thread is inside the original");
        var detour = Detours.Install(M(typeof(HotLoop), nameof(HotLoop.Spin)), M(typeof(HotLoop), nameof(HotLoop.SpinReplacement)));
        Assert.That(HotLoop.Spin(), Is.EqualTo(2), "a new call runs the replacement");
        HotLoop.Release = true;
        thread.Join();
        Assert.That(inFlight, Is.EqualTo(1), "the frame already running finished on the old code");
        detour.Undo();
    }

    [Test]
    public void HiddenReturnBuffer_InstanceReplacementWorks_StaticIsRefused()
    {
        var maker = new LargeMaker();
        var make = M(typeof(LargeMaker), nameof(LargeMaker.Make), typeof(int));
        Assert.That(maker.Make(3).A, Is.EqualTo(3));
        var detour = Detours.Install(make, M(typeof(LargeMaker), nameof(LargeMaker.MakeOther), typeof(int)));
        var made = maker.Make(3);
        Assert.That((made.A, made.D), Is.EqualTo((-3L, 14L)));
        detour.Undo();
        Assert.That(maker.Make(3).A, Is.EqualTo(3));
        var makeStatic = M(typeof(LargeMaker), nameof(LargeMaker.MakeStatic), typeof(LargeMaker), typeof(int));
        if (System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64)
        {
            // Arm64 passes the buffer in x8, outside the arguments, so 'this' stays first and the static one works.
            var staticDetour = Detours.Install(make, makeStatic);
            try { Assert.That(maker.Make(3).A, Is.EqualTo(LargeMaker.MakeStatic(maker, 3).A)); }
            finally { staticDetour.Undo(); }
            return;
        }
        // Measured on x64: a static replacement receives the buffer and 'this' swapped and returns zeros.
        Assert.That(() => Detours.Install(make, makeStatic), Throws.TypeOf<DetourException>().With.Message.Contain("hidden buffer"));
    }
}
