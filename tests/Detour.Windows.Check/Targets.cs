using System.Runtime.CompilerServices;

namespace Detour.Windows.Check;

public class Shape
{
    [MethodImpl(MethodImplOptions.NoInlining)] public int Plain() => 1;
    public static int PlainNew(Shape self) => 2;
    public virtual int Sides() => 1;
    public static int SidesNew(Shape self) => 2;
}

public interface ICounter { int Count(); }

public sealed class Counter : ICounter
{
    public int Count() => 1;
    public static int CountNew(Counter self) => 2;
}

public static class Flipped
{
    [MethodImpl(MethodImplOptions.NoInlining)] public static int Value() => 1;
    public static int ValueNew() => 2;
    [MethodImpl(MethodImplOptions.NoInlining)] public static int Other() => 1;
    public static int OtherNew() => 2;
}

/// <summary>What the plan sent over the channel replaces.</summary>
public static class Greeter
{
    [MethodImpl(MethodImplOptions.NoInlining)] public static string Greeting() => "original";
}
