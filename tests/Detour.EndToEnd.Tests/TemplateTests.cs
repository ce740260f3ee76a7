using System.Net;
using System.Net.Http.Headers;
using System.Text;
using NUnit.Framework;

namespace Detour.EndToEnd.Tests;

/// <summary>Issue 17: the apps people start from, as `dotnet new` makes them, started as `dotnet run` starts them (launch
/// profile included) and edited the way people edit them: a handler or action body, markup, a property added to a DTO,
/// an action added, a running worker's loop. Checked over real HTTP (gRPC too). Each test writes how long each edit
/// took from save to new behaviour.</summary>
[Parallelizable(ParallelScope.Children), FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public class TemplateTests
{
    TemplateApp? _app;

    [TearDown]
    public void KillApp() => _app?.Dispose();

    [TestCase(TemplateApp.Route.Tool)]
    [TestCase(TemplateApp.Route.Package, Category = Categories.EngineIndependent)]
    public void WebApiWithControllers_ActionBody_DtoProperty_AndANewAction(TemplateApp.Route route)
    {
        var app = _app = TemplateApp.Create("webapi", "Api", ["--use-controllers"]).StartWeb(route);
        if (route == TemplateApp.Route.Tool)
            Assert.That(app.App.Lines.Any(l => l.Contains("detour: launch profile 'http' of Properties/launchSettings.json")), "the profile is named");
        Assert.That(app.Get("/openapi/v1.json").Status, Is.EqualTo(HttpStatusCode.OK), "Development, as the launch profile says (OpenAPI is mapped there only)");
        Assert.That(Count(app.Get("/WeatherForecast").Body), Is.EqualTo(5));

        string controller = app.File("Controllers/WeatherForecastController.cs"), dto = app.File("WeatherForecast.cs");
        RunningApp.Save(controller, "Enumerable.Range(1, 5)", "Enumerable.Range(1, 2)");
        app.WaitForAnswer("/WeatherForecast", (status, body) => status == HttpStatusCode.OK && Count(body) == 2, "after the action body's edit");

        RunningApp.Save(dto, "public string? Summary { get; set; }", "public string? Summary { get; set; }\n\n    public string Source { get; set; } = \"detour\";");
        app.WaitForAnswer("/WeatherForecast", "\"source\":\"detour\"", "after a property was added to the DTO");

        RunningApp.Save(controller, "    [HttpGet(Name = \"GetWeatherForecast\")]",
            "    [HttpGet(\"count\")]\n    public int Count() => Summaries.Length;\n\n    [HttpGet(Name = \"GetWeatherForecast\")]");
        app.WaitForAnswer("/WeatherForecast/count", "10", "after an action was added");
        NoFailures(app);
    }

    [TestCase(TemplateApp.Route.Tool)]
    [TestCase(TemplateApp.Route.Package, Category = Categories.EngineIndependent)]
    public void MinimalWebApi_HandlerLambda_AndAMapGetAddedOffersTheRestart(TemplateApp.Route route)
    {
        var app = _app = TemplateApp.Create("webapi", "Minimal").StartWeb(route);
        Assert.That(Count(app.Get("/weatherforecast").Body), Is.EqualTo(5));
        string program = app.File("Program.cs");
        RunningApp.Save(program, "Enumerable.Range(1, 5)", "Enumerable.Range(1, 3)");
        app.WaitForAnswer("/weatherforecast", (status, body) => status == HttpStatusCode.OK && Count(body) == 3, "after the handler's edit");
        // (A property added to the record reaches reflection, but a minimal-API endpoint keeps the JSON contract it
        // resolved at startup: docs/limits.md.)

        // A MapGet added to the top-level program runs only at startup: the report says so and offers the restart.
        RunningApp.Save(program, ".WithName(\"GetWeatherForecast\");", ".WithName(\"GetWeatherForecast\");\napp.MapGet(\"/added\", () => \"added\");");
        string report = app.App.WaitFor(l => l.Contains("Program.<Main>$") && l.Contains("restart"), "the entry point's report");
        Assert.That(report, Does.Contain("already running"));
        app.App.WaitFor(l => l.Contains("part of this edit takes effect at a restart"), "the restart offered");
        NoFailures(app);
    }

    [TestCase(TemplateApp.Route.Tool)]
    [TestCase(TemplateApp.Route.Package, Category = Categories.EngineIndependent)]
    public void Mvc_ActionAdded_MarkupAndModelEdited(TemplateApp.Route route)
    {
        var app = _app = TemplateApp.Create("mvc", "Site").StartWeb(route);
        Assert.That(app.Get("/").Body, Does.Contain("Welcome"));
        RunningApp.Save(app.File("Views/Home/Index.cshtml"), "Welcome", "Willkommen");
        app.WaitForAnswer("/", "Willkommen", "after the view's markup was edited");

        string controller = app.File("Controllers/HomeController.cs");
        RunningApp.Save(controller, "    public IActionResult Privacy()", "    public string Hello(string name = \"world\") => $\"hello {name}\";\n\n    public IActionResult Privacy()");
        app.WaitForAnswer("/Home/Hello?name=detour", "hello detour", "after an action was added");

        RunningApp.Save(app.File("Models/ErrorViewModel.cs"), "public bool ShowRequestId", "public string Note { get; set; } = \"noted\";\n\n    public bool ShowRequestId");
        RunningApp.Save(app.File("Views/Home/Privacy.cshtml"), "<p>", "<p>@(new Site.Models.ErrorViewModel().Note) ");
        app.WaitForAnswer("/Home/Privacy", "noted", "after a model property was added and shown");
        NoFailures(app);
    }

    [TestCase(TemplateApp.Route.Tool)]
    [TestCase(TemplateApp.Route.Package, Category = Categories.EngineIndependent)]
    public void RazorPages_HandlerAndMarkupEdited_ANewPageSaysItNeedsARestart(TemplateApp.Route route)
    {
        var app = _app = TemplateApp.Create("webapp", "Pages").StartWeb(route);
        RunningApp.Save(app.File("Pages/Index.cshtml"), "Welcome", "Bienvenue");
        app.WaitForAnswer("/", "Bienvenue", "after the page's markup was edited");
        string model = app.File("Pages/Index.cshtml.cs");
        string body = System.Text.RegularExpressions.Regex.Match(System.IO.File.ReadAllText(model), @"public void OnGet\(\)\s*\{").Value;
        // The handler sets a property the same edit adds to the page model, and the markup shows it.
        RunningApp.Save(model, (body, "public string Greeting { get; set; } = \"\";\n\n    " + body + "\n        Greeting = \"from the handler\";"));
        RunningApp.Save(app.File("Pages/Index.cshtml"), "Bienvenue", "Bienvenue @Model.Greeting");
        app.WaitForAnswer("/", "Bienvenue from the handler", "after the page's handler, model and markup were edited");

        System.IO.File.WriteAllText(app.File("Pages/Hello.cshtml"), "@page\n<p>a new page</p>\n");
        app.App.WaitFor(l => l.Contains("detour: Hello.cshtml: 1 added"), "the new page's report");
        app.App.WaitFor(l => l.Contains("Pages_Hello: new view") && l.Contains("restart to serve it"), "why it needs a restart");
        app.App.WaitFor(l => l.Contains("part of this edit takes effect at a restart"), "the restart offered");
        NoFailures(app);
    }

    [TestCase(TemplateApp.Route.Tool)]
    [TestCase(TemplateApp.Route.Package, Category = Categories.EngineIndependent)]
    public void Worker_TheRunningLoopTakesTheEdit(TemplateApp.Route route)
    {
        var app = _app = TemplateApp.Create("worker", "Jobs").Start(route, l => l.Contains("Worker running at"), "the worker's first turn");
        RunningApp.Save(app.File("Worker.cs"), "Worker running at", "Worker edited at");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        app.App.WaitFor(l => l.Contains("Worker edited at"), "the loop that was running, on its next turn", seconds: 30);
        TestContext.Out.WriteLine($"worker loop: {clock.ElapsedMilliseconds} ms from save to the new line (the loop turns once a second)");
        NoFailures(app);
    }

    [Test]
    public void Worker_WithTreatWarningsAsErrors_AWarningIsRefusedAsTheBuildWould_AndTheNextGoodEditApplies()
    {
        var app = _app = TemplateApp.Create("worker", "Strict", prepare: folder => File.WriteAllText(Path.Combine(folder, "Directory.Build.props"),
                "<Project><PropertyGroup><TreatWarningsAsErrors>true</TreatWarningsAsErrors></PropertyGroup></Project>"))
            .Start(TemplateApp.Route.Tool, l => l.Contains("Worker running at"), "the worker's first turn");
        RunningApp.Save(app.File("Worker.cs"), "logger.LogInformation(\"Worker running at: {time}\", DateTimeOffset.Now);",
            "string? name = null;\n                logger.LogInformation(\"Worker named {length} at: {time}\", name.Length, DateTimeOffset.Now);");
        string refused = app.App.WaitFor(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"Worker\.cs\(\d+,\d+\): error CS8602: .*a warning this project's build treats as an error"),
            "the nullable warning, refused as the build refuses it");
        TestContext.Out.WriteLine(refused);
        app.App.ForgetOutput();
        app.App.WaitFor(l => l.Contains("Worker running at"), "the loop, still on its last good code");
        Assert.That(app.App.Lines.Any(l => l.Contains("Worker named")), Is.False, "nothing of the refused edit ran");
        RunningApp.Save(app.File("Worker.cs"), "string? name = null;\n                logger.LogInformation(\"Worker named {length} at: {time}\", name.Length, DateTimeOffset.Now);",
            "logger.LogInformation(\"Worker checked at: {time}\", DateTimeOffset.Now);");
        app.App.WaitFor(l => l.Contains("Worker checked at"), "the next good edit, applied", seconds: 30);
        TestContext.Out.WriteLine(app.App.WaitFor(l => l.Contains("detour: Worker.cs: ") && l.Contains(" patched"), "the good edit's report, with its time"));
        // An analyzer's warning (the SDK's CA2017: placeholders and arguments differ) is the build's error too.
        RunningApp.Save(app.File("Worker.cs"), "\"Worker checked at: {time}\"", "\"Worker checked at: {time} {extra}\"");
        TestContext.Out.WriteLine(app.App.WaitFor(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"Worker\.cs\(\d+,\d+\): error CA2017: "),
            "the analyzer's warning, refused as the build refuses it"));
    }

    [TestCase(TemplateApp.Route.Tool)]
    [TestCase(TemplateApp.Route.Package, Category = Categories.EngineIndependent)]
    public void Blazor_MarkupEdited_AndANewComponent_AreServed(TemplateApp.Route route)
    {
        var app = _app = TemplateApp.Create("blazor", "Shop", ["--interactivity", "Server"]).StartWeb(route);
        Assert.That(app.Get("/_framework/blazor.web.js").Status, Is.EqualTo(HttpStatusCode.OK), "the framework script, served in Development");
        RunningApp.Save(app.File("Components/Pages/Home.razor"), "Hello, world!", "Hello, Detour!");
        app.WaitForAnswer("/", "Hello, Detour!", "after the component's markup was edited");
        // A routable component made after the start: the runtime adds its class, and the router finds it.
        File.WriteAllText(app.File("Components/Pages/Fresh.razor"), "@page \"/fresh\"\n\n<h1>Fresh page</h1>\n<p>made after the start</p>\n");
        app.WaitForAnswer("/fresh", "made after the start", "after a new component was saved");
        RunningApp.Save(app.File("Components/Pages/Fresh.razor"), "made after the start", "edited after it was added");
        app.WaitForAnswer("/fresh", "edited after it was added", "after the new component was edited");
        NoFailures(app);
    }

    [TestCase(TemplateApp.Route.Tool)]
    [TestCase(TemplateApp.Route.Package, Category = Categories.EngineIndependent)]
    public void RazorClassLibrary_ReferencedByABlazorApp_ItsComponentsMarkupIsServed(TemplateApp.Route route)
    {
        var app = _app = TemplateApp.Create("blazor", "Site", ["--interactivity", "Server"], prepare: folder =>
        {
            string library = Path.Combine(Path.GetDirectoryName(folder)!, "Ui");
            Installed.Run(folder, "dotnet", "new", "razorclasslib", "-n", "Ui", "-o", library);
            Installed.Run(folder, "dotnet", "add", "reference", Path.Combine(library, "Ui.csproj"));
            string home = Path.Combine(folder, "Components", "Pages", "Home.razor");
            File.WriteAllText(home, File.ReadAllText(home) + "\n<Ui.Component1 />\n");
        }).StartWeb(route);
        app.WaitForAnswer("/", "defined in the", "the library's component, as built");
        RunningApp.Save(Path.Combine(Path.GetDirectoryName(app.Folder)!, "Ui", "Component1.razor"), "This component is defined in the", "This component was edited in the");
        app.WaitForAnswer("/", "This component was edited in the", "after the library's component markup was edited");
        NoFailures(app);
    }

    [TestCase(TemplateApp.Route.Tool)]
    [TestCase(TemplateApp.Route.Package, Category = Categories.EngineIndependent)]
    public void Console_ALoopingProgram_TakesABodyAnAddedMethodAndAPropertyAddedToARecord(TemplateApp.Route route)
    {
        // The console template prints once and ends; a user's first change makes it a loop.
        const string program = "while (true)\n{\n    Console.WriteLine(Shop.Line());\n    Thread.Sleep(200);\n}\n\n" +
                               "static class Shop\n{\n    public static string Line() => \"price \" + new Item(\"tea\", 3).Price;\n}\n\n" +
                               "record Item(string Name, int Price);\n";
        var app = _app = TemplateApp.Create("console", "Loop", prepare: folder => File.WriteAllText(Path.Combine(folder, "Program.cs"), program))
            .Start(route, l => l.Contains("price 3"), "the loop's first line");
        RunningApp.Save(app.File("Program.cs"), "\"price \" + new Item(\"tea\", 3).Price;", "\"cost \" + new Item(\"tea\", 3).Price;");
        app.App.WaitFor(l => l.Contains("cost 3"), "the edited body", seconds: 30);
        RunningApp.Save(app.File("Program.cs"), "\"cost \" + new Item(\"tea\", 3).Price;", "\"cost \" + Twice(new Item(\"tea\", 3).Price);\n    static int Twice(int x) => x * 2;");
        app.App.WaitFor(l => l.Contains("cost 6"), "an added method, called", seconds: 30);
        RunningApp.Save(app.File("Program.cs"), ("record Item(string Name, int Price);", "record Item(string Name, int Price)\n{\n    public string Label => Name + \"!\";\n}"),
            ("\"cost \" + Twice(", "new Item(\"tea\", 3).Label + \" cost \" + Twice("));
        app.App.WaitFor(l => l.Contains("tea! cost 6"), "a property added to the record, read", seconds: 30);
        NoFailures(app);
        // The project file is the build's: a property set there needs a restart, and Detour says so.
        RunningApp.Save(app.File("Loop.csproj"), "</PropertyGroup>", "  <InvariantGlobalization>true</InvariantGlobalization>\n  </PropertyGroup>");
        app.App.WaitFor(l => l.Contains("Loop.csproj(1,1): rude edit: the project file is read by the build"), "the project file's edit, said to need a restart");
    }

    [TestCase(TemplateApp.Route.Tool)]
    [TestCase(TemplateApp.Route.Package, Category = Categories.EngineIndependent)]
    public void Grpc_ServiceMethodBody_AnswersTheNewReply_AndAContractEditOffersTheRestart(TemplateApp.Route route)
    {
        var app = _app = TemplateApp.Create("grpc", "Rpc").StartWeb(route);
        Assert.That(SayHello(app, "world"), Is.EqualTo("Hello world"));
        RunningApp.Save(app.File("Services/GreeterService.cs"), "\"Hello \" + request.Name", "\"Hi there \" + request.Name");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (SayHello(app, "world") != "Hi there world")
        {
            Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(60), "the new reply");
            Thread.Sleep(20);
        }
        TestContext.Out.WriteLine($"gRPC SayHello: {clock.ElapsedMilliseconds} ms from save to the new reply");
        NoFailures(app);
        // A method added to the service's contract: protoc runs in the build, so the restart is offered at once.
        RunningApp.Save(app.File("Protos/greet.proto"), "rpc SayHello", "rpc SayGoodbye (HelloRequest) returns (HelloReply);\n  rpc SayHello");
        app.App.WaitFor(l => l.Contains("greet.proto(1,1): rude edit: the build compiles .proto files"), "the .proto edit, said to need a restart");
        app.App.WaitFor(l => l.Contains("detour: this edit needs a restart"), "the restart, offered");
        Assert.That(SayHello(app, "world"), Is.EqualTo("Hi there world"), "the app runs on");
    }

    /// <summary>greet.Greeter/SayHello over HTTP/2 without TLS, the request and reply framed by hand (a length-prefixed
    /// protobuf message with one string field).</summary>
    static string SayHello(TemplateApp app, string name)
    {
        var message = new List<byte> { 0x0a, (byte)name.Length };
        message.AddRange(Encoding.UTF8.GetBytes(name));
        var frame = new List<byte> { 0, 0, 0, 0, (byte)message.Count };
        frame.AddRange(message);
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, app.Url + "/greet.Greeter/SayHello")
        {
            Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact, Content = new ByteArrayContent([.. frame]),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        using var response = client.SendAsync(request).Result;
        var reply = response.Content.ReadAsByteArrayAsync().Result;
        Assert.That(reply.Length, Is.GreaterThan(7), $"a gRPC reply ({response.StatusCode})");
        return Encoding.UTF8.GetString(reply, 7, reply[6]); // prefix (5), field tag (1), length (1)
    }

    static int Count(string json) => System.Text.Json.JsonDocument.Parse(json).RootElement.GetArrayLength();

    static void NoFailures(TemplateApp app) =>
        Assert.That(app.App.Lines.Where(l => l.Contains("detour:") && (l.Contains(": error") || l.Contains("rolled back") || l.Contains("could not"))), Is.Empty);
}
