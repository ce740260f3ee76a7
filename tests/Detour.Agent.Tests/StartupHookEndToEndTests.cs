using System.Diagnostics;
using System.Text.RegularExpressions;
using NUnit.Framework;

namespace Detour.Agent.Tests;

/// <summary>An app that does not reference Detour, with a library project, run with DOTNET_STARTUP_HOOKS
/// and its standard input closed at once. Every process started is killed, pass or fail.</summary>
[NonParallelizable]
public class StartupHookEndToEndTests
{
    string _dir = null!;
    RunningApp _app = null!;
    string Plain(string file) => Path.Combine(_dir, "Plain", file);

    [OneTimeSetUp]
    public void BuildAppCopy()
    {
        _dir = Path.Combine(Path.GetTempPath(), "detour-hook-" + Guid.NewGuid().ToString("N")[..8]);
        CopySources();
        TestBuilds.Build(Path.Combine(_dir, "Plain"));
    }

    void CopySources()
    {
        if (Directory.Exists(Path.Combine(_dir, "Plain"))) File.Delete(Plain("Fresh.cs"));
        string apps = Path.Combine(RunningApp.RepoRoot(), "tests", "Detour.Agent.Tests", "TestApps");
        foreach (var file in Directory.GetFiles(apps, "*", SearchOption.AllDirectories))
            RunningApp.Restore(file, Path.Combine(_dir, Path.GetRelativePath(apps, file)));
    }

    [OneTimeTearDown]
    public void RemoveCopy()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [SetUp]
    public void StartApp()
    {
        CopySources(); // undo the previous test's edits
        _app = Launch();
        _app.WaitFor(l => l.Contains("[detour] watching Plain.csproj, Lib.csproj"), "the banner naming both projects", seconds: 120);
    }

    RunningApp Launch(bool commands = false)
    {
        var start = new ProcessStartInfo("dotnet", Path.Combine(_dir, "Plain", "bin", "Debug", "net10.0", "Plain.dll")) { WorkingDirectory = _dir };
        start.Environment["DOTNET_STARTUP_HOOKS"] = typeof(DetourAgent).Assembly.Location;
        if (commands) start.Environment["DETOUR_COMMANDS"] = "1";
        var app = new RunningApp(start);
        if (!commands) app.Input.Close(); // no terminal and no input at all: the agent must keep watching and patching
        return app;
    }

    void Relaunch(bool commands)
    {
        _app.Dispose();
        _app = Launch(commands);
        _app.WaitFor(l => l.Contains("[detour] watching"), "the banner", seconds: 120);
    }

    void WaitUntilReady()
    {
        for (int attempt = 0; attempt < 240; attempt++)
        {
            _app.Input.WriteLine("%status");
            if (_app.WaitFor(l => l.StartsWith("[detour] mode "), "the status").Contains("ready")) return;
            Thread.Sleep(250);
        }
        Assert.Fail("the agent did not get ready");
    }

    int Reports(string file) => _app.Lines.Count(l => l.StartsWith("[detour] " + file + ":"));

    [TearDown]
    public void KillApp() => _app.Dispose();

    [Test]
    public void EditSavedBeforeTheAgentIsReady_IsNotLost()
    {
        _app.Dispose();
        _app = Launch();
        _app.WaitFor(l => l.StartsWith("tick "), "the app's first tick, before the agent is ready");
        Assert.That(_app.Lines.Any(l => l.Contains("[detour] watching")), Is.False, "test setup: the agent is not ready yet");
        RunningApp.Save(Plain("Greeter.cs"), "\"hello\"", "\"early\"");
        _app.WaitFor(l => l.Contains("[detour] watching"), "the banner", seconds: 120);
        WaitForTick("early", "the early edit applied");
    }

    string WaitForTick(string contains, string what) => _app.WaitFor(l => l.StartsWith("tick ") && l.Contains(contains), what);

    [Test]
    public void AppWithoutDetourReference_IsPatched_ThroughTheStartupHook_WithStdinClosed()
    {
        WaitForTick("hello", "the original greeting");
        RunningApp.Save(Plain("Greeter.cs"), "\"hello\"", "\"howdy\"");
        _app.WaitFor(l => l.Contains("Greeter.cs: 1 patched"), "the patch report");
        WaitForTick("howdy", "the new greeting");
    }

    [Test]
    public void ReferencedLibraryProject_IsWatchedAndPatchedToo()
    {
        RunningApp.Save(Path.Combine(_dir, "Lib", "Weather.cs"), "\"sunny\"", "\"rainy\"");
        _app.WaitFor(l => l.Contains("Weather.cs: 1 patched"), "the library's patch report");
        WaitForTick("rainy", "the library's new behaviour");
    }

    [Test]
    public void FileMarkedWatchFalse_IsNotWatched()
    {
        RunningApp.Save(Plain("Unwatched.cs"), "\"u1\"", "\"u2\"");
        RunningApp.Save(Plain("Greeter.cs"), "\"hello\"", "\"later\"");
        WaitForTick("later", "a later edit to a watched file");
        Thread.Sleep(300);
        Assert.That(_app.Lines.Any(l => l.Contains("u2") || l.Contains("Unwatched.cs")), Is.False);
    }

