namespace Target;

public interface IGreeter { string Greet(); }

/// <summary>One member of each kind that the body rule covers.</summary>
public class Kinds : IGreeter
{
    public int Made;
    public Kinds() { Made = 1; }
    public string Greet() => "hi";
    public int this[int i] => i * 2;
    public static Kinds operator +(Kinds a, Kinds b) => new Kinds { Made = a.Made + b.Made };
    public int WithLocal(int x) { return Twice(x); int Twice(int y) => y * 2; }
}
