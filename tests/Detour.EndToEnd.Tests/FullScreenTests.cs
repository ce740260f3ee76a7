using System.Text.RegularExpressions;
using NUnit.Framework;

namespace Detour.EndToEnd.Tests;

/// <summary>A full-screen app under `dotnet detour run` in a terminal (TestApps/Screen: the alternate screen, a redraw
/// and a cursor-position query every frame, keys read one by one). Detour must never stall it, never write into its
/// screen, and never lose its last words; the tool exits with the app's code.</summary>
[NonParallelizable, Category(Categories.EngineIndependent)]
public class FullScreenTests
{
    const string AlternateScreen = "\u001b[?1049h", NormalScreen = "\u001b[?1049l", Prompt = "\u001d", Esc = "\u001b";
    string _app = null!;

    [OneTimeSetUp]
    public void CopyApp() => _app = Path.Combine(Installed.CopyApps("screen", "Screen"), "Screen");

    static int LastFrame(string text) => Regex.Matches(text, @"frame (\d+)").Select(m => int.Parse(m.Groups[1].Value)).DefaultIfEmpty(0).Max();

    static void WaitForFramesAfter(TerminalSession session, int frame, string what) =>
        session.WaitFor(t => LastFrame(t) > frame + 2, what, seconds: 10);

    [Test]
    public void ThePromptNeverStallsTheApp_AndItsScreenHoldsNoDetourByte_UntilItLeavesIt()
    {
        using var session = new TerminalSession(_app);
        session.WaitFor(t => t.Contains("frame ") && t.Contains("cursor 0"), "the app's first frames, its cursor queries answered", seconds: 180);
        session.WaitFor(t => t.Contains("detour: watching Screen.csproj") || LastFrame(t) > 0, "the host");

        // Open and close the prompt over and over, with the terminal's answers slow: the app's queries still get them.
        var random = new Random(7);
        for (int round = 0; round < 12; round++)
        {
            session.AnswerDelay = TimeSpan.FromMilliseconds(random.Next(0, 200));
            int before = LastFrame(session.Text);
            session.Send(Prompt);
            Thread.Sleep(random.Next(0, 120));
            session.Send(round % 3 == 0 ? "st" + Esc : Esc);
            WaitForFramesAfter(session, before, $"frames going on after prompt round {round} (answers after {session.AnswerDelay.TotalMilliseconds} ms)");
        }
        session.AnswerDelay = TimeSpan.Zero;

        // An edit while the app owns its screen: it applies, and Detour says nothing there.
        RunningApp.Save(Path.Combine(_app, "Painter.cs"), "\"red\"", "\"blue\"");
        session.WaitFor(t => Regex.IsMatch(t, @"frame \d+ blue"), "the new code on the app's screen");
        int shown = session.Length;
        session.Send(Prompt);
        session.WaitFor(t => t.Contains("detour: Painter.cs: 1 patched") && t.Contains("detour> "), "the prompt, showing what happened", from: shown);
        session.Send("status\r");
        session.WaitFor(t => t.Contains("detour: mode 2, ready"), "the status, at the prompt", from: shown);
        session.Send(Esc);
        int beforeQuit = LastFrame(session.Text);
        WaitForFramesAfter(session, beforeQuit, "frames after the prompt");

        session.Send("q");
        Assert.That(session.WaitForExit(), Is.EqualTo(7), "the tool exits with the app's code");
        string text = session.Text;
        int enter = text.IndexOf(AlternateScreen, StringComparison.Ordinal), leave = text.IndexOf(NormalScreen, enter, StringComparison.Ordinal);
        Assert.That((enter, leave), Is.Not.EqualTo((-1, -1)));
        string onTheAppsScreen = text[enter..leave];
        string unasked = Regex.Replace(onTheAppsScreen, "\u001b7.*?\u001b8", "", RegexOptions.Singleline); // the prompt, drawn when the user asked
        Assert.That(unasked, Does.Not.Contain("detour"), "no Detour byte on the app's screen, but for the prompt the user opened");
        string after = text[leave..];
        Assert.That(after, Does.Contain("last words after").And.Contain("blue"), "the app's last words");
        Assert.That(after, Does.Contain("detour: Painter.cs: 1 patched"), "Detour's lines, written once the app left its screen");
    }

    [Test]
    public void TheAppEndingWhileThePromptIsOpen_SaysItsLastWords_AndTheToolExitsWithItsCode()
    {
        using var session = new TerminalSession(_app);
        session.WaitFor(t => t.Contains("cursor 0"), "the app's frames", seconds: 180);
        // Counting down to its end, the app no longer asks the terminal anything; the prompt opens, and it ends.
        session.Send("e");
        session.WaitFor(t => t.Contains("cursor -1"), "the app counting down");
        session.Send(Prompt);
        Assert.That(session.WaitForExit(), Is.EqualTo(7), "the app's code, though the prompt was open when it ended");
        string text = session.Text;
        int prompt = text.LastIndexOf("detour> ", StringComparison.Ordinal), words = text.IndexOf("last words after", StringComparison.Ordinal);
        Assert.That(prompt, Is.GreaterThanOrEqualTo(0), "the prompt was drawn");
        Assert.That(words, Is.GreaterThan(prompt), "the app's last words, written after the prompt closed for it");
    }

    [Test]
    public void AnAppThatCrashesOrIsKilled_LeavesTheTerminalAsItWas_AndTheToolExitsAsAShellWould()
    {
        using (var crashing = new TerminalSession(_app))
        {
            crashing.WaitFor(t => t.Contains("cursor 0"), "the app's frames", seconds: 180);
            crashing.Send("c");
            Assert.That(crashing.WaitForExit(), Is.EqualTo(134), "an unhandled exception aborts the app: 128 + SIGABRT");
            Assert.That(crashing.Text, Does.Contain("crashed at frame"), "the exception's message, as the runtime wrote it");
        }
        using var killed = new TerminalSession(_app);
        killed.WaitFor(t => t.Contains("cursor 0"), "the app's frames", seconds: 180);
        int from = killed.Length;
        killed.Send("k");
        Assert.That(killed.WaitForExit(), Is.EqualTo(137), "killed: 128 + SIGKILL");
        string after = killed.TextFrom(from);
        Assert.That(after, Does.Contain(NormalScreen).And.Contain("\u001b[?25h"), "the tool left the app's screen and showed the cursor again");
    }
}
