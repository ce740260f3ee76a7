public static class Util
{
    public static string Echo<T>(T value) => "v1 " + value;

    public static string Twice<T>(T value)
    {
        Func<T, string> say = x => "v1 twice " + x;
        return say(value);
    }
}

public static class Maker
{
    // The program keeps the delegate this makes, from before any edit.
    public static Func<T, string> Make<T>() => x => "v1 made " + x;
}

public class Box<T>
{
    public T Value;
    public Box(T value) { Value = value; }
    public string Show() => "v1 box " + Value;
    public static string Kind() => "v1 kind " + typeof(T).Name;
}

public struct Pair<T>
{
    public T First;
    public string Show() => "v1 pair " + First;
}
