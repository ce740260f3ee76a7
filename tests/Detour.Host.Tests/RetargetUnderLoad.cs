using System.Diagnostics;
using Target;

namespace Detour.Host.Tests;

/// <summary>Two threads call <see cref="Racing.Value"/> as fast as they can while the session applies edit after edit of
/// it, each returning its own number, and superseded generations are unloaded as they go. A call that starts after edit
/// n returned must see n or later ("stale" otherwise); no call may ever see a number not yet applied, or anything else
/// ("wrong"). Shared with the benchmark, which runs 10,000 edits.</summary>
public static class RetargetUnderLoad
{
    public sealed record Result(int Edits, long Calls, long Wrong, long Stale, int Collected, TimeSpan Elapsed, double EditP50, double EditP90)
    {
        public override string ToString() =>
            $"{Edits} retargets under 2 calling threads: {Calls:N0} calls, {Wrong} wrong, {Stale} stale, {Collected} generations unloaded, " +
            $"{Elapsed.TotalSeconds:F1} s; edit p50 {EditP50:F1} ms, p90 {EditP90:F1} ms";
    }

    /// <param name="live">The number the method returns now (what an earlier run left); edits return live+1, live+2, ...</param>
    public static Result Run(ReloadSession session, InProcessAgent agent, string path, int edits, int live = 0)
    {
        string original = File.ReadAllText(path);
        int applied = live, applying = live;
        long calls = 0, wrong = 0, stale = 0;
        bool stop = false;
        var threads = Enumerable.Range(0, 2).Select(_ => new Thread(() =>
        {
            long localCalls = 0, localWrong = 0, localStale = 0;
            while (!Volatile.Read(ref stop))
            {
                int floor = Volatile.Read(ref applied);
                int value = Racing.Value();
                int ceiling = Volatile.Read(ref applying);
                if (value < 0 || value > ceiling) localWrong++;
                else if (value < floor) localStale++;
                localCalls++;
            }
            Interlocked.Add(ref calls, localCalls);
            Interlocked.Add(ref wrong, localWrong);
            Interlocked.Add(ref stale, localStale);
        }) { IsBackground = true }).ToList();
        var clock = Stopwatch.StartNew();
        var times = new List<double>();
        threads.ForEach(t => t.Start());
        try
        {
            for (int i = live + 1; i <= live + edits; i++)
            {
                Volatile.Write(ref applying, i);
                long started = Stopwatch.GetTimestamp();
                var report = session.Apply(new Dictionary<string, string> { [path] = original.Replace("=> 0;", $"=> {i};") });
                if (!report.Succeeded) throw new InvalidOperationException(string.Join("\n", report.Errors));
                times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Volatile.Write(ref applied, i);
                agent.Applier.CollectReleased();
            }
        }
        finally
        {
            Volatile.Write(ref stop, true);
            threads.ForEach(t => t.Join());
        }
        times.Sort();
        double P(double q) => times[(int)Math.Min(times.Count - 1, Math.Round(q * (times.Count - 1)))];
        return new Result(edits, calls, wrong, stale, agent.Generations.Collected, clock.Elapsed, P(0.5), P(0.9));
    }
}
