using NUnit.Framework;

namespace Detour.EndToEnd.Tests;

/// <summary>DETOUR_ENGINE=runtime: the agent patches no native code, and every edit goes through the runtime's own
/// metadata update, as on a platform whose engine is not verified (macOS). The installed tool runs the app.</summary>
[Parallelizable(ParallelScope.Self)]
public class RuntimeOnlyTests
{
    string _dir = null!;
    RunningApp _app = null!;
    string Plain(string file) => Path.Combine(_dir, "Plain", file);

    [SetUp]
    public void CopyApps() => _dir = Installed.CopyApps("runtime-only", "Plain", "Lib");

    [TearDown]
    public void KillApp() => _app?.Dispose();

    string WaitForTick(string contains, string what) => _app.WaitFor(l => l.StartsWith("tick ") && l.Contains(contains), what);

    [Test]
    public void WithTheNativeEngineOff_BodiesAdditionsInitializersLambdasAndALibraryApply_ARemovedLambdaIsRefused_AndRevertPutsTheBuildBack()
    {
        _app = RunningApp.Tool(Path.Combine(_dir, "Plain"), start =>
        {
            start.Environment["DETOUR_ENGINE"] = "runtime";
            start.Environment["DETOUR_COMMANDS"] = "1";
        });
        _app.WaitFor(l => l.Contains("detour: watching Plain.csproj, Lib.csproj"), "the banner", seconds: 180);
        WaitForTick("hello m1 sunny", "the original ticks");
        _app.Input.WriteLine("%status");
        _app.WaitFor(l => l.Contains("native engine: off: DETOUR_ENGINE=runtime"), "the engine's state in %status");

        RunningApp.Save(Plain("Greeter.cs"), "=> \"hello\";", "=> Shout(\"hola\");\n    static string Shout(string s) => s.ToUpperInvariant() + \"!\";");
        _app.WaitFor(l => l.StartsWith("stderr: detour: Greeter.cs: 1 patched, 1 added"), "a body and an added method");
        WaitForTick("HOLA!", "the new body calling the added method");

        RunningApp.Save(Plain("Extra.cs"), "public static string Mark() => \"m1\";",
            "static readonly Func<int, string> Format = n => \"m\" + (n * 10);\n    public static string Mark() => Format(2);");
        WaitForTick("HOLA! m20", "an added static field's initializer, run");
        RunningApp.Save(Plain("Extra.cs"), "(n * 10)", "(n * 100)");
        _app.WaitFor(l => l.StartsWith("stderr: detour: Extra.cs: 1 patched"), "the added field's edited initializer");
        WaitForTick("HOLA! m200", "the added field re-initialized with the edited lambda");

        RunningApp.Save(Path.Combine(_dir, "Lib", "Weather.cs"), "\"sunny\"", "\"rainy\"");
        WaitForTick("m200 rainy", "the library's edit");

        // Lambdas and local functions: the update's syntax map has the runtime update them in place.
        RunningApp.Save(Plain("Greeter.cs"), "=> Shout(\"hola\");", "=> new Func<string>(() => Shout(\"hey\"))();");
        WaitForTick("HEY! m200 rainy", "a body that makes a lambda");
        RunningApp.Save(Plain("Greeter.cs"), "Shout(\"hey\")", "Shout(\"hi\")");
        WaitForTick("HI! m200 rainy", "the lambda's body, updated in place");
        RunningApp.Save(Plain("Program.cs"), "static string Stamp() => \"s1\";", "static string Stamp() => \"s2\";");
        WaitForTick("HI! m200 rainy u1 s2", "a local function of the running top-level program, updated in place");
        // Removing a lambda would leave delegates made of it throwing: refused, and the app keeps its code.
        RunningApp.Save(Plain("Greeter.cs"), "=> new Func<string>(() => Shout(\"hi\"))();", "=> Shout(\"yo\");");
        TestContext.Out.WriteLine(_app.WaitFor(l => l.Contains("rude edit:") && l.Contains("its lambda (line") && l.Contains("was removed"), "a removed lambda, refused"));
        _app.ForgetOutput();
        WaitForTick("HI! m200 rainy u1 s2", "the app on its last good code");

        _app.Input.WriteLine("%revert");
        WaitForTick("hello m1 sunny", "the build's bodies after %revert");
        WaitForTick("s1", "the local function's too");
        Assert.That(_app.Lines.Where(l => l.Contains("detour:") && (l.Contains("rolled back") || l.Contains("Exception"))), Is.Empty);
    }
}
