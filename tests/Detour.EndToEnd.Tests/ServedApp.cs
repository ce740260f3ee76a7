using System.Diagnostics;
using NUnit.Framework;

namespace Detour.EndToEnd.Tests;

/// <summary>A web test app run under the installed tool on a free local port, started and ready for edits (Kestrel
/// listening, the host watching), with a client for it. Disposing it ends both.</summary>
internal sealed class ServedApp : IDisposable
{
    public RunningApp App { get; }
    public HttpClient Client { get; }
    public string Url { get; }

    ServedApp(RunningApp app, string url)
    {
        App = app;
        Url = url;
        Client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(10) };
    }

    public static ServedApp Start(string folder, string project)
    {
        string url = $"http://127.0.0.1:{WebLoadTests.FreePort()}";
        var app = RunningApp.Tool(folder, "--", "--urls", url);
        try
        {
            app.WaitFor(l => l.Contains("web: listening"), "Kestrel listening", seconds: 240);
            app.WaitFor(l => l.Contains($"detour: watching {project}"), "the host watching", seconds: 120);
        }
        catch
        {
            app.Dispose();
            throw;
        }
        return new ServedApp(app, url);
    }

    public string Get(string path) => Client.GetStringAsync(path).Result;

    /// <summary>Waits until the answer at <paramref name="path"/> holds <paramref name="text"/>.</summary>
    public void WaitForAnswer(string path, string text, string when, int seconds = 60) =>
        WaitForAnswer(path, body => body.Contains(text), when, seconds);

    /// <summary>Waits until the answer at <paramref name="path"/> is one <paramref name="accepted"/> takes; a failure shows
    /// the last answer and the tool's last lines.</summary>
    public void WaitForAnswer(string path, Func<string, bool> accepted, string when, int seconds = 60)
    {
        var clock = Stopwatch.StartNew();
        string body;
        while (!accepted(body = Get(path)))
        {
            Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(seconds),
                $"{path} {when}: it answered {body}; the tool said:\n{string.Join("\n", App.Lines.TakeLast(12))}");
            Thread.Sleep(20);
        }
    }

    public void Dispose()
    {
        Client.Dispose();
        App.Dispose();
    }
}
