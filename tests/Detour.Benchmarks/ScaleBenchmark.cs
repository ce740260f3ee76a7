using System.Diagnostics;
using static Detour.Benchmarks.ToolBenchmark;

namespace Detour.Benchmarks;

/// <summary>Large solutions under the installed tool, with `dotnet watch` beside them in the same run: a chain of
/// generated libraries (each references the one before) under a console app. The app prints a frame every 5 ms with a
/// value from the leaf library (no project references; every other project depends on it) and one from the app.
/// For each size: the host's time to be ready after the app connected, the first edit (saved 1 s after the app's first
/// frame; each run is a new tool process) and warm edits, in the leaf library and in the app, and the host's memory.</summary>
public static class ScaleBenchmark
{
    const int ColdRuns = 5, WarmEdits = 10, WatchColdRuns = 2, WatchWarmEdits = 5;

    public static void Run()
    {
        Console.WriteLine("== large solutions: dotnet detour run vs dotnet watch, save -> new value in the app's output ==");
        string root = Path.Combine(Path.GetTempPath(), $"detour-bench-scale-{Environment.ProcessId}");
        try
        {
            string tool = Install(root);
            // DETOUR_SCALE_SIZES=3:3000,... measures other sizes (projects:lines).
            var sizes = Environment.GetEnvironmentVariable("DETOUR_SCALE_SIZES") is { Length: > 0 } chosen
                ? chosen.Split(',').Select(size => size.Split(':')).Select(p => (int.Parse(p[0]), int.Parse(p[1]))).ToArray()
                : new[] { (21, 100_000), (50, 300_000) };
            foreach (var (projects, lines) in sizes)
                Measure(tool, Path.Combine(root, $"s{projects}"), projects, lines);
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    static void Measure(string tool, string folder, int projects, int lines)
    {
        var solution = GeneratedSolution.Write(folder, projects, lines);
        var build = Stopwatch.StartNew();
        DemoCopy.Build(solution.App);
        Console.WriteLine($"-- {projects} projects, {solution.Lines:N0} lines (Debug build from clean: {build.Elapsed.TotalSeconds:F0} s)");

        var first = new Dictionary<string, List<double>> { ["leaf"] = [], ["app"] = [] };
        var warm = new Dictionary<string, List<double>> { ["leaf"] = [], ["app"] = [] };
        var ready = new List<double>();
        double hostRss = 0;
        for (int run = 0; run < 2 * ColdRuns; run++)
        {
            string where = run % 2 == 0 ? "leaf" : "app";
            solution.Restore();
            using var app = new Watched(tool, ["run"], solution.App);
            app.Next(l => l.StartsWith("frame"), TimeSpan.FromMinutes(5));
            Thread.Sleep(1000);
            first[where].Add(solution.Edit(app, where, $"F{run}"));
            ready.Add(ReadySeconds(tool, solution.App));
            if (run >= 2 * ColdRuns - 2)
            {
                warm[where].AddRange(Enumerable.Range(1, WarmEdits).Select(i => { Thread.Sleep(150); return solution.Edit(app, where, $"W{run}x{i}"); }));
                hostRss = Math.Max(hostRss, RssOfTreeBut(app.Id, AppProcess(solution.App, "App")));
            }
        }
        Console.WriteLine($"detour: host ready {Summary(ready, "s", 1)} after the app connected; host RSS after {1 + WarmEdits} edits: {hostRss:F0} MB");
        Report("detour", first, warm, ColdRuns);

        var watchFirst = new Dictionary<string, List<double>> { ["leaf"] = [], ["app"] = [] };
        var watchWarm = new Dictionary<string, List<double>> { ["leaf"] = [], ["app"] = [] };
        double watchRss = 0;
        try
        {
            for (int run = 0; run < 2 * WatchColdRuns; run++)
            {
                string where = run % 2 == 0 ? "leaf" : "app";
                solution.Restore();
                using var watch = new Watched("dotnet", ["watch", "run", "--non-interactive"], solution.App);
                watch.Next(l => l.StartsWith("frame"), TimeSpan.FromMinutes(5));
                Thread.Sleep(1000);
                watchFirst[where].Add(solution.Edit(watch, where, $"G{run}"));
                if (run >= 2 * WatchColdRuns - 2)
                {
                    watchWarm[where].AddRange(Enumerable.Range(1, WatchWarmEdits).Select(i => { Thread.Sleep(150); return solution.Edit(watch, where, $"V{run}x{i}"); }));
                    watchRss = Math.Max(watchRss, RssOfTreeBut(watch.Id, AppProcess(solution.App, "App")));
                }
            }
        }
        catch (TimeoutException e)
        {
            // At 50 projects on this machine: "The configured user limit (128) on the number of inotify instances has been reached".
            string reason = e.Message.Split('\n').FirstOrDefault(l => l.Contains("error", StringComparison.OrdinalIgnoreCase) || l.Contains('❌')) ?? e.Message;
            Console.WriteLine($"dotnet watch: no edit reached the app: {reason.Trim()}");
            solution.Restore();
            return;
        }
        Console.WriteLine($"dotnet watch: RSS of its processes after {1 + WatchWarmEdits} edits: {watchRss:F0} MB");
        Report("dotnet watch", watchFirst, watchWarm, WatchColdRuns);
        foreach (var where in new[] { "leaf", "app" })
            Console.WriteLine($"ratio dotnet watch / detour, {where}: first edit {Figures.Percentile(watchFirst[where], 50) / Figures.Percentile(first[where], 50):F1}x, " +
                              $"warm {Figures.Percentile(watchWarm[where], 50) / Figures.Percentile(warm[where], 50):F1}x");
        solution.Restore();
    }

    static void Report(string who, Dictionary<string, List<double>> first, Dictionary<string, List<double>> warm, int runs)
    {
        foreach (var where in new[] { "leaf", "app" })
            Console.WriteLine($"{who}, {(where == "leaf" ? "leaf library" : "app")}: first edit {Summary(first[where], "ms", 0)} ({runs} runs); " +
                              $"warm {Summary(warm[where], "ms", 0)} ({warm[where].Count} edits)");
    }

    static string Summary(List<double> values, string unit, int decimals) =>
        $"median {Figures.Percentile(values, 50).ToString("F" + decimals)} {unit}, p90 {Figures.Percentile(values, 90).ToString("F" + decimals)} {unit}";

    /// <summary>Seconds from the app's connection to the host being ready, as `dotnet detour status` reports them.</summary>
    static double ReadySeconds(string tool, string project)
    {
        for (int attempt = 0; attempt < 600; attempt++)
        {
            string status = Exec(project, null, tool, "status");
            int at = status.IndexOf("ready (started in ", StringComparison.Ordinal);
            if (at >= 0) return double.Parse(status[(at + 18)..].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            Thread.Sleep(100);
        }
        throw new TimeoutException("the host never said it was ready");
    }

    /// <summary>RSS of a process and its descendants, leaving out one of them (the app) and its own.</summary>
    static double RssOfTreeBut(int top, int leftOut)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                int parent = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]);
                (children.TryGetValue(parent, out var list) ? list : children[parent] = []).Add(pid);
            }
            catch (IOException) { }
        }
        double total = 0;
        var pending = new Stack<int>([top]);
        while (pending.TryPop(out int pid))
        {
            if (pid == leftOut) continue;
            try { total += Rss(pid); } catch (IOException) { }
            foreach (var child in children.GetValueOrDefault(pid, [])) pending.Push(child);
        }
        return total;
    }
}