    [Test]
    public void SeveralFilesSavedTogether_AreOneTransaction()
    {
        WaitForTick("hello m1", "the original output");
        RunningApp.Save(Plain("Greeter.cs"), "\"hello\"", "\"both\"");
        RunningApp.Save(Plain("Extra.cs"), "\"m1\"", "\"m2\"");
        var report = _app.WaitFor(l => l.StartsWith("[detour]") && l.Contains("patched"), "the report");
        Assert.That(report, Does.Match(@"Extra\.cs, Greeter\.cs: 2 patched \(\d+ ms\)"));
        var first = WaitForTick("m2", "the new output");
        Assert.That(first, Does.Contain("both m2"), "no tick ran with only one of the two files applied");
        Assert.That(_app.Lines.Any(l => l.StartsWith("tick ") && (l.Contains("both m1") || l.Contains("hello m2"))), Is.False);
    }

    [Test]
    public void DeleteThenCreate_IsAnOrdinarySave()
    {
        WaitForTick("hello", "the original greeting");
        string path = Plain("Greeter.cs");
        string text = File.ReadAllText(path);
        File.Delete(path);
        Thread.Sleep(30);
        File.WriteAllText(path, text.Replace("\"hello\"", "\"reborn\""));
        WaitForTick("reborn", "the recreated file's code");
        Assert.That(_app.Lines.Any(l => l.Contains("file deleted")), Is.False);
    }

