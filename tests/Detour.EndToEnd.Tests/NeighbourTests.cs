using NUnit.Framework;

namespace Detour.EndToEnd.Tests;

/// <summary>Detour next to what else may be there: an app with its own Roslyn and Cecil, and two apps that share a
/// library project. Every process started is killed.</summary>
[Parallelizable(ParallelScope.Self)]
public class NeighbourTests
{
    [Test]
    public void AppWithItsOwnRoslyn48AndCecil0114_KeepsWorking_AndItsEditsApply()
    {
        string dir = Installed.CopyApps("compilerish", "Compilerish");
        using var app = RunningApp.Tool(Path.Combine(dir, "Compilerish"));
        app.WaitFor(l => l.Contains("detour: watching Compilerish.csproj"), "the banner", seconds: 240);
        var before = app.WaitFor(l => l.StartsWith("tick "), "the app using both libraries");
        Assert.That(before, Does.StartWith("tick roslyn 4.8 cecil 0.11.4 nodes 1 "), "the app's own versions, not Detour's");
        RunningApp.Save(Path.Combine(dir, "Compilerish", "Greeter.cs"), "\"class C { }\"", "\"class C { void M() { } }\"");
        app.WaitFor(l => l.Contains("detour: Greeter.cs: 1 patched"), "the patch");
        app.WaitFor(l => l.StartsWith("tick roslyn 4.8 cecil 0.11.4 nodes 5 "), "the new code, still on the app's own libraries");
    }

    [Test]
    public void TwoAppsSharingALibrary_BothTakeOneEditOfIt_EachWithItsOwnReport()
    {
        string dir = Installed.CopyApps("pair", "Plain", "Second", "Lib");
        using var first = RunningApp.Tool(Path.Combine(dir, "Plain"));
        first.WaitFor(l => l.Contains("detour: watching Plain.csproj, Lib.csproj"), "the first app's banner", seconds: 240);
        using var second = RunningApp.Tool(Path.Combine(dir, "Second"));
        second.WaitFor(l => l.Contains("detour: watching Second.csproj, Lib.csproj"), "the second app's banner", seconds: 240);
        RunningApp.Save(Path.Combine(dir, "Lib", "Weather.cs"), "\"sunny\"", "\"foggy\"");
        first.WaitFor(l => l.Contains("detour: Weather.cs: 1 patched"), "the first app's report");
        second.WaitFor(l => l.Contains("detour: Weather.cs: 1 patched"), "the second app's report");
        first.WaitFor(l => l.StartsWith("tick ") && l.Contains("foggy"), "the first app's new behaviour");
        second.WaitFor(l => l == "second foggy", "the second app's new behaviour");
    }
}
