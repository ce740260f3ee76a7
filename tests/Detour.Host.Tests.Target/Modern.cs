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

public sealed class Token : IDisposable, IEquatable<Token>
{
    public int Id = 1;
    public bool Disposed;
    public override string ToString() => "token" + Id;
    public override int GetHashCode() => Id;
    public override bool Equals(object? obj) => obj is Token t && Equals(t);
    public bool Equals(Token? other) => other?.Id == Id;
    void IDisposable.Dispose() => Disposed = true;
    public static implicit operator int(Token t) => t.Id;
    ~Token() { }
}

public class Streams
{
    public class Inner { public int Depth() => 1; }

    public async IAsyncEnumerable<int> Numbers(int count)
    {
        for (int i = 0; i < count; i++) { await Task.Yield(); yield return i; }
    }

    public Func<Task<int>> MakeAsync() => async () => { await Task.Yield(); return 5; };

    public int WithStaticLocal(int x) { return Square(x); static int Square(int y) => y * y; }
}
