using System.Reflection;
using NUnit.Framework;

namespace Detour.Engine.Tests;

[NonParallelizable]
public class RefusalTests
{
    static MethodInfo M(Type t, string name, params Type[] args) => t.GetMethod(name, args)!;
    static readonly MethodInfo Add = M(typeof(StaticTarget), nameof(StaticTarget.Add), typeof(int), typeof(int));

    [Test]
    public void OptimizedAssembly_IsRefusedWithHowToFix()
    {
        var max = M(typeof(Math), nameof(Math.Max), typeof(int), typeof(int));
        var e = Assert.Throws<DetourException>(() => Detours.Install(max, Add))!;
        Assert.That(e.Message, Does.Contain("System.Private.CoreLib").And.Contain("optimized").And.Contain("Debug"));
    }

    [Test]
    public void GenericMethod_IsRefused()
    {
        var echo = typeof(GenericTarget).GetMethod(nameof(GenericTarget.Echo))!.MakeGenericMethod(typeof(int));
        var e = Assert.Throws<DetourException>(() => Detours.Install(echo, Add))!;
        Assert.That(e.Message, Does.Contain("generic"));
    }

    [Test]
    public void MethodOfGenericType_IsRefused()
    {
        var add = typeof(List<int>).GetMethod("Add")!;
        Assert.That(() => Detours.Install(add, Add), Throws.TypeOf<DetourException>().With.Message.Contain("generic"));
    }

    [Test]
    public void IncompatibleReturnType_IsRefusedBeforeWriting()
    {
        var e = Assert.Throws<DetourException>(() => Detours.Install(Add, M(typeof(StaticTarget), nameof(StaticTarget.Wrong), typeof(int), typeof(int))))!;
        Assert.That(e.Message, Does.Contain("StaticTarget.Add").And.Contain("returns Int64"));
        Assert.That(StaticTarget.Add(1, 2), Is.EqualTo(3));
        Assert.That(Detours.Find(Add), Is.Null);
    }

    [Test]
    public void InstanceOriginalWithStaticReplacementMissingThis_IsRefused()
    {
        var read = typeof(Counter).GetMethod(nameof(Counter.Read))!;
        var e = Assert.Throws<DetourException>(() => Detours.Install(read, typeof(StaticTarget).GetMethod(nameof(StaticTarget.NeverCalled))!))!;
        Assert.That(e.Message, Does.Contain("must take the instance first"));
    }

    [Test]
    public void StructOriginalWithByValueThis_IsRefused()
    {
        var sum = typeof(Point).GetMethod(nameof(Point.Sum))!;
        var byValue = typeof(RefusalTests).GetMethod(nameof(SumByValue), BindingFlags.NonPublic | BindingFlags.Static)!;
        var e = Assert.Throws<DetourException>(() => Detours.Install(sum, byValue))!;
        Assert.That(e.Message, Does.Contain("'ref Point'"));
    }

    static int SumByValue(Point p) => 0;

    [Test]
    public void AbstractMethod_IsRefused()
    {
        var area = typeof(Shape).GetMethod(nameof(Shape.Area))!;
        Assert.That(() => Detours.Install(area, typeof(Square).GetMethod(nameof(Square.AreaReplacement))!),
            Throws.TypeOf<DetourException>().With.Message.Contain("abstract"));
    }

    [Test]
    public void SecondInstallOnSameMethod_IsRefused()
    {
        var detour = Detours.Install(Add, M(typeof(StaticTarget), nameof(StaticTarget.AddTimesTen), typeof(int), typeof(int)));
        try
        {
            Assert.That(() => Detours.Install(Add, M(typeof(StaticTarget), nameof(StaticTarget.AddTimesHundred), typeof(int), typeof(int))),
                Throws.TypeOf<DetourException>().With.Message.Contain("already detoured"));
            Assert.That(StaticTarget.Add(1, 1), Is.EqualTo(20));
        }
        finally { detour.Undo(); }
    }
}
