using System.Collections.Concurrent;
using System.Diagnostics;

namespace Detour.Benchmarks;

/// <summary>The user's route, measured: pack this checkout, install the tool into a temp tool path, and run a copy of
/// the demo that does not reference Detour with `dotnet-detour run`. Then the same edits under `dotnet watch`.
/// Each edit is timed from the save (a rename over the file, as many editors save; in place, as VS Code does, for one
/// figure) to the first frame drawn by new code.</summary>
public static class ToolBenchmark
{
    const int FrameMs = 5, ColdRuns = 5, WarmUpEdits = 3, MeasuredEdits = 25, InPlaceEdits = 10, WatchEdits = 8;

    public static void Run()
    {
        Console.WriteLine("== dotnet detour run vs dotnet watch: save -> new behaviour visible in the demo's output ==");
        string root = Path.Combine(Path.GetTempPath(), $"detour-bench-tool-{Environment.ProcessId}");
        try
        {
            string tool = Install(root);
            string demo = PlainDemo(root);
            string scene = Path.Combine(demo, "Scene.cs");
            string original = File.ReadAllText(scene);
            DemoCopy.Build(demo);
            double baselineRss = RssWithoutAgent(demo);

            var cold = new List<double>();
            List<double> warm = [], inPlace = [];
            double rss = 0, startupMs = 0;
            for (int run = 1; run <= ColdRuns; run++)
            {
                Restore(scene, original);
                using var app = new Watched(tool, ["run"], demo);
                app.Next(l => l.Contains("frame"), TimeSpan.FromSeconds(180));
                Thread.Sleep(1000);
                cold.Add(Edit(scene, app, "C" + run));
                if (run < ColdRuns) continue;
                startupMs = StartupMilliseconds(tool, demo);
                // The cold edit and nine more, then the memory figure, then the rest of the measured edits.
                var edits = Edits(scene, app, 9, "R");
                rss = Rss(AppProcess(demo));
                edits.AddRange(Edits(scene, app, WarmUpEdits + MeasuredEdits - 9, "Q"));
                warm = edits.Skip(WarmUpEdits).ToList();
                inPlace = Edits(scene, app, InPlaceEdits, "P", byRename: false);
            }
            Restore(scene, original);
            Console.WriteLine($"detour, first edit saved 1 s after the app's first line ({ColdRuns} runs, each a new tool process): " +
                              $"median {Figures.Percentile(cold, 50):F0} ms, min {cold.Min():F0}, max {cold.Max():F0} (target: median <= 50 ms)");
            Console.WriteLine($"detour, after warm-up ({MeasuredEdits} edits, frames every {FrameMs} ms): median {Figures.Percentile(warm, 50):F0} ms, " +
                              $"p90 {Figures.Percentile(warm, 90):F0} ms (target: median <= 25 ms)");
            Console.WriteLine($"detour, saved in place as VS Code saves ({InPlaceEdits} edits): median {Figures.Percentile(inPlace, 50):F0} ms, " +
                              $"p90 {Figures.Percentile(inPlace, 90):F0} ms");
            Console.WriteLine($"app RSS after ten edits: {rss:F0} MB with the agent, {baselineRss:F0} MB without: " +
                              $"the agent adds {rss - baselineRss:F0} MB (target: <= 10 MB)");
            Console.WriteLine($"agent time on the app's main thread at startup: {startupMs:F1} ms (target: <= 5 ms)");

            DemoCopy.Build(demo);
            using (var watch = new Watched("dotnet", ["watch", "run", "--non-interactive"], demo))
            {
                watch.Next(l => l.Contains("frame"), TimeSpan.FromSeconds(180));
                Thread.Sleep(1000);
                double watchFirst = Edit(scene, watch, "W0");
                var watchWarm = Edits(scene, watch, 1 + WatchEdits).Skip(1).ToList();
                Console.WriteLine($"dotnet watch, first edit saved 1 s after the app's first line: {watchFirst:F0} ms; then {WatchEdits} edits: " +
                                  $"median {Figures.Percentile(watchWarm, 50):F0} ms, p90 {Figures.Percentile(watchWarm, 90):F0} ms");
                Console.WriteLine($"ratio dotnet watch / detour: first edit {watchFirst / Figures.Percentile(cold, 50):F1}x, " +
                                  $"warm median {Figures.Percentile(watchWarm, 50) / Figures.Percentile(warm, 50):F1}x (targets: 20x, 40x)");
            }
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>`dotnet pack -c Release -o` the checkout, `dotnet tool install --tool-path`, as the README says.</summary>
    internal static string Install(string root)
    {
        string packages = Path.Combine(root, "packages"), tools = Path.Combine(root, "tools");
        Exec(ReloadBenchmark.RepositoryRoot(), null, "dotnet", "pack", "-c", "Release", "-o", packages, "-nologo", "-v:q");
        Exec(root, Path.Combine(root, "nuget"), "dotnet", "tool", "install", "--tool-path", tools, "--add-source", packages, "dotnet-detour");
        return Path.Combine(tools, "dotnet-detour");
    }

    /// <summary>The demo's sources in a project of their own that does not reference Detour.</summary>
    internal static string PlainDemo(string root)
    {
        string demo = Path.Combine(root, "Demo");
        Directory.CreateDirectory(demo);
        foreach (var file in new[] { "Program.cs", "Scene.cs" })
            File.Copy(Path.Combine(ReloadBenchmark.RepositoryRoot(), "examples", "Demo", file), Path.Combine(demo, file));
        File.WriteAllText(Path.Combine(demo, "Demo.csproj"),
            "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework>" +
            "<ImplicitUsings>enable</ImplicitUsings><Nullable>enable</Nullable></PropertyGroup></Project>");
        return demo;
    }

    internal static void Restore(string scene, string text)
    {
        File.WriteAllText(scene, text);
        File.SetLastWriteTimeUtc(scene, DateTime.UtcNow.AddHours(-1));
    }

    static string _marker = "*";

    /// <summary>One edit of Scene.Draw's marker, saved by rename (or written in place); milliseconds from the save to the
    /// first frame showing it.</summary>
    internal static double Edit(string scene, Watched app, string next, bool byRename = true)
    {
        string text = File.ReadAllText(scene);
        if (!text.Contains($"+ \"{_marker}\" +")) _marker = "*";
        double took = app.SaveAndTime(scene, text.Replace($"+ \"{_marker}\" +", $"+ \"{next}\" +"),
            l => l.Contains(next) && l.Contains("frame"), TimeSpan.FromSeconds(30), byRename);
        _marker = next;
        return took;
    }

    static List<double> Edits(string scene, Watched app, int count, string prefix = "Q", bool byRename = true)
    {
        var times = new List<double>();
        for (int edit = 1; edit <= count; edit++)
        {
            times.Add(Edit(scene, app, $"{prefix}{edit:00}", byRename));
            Thread.Sleep(150);
        }
        return times;
    }

    static double StartupMilliseconds(string tool, string demo)
    {
        string status = Exec(demo, null, tool, "status");
        int at = status.IndexOf("the agent took ", StringComparison.Ordinal);
        return at < 0 ? double.NaN : double.Parse(status[(at + 15)..].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The demo run directly, without Detour, for as long as an agent run takes to make its edits.</summary>
    static double RssWithoutAgent(string demo)
    {
        using var app = new Watched(Path.Combine(demo, "bin", "Debug", "net10.0", "Demo"), [], demo);
        app.Next(l => l.Contains("frame"), TimeSpan.FromSeconds(30));
        Thread.Sleep(5000);
        return Rss(AppProcess(demo));
    }

    /// <summary>The app's own process (its apphost, Demo unless named, or `dotnet` running its dll), found through /proc.</summary>
    internal static int AppProcess(string project, string name = "Demo")
    {
        string apphost = Path.Combine(project, "bin", "Debug", "net10.0", name);
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                var arguments = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                if (arguments[0] == apphost || arguments.Take(3).Contains(apphost + ".dll")) return pid;
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        throw new InvalidOperationException($"the process of {apphost} was not found");
    }

    internal static double Rss(int pid) =>
        long.Parse(File.ReadAllLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;

    internal static string Exec(string directory, string? nugetCache, string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        if (nugetCache is not null) start.Environment["NUGET_PACKAGES"] = nugetCache;
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd() + errors.Result;
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', arguments)}: {output}");
        return output;
    }

    /// <summary>A process whose output lines are timestamped as they arrive; disposing kills it and its children.</summary>
    internal sealed class Watched : IDisposable
    {
        readonly Process _process;
        readonly BlockingCollection<(string Line, long At)> _lines = new();
        readonly ConcurrentQueue<string> _errors = new(); // the last lines of stderr, for a timeout's message

        public Watched(string file, string[] arguments, string directory)
        {
            var start = new ProcessStartInfo(file, arguments) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
            start.Environment["DEMO_FRAME_MS"] = FrameMs.ToString();
            _process = Process.Start(start)!;
            _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _lines.Add((e.Data, Stopwatch.GetTimestamp())); };
            _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _errors.Enqueue(e.Data); while (_errors.Count > 20) _errors.TryDequeue(out string? _); };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public int Id => _process.Id;

        public void Drain() { while (_lines.TryTake(out _)) { } }

        /// <summary>Saves <paramref name="text"/> as <paramref name="path"/>, written aside and renamed into place or
        /// written in place, and returns the milliseconds from the save to the first line <paramref name="shows"/> takes.</summary>
        public double SaveAndTime(string path, string text, Func<string, bool> shows, TimeSpan limit, bool byRename = true)
        {
            if (byRename) File.WriteAllText(path + ".tmp", text);
            Drain();
            long saved = Stopwatch.GetTimestamp();
            if (byRename) File.Move(path + ".tmp", path, overwrite: true);
            else File.WriteAllText(path, text);
            var (_, at) = Next(shows, limit);
            return Stopwatch.GetElapsedTime(saved, at).TotalMilliseconds;
        }

        public (string Line, long At) Next(Func<string, bool> match, TimeSpan limit)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < limit)
                if (_lines.TryTake(out var item, 100) && match(item.Line)) return item;
            throw new TimeoutException($"no matching line in time; the last lines of stderr:\n{string.Join("\n", _errors)}");
        }

        public void Dispose()
        {
            try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            _process.WaitForExit(5000);
            _process.Dispose();
        }
    }
}
