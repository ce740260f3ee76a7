using System.Diagnostics;
using NUnit.Framework;

namespace Detour.EndToEnd.Tests;

/// <summary>An app that steers with Console.ReadKey and KeyAvailable, run by `dotnet detour run` in a pseudo-terminal
/// (util-linux `script`): it must get every key, at once and in order, while the agent is attached and patching.</summary>
[NonParallelizable]
public class TerminalTests
{
    [Test]
    public void KeyReadingApp_GetsEveryKey_InOrder_WhileItsCodeIsPatched()
    {
        string dir = Installed.CopyApps("keys", "Keys");
        string app = Path.Combine(dir, "Keys");
        var start = new ProcessStartInfo("script", ["-qfec", $"'{Installed.Tool}' run", "/dev/null"]) { WorkingDirectory = app };
        using var run = new RunningApp(start);
        run.WaitFor(l => l.Contains("detour: watching Keys.csproj"), "the banner in the terminal", seconds: 180);
        run.WaitFor(l => l.Contains("ready left"), "the app's first line");

        Type(run, "ab");
        run.WaitFor(l => l.Contains("key a left"), "key a, at once", seconds: 5);
        run.WaitFor(l => l.Contains("key b left"), "key b, at once", seconds: 5);

        RunningApp.Save(Path.Combine(app, "Mover.cs"), "\"left\"", "\"right\"");
        run.WaitFor(l => l.Contains("detour: Mover.cs: 1 patched"), "the patch");
        Type(run, "cd");
        run.WaitFor(l => l.Contains("key c right"), "key c, run by the new code", seconds: 5);
        run.WaitFor(l => l.Contains("key d right"), "key d", seconds: 5);
        Type(run, "ef");
        run.WaitFor(l => l.Contains("done"), "the app finishing after its sixth key", seconds: 5);
        var keys = run.Lines.Where(l => l.Contains("key ")).Select(l => l[(l.IndexOf("key ", StringComparison.Ordinal) + 4)..][0]).ToList();
        Assert.That(keys, Is.EqualTo("abcdef".ToCharArray()), "every key once, in order");
    }

    static void Type(RunningApp run, string keys)
    {
        foreach (char key in keys)
        {
            run.Input.Write(key);
            run.Input.Flush();
            Thread.Sleep(30);
        }
    }
}
