namespace Detour.Benchmarks;

/// <summary>Issue 10's soak: a thousand successive edits of one method in the demo, run as a user runs it (the packed
/// tool, `dotnet-detour run`). Prints the app's RSS every hundred edits, the generations it holds, and the latency of
/// the first hundred edits against the last hundred.</summary>
public static class SoakBenchmark
{
    const int Edits = 1000, Every = 100;

    public static void Run()
    {
        Console.WriteLine($"== soak: {Edits} edits of Scene.Draw in one running demo ==");
        string root = Path.Combine(Path.GetTempPath(), $"detour-bench-soak-{Environment.ProcessId}");
        try
        {
            string tool = ToolBenchmark.Install(root);
            string demo = ToolBenchmark.PlainDemo(root);
            string scene = Path.Combine(demo, "Scene.cs");
            DemoCopy.Build(demo);
            using var app = new ToolBenchmark.Watched(tool, ["run"], demo);
            app.Next(l => l.Contains("frame"), TimeSpan.FromSeconds(180));
            Thread.Sleep(1000);
            int pid = ToolBenchmark.AppProcess(demo);
            double startRss = ToolBenchmark.Rss(pid);
            Console.WriteLine($"RSS before the first edit: {startRss:F0} MB");
            var times = new List<double>();
            for (int edit = 1; edit <= Edits; edit++)
            {
                times.Add(ToolBenchmark.Edit(scene, app, $"S{edit:0000}"));
                Thread.Sleep(30);
                if (edit % Every == 0)
                    Console.WriteLine($"after {edit,4} edits: RSS {ToolBenchmark.Rss(pid):F0} MB, last {Every} edits p50 " +
                                      $"{Figures.Percentile(times[^Every..], 50):F0} ms p90 {Figures.Percentile(times[^Every..], 90):F0} ms; " +
                                      Generations(tool, demo));
            }
            double growth = ToolBenchmark.Rss(pid) - startRss;
            double firstP90 = Figures.Percentile(times[..Every], 90), lastP90 = Figures.Percentile(times[^Every..], 90);
            Console.WriteLine($"RSS growth over {Edits} edits: {growth:F0} MB (target: <= 64 MB)");
            Console.WriteLine($"p90 of the first {Every} edits {firstP90:F0} ms, of the last {Every} {lastP90:F0} ms: " +
                              $"{lastP90 / firstP90:F2}x (target: <= 1.5x)");
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>The status line that counts the app's generations.</summary>
    static string Generations(string tool, string demo) =>
        ToolBenchmark.Exec(demo, null, tool, "status").Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("generations in the app")) ?? "(no generations line)";
}
