using Detour.Host;
using NUnit.Framework;

namespace Detour.Unit.Tests;

/// <summary>Command parsing: the CLI's verbs are the %-lines, and %help is the table.</summary>
public class CommandTests
{
    [TestCase("status", "", "%status")]
    [TestCase("reload", "", "%autoreload")]
    [TestCase("reload", "Demo.Scene", "%reload Demo.Scene")]
    [TestCase("revert", "", "%revert")]
    [TestCase("revert", "Lib", "%revert Lib")]
    [TestCase("mode", "1", "%autoreload 1")]
    [TestCase("skip", "Demo", "%aimport -Demo")]
    [TestCase("force", "Lib", "%aimport Lib")]
    public void EachVerb_IsItsPercentLine(string verb, string argument, string line) =>
        Assert.That(Commands.FromVerb(verb, argument), Is.EqualTo(line));

    [Test]
    public void AnUnknownVerb_IsNoLine() => Assert.That(Commands.FromVerb("explode", ""), Is.Null);

    [Test]
    public void EveryCommandName_IsOnce_InTheTable() =>
        Assert.That(Commands.Table.Select(c => c.Name), Is.Unique);

    [Test]
    public void Help_ListsEveryRowOfTheTable()
    {
        var said = Run("%help");
        Assert.That(said, Has.Count.EqualTo(Commands.Table.Count));
        foreach (var command in Commands.Table) Assert.That(said, Has.Some.StartsWith(command.Usage));
    }

    [Test]
    public void AnUnknownCommand_IsSaid_NotThrown() =>
        Assert.That(Run("%frobnicate now"), Is.EqualTo(new[] { "unknown command '%frobnicate now'; type %help" }));

    [Test]
    public void BadArguments_AreSaid() =>
        Assert.That(Run("%autoreload 7"), Is.EqualTo(new[] { "%autoreload takes 0, 1, 2 or 3, not '7'" }));

    [Test]
    public void ModeAndMarks_AreSetByTheirCommands()
    {
        var said = new List<string>();
        using var app = Reloader(said);
        app.Run("%autoreload 1");
        app.Run("%aimport Lib");
        app.Run("%aimport -Demo.Scene");
        app.Run("%aimport");
        Assert.That(app.Mode, Is.EqualTo(ReloadMode.MarkedOnly));
        Assert.That(said, Is.EqualTo(new[] { "autoreload mode 1", "marked Lib", "skipping Demo.Scene: its edits are not applied", "marked: Lib; skipped: Demo.Scene" }));
    }

    static List<string> Run(string line)
    {
        var said = new List<string>();
        using var app = Reloader(said);
        app.Run(line);
        return said;
    }

    /// <summary>A reloader that was never started: the commands that need no project work on it.</summary>
    static AppReloader Reloader(List<string> said) =>
        new(new Channel.Hello(Channel.Frames.Version, Channel.PeerRole.Agent, 1, "/nowhere/App.dll", "", [], false), new NoTarget(), said.Add, "unused.targets");

    sealed class NoTarget : IPatchTarget
    {
        public Channel.PatchResult Apply(Channel.PatchPlan plan) => throw new InvalidOperationException("no plans in this test");
        public Channel.RevertResult Revert(Channel.RevertRequest request) => throw new InvalidOperationException("no reverts in this test");
    }
}
