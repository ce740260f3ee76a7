using System.Diagnostics;

namespace Detour.Benchmarks;

/// <summary>The long versions of end-to-end suites whose short versions run in CI: the edit fuzzer with 1,000 edits,
/// and the web load with 1,000 edits. Each runs the test as CI does (the packed tool, temp apps), with the count
/// raised, and prints the figures lines the test writes.</summary>
public static class LongEndToEnd
{
    public static void Fuzz() => Run("FuzzTests", "DETOUR_FUZZ_EDITS", "1000", "fuzz:");

    public static void Web() => Run("WebLoadTests", "DETOUR_LOAD_EDITS", "1000", "web load:");

    static void Run(string testClass, string variable, string count, string figuresPrefix)
    {
        Console.WriteLine($"== {testClass}, long: {variable}={count} ==");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = ReloadBenchmark.RepositoryRoot(), RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "test", "tests/Detour.EndToEnd.Tests", "--filter", $"FullyQualifiedName~{testClass}", "--logger", "console;verbosity=detailed" })
            start.ArgumentList.Add(a);
        start.Environment[variable] = count;
        using var test = Process.Start(start)!;
        var errors = test.StandardError.ReadToEndAsync();
        var printed = new HashSet<string>();
        while (test.StandardOutput.ReadLine() is { } line)
        {
            var trimmed = line.Trim();
            if ((trimmed.StartsWith(figuresPrefix) || trimmed.StartsWith("Passed!") || trimmed.StartsWith("Failed")) && printed.Add(trimmed))
                Console.WriteLine(trimmed);
        }
        test.WaitForExit();
        if (test.ExitCode != 0) Console.WriteLine($"the test failed (exit {test.ExitCode}): {errors.Result}");
    }
}
