using System.Runtime.CompilerServices;

namespace Detour.Engine.Tests;

// Originals and replacements for the engine tests. NoInlining only documents intent: the test
// assembly is Debug-built, so nothing is inlined anyway.

public static class StaticTarget
{
    public static int Add(int a, int b) => a + b;
    public static int AddTimesTen(int a, int b) => (a + b) * 10;
    public static int AddTimesHundred(int a, int b) => (a + b) * 100;
    public static int NeverCalled(int a) => a + 1;
    public static int NeverCalledReplacement(int a) => a + 1000;
    public static long Wrong(int a, int b) => a;
}

public class Counter
{
    public int Value = 5;
    public int Read() => Value;
    public int ReadDoubled() => Value * 2;
    public static int ReadPlusHundred(Counter self) => self.Value + 100;
    public static int ReadPlusThousand(Counter self) => self.Value + 1000;

    public int Bonus { get; set; } = 1;
    public static int BonusGetter(Counter self) => 42;
    public static void BonusSetter(Counter self, int value) => self.Value = value * 3;

    readonly int[] _items = { 10, 20, 30 };
    public int this[int index] => _items[index];
    public static int IndexerReplacement(Counter self, int index) => -index;

    public static Counter operator +(Counter a, Counter b) => new() { Value = a.Value + b.Value };
    public static Counter PlusReplacement(Counter a, Counter b) => new() { Value = a.Value * b.Value };
}

public class Built
{
    public readonly string Origin;
    public Built() { Origin = "original"; }
    public static void CtorReplacement(Built self) => Unsafe.AsRef(in self.Origin) = "replaced";
}

public struct Point
{
    public int X, Y;
    public int Sum() => X + Y;
    public void Move(int by) { X += by; }
    public static int SumReplacement(ref Point self) => self.X * self.Y;
    public static void MoveReplacement(ref Point self, int by) { self.Y += by * 10; }
}

public abstract class Shape
{
    public abstract double Area();
    public virtual string Name() => "shape";
}

public class Square(double side) : Shape
{
    public double Side = side;
    public override double Area() => Side * Side;
    public override string Name() => "square";
    public static double AreaReplacement(Square self) => -self.Side;
    public static double AreaReplacement2(Square self) => -2 * self.Side;
    public static string NameReplacement(Shape self) => "detoured";
}

public interface IGreeter { string Greet(string who); }

public class Greeter : IGreeter
{
    public string Greet(string who) => "hello " + who;
    public static string GreetReplacement(Greeter self, string who) => "bye " + who;
}

public sealed class HotLoop
{
    public static volatile bool Release;
    /// <summary>Set once a call of the original is running: its frame is open.</summary>
    public static volatile bool Entered;
    public static int Spin()
    {
        Entered = true;
        // Holds a frame of the original code open while the test detours it.
        while (!Release) Thread.SpinWait(10);
        return 1;
    }
    public static int SpinReplacement() => 2;
}

public struct Large { public long A, B, C, D; }

public class LargeMaker
{
    public long Seed = 7;
    public Large Make(int k) => new() { A = k, D = Seed };
    public Large MakeOther(int k) => new() { A = -k, D = Seed * 2 };
    public static Large MakeStatic(LargeMaker self, int k) => new() { A = k + 1, D = self.Seed };
}

public static class GenericTarget
{
    public static T Echo<T>(T value) => value;
    public static T EchoReplacement<T>(T value) => value;
}

public class Racer
{
    public int Value = 1;
    public int Get() => 1;
    public static int GetNew(Racer self) => 2;
    public virtual int GetVirtual() => 1;
    public static int GetVirtualNew(Racer self) => 2;
}
