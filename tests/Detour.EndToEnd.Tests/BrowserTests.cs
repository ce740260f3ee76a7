using System.Diagnostics;
using NUnit.Framework;

namespace Detour.EndToEnd.Tests;

/// <summary>Issue 17: the Blazor template with Server interactivity, in a real browser. Headless chromium opens the
/// Counter page, whose clicks travel over the live circuit; an edit of the component's handler and markup must reach
/// that same circuit, with the count it holds kept. `.ci/platforms chromium` installs the browser and runs this (it sets
/// DETOUR_BROWSER); elsewhere it is skipped.</summary>
[NonParallelizable, Category("chromium")]
public class BrowserTests
{
    const string Status = "document.querySelector('[role=status]')?.textContent ?? ''";

    TemplateApp? _app;
    HeadlessChromium? _browser;

    [TearDown]
    public void KillAll()
    {
        _browser?.Dispose();
        _app?.Dispose();
    }

    [TestCase(TemplateApp.Route.Tool)]
    [TestCase(TemplateApp.Route.Package)]
    public void BlazorServer_AClickOnTheLiveCircuitRunsTheEditedHandler_AndTheCountIsKept(TemplateApp.Route route)
    {
        string? executable = Environment.GetEnvironmentVariable("DETOUR_BROWSER");
        if (string.IsNullOrEmpty(executable)) Assert.Ignore("run by `.ci/platforms chromium`");
        var app = _app = TemplateApp.Create("blazor", "Clicks", ["--interactivity", "Server"]).StartWeb(route);
        var browser = _browser = HeadlessChromium.Start(executable);
        browser.Navigate(app.Url + "/counter");
        browser.WaitFor(Status, s => s.StartsWith("Current count: 0"), "the prerendered counter");

        // A click on prerendered markup does nothing until the circuit is up; click until one counts.
        var clock = Stopwatch.StartNew();
        while (!browser.Evaluate(Status)!.ToString().StartsWith("Current count: 1"))
        {
            Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(60), "a click counted once the circuit was up");
            if (browser.Evaluate(Status)!.ToString() == "Current count: 0") browser.Evaluate("document.querySelector('button.btn-primary').click()");
            Thread.Sleep(300);
        }
        browser.Evaluate("document.querySelector('button.btn-primary').click()");
        browser.WaitFor(Status, s => s == "Current count: 2", "the second click");
        browser.Evaluate("window.detourSamePage = 'yes'"); // a reload of the page would drop this

        string counter = app.File("Components/Pages/Counter.razor");
        RunningApp.Save(counter, ("currentCount++;", "currentCount += 10;"), ("Current count: @currentCount", "Clicked to @currentCount"));
        clock.Restart();
        // Blazor's update handler renders the live component again: the new markup shows, with the count it held.
        browser.WaitFor(Status, s => s == "Clicked to 2", "the edited markup on the live circuit, with the count kept");
        TestContext.Out.WriteLine($"Counter.razor, {route} route: {clock.ElapsedMilliseconds} ms from save to the new markup in the browser");

        browser.Evaluate("document.querySelector('button.btn-primary').click()");
        browser.WaitFor(Status, s => s == "Clicked to 12", "a click on the same circuit, running the edited handler");
        Assert.That(browser.Evaluate("window.detourSamePage")?.ToString(), Is.EqualTo("yes"), "the page was not reloaded");
        Assert.That(app.App.Lines.Where(l => l.Contains("detour:") && (l.Contains(": error") || l.Contains("rolled back") || l.Contains("could not"))), Is.Empty);
    }
}
