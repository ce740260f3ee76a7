namespace Target;

/// <summary>A static readonly initializer read by a method that also changes.</summary>
public static class Suffixed
{
    static readonly string Suffix = "s0";
    public static string Greeting() => Word() + Suffix + "0";
    static string Word() => "w0";
}
