/// <summary>Generic code in a web app: the tool then starts it with the runtime's metadata updates on, so ASP.NET Core's
/// own update handlers are awake while Detour patches the rest.</summary>
public sealed class Wrapped<T>(T value)
{
    public string Show() => "generic-0 " + value;
}
