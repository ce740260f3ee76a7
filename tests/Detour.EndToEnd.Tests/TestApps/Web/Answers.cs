public static class Answers
{
    public static string Text() => "v0";
}
