namespace Target;

public interface IDescribed
{
    string Describe();
}

public abstract class Shape : IDescribed
{
    public abstract double Area();
    public virtual string Describe() => "shape";
}

public class Square : Shape
{
    public double Side;
    public Square(double side) { Side = side; }
    public override double Area() => Side * Side;
    public override string Describe() => "square";
}

public struct Counter
{
    public int Count;
    public void Step() { Count += 1; }
}

public class Circle : Shape, IComparable<Circle>
{
    public double Radius = 1;
    public override double Area() => 3 * Radius * Radius;
    public int CompareTo(Circle? other) => Radius.CompareTo(other?.Radius ?? 0);
}

// Subclasses of Circle, loaded before any edit: one that does not override Describe, one whose override calls base.
public class Ring : Circle { }

public class Dot : Circle
{
    public override string Describe() => "dot/" + base.Describe();
}

public class Box<T>
{
    public T? Item;
    public string Describe() => "box of " + Item;
}

public interface IMarker { }

public class Round : Shape
{
    public override double Area() => 0;
}
