using System.Diagnostics;
using NUnit.Framework;

namespace Detour.EndToEnd.Tests;

/// <summary>Issue 10's faults: a failure injected (DETOUR_TEST_FAULTS) at each stage of an edit, from the watcher's
/// read to the update handlers, and the processes dying mid-edit. After each, the app must run exactly what it ran
/// before that edit, the failure must be reported against the file, and the next good edit must apply.</summary>
[Parallelizable(ParallelScope.Self)]
public class FaultTests
{
    // In the order an edit reaches them: each fails the first edit that gets that far.
    static readonly string[] Stages = ["read", "compiled", "relinked", "written", "loaded", "initializers", "detours", "detour-write", "fields", "runtime-update", "handlers"];

    /// <summary>Without the native engine no jump is written, so that stage never comes.</summary>
    static string[] StagesOfThisMode => Installed.EngineOff ? Stages.Where(s => s != "detour-write").ToArray() : Stages;

    string _dir = null!;
    readonly List<RunningApp> _started = new();

    [SetUp]
    public void CopyApps() => _dir = Installed.CopyApps("faults", "Plain", "Lib", "Packaged");

    [TearDown]
    public void KillEverything()
    {
        foreach (var app in _started) app.Dispose();
        _started.Clear();
        Sockets.StopHostsStartedUnder(_dir);
    }

    RunningApp Track(RunningApp app)
    {
        _started.Add(app);
        return app;
    }

    /// <summary>Two methods and a static initializer, all changed by every edit: each stage has work to fail at.</summary>
    static string GreeterText(int k) =>
        "public static class Greeter\n{\n" +
        $"    static readonly string Suffix = \"s{k}\";\n" +
        $"    public static string Greeting() => Word() + Suffix + \"{k}\";\n" +
        $"    static string Word() => \"w{k}\";\n}}\n";

    static string Shown(int k) => $"w{k}s{k}{k}";

    static void Write(string path, string text)
    {
        File.WriteAllText(path + ".tmp", text);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    [Test]
    public void AFaultAtEveryStage_LeavesTheAppRunningTheCodeBeforeTheEdit_AndTheNextEditApplies()
    {
        string greeter = Path.Combine(_dir, "Plain", "Greeter.cs");
        File.WriteAllText(greeter, GreeterText(0));
        File.SetLastWriteTimeUtc(greeter, DateTime.UtcNow.AddHours(-1));
        var app = Track(RunningApp.Tool(Path.Combine(_dir, "Plain"), s => s.Environment["DETOUR_TEST_FAULTS"] = string.Join(",", StagesOfThisMode)));
        app.WaitFor(l => l.StartsWith("tick ") && l.Contains(Shown(0)), "the first tick", seconds: 180);

        int good = 0;
        for (int k = 1; k <= StagesOfThisMode.Length; k++)
        {
            string stage = StagesOfThisMode[k - 1];
            app.ForgetOutput();
            Write(greeter, GreeterText(k));
            app.WaitFor(l => l.Contains("Greeter.cs") && l.Contains($"injected fault at {stage}"), $"the report of the fault at {stage}");
            if (stage == "handlers") good = k; // as with .NET's own handlers, a handler's failure does not undo the edit
            // The app's stdout and the tool's report are two pipes: a tick printed while the edit was landing can be
            // read after the report. The second tick from here was printed after it.
            app.ForgetOutput();
            app.WaitFor(l => l.StartsWith("tick "), $"a tick after the fault at {stage}");
            var tick = app.WaitFor(l => l.StartsWith("tick "), $"a later tick after the fault at {stage}");
            Assert.That(tick, Does.Contain($" {Shown(good)} "), $"after the fault at {stage}, the app runs the code it ran before");
        }

        app.ForgetOutput();
        Write(greeter, GreeterText(99));
        app.WaitFor(l => l.StartsWith("tick ") && l.Contains($" {Shown(99)} "), "the next good edit, applied");
        Assert.That(app.HasExited, Is.False);
    }

    string Packaged => Path.Combine(_dir, "Packaged");
    string PackagedGreeter => Path.Combine(Packaged, "Greeter.cs");

    RunningApp StartPackaged(string? faults)
    {
        var start = new ProcessStartInfo("dotnet", Path.Combine(Packaged, "bin", "Debug", "net10.0", "Packaged.dll")) { WorkingDirectory = Packaged };
        if (faults is not null) start.Environment["DETOUR_TEST_FAULTS"] = faults;
        var app = Track(new RunningApp(start));
        app.WaitFor(l => l.Contains("detour: watching Packaged.csproj"), "the agent's banner", seconds: 120);
        return app;
    }

    /// <summary>The packaged app built and running with the faults, and the pid of the one host its agent started.</summary>
    (RunningApp App, int Host) BuildAndRun(string faults)
    {
        Installed.Run(Packaged, "dotnet", "build", "-nologo", "-v:q");
        var app = StartPackaged(faults);
        app.WaitFor(l => l.StartsWith("tick ") && l.Contains("hello"), "the app running");
        return (app, Sockets.HostsServing(_dir).Single());
    }

    [Test]
    public void TheHostKilledMidEdit_TheAppRunsOn_StartsANewHost_AndTheNextEditApplies()
    {
        var (app, firstHost) = BuildAndRun("written:kill");

        RunningApp.Save(PackagedGreeter, "\"hello\"", "\"lost\"");
        app.WaitFor(l => l.Contains("detour: the compile host went away; starting a new one"), "the agent noticing its host's death");
        app.ForgetOutput();
        Assert.That(app.WaitFor(l => l.StartsWith("tick "), "a tick after the host died"), Does.Contain(" hello hello "), "the edit the host died in never landed");
        Assert.That(Sockets.HostsServing(_dir), Does.Not.Contain(firstHost));

        app.WaitFor(l => l.Contains("detour: watching Packaged.csproj"), "the new host's banner", seconds: 120);
        RunningApp.Save(PackagedGreeter, "\"lost\"", "\"found\"");
        app.WaitFor(l => l.StartsWith("tick ") && l.Contains(" found found "), "the next good edit, through the new host");
        Assert.That(app.HasExited, Is.False);
    }

    [Test]
    public void TheAppExitingMidEdit_LeavesTheHostServing_AndTheNextRunTakesEdits()
    {
        var (app, host) = BuildAndRun("detours:exit");

        RunningApp.Save(PackagedGreeter, "\"hello\"", "\"midway\"");
        Assert.That(app.WaitForExit(), Is.EqualTo(3), "the app exited in the middle of applying the edit");
        // The host answers once it has seen the app go: it outlived it.
        for (int attempt = 0; !RunningApp.Command(Packaged, "status").Contains("no app is running under this compile host"); attempt++)
        {
            Assert.That(attempt, Is.LessThan(240), "the host never said the app had gone");
            Thread.Sleep(250);
        }
        Assert.That(Sockets.HostsServing(_dir), Is.EqualTo(new[] { host }), "the host outlives the app");

        var again = StartPackaged(null);
        again.WaitFor(l => l.StartsWith("tick ") && l.Contains("hello"), "the next run, on the build's code");
        RunningApp.Save(PackagedGreeter, "\"midway\"", "\"after\"");
        again.WaitFor(l => l.StartsWith("tick ") && l.Contains(" after after "), "the next run's edit, through the same host");
        Assert.That(Sockets.HostsServing(_dir), Is.EqualTo(new[] { host }));
    }
}
