namespace Target;

/// <summary>Saved before the session opened: the text the app runs is unknown to it.</summary>
public static class SavedBeforeOpen
{
    static readonly string Suffix = "s0";
    public static string Greeting() => Word() + Suffix + "0";
    static string Word() => "w0";
}
