using NUnit.Framework;

namespace Detour.EndToEnd.Tests;

/// <summary>Issue 9 item 5: an ASP.NET Core app on a real Kestrel server, under the installed tool. Each handler kind
/// is called before an edit, after it and after a second one: a minimal-API lambda (the endpoint keeps the delegate
/// it got at startup), an MVC controller action, a Razor Pages handler, a DI singleton made before the edits, and a
/// generic type (through the runtime's own update, which the app's generic code turns on for all of these tests).</summary>
[Parallelizable(ParallelScope.Self)]
public class AspNetCoreTests
{
    string _dir = null!;
    ServedApp? _web;

    [SetUp]
    public void CopyApp() => _dir = Installed.CopyApps("aspnet", "WebApp");

    [TearDown]
    public void KillApp() => _web?.Dispose();

    string Web => Path.Combine(_dir, "WebApp");

    [Test]
    public void EveryHandlerKind_RunsTheNewBody_AfterAnEditAndASecondOne()
    {
        var web = _web = ServedApp.Start(Web, "WebApp.csproj");
        string Get(string path) => web.Get(path).Trim();

        var handlers = new (string File, string Path, string Word)[]
        {
            ("Program.cs", "/lambda", "lambda"),
            ("Controllers/HelloController.cs", "/hello", "controller"),
            ("Pages/Index.cshtml.cs", "/", "page"),
            ("Greeter.cs", "/service", "service"),
            ("Wrapped.cs", "/generic", "generic"),
        };
        foreach (var h in handlers) Assert.That(Get(h.Path), Does.Contain($"{h.Word}-0"), $"{h.Path} before the edits");
        int callsBefore = int.Parse(Get("/service").Split('#')[1]);

        for (int edit = 1; edit <= 2; edit++)
            foreach (var h in handlers)
            {
                RunningApp.Save(Path.Combine(Web, h.File), $"{h.Word}-{edit - 1}", $"{h.Word}-{edit}");
                web.WaitForAnswer(h.Path, $"{h.Word}-{edit}", $"after edit {edit}", seconds: 30);
            }

        Assert.That(int.Parse(Get("/service").Split('#')[1]), Is.GreaterThan(callsBefore + 1), "the singleton made at startup kept its state");
        Assert.That(Get("/generic"), Is.EqualTo("generic-2 7 generic-2 s"), "both instantiations, per value type and shared");
        Assert.That(web.App.Lines.Where(l => l.Contains("Program.<Main>$") && l.Contains("restart")), Is.Empty,
            "an edit of a handler lambda is not an edit of the running Main");
        Assert.That(web.App.Lines.Where(l => l.Contains("detour:") && (l.Contains("error") || l.Contains("rolled back"))), Is.Empty);
    }

    /// <summary>Issue 9 item 9, the defect found on a minimal-API app: a MapGet added before the handlers renumbered the
    /// lambdas, and froze every existing handler. Matching lambdas by syntax keeps each endpoint on its own lambda.</summary>
    [Test]
    public void MapGetAddedBeforeAHandler_TheHandlerTakesThatEditAndLaterOnes_AndItsRemoval()
    {
        string program = Path.Combine(Web, "Program.cs");
        var web = _web = ServedApp.Start(Web, "WebApp.csproj");
        void Expect(string body, string when) => web.WaitForAnswer("/lambda", answer => answer.Trim() == body, when, seconds: 30);
        Expect("lambda-0", "before the edits");
        const string handler = "app.MapGet(\"/lambda\", () => \"lambda-0\");";
        RunningApp.Save(program, handler, "app.MapGet(\"/added\", () => \"added\");\n" + handler.Replace("lambda-0", "lambda-1"));
        Expect("lambda-1", "in the edit that added a MapGet before it");
        RunningApp.Save(program, "lambda-1", "lambda-2");
        Expect("lambda-2", "after a second edit");
        RunningApp.Save(program, ("app.MapGet(\"/added\", () => \"added\");\n", ""), ("lambda-2", "lambda-3"));
        if (Installed.EngineOff)
        {
            // Through the runtime's update, the removed handler's delegate would throw: the edit needs a restart, and
            // the handler's own edit applies once the MapGet stays.
            web.App.WaitFor(l => l.Contains("rude edit:") && l.Contains("its lambda (line") && l.Contains("was removed"), "the removal, refused");
            RunningApp.Save(program, "app.MapGet(\"/lambda\"", "app.MapGet(\"/added\", () => \"added\");\napp.MapGet(\"/lambda\"");
        }
        Expect("lambda-3", "in the edit that removed the MapGet again");
        Assert.That(web.App.Lines.Where(l => l.Contains("out of date") && !l.Contains("was removed")), Is.Empty,
            "no handler that still exists is reported out of date");
    }

    /// <summary>Issue 9 item 6: a Razor Page's markup (.cshtml) edited, as `dotnet watch` applies it. A C# error inside the
    /// markup is reported at its line in the .cshtml, the page keeps serving, and the next good edit applies.</summary>
    [Test]
    public void RazorPageMarkup_EditedTwice_IsServed_AndAnErrorInItIsReportedAtItsLine()
    {
        string page = Path.Combine(Web, "Pages", "Index.cshtml");
        var web = _web = ServedApp.Start(Web, "WebApp.csproj");
        void Expect(string text, string when) => web.WaitForAnswer("/", text, when);
        Expect("<p>page-0</p>", "before the edits");
        RunningApp.Save(page, "<p>@Model.Message</p>", "<p>razor-1 @Model.Message</p>");
        Expect("<p>razor-1 page-0</p>", "after the first edit of the markup");
        RunningApp.Save(page, "razor-1", "razor-2");
        Expect("<p>razor-2 page-0</p>", "after a second edit");

        RunningApp.Save(page, "@Model.Message", "@Model.Mesage");
        var error = web.App.WaitFor(l => l.Contains("Index.cshtml(3,") && l.Contains("error"), "the error at its line in the .cshtml", seconds: 60);
        TestContext.Out.WriteLine(error);
        Assert.That(web.Get("/"), Does.Contain("<p>razor-2 page-0</p>"), "the page serves its last good markup");
        RunningApp.Save(page, ("@Model.Mesage", "@Model.Message"), ("razor-2", "razor-3"));
        Expect("<p>razor-3 page-0</p>", "after the fix");
    }
}
