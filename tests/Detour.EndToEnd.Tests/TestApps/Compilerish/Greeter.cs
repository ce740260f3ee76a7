public static class Greeter
{
    public static string Source() => "class C { }";
}
