using Detour.Host;
using Detour.Host.Tests;
using Target;

namespace Detour.Benchmarks;

/// <summary>Issue 10's CPU-bound load: two threads call a method as fast as they can while 10,000 edits retarget it, in
/// this process, through the compile host's session and the agent's applier (superseded generations unloading as they
/// go). Prints calls, wrong and stale values, generations unloaded and the edit latency under load.</summary>
public static class LoadBenchmark
{
    const int Edits = 10_000, Batch = 1_000;

    public static void Run()
    {
        Console.WriteLine($"== load: {Edits} retargets of Racing.Value under 2 threads calling it flat out ==");
        var project = ProjectModel.Load(typeof(Racing).Assembly.Location);
        using var view = InProcessAgent.ViewOfThisProcess();
        var agent = new InProcessAgent();
        var session = new ReloadSession(project, view, agent);
        session.WarmUp();
        string path = project.Sources.Single(s => Path.GetFileName(s) == "Racing.cs");
        long calls = 0, wrong = 0, stale = 0;
        double rssBefore = Rss();
        for (int done = 0; done < Edits; done += Batch)
        {
            var result = RetargetUnderLoad.Run(session, agent, path, Batch, live: done);
            calls += result.Calls; wrong += result.Wrong; stale += result.Stale;
            Console.WriteLine($"after {done + Batch,5} retargets: {result}; RSS {Rss():F0} MB");
        }
        Console.WriteLine($"total: {Edits} retargets, {calls:N0} calls, {wrong} wrong values, {stale} stale (targets: 0 and 0), " +
                          $"RSS {rssBefore:F0} -> {Rss():F0} MB");
        session.Revert();
    }

    static double Rss() =>
        long.Parse(File.ReadAllLines("/proc/self/status").First(l => l.StartsWith("VmRSS:")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
}
