using System.Diagnostics;
using NUnit.Framework;

namespace Detour.EndToEnd.Tests;

/// <summary>An app that steers with Console.ReadKey and KeyAvailable, run by `dotnet detour run` in a pseudo-terminal
/// (util-linux `script`): it must get every key, at once and in order, while the agent is attached and patching.</summary>
[NonParallelizable, Category(Categories.EngineIndependent)]
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

    /// <summary>An app that never reads its input cannot see %-lines: in a terminal the tool's Ctrl+] opens a Detour
    /// prompt instead. An edit that needs a restart arms Ctrl+R; a restart whose build fails waits for the fix.</summary>
    [Test]
    public void AppThatNeverReadsInput_TakesCommandsAtThePrompt_AndRestartsOnOneKey()
    {
        string dir = Installed.CopyApps("prompt", "Second", "Lib");
        string app = Path.Combine(dir, "Second"), weather = Path.Combine(dir, "Lib", "Weather.cs");
        var start = new ProcessStartInfo("script", ["-qfec", $"'{Installed.Tool}' run", "/dev/null"]) { WorkingDirectory = app };
        using var run = new RunningApp(start);
        run.WaitFor(l => l.Contains("detour: Ctrl+] opens the Detour prompt"), "the prompt's key, said once", seconds: 180);
        run.WaitFor(l => l.Contains("detour: watching Second.csproj"), "the banner", seconds: 60);
        run.WaitFor(l => l.Contains("second sunny"), "the app's first line");

        Type(run, "\u001dstatus\r");
        run.WaitFor(l => l.Contains("detour: mode 2"), "%status, typed at the prompt, answered");
        Type(run, "\u001dnonsense\r");
        run.WaitFor(l => l.Contains("detour: unknown command '%nonsense'"), "a wrong command, said");

        RunningApp.Save(weather, "\"sunny\";", "\"rainy\";\n    public static int Calls;");
        run.WaitFor(l => l.Contains("detour: Weather.cs: 1 patched"), "an edit that applies");
        run.WaitFor(l => l.Contains("second rainy"), "its new behaviour");
        Type(run, "\u0012"); // not armed: Ctrl+R is the app's own key, and nothing restarts
        RunningApp.Save(weather, "public static int Calls;", "public static long Calls;");
        run.WaitFor(l => l.Contains("rude edit"), "an edit that cannot be applied, said");
        run.WaitFor(l => l.Contains("detour: this edit needs a restart: press Ctrl+R to restart"), "the restart key, offered");
        Assert.That(run.Lines.Any(l => l.Contains("restarting")), Is.False, "the earlier Ctrl+R went to the app");

        // A broken save, then the restart: its build fails and waits; the fix starts the app.
        RunningApp.Save(weather, "\"rainy\";", "\"snowy\" +;");
        Type(run, "\u0012");
        run.WaitFor(l => l.Contains("detour: restarting the app"), "Ctrl+R, taken by the tool");
        run.WaitFor(l => l.Contains("error CS1525"), "the build's error");
        run.WaitFor(l => l.Contains("detour: the build of Second.csproj failed; fix the errors above and save"), "the wait for the fix");
        RunningApp.Save(weather, "\"snowy\" +;", "\"snowy\";");
        run.WaitFor(l => l.Contains("second snowy"), "the app, started again with every edit", seconds: 120);
        run.WaitFor(l => l.Contains("detour: watching Second.csproj"), "the new app, connected to the warm host");

        Type(run, "\u0003");
        Assert.That(run.WaitForExit(), Is.EqualTo(130), "Ctrl+C is the app's: it ends, and the tool with its exit code");
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
