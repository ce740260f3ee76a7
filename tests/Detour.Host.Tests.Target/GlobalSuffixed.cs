/// <summary>The same shape in the global namespace, as top-level apps declare their classes.</summary>
public static class GlobalSuffixed
{
    static readonly string Suffix = "s0";
    public static string Greeting() => Word() + Suffix + "0";
    static string Word() => "w0";
}
