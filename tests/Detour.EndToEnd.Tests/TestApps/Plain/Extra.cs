public static class Extra
{
    public static string Mark() => "m1";
}