/// <summary>A console app over a chain of generated libraries, about <c>lines</c> lines in all. Lib01 is the leaf;
/// each next library references the one before, and the app references the last. Probe.cs in Lib01 and in the app
/// hold the values the app prints each frame, which the benchmark edits.</summary>
sealed class GeneratedSolution
{
    public required string App { get; init; }
    public required int Lines { get; init; }
    readonly Dictionary<string, (string Path, string Original)> _probes = new();
    readonly Dictionary<string, string> _markers = new();

    public static GeneratedSolution Write(string folder, int projects, int lines)
    {
        int libraries = projects - 1, filesPerProject = lines / projects / 100;
        int written = 0;
        for (int l = 1; l <= libraries; l++)
        {
            string name = $"Lib{l:00}", dir = Path.Combine(folder, name);
            Directory.CreateDirectory(dir);
            string reference = l == 1 ? "" : $"<ItemGroup><ProjectReference Include=\"../Lib{l - 1:00}/Lib{l - 1:00}.csproj\" /></ItemGroup>";
            File.WriteAllText(Path.Combine(dir, name + ".csproj"), Project("Library", reference));
            for (int i = 0; i < filesPerProject; i++)
                written += WriteClass(dir, name, i, l == 1 ? null : $"Lib{l - 1:00}.C0");
        }
        string app = Path.Combine(folder, "App");
        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(app, "App.csproj"), Project("Exe", $"<ItemGroup><ProjectReference Include=\"../Lib{libraries:00}/Lib{libraries:00}.csproj\" /></ItemGroup>"));
        for (int i = 0; i < filesPerProject; i++) written += WriteClass(app, "App", i, $"Lib{libraries:00}.C0");
        File.WriteAllText(Path.Combine(folder, "Lib01", "Probe.cs"), "namespace Lib01;\n\npublic static class Probe\n{\n    public static string Value() => \"L0\";\n}\n");
        File.WriteAllText(Path.Combine(app, "Probe.cs"), "namespace App;\n\npublic static class Probe\n{\n    public static string Value() => \"A0\";\n}\n");
        File.WriteAllText(Path.Combine(app, "Program.cs"), $$"""
            // Touches the chain once (every library loads), then prints a frame every 5 ms.
            Console.WriteLine($"chain {new App.C0().M5(2000)}");
            for (long frame = 0; ; frame++)
            {
                Console.WriteLine($"frame {frame} {Lib01.Probe.Value()} {App.Probe.Value()}");
                Thread.Sleep(5);
            }
            """);
        var solution = new GeneratedSolution { App = app, Lines = written };
        solution._probes["leaf"] = (Path.Combine(folder, "Lib01", "Probe.cs"), "\"L0\"");
        solution._probes["app"] = (Path.Combine(app, "Probe.cs"), "\"A0\"");
        solution.Restore();
        return solution;
    }

    static string Project(string outputType, string references) => $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <OutputType>{outputType}</OutputType>
            <TargetFramework>net10.0</TargetFramework>
            <ImplicitUsings>enable</ImplicitUsings>
            <Nullable>enable</Nullable>
          </PropertyGroup>
          {references}
        </Project>
        """;

    /// <summary>A generated class whose M5 calls into the project below, when there is one.</summary>
    static int WriteClass(string dir, string ns, int index, string? below)
    {
        string code = ReloadBenchmark.GeneratedClass(ns, index, below is null ? null : $"new {below}().M5(y)");
        File.WriteAllText(Path.Combine(dir, $"C{index}.cs"), code);
        return code.Count(c => c == '\n');
    }

    /// <summary>The probes as generated, dated before any build.</summary>
    public void Restore()
    {
        foreach (var (where, (path, original)) in _probes)
        {
            string text = File.ReadAllText(path);
            if (_markers.TryGetValue(where, out var marker)) text = text.Replace($"\"{marker}\"", original);
            File.WriteAllText(path, text);
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddHours(-1));
            _markers[where] = original.Trim('"');
        }
    }

    /// <summary>One edit of a probe's value, saved by rename; milliseconds from the save to the first frame showing it.</summary>
    public double Edit(ToolBenchmark.Watched app, string where, string next)
    {
        string path = _probes[where].Path;
        double took = app.SaveAndTime(path, File.ReadAllText(path).Replace($"\"{_markers[where]}\"", $"\"{next}\""),
            l => l.StartsWith("frame") && l.Contains($" {next}"), TimeSpan.FromSeconds(60));
        _markers[where] = next;
        return took;
    }
}
