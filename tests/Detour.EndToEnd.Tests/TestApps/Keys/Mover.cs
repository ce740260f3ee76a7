public static class Mover
{
    public static string Step() => "left";
}
