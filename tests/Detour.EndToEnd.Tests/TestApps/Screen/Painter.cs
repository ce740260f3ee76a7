public static class Painter
{
    public static string Color() => "red";
}
