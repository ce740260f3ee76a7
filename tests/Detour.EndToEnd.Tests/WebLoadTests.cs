using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using NUnit.Framework;

namespace Detour.EndToEnd.Tests;

/// <summary>Issue 10's web load: a real Kestrel app under the installed tool serves about 200 requests a second from a
/// real HTTP client while edits land on the code its handler runs. No request may fail, and every answer must be the
/// one before or after the edits it overlapped. DETOUR_LOAD_EDITS sets the count (CI: 100).</summary>
[NonParallelizable]
public class WebLoadTests
{
    const int RequestsPerSecond = 200;
    string _dir = null!;
    RunningApp? _app;

    [SetUp]
    public void CopyApp() => _dir = Installed.CopyApps("web", "Web");

    [TearDown]
    public void KillApp() => _app?.Dispose();

    /// <summary>A local port nothing listens on now.</summary>
    internal static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    static void Write(string path, string text)
    {
        File.WriteAllText(path + ".tmp", text);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    [Test]
    public void TwoHundredRequestsASecond_WhileEditsLand_NoneFails_EachAnswerIsTheOldOrTheNew()
    {
        int edits = int.TryParse(Environment.GetEnvironmentVariable("DETOUR_LOAD_EDITS"), out var n) ? n : 100;
        string web = Path.Combine(_dir, "Web"), answers = Path.Combine(web, "Answers.cs");
        string url = $"http://127.0.0.1:{FreePort()}/";
        _app = RunningApp.Tool(web, "--", "--urls", url.TrimEnd('/'));
        _app.WaitFor(l => l.Contains("web: listening"), "Kestrel listening", seconds: 240);
        _app.WaitFor(l => l.Contains("detour: watching Web.csproj"), "the host watching", seconds: 120);

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        int applied = 0, applying = 0;
        long served = 0, failed = 0, wrong = 0;
        var failures = new List<string>();
        var inFlight = new List<Task>();
        var stop = new CancellationTokenSource();
        var load = new Thread(() =>
        {
            var clock = Stopwatch.StartNew();
            for (long sent = 0; !stop.IsCancellationRequested; sent++)
            {
                // Paced to the rate, not to the answers: a slow answer does not slow the load.
                var due = TimeSpan.FromSeconds(sent / (double)RequestsPerSecond);
                if (due > clock.Elapsed) Thread.Sleep(due - clock.Elapsed);
                lock (inFlight) inFlight.Add(Request());
            }
        }) { IsBackground = true };

        async Task Request()
        {
            int floor = Volatile.Read(ref applied);
            try
            {
                using var response = await client.GetAsync(url);
                string body = await response.Content.ReadAsStringAsync();
                int ceiling = Volatile.Read(ref applying);
                Interlocked.Increment(ref served);
                if (!response.IsSuccessStatusCode) { Interlocked.Increment(ref failed); Note($"HTTP {(int)response.StatusCode}: {body}"); }
                else if (!(body.StartsWith('v') && int.TryParse(body[1..], out int v) && v >= floor && v <= ceiling))
                {
                    Interlocked.Increment(ref wrong);
                    Note($"'{body}' when only v{floor}..v{ceiling} could be");
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { Interlocked.Increment(ref failed); Note(e.Message); }
        }
        void Note(string why)
        {
            lock (failures) if (failures.Count < 10) failures.Add(why);
        }

        var total = Stopwatch.StartNew();
        load.Start();
        var times = new List<double>();
        for (int i = 1; i <= edits; i++)
        {
            Volatile.Write(ref applying, i);
            var clock = Stopwatch.StartNew();
            Write(answers, $"public static class Answers\n{{\n    public static string Text() => \"v{i}\";\n}}\n");
            while (client.GetStringAsync(url).Result != $"v{i}")
            {
                Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(30), $"edit {i} reaching the answers");
                Thread.Sleep(5);
            }
            times.Add(clock.Elapsed.TotalMilliseconds);
            Volatile.Write(ref applied, i);
        }
        stop.Cancel();
        load.Join();
        Task[] pending;
        lock (inFlight) pending = inFlight.ToArray();
        Task.WaitAll(pending, TimeSpan.FromSeconds(30));
        total.Stop();

        times.Sort();
        TestContext.Out.WriteLine($"web load: {served} requests in {total.Elapsed.TotalSeconds:F1} s ({served / total.Elapsed.TotalSeconds:F0}/s), " +
                                  $"{failed} failed, {wrong} wrong; {edits} edits applied, save to new answer p50 {times[times.Count / 2]:F0} ms, " +
                                  $"p90 {times[(int)(times.Count * 0.9)]:F0} ms");
        Assert.That(failures, Is.Empty, "no request failed, and every answer was the old or the new one");
        Assert.That(served, Is.GreaterThanOrEqualTo((long)(RequestsPerSecond * total.Elapsed.TotalSeconds * 0.8)), "the load kept its rate throughout");
        Assert.That(_app.HasExited, Is.False);
    }
}
