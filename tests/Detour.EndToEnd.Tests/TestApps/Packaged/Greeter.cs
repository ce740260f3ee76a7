public static class Greeter
{
    public static string Greeting() => "hello";
}

public static class Settings
{
    [Detour.KeepValueOnReload] public static int Level = 1;
}
