using System.Collections.Concurrent;
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
    Process? _app;
    readonly ConcurrentQueue<string> _lines = new();

    static string RepoRoot()
    {
        var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Detour.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    [OneTimeSetUp]
    public void BuildDemoCopy()
    {
        string root = RepoRoot();
        _dir = Path.Combine(Path.GetTempPath(), "detour-e2e-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_dir);
        foreach (var file in new[] { "Demo.csproj", "Program.cs", "Scene.cs" })
            File.Copy(Path.Combine(root, "examples", "Demo", file), Path.Combine(_dir, file));
        var csproj = Path.Combine(_dir, "Demo.csproj");
        File.WriteAllText(csproj, File.ReadAllText(csproj).Replace("../../src/", Path.Combine(root, "src") + "/"));
        var build = Process.Start(new ProcessStartInfo("dotnet", "build -c Debug -nologo -v:q") { WorkingDirectory = _dir, RedirectStandardOutput = true, RedirectStandardError = true })!;
        string output = build.StandardOutput.ReadToEnd();
        build.WaitForExit();
        Assert.That(build.ExitCode, Is.Zero, output);
    }

    [OneTimeTearDown]
    public void RemoveCopy()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [SetUp]
    public void StartApp()
    {
        _lines.Clear();
        File.Copy(Path.Combine(RepoRoot(), "examples", "Demo", "Scene.cs"), Path.Combine(_dir, "Scene.cs"), overwrite: true);
        _app = Process.Start(new ProcessStartInfo("dotnet", Path.Combine(_dir, "bin", "Debug", "net10.0", "Demo.dll"))
        {
            WorkingDirectory = _dir, RedirectStandardOutput = true, RedirectStandardInput = true, RedirectStandardError = true,
        })!;
        _app.OutputDataReceived += (_, e) => { if (e.Data is not null) _lines.Enqueue(Regex.Replace(e.Data, "\u001b\\[[0-9;]*[mK]", "")); };
        _app.ErrorDataReceived += (_, e) => { if (e.Data is not null) _lines.Enqueue("stderr: " + e.Data); };
        _app.BeginOutputReadLine();
        _app.BeginErrorReadLine();
        WaitFor(l => l.Contains("[detour] watching"), "the banner");
        Thread.Sleep(1500); // let the agent finish warming up
    }

    [TearDown]
    public void KillApp()
    {
        if (_app is { HasExited: false }) _app.Kill(entireProcessTree: true);
        _app?.WaitForExit(5000);
        _app?.Dispose();
        TestContext.Out.WriteLine(string.Join("\n", _lines.TakeLast(30)));
    }

    string WaitFor(Func<string, bool> match, string what, int seconds = 30)
    {
        var clock = Stopwatch.StartNew();
        var seen = new HashSet<string>();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            foreach (var line in _lines)
                if (match(line) && seen.Add(line)) return line;
            Assert.That(_app!.HasExited, Is.False, "the app exited");
            Thread.Sleep(20);
        }
        Assert.Fail($"timed out waiting for {what}");
        return "";
    }

    int LastFrame() => _lines.Reverse().Select(l => Regex.Match(l, @"frame\s+(\d+)")).First(m => m.Success).Groups[1].Value is var v ? int.Parse(v) : 0;

    void EditScene(string from, string to)
    {
        string path = Path.Combine(_dir, "Scene.cs");
        string text = File.ReadAllText(path);
        Assert.That(text, Does.Contain(from));
        // Save the way many editors do: write a temp file, then rename it over the original.
        File.WriteAllText(path + ".tmp", text.Replace(from, to));
        File.Move(path + ".tmp", path, overwrite: true);
    }

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
        WaitFor(l => l.Contains("%]") || Regex.IsMatch(l, @"\[\.*%\.*\]"), "the fix applied");

        EditScene("public int Frame;", "public int Frame;\n    int _lives;");
        WaitFor(l => l.Contains("rude edit: adding the instance field Scene._lives"), "the rude-edit refusal");
        WaitFor(l => Regex.IsMatch(l, @"\[\.*%\.*\]"), "the app running on");
    }

    [Test]
    public void Commands_SkipThenForceReload_ThenRevert()
    {
        _app!.StandardInput.WriteLine("%aimport -Demo.Scene");
        WaitFor(l => l.Contains("skipping Demo.Scene"), "the skip");
        EditScene("+ \"*\" +", "+ \"&\" +");
        Thread.Sleep(1500);
        Assert.That(_lines.Any(l => l.Contains("&")), Is.False, "a skipped module's edit is not applied");
        _app.StandardInput.WriteLine("%reload Demo.Scene");
        WaitFor(l => l.Contains("&"), "the forced reload");
        _app.StandardInput.WriteLine("%revert");
        WaitFor(l => l.Contains("reverted"), "the revert");
        _lines.Clear();
        WaitFor(l => l.Contains("*"), "the original drawing again");
    }
}