    [Test]
    public void HalfWrittenFile_IsNotReportedAsBroken_WhenTheWriteCompletes()
    {
        WaitForTick("hello", "the original greeting");
        string path = Plain("Greeter.cs");
        string text = File.ReadAllText(path).Replace("\"hello\"", "\"whole\"");
        using (var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite))
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(text);
            stream.Write(bytes, 0, bytes.Length / 2);
            stream.Flush();
            Thread.Sleep(15); // inside the watcher's debounce window
            stream.Write(bytes, bytes.Length / 2, bytes.Length - bytes.Length / 2);
        }
        WaitForTick("whole", "the completed file's code");
        Assert.That(_app.Lines.Any(l => Regex.IsMatch(l, @"error CS\d+")), Is.False);
    }

    [Test]
    public void QuickSavesOfOneFile_BecomeOneReload()
    {
        WaitForTick("hello", "the original greeting");
        string path = Plain("Greeter.cs");
        string text = File.ReadAllText(path);
        foreach (var word in new[] { "one", "two", "three" })
            File.WriteAllText(path, text.Replace("\"hello\"", $"\"{word}\""));
        WaitForTick("three", "the last save's code");
        Thread.Sleep(300);
        Assert.That(Reports("Greeter.cs"), Is.EqualTo(1));
    }

    [Test]
    public void FileThatFailedToCompile_IsNotRetriedUntilItChanges()
    {
        string path = Plain("Greeter.cs");
        RunningApp.Save(path, "=> \"hello\";", "=> \"hello\"");
        _app.WaitFor(l => Regex.IsMatch(l, @"Greeter\.cs\(\d+,\d+\): error CS1002"), "the compile error");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow); // touched, same text
        RunningApp.Save(Plain("Extra.cs"), "\"m1\"", "\"m2\"");
        WaitForTick("m2", "a later good edit of another file");
        Assert.That(Reports("Greeter.cs"), Is.EqualTo(1), "the unchanged broken file was not compiled again");
        RunningApp.Save(path, "=> \"hello\"", "=> \"fixed\";");
        WaitForTick("fixed", "the fix");
    }

    [Test]
    public void Modes_OffThenReloadNow_ThenMarkedOnly()
    {
        Relaunch(commands: true);
        WaitUntilReady();
        _app.Input.WriteLine("%autoreload 0");
        _app.WaitFor(l => l.Contains("autoreload mode 0"), "mode 0");
        RunningApp.Save(Plain("Greeter.cs"), "\"hello\"", "\"held\"");
        Thread.Sleep(800);
        Assert.That(_app.Lines.Any(l => l.StartsWith("tick ") && l.Contains("held")), Is.False, "mode 0 applies nothing");
        _app.Input.WriteLine("%status");
        _app.WaitFor(l => l.Contains("held by the mode or skip marks (%autoreload applies them): Greeter.cs"), "the held file in the status");
        _app.Input.WriteLine("%autoreload");
        WaitForTick("held", "the held edit, applied on request");

        _app.Input.WriteLine("%autoreload 1");
        _app.Input.WriteLine("%aimport Lib");
        _app.WaitFor(l => l.Contains("marked Lib"), "the mark");
        RunningApp.Save(Plain("Extra.cs"), "\"m1\"", "\"m2\"");
        RunningApp.Save(Path.Combine(_dir, "Lib", "Weather.cs"), "\"sunny\"", "\"windy\"");
        WaitForTick("windy", "the marked module's edit");
        Thread.Sleep(500);
        Assert.That(_app.Lines.Any(l => l.StartsWith("tick ") && l.Contains("m2")), Is.False, "an unmarked module's edit waits in mode 1");
        _app.Input.WriteLine("%status");
        _app.WaitFor(l => l.Contains("patched Lib.Weather.Today"), "the status listing patched members");
    }

    [Test]
    public void NewFile_JoinsTheProject_AndItsTypeIsUsableFromTheNextEdit()
    {
        WaitForTick("hello", "the original greeting");
        File.WriteAllText(Plain("Fresh.cs"), "public static class Fresh\n{\n    public static string Word() => \"fresh\";\n}\n");
        _app.WaitFor(l => l.Contains("Fresh.cs: 1 added"), "the new file's report");
        RunningApp.Save(Plain("Greeter.cs"), "=> \"hello\";", "=> Fresh.Word();");
        WaitForTick("fresh", "code using the new type");
    }

    [Test]
    public void OptimizedBuild_LeavesTheAgentInactive_AndSaysWhyInOneLine()
    {
        _app.Dispose();
        TestBuilds.Build(Path.Combine(_dir, "Plain"), "Release");
        var start = new ProcessStartInfo("dotnet", Path.Combine(_dir, "Plain", "bin", "Release", "net10.0", "Plain.dll")) { WorkingDirectory = _dir };
        start.Environment["DOTNET_STARTUP_HOOKS"] = typeof(DetourAgent).Assembly.Location;
        _app = new RunningApp(start);
        _app.WaitFor(l => l.StartsWith("tick "), "the app running");
        Thread.Sleep(1000);
        var said = _app.Lines.Where(l => l.Contains("detour")).ToList();
        Assert.That(said, Is.EqualTo(new[] { "stderr: detour: inactive: Plain is an optimized build; hot patching needs a Debug build" }));
    }

    [Test]
    public void CallerSavedBeforeItsCallee_AppliesWhenTheCalleeIsSaved()
    {
        WaitForTick("hello", "the original greeting");
        RunningApp.Save(Plain("Greeter.cs"), "=> \"hello\";", "=> Extra.Other();");
        _app.WaitFor(l => Regex.IsMatch(l, @"Greeter\.cs\(\d+,\d+\): error CS0117"), "the caller's compile error");
        RunningApp.Save(Plain("Extra.cs"), "public static string Mark() => \"m1\";", "public static string Mark() => \"m1\";\n    public static string Other() => \"other\";");
        _app.WaitFor(l => l.Contains("Extra.cs, Greeter.cs: 1 patched, 1 added"), "one report for both files");
        WaitForTick("other", "the caller's new code");
    }

    [Test]
    public void SaveWithoutChanges_IsPassedOverQuietly()
    {
        WaitForTick("hello", "the original greeting");
        string path = Plain("Greeter.cs");
        File.WriteAllText(path, File.ReadAllText(path));
        RunningApp.Save(Plain("Extra.cs"), "\"m1\"", "\"m2\"");
        WaitForTick("m2", "a later real edit");
        Thread.Sleep(200);
        Assert.That(Reports("Greeter.cs"), Is.Zero);
        Assert.That(Reports("Extra.cs"), Is.EqualTo(1));
    }

    [Test]
    public void AppInput_StillReachesTheApp_WhileCommandsGoToTheAgent()
    {
        Relaunch(commands: true);
        _app.Input.WriteLine("hello app");
        _app.WaitFor(l => l == "input: hello app", "the app's own input line");
        _app.Input.WriteLine("%aimport");
        _app.WaitFor(l => l.Contains("[detour] marked: (none); skipped: (none)"), "the command's answer");
        Thread.Sleep(200);
        Assert.That(_app.Lines.Any(l => l.StartsWith("input: %")), Is.False, "commands are not passed to the app");
    }

    [Test]
    public void EditOfTheRunningMainLoop_IsPatched_AndTheUserIsToldWhyNothingChangesYet()
    {
        RunningApp.Save(Plain("Program.cs"), "$\"tick {tick}", "$\"tock {tick}");
        _app.WaitFor(l => l.Contains("Program.cs: 1 patched"), "the report");
        _app.WaitFor(l => l.Contains("the entry point is already running"), "the explanation");
    }

    [Test]
    public void MembersAndTypesAddedToTheLibrary_AreUsableFromTheAppsEdits_EvenInTheSameSave()
    {
        string weather = Path.Combine(_dir, "Lib", "Weather.cs");
        RunningApp.Save(weather, "public static string Today() => \"sunny\";",
            "public static string Today() => \"sunny\";\n    public static string Tomorrow() => \"snow\";");
        _app.WaitFor(l => l.Contains("Weather.cs: 1 added"), "the library edit");
        RunningApp.Save(Plain("Greeter.cs"), "=> \"hello\";", "=> Lib.Weather.Tomorrow();");
        WaitForTick("snow", "the app calling the method the library edit added");

        // Both projects in one save: a new library type with an instance method, used by the app.
        File.AppendAllText(weather, "\npublic class Forecast { public int Days = 3; public string Say() => \"days\" + Days; }\n");
        RunningApp.Save(Plain("Greeter.cs"), "=> Lib.Weather.Tomorrow();", "=> new Lib.Forecast().Say();");
        WaitForTick("days3", "the app using a type added to the library in the same save");
    }
}
