using System.Text;
using Detour.Tool.Terminal;
using NUnit.Framework;

namespace Detour.Unit.Tests;

/// <summary>The input of `dotnet detour run`'s terminal: which keys are the app's, which the prompt's, which a restart;
/// and the terminal's answers, which are always the app's.</summary>
public class KeyRouterTests
{
    sealed class Recorder : IKeyTarget
    {
        public readonly StringBuilder App = new(), Echoed = new();
        public readonly List<string> Commands = [], Events = [];
        public void ToApp(ReadOnlySpan<byte> keys) => App.Append(Encoding.UTF8.GetString(keys));
        public void Echo(string text) => Echoed.Append(text);
        public void PromptOpened() => Events.Add("opened");
        public void PromptClosed(bool entered) => Events.Add(entered ? "entered" : "closed");
        public void Command(string line) => Commands.Add(line);
        public void Restart() => Events.Add("restart");
    }

    static (KeyRouter Router, Recorder Target) Make()
    {
        var target = new Recorder();
        return (new KeyRouter(target), target);
    }

    static void Type(KeyRouter router, string keys) => router.Route(Encoding.UTF8.GetBytes(keys));

    [Test]
    public void OrdinaryKeys_GoToTheApp_AsTyped()
    {
        var (router, target) = Make();
        Type(router, "ab\u001b[A\u0003\r");
        Assert.That(target.App.ToString(), Is.EqualTo("ab\u001b[A\u0003\r"));
        Assert.That(target.Events, Is.Empty);
    }

    [Test]
    public void EscapeKey_OpensThePrompt_AndItsLineBecomesAPercentCommand()
    {
        var (router, target) = Make();
        Type(router, "x\u001dstatus\ry"); // one read: before, the prompt, after
        Assert.That(target.App.ToString(), Is.EqualTo("xy"), "keys before and after the prompt are the app's");
        Assert.That(target.Commands, Is.EqualTo(new[] { "%status" }));
        Assert.That(target.Events, Is.EqualTo(new[] { "opened", "entered" }));
        Assert.That(target.Echoed.ToString(), Is.EqualTo("status"));
        Assert.That(router.PromptOpen, Is.False);
    }

    [Test]
    public void PromptLine_KeysSplitOverReads_Backspace_AndAPercentAlreadyTyped()
    {
        var (router, target) = Make();
        Type(router, "\u001d%aut");
        Assert.That(router.PromptOpen, Is.True);
        Type(router, "ox\u007freload 1");
        Type(router, "\r");
        Assert.That(target.Commands, Is.EqualTo(new[] { "%autoreload 1" }));
        Assert.That(target.App.ToString(), Is.Empty, "nothing typed at the prompt reached the app");
    }

    [Test]
    public void Backspace_ErasesAWholeCharacter_AndAMultiByteCharacterEchoesOnce()
    {
        var (router, target) = Make();
        Type(router, "\u001dé");
        Assert.That(target.Echoed.ToString(), Does.EndWith("é"));
        Type(router, "\u007fab\r");
        Assert.That(target.Commands, Is.EqualTo(new[] { "%ab" }));
    }

    [Test]
    public void AnArrowKeyAtThePrompt_IsIgnored_CtrlCCloses_AndAnEmptyLineRunsNothing()
    {
        var (router, target) = Make();
        Type(router, "\u001dstat\u001b[Du");
        Assert.That(router.PromptOpen, Is.True, "an arrow key leaves the prompt open");
        Type(router, "s\u0003q");
        Type(router, "\u001d\r");
        Assert.That(target.Commands, Is.Empty, "a cancelled prompt and an empty line run nothing");
        Assert.That(target.Echoed.ToString(), Is.EqualTo("status"), "the arrow's bytes changed nothing on the line");
        Assert.That(target.App.ToString(), Is.EqualTo("q"), "what followed the cancelled prompt is the app's");
    }

    [Test]
    public void EscAlone_ClosesThePrompt_OnlyWhenNothingFollows()
    {
        var (router, target) = Make();
        Type(router, "\u001dab\u001b");
        Assert.That(router.WaitingAfterEscape, Is.True, "an ESC at the end of a read may start a sequence");
        Type(router, "[12;40R");
        Assert.That(router.PromptOpen, Is.True, "it was a cursor position, not the Esc key");
        Assert.That(target.App.ToString(), Is.EqualTo("\u001b[12;40R"), "the terminal's answer went to the app");
        Type(router, "\u001b");
        router.EscapeTimedOut();
        Assert.That(router.PromptOpen, Is.False, "nothing followed: the Esc key");
        Assert.That(target.Commands, Is.Empty);
    }

    [Test]
    public void TerminalAnswers_ReachTheAppWhileThePromptIsOpen_EvenSplitOverReads()
    {
        var (router, target) = Make();
        Type(router, "\u001dst");
        Type(router, "\u001b[");
        Type(router, "3");
        Type(router, "1;1");
        Type(router, "2Ra\u001b[?62;22c\u001b[I\u001b]11;rgb:0000/0000/0000\u0007t\r");
        Assert.That(target.App.ToString(), Is.EqualTo("\u001b[31;12R\u001b[?62;22c\u001b[I\u001b]11;rgb:0000/0000/0000\u0007"),
            "cursor position, device attributes, focus and a colour answer, whole and in order");
        Assert.That(target.Commands, Is.EqualTo(new[] { "%stat" }), "the keys around them were the prompt's");
    }

    [Test]
    public void PastedText_IsTheApps_EvenAtThePrompt()
    {
        var (router, target) = Make();
        Type(router, "\u001d\u001b[200~pasted \u0012 text\u001b[201~\r");
        Assert.That(target.App.ToString(), Is.EqualTo("\u001b[200~pasted \u0012 text\u001b[201~"));
        Assert.That(target.Events, Does.Not.Contain("restart"));
    }

    [Test]
    public void WithThePromptClosed_ASequenceSplitOverReads_ReachesTheAppAsItComes()
    {
        var (router, target) = Make();
        Type(router, "\u001b");
        Assert.That(target.App.ToString(), Is.EqualTo("\u001b"), "the app's own Esc key is not kept waiting");
        Type(router, "[A\u001d");
        Assert.That(target.App.ToString(), Is.EqualTo("\u001b[A"), "the rest of the arrow key, once");
        Assert.That(router.PromptOpen, Is.True, "the escape key after a sequence still opens the prompt");
    }

    [Test]
    public void RestartKey_IsTheAppsUntilArmed_ThenRestartsOnce()
    {
        var (router, target) = Make();
        Type(router, "\u0012");
        Assert.That(target.App.ToString(), Is.EqualTo("\u0012"), "not armed: the app's own Ctrl+R");
        router.RestartArmed = true;
        Type(router, "a\u0012b\u0012");
        Assert.That(target.Events, Is.EqualTo(new[] { "restart" }), "one restart, then the key is the app's again");
        Assert.That(target.App.ToString(), Is.EqualTo("\u0012ab\u0012"));
    }
}
