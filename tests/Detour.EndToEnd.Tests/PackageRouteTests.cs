using System.Diagnostics;
using System.Text.RegularExpressions;
using NUnit.Framework;

namespace Detour.EndToEnd.Tests;

/// <summary>The Detour package route: an app that references the package, built and run in Debug with the plain SDK.
/// The agent starts (or reuses) a background compile host for the project. Every process started is killed.</summary>
[Parallelizable(ParallelScope.Self)]
public class PackageRouteTests
{
    string _dir = null!;
    string App => Path.Combine(_dir, "Packaged");
    string Greeter => Path.Combine(App, "Greeter.cs");
    readonly List<RunningApp> _started = new();

    [SetUp]
    public void CopyApp() => _dir = Installed.CopyApps("package", "Packaged");

    [TearDown]
    public void KillEverything()
    {
        foreach (var app in _started) app.Dispose();
        _started.Clear();
        Sockets.StopHostsStartedUnder(_dir);
    }

    RunningApp Start(ProcessStartInfo start)
    {
        var app = new RunningApp(start);
        _started.Add(app);
        return app;
    }

    /// <summary>The built app itself (what `dotnet run` starts), so a test can stop the app without its host.</summary>
    RunningApp StartBuilt(bool commands = false)
    {
        var start = new ProcessStartInfo("dotnet", Path.Combine(App, "bin", "Debug", "net10.0", "Packaged.dll")) { WorkingDirectory = App };
        if (commands) start.Environment["DETOUR_COMMANDS"] = "1";
        var app = Start(start);
        app.WaitFor(l => l.Contains("detour: watching Packaged.csproj"), "the agent's banner", seconds: 120);
        return app;
    }

