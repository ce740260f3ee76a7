using System.Diagnostics;
using NUnit.Framework;

namespace Detour.EndToEnd.Tests;

/// <summary>The package route on linux-arm64: the app is published self-contained for linux-arm64 and run under
/// qemu-aarch64; its agent starts the compile host with the machine's own dotnet. `.ci/platforms linux-arm64` runs it
/// (it sets DETOUR_PLATFORM); elsewhere it is skipped.</summary>
[NonParallelizable, Category("linux-arm64")]
public class LinuxArm64Tests
{
    [Test]
    public void PublishedForArm64_UnderQemu_TakesABody_AnInitializerWithAnAddedMethod_AndARevert()
    {
        if (Environment.GetEnvironmentVariable("DETOUR_PLATFORM") != "linux-arm64") Assert.Ignore("run by `.ci/platforms linux-arm64`");
        string dir = Installed.CopyApps("arm64", "Packaged");
        string app = Path.Combine(dir, "Packaged"), greeter = Path.Combine(app, "Greeter.cs"), published = Path.Combine(dir, "published");
        Installed.Run(app, "dotnet", "publish", "-c", "Debug", "-r", "linux-arm64", "--self-contained", "-p:InvariantGlobalization=true",
            "-o", published, "-nologo", "-v:q");
        var start = new ProcessStartInfo("qemu-aarch64", ["-L", "/", Path.Combine(published, "Packaged")]) { WorkingDirectory = app };
        // What the package route's `dotnet run` sets, so additions go through the runtime's update.
        start.Environment["DOTNET_MODIFIABLE_ASSEMBLIES"] = "debug";
        start.Environment["DETOUR_MODIFIABLE"] = "1";
        start.Environment["DETOUR_COMMANDS"] = "1"; // %commands on the app's redirected input
        var running = new RunningApp(start);
        try
        {
            running.WaitFor(l => l.StartsWith("stderr: detour: watching Packaged.csproj"), "the agent's banner", seconds: 240);
            running.WaitFor(l => l.EndsWith("hello hello 1"), "the app's ticks");
            running.Input.WriteLine("%status");
            running.WaitFor(l => l.Contains("native engine: Linux Arm64: precode slot swap, code-start B"), "the platform layer in %status");

            var clock = Stopwatch.StartNew();
            RunningApp.Save(greeter, "=> \"hello\"", "=> \"hola\"");
            running.WaitFor(l => l.StartsWith("stderr: detour: Greeter.cs: 1 patched"), "the body's report");
            running.WaitFor(l => l.EndsWith("hola hola 1"), "the new body running");
            TestContext.Out.WriteLine($"save to new behaviour, a method body under qemu: {clock.ElapsedMilliseconds} ms");

            clock.Restart();
            RunningApp.Save(greeter,
                ("=> \"hola\";", "=> Shout(\"hola\");\n    static string Shout(string s) => s.ToUpperInvariant() + \"!\";"),
                ("[Detour.KeepValueOnReload] public static int Level = 1;", "public static int Level = 7;"));
            running.WaitFor(l => l.StartsWith("stderr: detour: Greeter.cs:") && l.Contains("1 added"), "the added method's report");
            running.WaitFor(l => l.EndsWith("HOLA! HOLA! 7"), "the added method called, the initializer run again");
            TestContext.Out.WriteLine($"save to new behaviour, an added method and an initializer under qemu: {clock.ElapsedMilliseconds} ms");

            running.Input.WriteLine("%revert");
            running.WaitFor(l => l.Contains("hello hello"), "the original code after %revert");
        }
        finally
        {
            running.Dispose();
            Sockets.StopHostsStartedUnder(dir);
        }
    }
}
