using System.Collections.Concurrent;
using System.Diagnostics;

namespace Detour.Benchmarks;

/// <summary>For comparison: the same edits of the same demo under `dotnet watch` (its Hot Reload), with the
/// Detour agent off.</summary>
public static class WatchBenchmark
{
    const int MeasuredEdits = 8;

    public static void Run()
    {
        Console.WriteLine("== dotnet watch, for comparison: save -> new behaviour visible in the demo's output ==");
        string dir = Path.Combine(Path.GetTempPath(), $"detour-bench-watch-{Environment.ProcessId}");
        Process? watch = null;
        try
        {
            string scene = DemoCopy.Make(ReloadBenchmark.RepositoryRoot(), dir);
            var lines = new BlockingCollection<(string Line, long At)>();
            var start = new ProcessStartInfo("dotnet", ["watch", "run", "--non-interactive"])
            {
                RedirectStandardOutput = true, RedirectStandardInput = true, RedirectStandardError = true, WorkingDirectory = dir,
            };
            start.Environment["DETOUR_DISABLE"] = "1";
            start.Environment["DEMO_FRAME_MS"] = AgentBenchmark.FrameMs.ToString();
            watch = Process.Start(start)!;
            watch.OutputDataReceived += (_, e) => { if (e.Data is not null) lines.Add((e.Data, Stopwatch.GetTimestamp())); };
            watch.BeginOutputReadLine();
            AgentBenchmark.Next(lines, l => l.Contains("frame"), TimeSpan.FromSeconds(180));
            Thread.Sleep(3000);
            var (first, visible) = AgentBenchmark.MeasureEdits(scene, lines, warmUp: 1, measured: MeasuredEdits);
            Console.WriteLine($"first edit: {first:F0} ms; then {MeasuredEdits} edits: median {Figures.Percentile(visible, 50):F0} ms, " +
                              $"p90 {Figures.Percentile(visible, 90):F0} ms (frames every {AgentBenchmark.FrameMs} ms)");
        }
        finally
        {
            if (watch is { HasExited: false }) watch.Kill(entireProcessTree: true);
            watch?.WaitForExit(5000);
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }
}
