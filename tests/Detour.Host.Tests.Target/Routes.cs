namespace Target;

/// <summary>Handlers registered once at startup and kept, as a minimal API's endpoints keep their lambdas.</summary>
public static class Routes
{
    public static readonly List<Func<string>> Handlers = new();

    public static void Map(string prefix)
    {
        Handlers.Add(() => "a");
        Handlers.Add(() => prefix + "b");
    }

    public static string Serve() => string.Join(",", Handlers.Select(h => h()));
}
