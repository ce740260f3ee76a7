using System.Diagnostics;
using System.Text.RegularExpressions;
using NUnit.Framework;

namespace Detour.Agent.Tests;

/// <summary>Builds a copy of the demo, runs it as a real process, edits its files as an editor
/// would, and reads its output. Every process started is killed, pass or fail.</summary>
[NonParallelizable]
public class DemoEndToEndTests
{
    string _dir = null!;
    RunningApp _app = null!;

    [OneTimeSetUp]
    public void BuildDemoCopy()
    {
        _dir = Path.Combine(Path.GetTempPath(), "detour-e2e-" + Guid.NewGuid().ToString("N")[..8]);
        TestBuilds.DemoCopy(RunningApp.RepoRoot(), _dir);
    }

    [OneTimeTearDown]
    public void RemoveCopy()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [SetUp]
    public void StartApp()
    {
        RunningApp.Restore(Path.Combine(RunningApp.RepoRoot(), "examples", "Demo", "Scene.cs"), Path.Combine(_dir, "Scene.cs"));
        var start = new ProcessStartInfo("dotnet", Path.Combine(_dir, "bin", "Debug", "net10.0", "Demo.dll")) { WorkingDirectory = _dir };
        start.Environment["DETOUR_COMMANDS"] = "1"; // stdin is a pipe here, not a terminal
        _app = new RunningApp(start);
        _app.WaitFor(l => l.Contains("[detour] watching"), "the banner");
    }

    [TearDown]
    public void KillApp() => _app.Dispose();

    int LastFrame() => _app.Lines.Reverse().Select(l => Regex.Match(l, @"frame\s+(\d+)")).First(m => m.Success).Groups[1].Value is var v ? int.Parse(v) : 0;

    void EditScene(string from, string to) => RunningApp.Save(Path.Combine(_dir, "Scene.cs"), from, to);

    string WaitFor(Func<string, bool> match, string what) => _app.WaitFor(match, what);

    [Test]
    public void EditChangesBehaviour_StateSurvives_SyntaxErrorThenFix_RudeEditRefused()
    {
        WaitFor(l => l.Contains("*"), "a frame with the star");
        int before = LastFrame();
        EditScene("+ \"*\" +", "+ \"@\" +");
        WaitFor(l => l.Contains("Scene.cs: 1 patched"), "the patch report");
        WaitFor(l => l.Contains("@"), "a frame drawn by the new code");
        Assert.That(LastFrame(), Is.GreaterThan(before), "the frame counter kept counting");

        EditScene("+ \"@\" +", "+ \"@\" + ");
        EditScene("return $", "retur $");
        var error = WaitFor(l => Regex.IsMatch(l, @"Scene\.cs\(\d+,\d+\): error CS\d+"), "the compile error");
        Assert.That(error, Does.Contain(Path.Combine(_dir, "Scene.cs")));
        WaitFor(l => l.Contains("@"), "the app still running");
        EditScene("retur $", "return $");
        EditScene("+ \"@\" + ", "+ \"%\" +");
        WaitFor(l => Regex.IsMatch(l, @"\[\.*%\.*\]"), "the fix applied");

        EditScene("public int Frame;", "public int Frame;\n    int _lives;");
        WaitFor(l => l.Contains("rude edit: adding the instance field Scene._lives"), "the rude-edit refusal");
        WaitFor(l => Regex.IsMatch(l, @"\[\.*%\.*\]"), "the app running on");
    }

    [Test]
    public void Commands_SkipThenForceReload_ThenRevert()
    {
        _app.Input.WriteLine("%aimport -Demo.Scene");
        WaitFor(l => l.Contains("skipping Demo.Scene"), "the skip");
        EditScene("+ \"*\" +", "+ \"&\" +");
        Thread.Sleep(1500);
        Assert.That(_app.Lines.Any(l => l.Contains("&")), Is.False, "a skipped module's edit is not applied");
        _app.Input.WriteLine("%reload Demo.Scene");
        WaitFor(l => l.Contains("&"), "the forced reload");
        _app.Input.WriteLine("%revert");
        WaitFor(l => l.Contains("reverted"), "the revert");
        _app.ForgetOutput();
        WaitFor(l => l.Contains("*"), "the original drawing again");
    }
}
