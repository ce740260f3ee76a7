namespace Target;

/// <summary>Newer C# shapes whose existing members get edited.</summary>
public class Wallet(int start)
{
    public int Total => start + 1;
    public int Add(int x) => start += x;
}

public record Person(string Name, int Age)
{
    public string Greeting() => "hi " + Name;
}

public interface IShout
{
    string Word { get; }
    string Shout() => Word.ToUpper();
}

public class Shouter : IShout
{
    public string Word => "hey";
}

public readonly struct Meters(double value)
{
    public double Value { get; } = value;
    public Meters Twice() => new(Value * 2);
    public double In(in Meters other) => Value + other.Value;
}
