namespace Target;

public abstract class Shape
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
