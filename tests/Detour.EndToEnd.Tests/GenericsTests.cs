using NUnit.Framework;

namespace Detour.EndToEnd.Tests;

/// <summary>Edits of generic code under `dotnet detour run`, which the runtime's own metadata updates apply: shared code
/// (reference types), each value-type instantiation, and instantiations the JIT first makes after the edit.</summary>
[Parallelizable(ParallelScope.Self)]
public class GenericsTests
{
    // "made 5": a generic lambda's delegate the program made before any edit; the runtime's update, given a syntax map,
    // updates the lambda in place, so it runs each edit's body (without the map it threw HotReloadException).
    static readonly string[] Parts = ["a", "2", "box s", "box 1", "kind Object", "pair 3", "twice c", "made 5"];

    static bool AllAt(string line, string version) =>
        line.StartsWith("tick ") && Parts.All(p => line.Contains($"{version} {p}")) && !line.Contains(version == "v1" ? "v2 " : "v1 ");

    [Test]
    public void GenericBodies_EveryInstantiationRunsTheEdit_ASecondEditToo_AndRevertPutsTheBuildBack()
    {
        string dir = Installed.CopyApps("generics", "Generics");
        string app = Path.Combine(dir, "Generics"), shapes = Path.Combine(app, "Shapes.cs");
        using var run = RunningApp.Tool(app);
        run.WaitFor(l => l.Contains("detour: watching Generics.csproj"), "the banner", seconds: 180);
        run.WaitFor(l => AllAt(l, "v1"), "the build's bodies");

        RunningApp.Save(shapes, "\"v1 ", "\"v2 ");
        string report = run.WaitFor(l => l.Contains("detour: Shapes.cs:"), "the report");
        Assert.That(report, Does.Match(@"Shapes\.cs: \d+ patched"), "applied, not refused");
        run.WaitFor(l => AllAt(l, "v2"), "every instantiation, shared and per value type, on the new bodies");

        File.WriteAllText(Path.Combine(app, "late"), "");
        run.WaitFor(l => l.Contains("late v2 00000000-0000-0000-0000-000000000000 v2 box"), "instantiations first made after the edit");

        RunningApp.Save(shapes, "\"v2 ", "\"v3 ");
        run.WaitFor(l => l.Contains("detour: Shapes.cs:") && l.Contains("patched"), "a second edit");
        run.WaitFor(l => AllAt(l, "v3") && l.Contains("late v3"), "the second edit's bodies");

        string reverted = RunningApp.Command(app, "revert");
        Assert.That(reverted, Does.Not.Contain("failed"), reverted);
        run.WaitFor(l => AllAt(l, "v1") && l.Contains("late v1"), "the build's bodies again, through the runtime");

        // A generic body that names a method the same edit adds: the runtime adds the method first, then takes the body.
        // (The file still reads v3: a revert changes what runs, not the sources.)
        RunningApp.Save(shapes, ("public static string Echo<T>(T value) => \"v3 \" + value;",
                                 "public static string Echo<T>(T value) => Added() + value;\n    public static string Added() => \"added \";"));
        report = run.WaitFor(l => l.Contains("detour: Shapes.cs:") && l.Contains("added"), "the report of the addition");
        Assert.That(report, Does.Match(@"\d+ patched, 1 added"), report);
        run.WaitFor(l => l.Contains("added a") && l.Contains("added 2"), "the generic body calling the added method");
    }
}
