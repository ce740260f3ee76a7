using System.Text;
using Detour.Tool.Terminal;
using NUnit.Framework;

namespace Detour.Unit.Tests;

/// <summary>The keys of `dotnet detour run`'s terminal: which are the app's, which the prompt's, which a restart.</summary>
public class KeyRouterTests
{
    sealed class Recorder : IKeyTarget
    {
        public readonly StringBuilder App = new(), Echoed = new();
        public readonly List<string> Commands = [], Events = [];
        public void ToApp(ReadOnlySpan<byte> keys) => App.Append(Encoding.UTF8.GetString(keys));
        public void Echo(string text) => Echoed.Append(text);
        public void PromptOpened() => Events.Add("opened");
        public void PromptClosed() => Events.Add("closed");
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
        Assert.That(target.Events, Is.EqualTo(new[] { "opened", "closed" }));
        Assert.That(target.Echoed.ToString(), Does.Contain(KeyRouter.PromptText + "status"));
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
    public void EscapeOrCtrlC_ClosesThePrompt_RunningNothing_AndAnArrowKeyIsSwallowed()
    {
        var (router, target) = Make();
        Type(router, "\u001dstat\u001b[Dz");
        Type(router, "\u001dstat\u0003q");
        Type(router, "\u001d\r");
        Assert.That(target.Commands, Is.Empty, "a cancelled prompt and an empty line run nothing");
        Assert.That(target.App.ToString(), Is.EqualTo("zq"), "the arrow's bytes were the prompt's; what followed is the app's");
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
