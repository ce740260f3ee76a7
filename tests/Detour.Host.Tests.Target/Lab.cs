namespace Target;

public static class Lab
{
    public static string Run() => "start";
}
