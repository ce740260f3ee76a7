namespace Lib;

public static class Weather
{
    public static string Today() => "sunny";
}
