namespace Target;

public enum Level { Low = 1, High = 2 }

public static class Limits
{
    public const int Max = 10;
    public static int Clamp(int x, int ceiling = 50) => Math.Min(x, ceiling);
}
