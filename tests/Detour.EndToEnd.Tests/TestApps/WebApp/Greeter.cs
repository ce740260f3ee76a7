/// <summary>A singleton: the one instance made at startup runs the edited bodies.</summary>
public sealed class Greeter
{
    int _calls;
    public string Greet() => $"service-0 #{++_calls}";
}
