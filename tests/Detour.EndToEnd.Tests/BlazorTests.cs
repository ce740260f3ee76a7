using NUnit.Framework;

namespace Detour.EndToEnd.Tests;

/// <summary>Issue 9 item 6 for .razor: a Blazor component rendered on the server (static SSR, so a plain GET shows its
/// markup) under the installed tool. Its markup edited twice is served each time; a C# error in it is reported at its
/// line in the .razor file while the page keeps its last good markup.</summary>
[Parallelizable(ParallelScope.Self)]
public class BlazorTests
{
    string _dir = null!;
    ServedApp? _web;

    [SetUp]
    public void CopyApp() => _dir = Installed.CopyApps("blazor", "Blazor");

    [TearDown]
    public void KillApp() => _web?.Dispose();

    [Test]
    public void ComponentMarkup_EditedTwice_IsServed_AndAnErrorInItIsReportedAtItsLine()
    {
        string home = Path.Combine(_dir, "Blazor", "Pages", "Home.razor");
        var web = _web = ServedApp.Start(Path.Combine(_dir, "Blazor"), "Blazor.csproj");
        void Expect(string text, string when) => web.WaitForAnswer("/", text, when);
        Expect("<p>component-0 2</p>", "before the edits");
        RunningApp.Save(home, "component-0", "component-1");
        Expect("<p>component-1 2</p>", "after the first edit");
        RunningApp.Save(home, ("component-1", "component-2"), ("1 + 1", "2 + 2"));
        Expect("<p>component-2 4</p>", "after a second edit");

        RunningApp.Save(home, "2 + 2", "2 + missing");
        var error = web.App.WaitFor(l => l.Contains("Home.razor(2,") && l.Contains("error"), "the error at its line in the .razor file", seconds: 60);
        TestContext.Out.WriteLine(error);
        Assert.That(web.Get("/"), Does.Contain("<p>component-2 4</p>"), "the component serves its last good markup");
        RunningApp.Save(home, ("2 + missing", "3 + 3"), ("component-2", "component-3"));
        Expect("<p>component-3 6</p>", "after the fix");
    }
}
