using System.Text.RegularExpressions;
using NUnit.Framework;

namespace Detour.EndToEnd.Tests;

/// <summary>`dotnet detour run` on an app that does not reference Detour (with a library project), from the installed
/// tool. Each test gets a fresh copy of the apps; every process started is killed, pass or fail.</summary>
[Parallelizable(ParallelScope.Children), FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public class ToolRouteTests
{
    string _dir = null!;
    RunningApp _app = null!;
    string Plain(string file) => Path.Combine(_dir, "Plain", file);
    string Weather => Path.Combine(_dir, "Lib", "Weather.cs");

    [SetUp]
    public void CopyApps() => _dir = Installed.CopyApps("tool", "Plain", "Lib");

    [TearDown]
    public void KillApp() => _app?.Dispose();

    void Launch(bool commands = false, params string[] arguments) => Launch(commands, listAssemblies: false, arguments);

    void Launch(bool commands, bool listAssemblies, params string[] arguments)
    {
        _app = RunningApp.Tool(Path.Combine(_dir, "Plain"), start =>
        {
            if (commands) start.Environment["DETOUR_COMMANDS"] = "1";
            if (listAssemblies) start.Environment["PLAIN_LIST_ASSEMBLIES"] = "1";
        }, arguments);
        _app.WaitFor(l => l.Contains("detour: watching Plain.csproj, Lib.csproj"), "the banner naming both projects", seconds: 180);
    }

    /// <summary>The banner comes before the host's warm-up; a test that steers modes waits until the status says ready.</summary>
    void WaitUntilReady()
    {
        for (int attempt = 0; attempt < 240; attempt++)
        {
            if (RunningApp.Command(Path.Combine(_dir, "Plain"), "status").Contains(", ready (")) return;
            Thread.Sleep(250);
        }
        Assert.Fail("the compile host did not get ready");
    }

    string WaitForTick(string contains, string what) => _app.WaitFor(l => l.StartsWith("tick ") && l.Contains(contains), what);

    /// <summary>Asks the host for its status until it says <paramref name="expected"/>: the positive sign that the host
    /// has seen what the test did.</summary>
    string WaitForStatus(string expected, string what)
    {
        for (int attempt = 0; attempt < 240; attempt++)
        {
            string status = RunningApp.Command(Path.Combine(_dir, "Plain"), "status");
            if (status.Contains(expected)) return status;
            Thread.Sleep(250);
        }
        Assert.Fail($"the status never said {what}");
        return "";
    }
    int Reports(string file) => _app.Lines.Count(l => l.StartsWith("stderr: detour: " + file + ":"));

    [Test]
    public void AppWithoutDetourReference_IsPatched_ItsUpdateHandlersHearOfIt_AndItsStdoutHoldsOnlyItsOwnLines()
    {
        Launch();
        WaitForTick("hello", "the original greeting");
        RunningApp.Save(Plain("Greeter.cs"), "\"hello\"", "\"howdy\"");
        _app.WaitFor(l => l.Contains("detour: Greeter.cs: 1 patched"), "the patch report");
        WaitForTick("howdy", "the new greeting");
        _app.WaitFor(l => l == "stderr: handler: UpdateApplication Greeter", "the app's update handler");
        var heard = _app.Lines.Where(l => l.StartsWith("stderr: handler: ")).ToList();
        Assert.That(heard, Is.EqualTo(new[] { "stderr: handler: ClearCache Greeter", "stderr: handler: UpdateApplication Greeter" }));
        Assert.That(_app.Stdout.Where(l => !l.StartsWith("tick ")), Is.Empty, "nothing but the app's lines on stdout");
    }

    /// <summary>Issue 8's footprint: after edits, the app holds the agent, the engine, the channel and Iced, and none of
    /// what used to come with them (measured: System.Net.Sockets 3.6 MB, System.Linq, the compiler).</summary>
    [Test]
    public void AfterEdits_TheAppHoldsNoCompilerNoSocketsAndNoLinq()
    {
        Launch(commands: false, listAssemblies: true);
        WaitForTick("hello", "the original greeting");
        RunningApp.Save(Plain("Greeter.cs"), "\"hello\"", "\"howdy\"");
        WaitForTick("howdy", "the new greeting");
        RunningApp.Save(Plain("Greeter.cs"), "\"howdy\"", "\"hi\"");
        WaitForTick("hi", "the second edit");
        _app.ForgetOutput();
        string loaded = _app.WaitFor(l => l.StartsWith("stderr: loaded: "), "a list made after the edits");
        var names = loaded["stderr: loaded: ".Length..].Split(',');
        Assert.That(names, Does.Contain("Detour.Agent").And.Contain("Detour.Engine"), loaded);
        // Iced decodes the code the engine patches; without the engine nothing loads it.
        Assert.That(names, Installed.EngineOff ? Does.Not.Contain("Iced") : Does.Contain("Iced"), loaded);
        Assert.That(names.Where(n => n.StartsWith("Microsoft.CodeAnalysis") || n.StartsWith("Mono.Cecil") || n is "System.Linq" or
            "System.Net.Sockets" or "System.Diagnostics.DiagnosticSource"), Is.Empty, loaded);
    }

    [Test]
    public void ReferencedLibraryProject_IsWatchedAndPatchedToo()
    {
        Launch();
        RunningApp.Save(Weather, "\"sunny\"", "\"rainy\"");
        _app.WaitFor(l => l.Contains("Weather.cs: 1 patched"), "the library's patch report");
        WaitForTick("rainy", "the library's new behaviour");
    }

    [Test]
    public void EditSavedBeforeTheHostIsReady_IsNotLost()
    {
        // The host holds its start until the test says so: the save certainly comes before it reads the project.
        string release = Path.Combine(_dir, "release-start");
        _app = RunningApp.Tool(Path.Combine(_dir, "Plain"), start =>
        {
            start.Environment["DETOUR_TEST_FAULTS"] = "start:hold";
            start.Environment["DETOUR_TEST_RELEASE"] = release;
        });
        _app.WaitFor(l => l.StartsWith("tick "), "the app's first tick", seconds: 180);
        RunningApp.Save(Plain("Greeter.cs"), "\"hello\"", "\"early\"");
        Assert.That(_app.Lines.Any(l => l.Contains("detour: watching")), Is.False, "the host had not started");
        File.WriteAllText(release, "");
        _app.WaitFor(l => l.Contains("detour: watching"), "the banner");
        WaitForTick("early", "the early edit applied");
    }

    [Test, Category(Categories.EngineIndependent)]
    public void FileMarkedWatchFalse_IsNotWatched()
    {
        Launch();
        RunningApp.Save(Plain("Unwatched.cs"), "\"u1\"", "\"u2\"");
        RunningApp.Save(Plain("Greeter.cs"), "\"hello\"", "\"later\"");
        // The watcher takes events in order: had it seen the first save, it would have reported it with this one, or before.
        var report = _app.WaitFor(l => l.StartsWith("stderr: detour:") && l.Contains("Greeter.cs"), "the later edit's report");
        Assert.That(report, Does.StartWith("stderr: detour: Greeter.cs: 1 patched"));
        WaitForTick("later", "a later edit to a watched file");
        Assert.That(_app.Lines.Any(l => l.Contains("u2") || l.Contains("Unwatched.cs")), Is.False);
    }

    [Test]
    public void SeveralFilesSavedTogether_AreOneTransaction()
    {
        Launch();
        WaitForTick("hello m1", "the original output");
        RunningApp.Save(Plain("Greeter.cs"), "\"hello\"", "\"both\"");
        RunningApp.Save(Plain("Extra.cs"), "\"m1\"", "\"m2\"");
        var report = _app.WaitFor(l => l.StartsWith("stderr: detour:") && l.Contains("patched"), "the report");
        Assert.That(report, Does.Match(@"Extra\.cs, Greeter\.cs: 2 patched \(\d+ ms\)"));
        var first = WaitForTick("m2", "the new output");
        Assert.That(first, Does.Contain("both m2"), "no tick ran with only one of the two files applied");
        Assert.That(_app.Lines.Any(l => l.StartsWith("tick ") && (l.Contains("both m1") || l.Contains("hello m2"))), Is.False);
    }

    [Test, Category(Categories.EngineIndependent)]
    public void DeleteThenCreate_IsAnOrdinarySave_HalfWrittenFilesAreNotReportedBroken_AndBinaryContentIsOneLine()
    {
        Launch();
        WaitForTick("hello", "the original greeting");
        string path = Plain("Greeter.cs");
        string text = File.ReadAllText(path);
        File.Delete(path);
        Thread.Sleep(30);
        File.WriteAllText(path, text.Replace("\"hello\"", "\"reborn\""));
        WaitForTick("reborn", "the recreated file's code");
        Assert.That(_app.Lines.Any(l => l.Contains("file deleted")), Is.False);

        // Half a file, written in place and held open: the host sees the save, and waits while the file is being written.
        var bytes = System.Text.Encoding.UTF8.GetBytes(text.Replace("\"hello\"", "\"whole\""));
        using (var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite))
        {
            stream.Write(bytes, 0, bytes.Length / 2);
            stream.Flush();
            WaitForStatus("saved, not applied yet: Greeter.cs", "that the half-written file waits");
            stream.Write(bytes, bytes.Length / 2, bytes.Length - bytes.Length / 2);
        }
        WaitForTick("whole", "the completed file's code");
        Assert.That(_app.Lines.Any(l => Regex.IsMatch(l, @"error CS\d+")), Is.False);

        // Binary garbage saved over a source: one line saying so, not a compiler error per byte; then a good save applies.
        File.WriteAllBytes(path, Enumerable.Range(0, 4096).Select(i => (byte)(i * 7919 % 251)).ToArray());
        _app.WaitFor(l => l.Contains("detour: ") && l.Contains("Greeter.cs: not C# text"), "the one line about binary content");
        File.WriteAllText(path, text.Replace("\"hello\"", "\"after binary\""));
        WaitForTick("after binary", "the next good save");
        Assert.That(_app.Lines.Count(l => l.Contains("Greeter.cs") && l.Contains("not C# text")), Is.EqualTo(1));
        Assert.That(_app.Lines.Any(l => Regex.IsMatch(l, @"error CS\d+")), Is.False);
    }

    [Test, Category(Categories.EngineIndependent)]
    public void QuickSavesOfOneFile_BecomeOneReload()
    {
        Launch();
        WaitForTick("hello", "the original greeting");
        string path = Plain("Greeter.cs");
        string text = File.ReadAllText(path);
        foreach (var word in new[] { "one", "two", "three" })
            File.WriteAllText(path, text.Replace("\"hello\"", $"\"{word}\""));
        WaitForTick("three", "the last save's code");
        // A later save's report: any second reload of the quick saves would have come before it.
        RunningApp.Save(Plain("Extra.cs"), "\"m1\"", "\"m2\"");
        _app.WaitFor(l => l.StartsWith("stderr: detour: Extra.cs: 1 patched"), "a later save's report");
        Assert.That(Reports("Greeter.cs"), Is.EqualTo(1));
    }

    [Test]
    public void BrokenFile_IsReportedWithFileLineAndColumn_NotRetriedUntilItChanges_AndTheFixApplies()
    {
        Launch();
        string path = Plain("Greeter.cs");
        RunningApp.Save(path, "=> \"hello\";", "=> \"hello\"");
        var error = _app.WaitFor(l => Regex.IsMatch(l, @"Greeter\.cs\(\d+,\d+\): error CS1002"), "the compile error");
        Assert.That(error, Does.Contain(path));
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow); // touched, same text
        RunningApp.Save(Plain("Extra.cs"), "\"m1\"", "\"m2\"");
        WaitForTick("m2", "a later good edit of another file");
        Assert.That(Reports("Greeter.cs"), Is.EqualTo(1), "the unchanged broken file was not compiled again");
        RunningApp.Save(path, "=> \"hello\"", "=> \"fixed\";");
        WaitForTick("fixed", "the fix");
    }

    [Test]
    public void CommandsFromAnotherTerminal_SetTheMode_ReloadNow_Force_AndShowStatus()
    {
        Launch();
        WaitUntilReady();
        string project = Path.Combine(_dir, "Plain");
        Assert.That(RunningApp.Command(project, "mode", "0"), Does.Contain("autoreload mode 0"));
        RunningApp.Save(Plain("Greeter.cs"), "\"hello\"", "\"held\"");
        WaitForStatus("held by the mode or skip marks (%autoreload applies them): Greeter.cs", "that the save is held");
        Assert.That(_app.Lines.Any(l => l.StartsWith("tick ") && l.Contains("held")), Is.False, "mode 0 applies nothing");
        RunningApp.Command(project, "reload");
        WaitForTick("held", "the held edit, applied on request");

        RunningApp.Command(project, "mode", "1");
        Assert.That(RunningApp.Command(project, "force", "Lib"), Does.Contain("marked Lib"));
        RunningApp.Save(Plain("Extra.cs"), "\"m1\"", "\"m2\"");
        RunningApp.Save(Weather, "\"sunny\"", "\"windy\"");
        WaitForTick("windy", "the forced module's edit");
        WaitForStatus("held by the mode or skip marks (%autoreload applies them): Extra.cs", "that the unforced edit is held");
        Assert.That(_app.Lines.Any(l => l.StartsWith("tick ") && l.Contains("m2")), Is.False, "an unforced module's edit waits in mode 1");
        string status = RunningApp.Command(project, "status");
        Assert.That(status, Does.Contain("patched Lib.Weather.Today").And.Contain("mode 1, ready"));
        Assert.That(RunningApp.Command(project, "revert"), Does.Contain("reverted 2 methods"));
        WaitForTick("hello m1 sunny", "the original code again");
    }

    [Test, Category(Categories.EngineIndependent)]
    public void PercentLines_GoToDetour_WhileOtherLinesStillReachTheApp()
    {
        Launch(commands: true);
        _app.Input.WriteLine("hello app");
        _app.WaitFor(l => l == "input: hello app", "the app's own input line");
        _app.Input.WriteLine("%aimport");
        _app.WaitFor(l => l.Contains("detour: marked: (none); skipped: (none)"), "the command's answer");
        _app.Input.WriteLine("%help");
        _app.WaitFor(l => l.Contains("detour: %revert [X]"), "the help made from the command table");
        // The app reads its lines in order: had a command reached it, it would have echoed it before this one.
        _app.Input.WriteLine("after the commands");
        _app.WaitFor(l => l == "input: after the commands", "a later line of the app's");
        Assert.That(_app.Lines.Any(l => l.StartsWith("input: %")), Is.False, "commands are not passed to the app");
    }

    [Test]
    public void NewFile_JoinsTheProject_AndItsTypeIsUsableFromTheNextEdit()
    {
        Launch();
        WaitForTick("hello", "the original greeting");
        File.WriteAllText(Plain("Fresh.cs"), "public static class Fresh\n{\n    public static string Word() => \"fresh\";\n}\n");
        _app.WaitFor(l => l.Contains("Fresh.cs: 1 added"), "the new file's report");
        RunningApp.Save(Plain("Greeter.cs"), "=> \"hello\";", "=> Fresh.Word();");
        WaitForTick("fresh", "code using the new type");
    }

    [Test]
    public void AddedStaticField_ItsInitializerEditedLater_IsReinitialized_NotCalledNoChange()
    {
        Launch();
        WaitForTick("hello m1", "the original ticks");
        RunningApp.Save(Plain("Extra.cs"), "public static string Mark() => \"m1\";",
            "static readonly Func<int, string> Format = n => \"m\" + (n * 10);\n    public static string Mark() => Format(2);");
        WaitForTick("hello m20", "the added field's initializer, run");
        RunningApp.Save(Plain("Extra.cs"), "(n * 10)", "(n * 100)");
        _app.WaitFor(l => l.StartsWith("stderr: detour: Extra.cs: 1 patched"), "the edited initializer, re-run (it was 'no code change')");
        WaitForTick("hello m200", "the new lambda in the field");
        RunningApp.Save(Plain("Extra.cs"), "Format(2)", "Format(3)");
        WaitForTick("hello m300", "a later edit keeps the field's value");
    }

    [Test, Category(Categories.EngineIndependent)]
    public void Verbose_PrintsEachEditsTimeline_FromTheSaveToTheAgentsAnswer()
    {
        Launch(false, "--verbose");
        WaitForTick("hello", "the original greeting");
        RunningApp.Save(Plain("Greeter.cs"), "=> \"hello\";", "=> \"timed\";");
        var line = _app.WaitFor(l => l.Contains("detour: timeline: "), "the edit's timeline");
        TestContext.Out.WriteLine(line);
        // Without the native engine, the body goes through the runtime's update: a stage of its own.
        string runtimeUpdate = Installed.EngineOff ? @"runtime update \d+\.\d ms, " : "";
        Assert.That(line, Does.Match(@"timeline: watch \d+\.\d ms, read \d+\.\d ms, compile \d+\.\d ms, baseline \d+\.\d ms, bind, diff, rules \d+\.\d ms, " +
                                     runtimeUpdate + @"relink \d+\.\d ms, apply in the app \d+\.\d ms, record \d+\.\d ms = \d+ ms"));
        WaitForTick("timed", "the new greeting");
        RunningApp.Save(Plain("Greeter.cs"), "=> \"timed\";", "=> \"timed again\";");
        TestContext.Out.WriteLine(_app.WaitFor(l => l.Contains("detour: timeline: "), "the second edit's timeline"));
        WaitForTick("timed again", "the second greeting");
        Thread.Sleep(3000); // the host's warm-up is over: a warm edit's timeline
        RunningApp.Save(Plain("Greeter.cs"), "=> \"timed again\";", "=> \"timed warm\";");
        TestContext.Out.WriteLine(_app.WaitFor(l => l.Contains("detour: timeline: "), "the warm edit's timeline"));
        WaitForTick("timed warm", "the third greeting");
    }

    [Test]
    public void CallerSavedBeforeItsCallee_AppliesWhenTheCalleeIsSaved()
    {
        Launch();
        WaitForTick("hello", "the original greeting");
        RunningApp.Save(Plain("Greeter.cs"), "=> \"hello\";", "=> Extra.Other();");
        _app.WaitFor(l => Regex.IsMatch(l, @"Greeter\.cs\(\d+,\d+\): error CS0117"), "the caller's compile error");
        RunningApp.Save(Plain("Extra.cs"), "public static string Mark() => \"m1\";", "public static string Mark() => \"m1\";\n    public static string Other() => \"other\";");
        _app.WaitFor(l => l.Contains("Extra.cs, Greeter.cs: 1 patched, 1 added"), "one report for both files");
        WaitForTick("other", "the caller's new code");
    }

    [Test, Category(Categories.EngineIndependent)]
    public void SaveWithoutChanges_IsPassedOverQuietly()
    {
        Launch();
        WaitForTick("hello", "the original greeting");
        string path = Plain("Greeter.cs");
        File.WriteAllText(path, File.ReadAllText(path));
        RunningApp.Save(Plain("Extra.cs"), "\"m1\"", "\"m2\"");
        _app.WaitFor(l => l.StartsWith("stderr: detour: Extra.cs: 1 patched"), "a later real edit's report");
        Assert.That(Reports("Greeter.cs"), Is.Zero);
        Assert.That(Reports("Extra.cs"), Is.EqualTo(1));
    }

    [Test]
    public void EditOfTheRunningMainLoop_IsPatched_AndTheUserIsToldWhyNothingChangesYet()
    {
        Launch();
        RunningApp.Save(Plain("Program.cs"), "$\"tick {tick}", "$\"tock {tick}");
        _app.WaitFor(l => l.Contains("Program.cs: 1 patched"), "the report");
        _app.WaitFor(l => l.Contains("the entry point is already running"), "the explanation");
    }

    [Test]
    public void AnOverrideAddedToAClass_IsRunByAnObjectMadeAtStartup()
    {
        // The user's classes, built with the app: a base class in one file, a subclass in another, and an object
        // made before any edit.
        File.WriteAllText(Plain("Pet.cs"), "public class Pet\n{\n    public virtual string Sound() => \"...\";\n}\n");
        File.WriteAllText(Plain("Cat.cs"), "public class Cat : Pet\n{\n}\n\npublic static class Pets\n{\n    public static readonly Pet Kept = new Cat();\n}\n");
        Launch();
        WaitForTick("hello", "the original greeting");
        RunningApp.Save(Plain("Greeter.cs"), "=> \"hello\";", "=> Pets.Kept.Sound();");
        WaitForTick("... m1", "the kept cat, with the base class's sound");
        RunningApp.Save(Plain("Cat.cs"), "public class Cat : Pet\n{\n", "public class Cat : Pet\n{\n    public override string Sound() => \"meow, not \" + base.Sound();\n");
        var report = _app.WaitFor(l => l.Contains("detour: Cat.cs: "), "the override's report");
        if (Installed.EngineOff)
        {
            // The dispatcher is a detour: without the engine, the runtime's own rule holds.
            _app.WaitFor(l => l.Contains("rude edit: adding the override Cat.Sound needs a restart where the native engine is off"), "the refusal");
            return;
        }
        Assert.That(report, Does.Contain("1 added"), report);
        WaitForTick("meow, not ...", "the object made at startup running the added override");
    }

    [Test]
    public void EditOfALocalFunctionOfTheTopLevelProgram_IsPatched_WithoutNamingTheEntryPoint()
    {
        Launch();
        WaitForTick(" s1", "the original stamp");
        RunningApp.Save(Plain("Program.cs"), "=> \"s1\";", "=> \"s2\";");
        var report = _app.WaitFor(l => l.Contains("detour: Program.cs: "), "the report");
        Assert.That(report, Does.Contain("Program.cs: 1 patched"));
        WaitForTick(" s2", "the local function's new body, running at once");
        // The report's member lines come before the next report.
        RunningApp.Save(Plain("Extra.cs"), "\"m1\"", "\"m2\"");
        _app.WaitFor(l => l.StartsWith("stderr: detour: Extra.cs: 1 patched"), "a later edit's report");
        Assert.That(_app.Lines.Any(l => l.Contains("<Main>$") || l.Contains("entry point")), Is.False, "Main's own statements did not change");
    }

    [Test]
    public void MembersAndTypesAddedToTheLibrary_AreUsableFromTheAppsEdits_EvenInTheSameSave()
    {
        Launch();
        RunningApp.Save(Weather, "public static string Today() => \"sunny\";",
            "public static string Today() => \"sunny\";\n    public static string Tomorrow() => \"snow\";");
        _app.WaitFor(l => l.Contains("Weather.cs: 1 added"), "the library edit");
        RunningApp.Save(Plain("Greeter.cs"), "=> \"hello\";", "=> Lib.Weather.Tomorrow();");
        WaitForTick("snow", "the app calling the method the library edit added");

        File.AppendAllText(Weather, "\npublic class Forecast { public int Days = 3; public string Say() => \"days\" + Days; }\n");
        RunningApp.Save(Plain("Greeter.cs"), "=> Lib.Weather.Tomorrow();", "=> new Lib.Forecast().Say();");
        WaitForTick("days3", "the app using a type added to the library in the same save");
    }

    [Test]
    public void RudeEdit_SaysARestartIsNeeded_AndRestartOnRude_RestartsTheAppWithTheEdit()
    {
        Launch(false, "--restart-on-rude");
        WaitForTick("hello", "the original greeting");
        // One save: an instance field (rude: the object layout changes) and a new body that shows the restart.
        string extra = File.ReadAllText(Plain("Extra.cs"));
        File.WriteAllText(Plain("Extra.cs"), extra.Replace("public static class Extra", "public class Extra")
            .Replace("public static string Mark() => \"m1\";", "int _field = 1;\n    public static string Mark() => \"after\" + new Extra()._field;"));
        _app.WaitFor(l => Regex.IsMatch(l, @"Extra\.cs\(\d+,\d+\): rude edit: .*needs a restart"), "the rude-edit report");
        _app.WaitFor(l => l.Contains("detour: restarting the app (--restart-on-rude)"), "the restart");
        WaitForTick("after1", "the restarted app running the edit");
    }

    [Test, Category(Categories.EngineIndependent)]
    public void ExitCode_IsTheApps_AndArgumentsAfterDashDashReachIt()
    {
        _app = RunningApp.Tool(Path.Combine(_dir, "Plain"), "--", "exit", "3");
        _app.WaitFor(l => l == "exiting with 3", "the app's line", seconds: 180);
        Assert.That(_app.WaitForExit(), Is.EqualTo(3));
    }

    [TestCase("TERM", Category = Categories.EngineIndependent)]
    [TestCase("HUP", Category = Categories.EngineIndependent)]
    public void ToolEndedBySignal_TakesItsAppWithIt(string signal)
    {
        Launch();
        WaitUntilReady();
        var app = Regex.Match(RunningApp.Command(Path.Combine(_dir, "Plain"), "status"), @"app process (\d+)");
        Assert.That(app.Success, "the status names the app's process");
        int appId = int.Parse(app.Groups[1].Value);
        using (var kill = System.Diagnostics.Process.Start("kill", ["-" + signal, _app.Id.ToString()])) kill.WaitForExit();
        for (int attempt = 0; attempt < 100 && Directory.Exists($"/proc/{appId}"); attempt++) Thread.Sleep(100);
        bool outlived = Directory.Exists($"/proc/{appId}");
        // An app left behind holds the test's output pipes open: it is killed here, whatever the outcome.
        if (outlived) try { System.Diagnostics.Process.GetProcessById(appId).Kill(); } catch (ArgumentException) { }
        Assert.That(outlived, Is.False, $"the app (process {appId}) outlived the tool's SIG{signal}");
        Assert.That(_app.WaitForExit(30), Is.Not.EqualTo(0), "the tool ended");
    }

    [Test, Category(Categories.EngineIndependent)]
    public void ChildProcessesOfTheApp_AreLeftAlone()
    {
        _app = RunningApp.Tool(Path.Combine(_dir, "Plain"), "--", "spawn");
        var said = _app.WaitFor(l => l.StartsWith("child said: "), "the child's output", seconds: 180);
        Assert.That(said, Is.EqualTo("child said: child ran | "), "the child printed nothing of Detour's");
        _app.WaitFor(l => l.Contains("detour: watching"), "the banner");
        string status = RunningApp.Command(Path.Combine(_dir, "Plain"), "status");
        Assert.That(Regex.Matches(status, @"app process \d+").Count, Is.EqualTo(1), status);
    }
}
