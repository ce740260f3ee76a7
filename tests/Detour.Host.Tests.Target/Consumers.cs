namespace Target;

/// <summary>Compiled code here embeds values declared in Constants.cs.</summary>
public static class Consumers
{
    public static int MaxTwice() => Limits.Max * 2;
    public static int HighValue() => (int)Level.High;
    public static int ClampDefault(int x) => Limits.Clamp(x);
}

public static class Registry
{
    public static readonly List<string> Log = new();
    public static int Version = 1;
    public static int Checked = Check();

    static Registry() { Log.Add("static constructor ran"); }

    static int Check() => 1;
}

/// <summary>Declared here by name, as an app that does not reference Detour would.</summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class KeepValueOnReloadAttribute : Attribute;

public static class Settings
{
    [KeepValueOnReload] public static int Volume = 5;
    public static int Brightness = 5;
}