    [Test, Category(Categories.EngineIndependent)]
    public void PlainDotnetRun_WithStdoutInAFile_TheFileHoldsOnlyTheAppsLines_AndEditsApply()
    {
        string stdout = Path.Combine(_dir, "stdout.txt");
        var app = Start(new ProcessStartInfo("sh", ["-c", $"exec dotnet run > '{stdout}'"]) { WorkingDirectory = App });
        app.WaitFor(l => l.StartsWith("stderr: detour: watching Packaged.csproj (2 files)"), "the banner, on stderr", seconds: 240);
        RunningApp.Save(Greeter, "\"hello\"", "\"howdy\"");
        app.WaitFor(l => l.StartsWith("stderr: detour: Greeter.cs: 1 patched"), "the report, on stderr");
        var clock = Stopwatch.StartNew();
        while (!ReadShared(stdout).Any(l => l.Contains("howdy")))
        {
            Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(30), "the new behaviour in the app's own output");
            Thread.Sleep(50);
        }
        var lines = ReadShared(stdout);
        Assert.That(lines.Where(l => !Regex.IsMatch(l, @"^tick \d+ (hello|howdy) (hello|howdy) 1$")), Is.Empty, "the file holds only the app's lines");
    }

    static List<string> ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd().Split('\n').Where(l => l.Length > 0).ToList();
    }

    [Test, Category(Categories.EngineIndependent)]
    public void HostKilledWhileTheAppRuns_TheAppRunsOn_AndStartsANewHost_SayingSoOnce()
    {
        Installed.Run(App, "dotnet", "build", "-nologo", "-v:q");
        var app = StartBuilt();
        var hosts = Sockets.HostsServing(_dir);
        Assert.That(hosts, Has.Count.EqualTo(1), "one compile host for the project");
        Process.GetProcessById(hosts[0]).Kill();
        app.WaitFor(l => l.Contains("detour: the compile host went away; starting a new one"), "the one line saying so");
        app.WaitFor(l => l.Contains("detour: watching Packaged.csproj"), "the new host's banner", seconds: 120);
        app.ForgetOutput();
        // The new host answers, ready: it serves the app; whatever the agent had to say of the change, it has said.
        for (int attempt = 0; !RunningApp.Command(App, "status").Contains(", ready ("); attempt++)
        {
            Assert.That(attempt, Is.LessThan(240), "the new compile host did not get ready");
            Thread.Sleep(250);
        }
        app.WaitFor(l => l.StartsWith("tick "), "the app running on");
        Assert.That(app.Lines.Count(l => l.Contains("detour:")), Is.Zero, "said once, then nothing more");
        var now = Sockets.HostsServing(_dir);
        Assert.That(now, Has.Count.EqualTo(1), "a host serves the project");
        Assert.That(now, Does.Not.Contain(hosts[0]), "a new one");
    }

    [Test, Category(Categories.EngineIndependent)]
    public void TheNextRunOfTheApp_FindsTheSameHostWarm()
    {
        Installed.Run(App, "dotnet", "build", "-nologo", "-v:q");
        var first = StartBuilt(commands: true);
        RunningApp.Save(Greeter, "\"hello\"", "\"first run\"");
        first.WaitFor(l => l.Contains("detour: Greeter.cs: 1 patched"), "the first run's edit");
        var host = Sockets.HostsServing(_dir).Single();
        first.KillAlone();

        var second = StartBuilt(commands: true);
        second.WaitFor(l => l.StartsWith("tick ") && l.Contains("first run"), "the edit saved during the last run, applied at start");
        RunningApp.Save(Greeter, "\"first run\"", "\"second run\"");
        var report = second.WaitFor(l => l.Contains("detour: Greeter.cs: 1 patched"), "the second run's first edit");
        TestContext.Out.WriteLine("second run's first edit: " + report);
        second.Input.WriteLine("%status");
        var status = second.WaitFor(l => l.Contains("detour: compile host"), "the host line of the status");
        Assert.That(status, Does.Contain($"compile host {host},").And.Contain("2 apps served"));
        Assert.That(Sockets.HostsServing(_dir), Is.EqualTo(new[] { host }), "no second host was started");
    }

    [Test]
    public void Mode3_EditsAreCompiledAtOnce_AndLandOnlyAtTheAppsSafePoint_BetweenTwoTicks()
    {
        Installed.Run(App, "dotnet", "build", "-nologo", "-v:q");
        var app = StartBuilt(commands: true);
        for (int attempt = 0; !RunningApp.Command(App, "status").Contains(", ready ("); attempt++)
        {
            Assert.That(attempt, Is.LessThan(240), "the compile host did not get ready");
            Thread.Sleep(250);
        }
        Assert.That(RunningApp.Command(App, "mode", "3"), Does.Contain("autoreload mode 3"));

        RunningApp.Save(Greeter, "\"hello\"", "\"howdy\"");
        app.WaitFor(l => l.Contains("detour: Greeter.cs: compiled (") && l.Contains("waits for the app's next Detour.HotPatch.SafePoint()"), "compiled at once");
        app.Input.WriteLine("%status");
        app.WaitFor(l => l.Contains("compiled, waiting for the app's next Detour.HotPatch.SafePoint(): Greeter.cs"), "the status says what waits");
        app.ForgetOutput();
        app.WaitFor(l => l.StartsWith("tick "), "a tick after the status");
        app.WaitFor(l => l.StartsWith("tick "), "another");
        Assert.That(app.Lines.Any(l => l.StartsWith("tick ") && l.Contains("howdy")), Is.False, "nothing lands while SafePoint() is never called");

        app.Input.WriteLine("safe");
        app.WaitFor(l => l.Contains("detour: Greeter.cs: 1 patched"), "applied at the safe point");
        app.WaitFor(l => l.StartsWith("tick ") && l.Contains("howdy"), "the new code");
        RunningApp.Save(Greeter, "\"howdy\"", "\"hiya\"");
        app.WaitFor(l => l.StartsWith("tick ") && l.Contains("hiya"), "a second edit, at the next safe point");
        foreach (var line in app.Lines.Where(l => l.StartsWith("safe point held") || l.Contains(": 1 patched"))) TestContext.Out.WriteLine(line);
        var ticks = app.Lines.Where(l => l.StartsWith("tick ")).ToList();
        Assert.That(ticks.Where(l => !Regex.IsMatch(l, @"^tick \d+ (hello hello|howdy howdy|hiya hiya) 1$")), Is.Empty, "every edit landed between two ticks");
    }

    [Test]
    public void KeepValueOnReload_FromThePackage_KeepsTheValue()
    {
        Installed.Run(App, "dotnet", "build", "-nologo", "-v:q");
        var app = StartBuilt();
        RunningApp.Save(Greeter, "public static int Level = 1;", "public static int Level = 5;");
        RunningApp.Save(Greeter, "\"hello\"", "\"kept\"");
        app.WaitFor(l => l.StartsWith("tick ") && l.Contains("kept"), "the later edit");
        Assert.That(app.Lines.Where(l => l.StartsWith("tick ")).All(l => l.EndsWith(" 1")), "the field kept its value");
        // The report's member lines follow the patch; the new behaviour can be seen before they are read.
        app.WaitFor(l => l.Contains("[KeepValueOnReload] keeps the current value"), "the report saying why");
    }

    [Test, Category(Categories.EngineIndependent)]
    public void OptimizedBuild_LeavesTheAgentInactive_AndSaysWhyInOneLine()
    {
        Installed.Run(App, "dotnet", "build", "-c", "Release", "-nologo", "-v:q");
        Assert.That(File.ReadAllText(Path.Combine(App, "bin", "Release", "net10.0", "Packaged.runtimeconfig.json")), Does.Not.Contain("STARTUP_HOOKS"),
            "a Release build carries no startup hook at all");
        var app = Start(new ProcessStartInfo("dotnet", Path.Combine(App, "bin", "Release", "net10.0", "Packaged.dll")) { WorkingDirectory = App });
        AssertNoAgentInside(app);
        Assert.That(app.Lines.Where(l => l.Contains("detour")), Is.Empty);
        Assert.That(Sockets.HostsServing(_dir), Is.Empty);
    }

    [Test, Category(Categories.EngineIndependent)]
    public void DetourDisable_TurnsTheAgentOff()
    {
        Installed.Run(App, "dotnet", "build", "-nologo", "-v:q");
        var start = new ProcessStartInfo("dotnet", Path.Combine(App, "bin", "Debug", "net10.0", "Packaged.dll")) { WorkingDirectory = App };
        start.Environment["DETOUR_DISABLE"] = "1";
        var app = Start(start);
        AssertNoAgentInside(app);
        Assert.That(app.Lines.Where(l => l.Contains("detour")), Is.Empty);
        Assert.That(Sockets.HostsServing(_dir), Is.Empty);
    }

    /// <summary>The app, running, says what it holds: an agent would have started its thread before the app's Main, and
    /// loaded the channel.</summary>
    static void AssertNoAgentInside(RunningApp app)
    {
        app.WaitFor(l => l.StartsWith("tick "), "the app running", seconds: 60);
        app.Input.WriteLine("inside");
        string inside = app.WaitFor(l => l.StartsWith("threads: "), "the app's threads and assemblies");
        Assert.That(inside, Does.Not.Contain("detour agent").And.Not.Contain("Detour.Channel"), inside);
    }
}
