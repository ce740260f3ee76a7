public static class Unwatched
{
    public static string Value() => "u1";
}
