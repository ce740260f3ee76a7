using NUnit.Framework;

namespace Detour.EndToEnd.Tests;

/// <summary>Issue 9 item 6 for .razor: a Blazor component rendered on the server (static SSR, so a plain GET shows its
/// markup) under the installed tool. Its markup edited twice is served each time; a C# error in it is reported at its
/// line in the .razor file while the page keeps its last good markup.</summary>
[NonParallelizable]
public class BlazorTests
{
    string _dir = null!;
    RunningApp? _app;

    [SetUp]
    public void CopyApp() => _dir = Installed.CopyApps("blazor", "Blazor");

    [TearDown]
    public void KillApp() => _app?.Dispose();

    [Test]
    public void ComponentMarkup_EditedTwice_IsServed_AndAnErrorInItIsReportedAtItsLine()
    {
        string web = Path.Combine(_dir, "Blazor");
        string home = Path.Combine(web, "Pages", "Home.razor");
        string url = $"http://127.0.0.1:{WebLoadTests.FreePort()}";
        _app = RunningApp.Tool(web, "--", "--urls", url);
        _app.WaitFor(l => l.Contains("web: listening"), "Kestrel listening", seconds: 240);
        _app.WaitFor(l => l.Contains("detour: watching Blazor.csproj"), "the host watching", seconds: 120);
        using var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(10) };
        void Expect(string text, string when)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            string body;
            while (!(body = client.GetStringAsync("/").Result).Contains(text))
            {
                Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(60),
                    $"/ {when}: it answered {body}; the tool said:\n{string.Join("\n", _app!.Lines.TakeLast(12))}");
                Thread.Sleep(20);
            }
        }
        Expect("<p>component-0 2</p>", "before the edits");
        RunningApp.Save(home, "component-0", "component-1");
        Expect("<p>component-1 2</p>", "after the first edit");
        RunningApp.Save(home, ("component-1", "component-2"), ("1 + 1", "2 + 2"));
        Expect("<p>component-2 4</p>", "after a second edit");

        RunningApp.Save(home, "2 + 2", "2 + missing");
        var error = _app.WaitFor(l => l.Contains("Home.razor(2,") && l.Contains("error"), "the error at its line in the .razor file", seconds: 60);
        TestContext.Out.WriteLine(error);
        Assert.That(client.GetStringAsync("/").Result, Does.Contain("<p>component-2 4</p>"), "the component serves its last good markup");
        RunningApp.Save(home, ("2 + missing", "3 + 3"), ("component-2", "component-3"));
        Expect("<p>component-3 6</p>", "after the fix");
    }
}
