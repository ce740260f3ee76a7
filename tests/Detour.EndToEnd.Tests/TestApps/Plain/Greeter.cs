public static class Greeter
{
    public static string Greeting() => "hello";
}
