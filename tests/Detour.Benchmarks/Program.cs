using Detour.Benchmarks;

// Prints figures; asserts nothing. Usage: dotnet run -c Release --project tests/Detour.Benchmarks -- [engine|reload|tool|soak|load|fuzz|web|scale]
var suites = new Dictionary<string, Action>
{
    ["engine"] = EngineBenchmark.Run,
    ["reload"] = ReloadBenchmark.Run,
    ["tool"] = ToolBenchmark.Run,
    ["soak"] = SoakBenchmark.Run,
    ["load"] = LoadBenchmark.Run,
    ["fuzz"] = LongEndToEnd.Fuzz,
    ["web"] = LongEndToEnd.Web,
    ["scale"] = ScaleBenchmark.Run,
};
// The long suites take minutes each: they run only when named.
var chosen = args.Length == 0 ? suites.Keys.Where(k => k is not ("soak" or "load" or "fuzz" or "web" or "scale")).ToList() : args.ToList();
foreach (var name in chosen)
{
    if (!suites.TryGetValue(name, out var run))
    {
        Console.Error.WriteLine($"unknown benchmark '{name}'; known: {string.Join(", ", suites.Keys)}");
        return 2;
    }
    run();
}
return 0;
