using System.Collections.Concurrent;
using System.Diagnostics;

namespace Detour.Benchmarks;

/// <summary>Save → new behaviour visible: edits the running demo's Draw method again and again, the way an
/// editor saves, and times each save until the app prints a frame drawn by the new code.</summary>
public static class AgentBenchmark
{
    const int WarmUpEdits = 3;
    const int MeasuredEdits = 25;
    internal const int FrameMs = 5;

    public static void Run()
    {
        Console.WriteLine("== agent: save -> new behaviour visible in the demo's output ==");
        string dir = Path.Combine(Path.GetTempPath(), $"detour-bench-demo-{Environment.ProcessId}");
        Process? app = null;
        try
        {
            string scene = DemoCopy.Make(ReloadBenchmark.RepositoryRoot(), dir);
            MeasureStartup(dir);
            var lines = new BlockingCollection<(string Line, long At)>();
            var start = new ProcessStartInfo("dotnet", Path.Combine(dir, "bin", "Debug", "net10.0", "Demo.dll"))
            {
                RedirectStandardOutput = true, RedirectStandardInput = true, RedirectStandardError = true, WorkingDirectory = dir,
            };
            start.Environment["DEMO_FRAME_MS"] = FrameMs.ToString();
            start.Environment["DETOUR_COMMANDS"] = "1";
            app = Process.Start(start)!;
            app.OutputDataReceived += (_, e) => { if (e.Data is not null) lines.Add((e.Data, Stopwatch.GetTimestamp())); };
            app.BeginOutputReadLine();
            Next(lines, l => l.Contains("detour: watching"), TimeSpan.FromSeconds(60));
            string ready = WaitUntilReady(app, lines);

            var reported = new List<double>();
            var (firstEdit, visible) = MeasureEdits(scene, lines, WarmUpEdits, MeasuredEdits,
                (line, ms) => { if (line.Contains("detour:") && line.Contains("patched")) reported.Add(ms); });
            reported.RemoveRange(0, Math.Min(WarmUpEdits, reported.Count));
            Console.WriteLine($"agent {ready}; first edit: {firstEdit:F0} ms to a frame drawn by new code");
            Console.WriteLine($"then {MeasuredEdits} edits of Scene.Draw, frames every {FrameMs} ms:");
            Console.WriteLine($"  save -> frame drawn by new code: median {Figures.Percentile(visible, 50):F0} ms, p90 {Figures.Percentile(visible, 90):F0} ms, max {visible.Max():F0} ms (target: median <= 100 ms)");
            if (reported.Count > 0)
                Console.WriteLine($"  save -> agent's report line:     median {Figures.Percentile(reported, 50):F0} ms, p90 {Figures.Percentile(reported, 90):F0} ms");
        }
        finally
        {
            if (app is { HasExited: false }) app.Kill(entireProcessTree: true);
            app?.WaitForExit(5000);
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Edits Scene.Draw's marker again and again (write a temp file, rename it over the original) and
    /// times each save until a frame drawn by the new code appears. Returns the first edit and the measured ones.</summary>
    internal static (double First, List<double> Visible) MeasureEdits(string scene, BlockingCollection<(string Line, long At)> lines,
                                                                     int warmUp, int measured, Action<string, double>? seen = null)
    {
        string marker = "*";
        var visible = new List<double>();
        double first = 0;
        for (int edit = 1; edit <= warmUp + measured; edit++)
        {
            string next = $"Q{edit:00}";
            File.WriteAllText(scene + ".tmp", File.ReadAllText(scene).Replace($"+ \"{marker}\" +", $"+ \"{next}\" +"));
            while (lines.TryTake(out _)) { }
            long saved = Stopwatch.GetTimestamp();
            File.Move(scene + ".tmp", scene, overwrite: true);
            var (_, shownAt) = Next(lines, l => l.Contains(next) && l.Contains("frame"), TimeSpan.FromSeconds(30),
                (l, at) => seen?.Invoke(l, Ms(saved, at)));
            marker = next;
            if (edit == 1) first = Ms(saved, shownAt);
            if (edit > warmUp) visible.Add(Ms(saved, shownAt));
            Thread.Sleep(150);
        }
        return (first, visible);
    }

    /// <summary>Process start → first frame printed, with the agent and without it (DETOUR_DISABLE=1).</summary>
    static void MeasureStartup(string dir)
    {
        const int Runs = 7;
        var with = new List<double>();
        var without = new List<double>();
        for (int run = 0; run < Runs * 2; run++)
        {
            bool agent = run % 2 == 0;
            var start = new ProcessStartInfo("dotnet", Path.Combine(dir, "bin", "Debug", "net10.0", "Demo.dll"))
            {
                RedirectStandardOutput = true, RedirectStandardInput = true, RedirectStandardError = true, WorkingDirectory = dir,
            };
            if (!agent) start.Environment["DETOUR_DISABLE"] = "1";
            long begun = Stopwatch.GetTimestamp();
            using var app = Process.Start(start)!;
            try
            {
                while (app.StandardOutput.ReadLine() is { } line)
                    if (line.Contains("frame"))
                    {
                        (agent ? with : without).Add(Ms(begun, Stopwatch.GetTimestamp()));
                        break;
                    }
            }
            finally
            {
                app.Kill(entireProcessTree: true);
                app.WaitForExit(5000);
            }
        }
        Console.WriteLine($"start-up, process start -> first frame ({Runs} runs each): with agent median {Figures.Percentile(with, 50):F0} ms, " +
                          $"without {Figures.Percentile(without, 50):F0} ms (the agent's compiler warm-up runs in the background)");
    }

    /// <summary>Asks %status until the agent's background start (project model, compiler warm-up) is done.</summary>
    static string WaitUntilReady(Process app, BlockingCollection<(string Line, long At)> lines)
    {
        for (int attempt = 0; attempt < 120; attempt++)
        {
            app.StandardInput.WriteLine("%status");
            var (line, _) = Next(lines, l => l.Contains("detour: mode"), TimeSpan.FromSeconds(10));
            if (line.Contains("ready")) return line[(line.IndexOf("ready", StringComparison.Ordinal))..];
            Thread.Sleep(250);
        }
        throw new TimeoutException("the agent did not get ready");
    }

    internal static double Ms(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

    internal static (string Line, long At) Next(BlockingCollection<(string Line, long At)> lines, Func<string, bool> match, TimeSpan limit,
                                       Action<string, long>? seen = null)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
            if (lines.TryTake(out var item, 100))
            {
                seen?.Invoke(item.Line, item.At);
                if (match(item.Line)) return item;
            }
        throw new TimeoutException("the demo did not show the edit in time");
    }
}
