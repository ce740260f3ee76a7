namespace Target;

/// <summary>Members whose compiled names clash with another member's: a field-like event and its backing
/// field, an auto-property and its backing field, a captured primary-constructor parameter, and an
/// explicit interface implementation beside a public method of the same name.</summary>
public class Bus(int bias)
{
    public event Action<int>? Fired;
    public static event Action<string>? Announced;
    public int Total { get; private set; }
    public int Bias => bias;
    public int Subscribers => Fired?.GetInvocationList().Length ?? 0;

    public void Fire(int value)
    {
        Total += value;
        Fired?.Invoke(value + bias);
        Announced?.Invoke("fired " + value);
    }
}

public interface IHail { string Greet(); }

public class Hailer : IHail
{
    string IHail.Greet() => "explicit";
    public string Greet() => "public";
}
